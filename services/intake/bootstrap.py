"""Composition root of the intake service."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

from kit import demo, reference_http, revisions
from kit.deployment import Deployment, live
from kit.privacy import redactor
from kit.reference_files import named_by
from kit.reference_watch import ReferenceWatch, watching
from kit.mail import Mailer, SmtpSettings
from kit.runtime import Running, Service, until_stopped
from kit.scope import RoutingScope
from kit.settings import ConfigError, Settings
from kit.staff import deployment_files, deployment_of, fresh_deployment
from kit.stores import store_environment
from services.intake.application import IntakeApplication
from services.intake.classification import rubricator
from services.intake.classification.model import AppealClassifier, ModelFileError
from services.intake.classification.registration import RegistrationClassifier
from services.intake.entrypoints.channel_keys import ChannelKeys, configured_keys
from services.intake.adapters import notice_templates as notice_file
from services.intake.adapters import open311
from services.intake.domain.notices import NoticeTemplates
from services.intake.adapters.reference_files import editable
from services.intake.entrypoints.answer_delivery import AnswerDelivery
from services.intake.entrypoints.batching import RegistrationBatcher
from services.intake.entrypoints import deliveries_http, open311_http, rating_page, vault_http
from services.intake.entrypoints.key_first import ChannelKeyFirst
from services.intake.entrypoints.http import router
from services.intake.adapters.vault import PersonalDataVault, VaultKeyMismatch
from services.intake.adapters.vault_storage import PostgresStorage, SqliteStorage

log = logging.getLogger("mcu.intake")


def registration_classifier(settings: Settings) -> RegistrationClassifier:
    """The administrator's rubricator, and the learned model when one is configured."""
    path = settings.intake_rubricator or rubricator.DEFAULT_FILE
    with named_by("MCU_INTAKE_RUBRICATOR", path):
        rules = rubricator.load(path)
    try:
        model = AppealClassifier.load(settings.intake_model) if settings.intake_model else None
    except ModelFileError as exc:
        raise ConfigError(f"MCU_INTAKE_MODEL: {exc}") from None
    return RegistrationClassifier(rules, model)


def notice_templates(settings: Settings) -> NoticeTemplates:
    """The administrator's wording of the 59-ФЗ notices (MCU_INTAKE_NOTICES)."""
    path = settings.intake_notices or notice_file.DEFAULT_FILE
    with named_by("MCU_INTAKE_NOTICES", path):
        return notice_file.load(path)


def reference_data(app: IntakeApplication) -> dict[str, dict]:
    """What intake keeps revisions of: the rubricator and the notices' templates."""
    return {"rubricator": app.classifier.rubricator.data.model_dump(mode="json"),
            "notices": app.notice_templates.model_dump(mode="json")}


def open_vault(settings: Settings) -> PersonalDataVault:
    """The personal-data vault of this deployment (the service and `mcu intake vault`):
    in the PostgreSQL database when the stores are there, else a SQLite file. Outside demo
    mode its HMAC secret and key-encryption key must be configured."""
    demo.check_secret(settings, "MCU_VAULT_SECRET", settings.vault_secret,
                      "секрет псевдонимов заявителей")
    demo.check_secret(settings, "MCU_VAULT_KEK", settings.vault_kek,
                      "ключ шифрования ключей заявителей")
    kek = vault_kek(settings.vault_kek) if settings.vault_kek else None
    if settings.store == "postgres":
        storage = PostgresStorage(settings.postgres_host, settings.postgres_port,
                                  settings.postgres_db, settings.postgres_user,
                                  settings.postgres_password)
    else:
        storage = SqliteStorage(settings.data_dir / "intake-vault.sqlite")
    try:
        return PersonalDataVault(storage, settings.vault_secret.encode() or None, kek)
    except VaultKeyMismatch as exc:
        storage.close()
        raise ConfigError(str(exc)) from None


def vault_kek(configured: str) -> bytes:
    """MCU_VAULT_KEK: 32 bytes in base64url (as `mcu intake vault new-secret` prints)."""
    try:
        key = base64.urlsafe_b64decode(configured + "=" * (-len(configured) % 4))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError("MCU_VAULT_KEK: ожидается 32 байта в base64url (создать: mcu intake"
                          " vault new-secret)")
    return key


def channel_keys(settings: Settings) -> ChannelKeys:
    """The channels' keys; outside demo mode real ones only."""
    demo.check_channel_keys(settings, {c.value: k for c, k in
                                       configured_keys(settings.intake_api_keys).items()})
    return ChannelKeys(settings.intake_api_keys)


# bytes per door: a web form or a ПОС message is text; a letter carries its attachments;
# an «Инцидент Менеджмент» export is a file of many rows (its rows and cells are bounded
# again when it is read)
BODY_LIMITS = {"/api/v1/appeals": 256 * 1024, "/api/v1/channels/pos/": 256 * 1024,
               "/api/v1/channels/email/": 25 * 1024 * 1024,
               "/api/v1/channels/incident/": 20 * 1024 * 1024,
               "/open311/v2/": 64 * 1024, **reference_http.BODY_LIMITS}


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    keys, deployment = channel_keys(settings), deployment_of(settings)  # refused before any store
    vault = open_vault(settings)
    app = IntakeApplication(env=store_environment("intake", settings), vault=vault,
                            repeat_window=timedelta(days=settings.repeat_window_days),
                            classifier=registration_classifier(settings),
                            redactor=redactor(), deployment=deployment,
                            notice_templates=notice_templates(settings))
    for change in revisions.record_changes(app, reference_data(app))[0]:
        log.info(change)
    return service(settings, app, keys, RoutingScope(settings.routing_address))


def reference_watch(settings: Settings, app: IntakeApplication,
                    services: dict[str, open311.Service]) -> ReferenceWatch:
    """The deployment's files (whose items, whose staff) and the rubricator, loaded again
    when one changes (checked as at start): registration and Open311's list of services
    use the new ones from then on."""
    path, live = settings.intake_rubricator or rubricator.DEFAULT_FILE, app.deployment

    notices = settings.intake_notices or notice_file.DEFAULT_FILE

    def reload(by: str | None) -> list[str]:
        fresh = live.checked(fresh_deployment(settings))
        with named_by("MCU_INTAKE_RUBRICATOR", path):
            rules = rubricator.load(path)
        templates = notice_templates(settings)
        live.swap(fresh)
        app.classifier = RegistrationClassifier(rules, app.classifier.model)
        app.notice_templates = templates
        fresh_services = open311.services_of(rules.data)
        services.clear()
        services.update(fresh_services)
        return revisions.record_changes(app, reference_data(app), by)[0]

    return ReferenceWatch(lambda: [*deployment_files(settings, live.current), path, notices],
                          reload)


def answer_delivery(settings: Settings, app: IntakeApplication) -> AnswerDelivery:
    """The follower that takes published answers to applicants: e-mail when SMTP is
    configured, the receivers of ПОС and «Инцидент Менеджмент» named per municipality,
    letters and call-backs to the operators' lists."""
    unknown = sorted(set(settings.answer_endpoints) - set(app.deployment.municipalities))
    if unknown:
        raise ConfigError(f"MCU_ANSWER_ENDPOINTS: муниципалитетов {', '.join(unknown)} нет в "
                          "развёртывании")
    mailer = Mailer(SmtpSettings.of(settings), sender_name="МЦУ") if settings.smtp_host \
        else None
    return AnswerDelivery(
        app, mailer, domain=settings.smtp_sender.rpartition("@")[2] or "mcu.local",
        public_url=settings.public_url or f"http://127.0.0.1:{settings.port_for('intake')}",
        endpoints={m: dict(e) for m, e in settings.answer_endpoints.items()})


def service(settings: Settings, app: IntakeApplication, keys: ChannelKeys,
            scope: RoutingScope) -> Service:
    """The intake service around its application: its doors and what guards them."""
    batcher = RegistrationBatcher(app)  # one group commit behind every channel's door
    app.deployment = live(app.deployment)  # what the reference watch swaps
    services = open311.services_of(app.classifier.rubricator.data)
    watch = reference_watch(settings, app, services)
    rubricator_file = settings.intake_rubricator or rubricator.DEFAULT_FILE
    answers = answer_delivery(settings, app)

    async def deliver_answers(run: Running) -> None:
        await until_stopped(run, answers)

    return Service("intake", settings, app=app, reaction=app.react, publishes=True,
                   background=[deliver_answers],
                   routers=[router(keys, batcher, app.deployment),
                            open311_http.router(app, keys, batcher, services, app.deployment),
                            vault_http.router(app.vault, app.deployment, scope),
                            reference_http.router(app, app.deployment, lambda: editable(
                                rubricator_file,
                                settings.intake_notices or notice_file.DEFAULT_FILE), watch),
                            rating_page.router(app),
                            deliveries_http.router(app, app.deployment, answers.public_url)],
                   every_process=[watching(watch)],
                   title_ru="МЦУ: приём обращений", on_close=app.vault.close,
                   http_workers_allowed=True, body_limits=BODY_LIMITS,
                   middleware=[(ChannelKeyFirst, {"keys": keys})],
                   error_shapes={"/open311/": open311_http.geo_failure})
