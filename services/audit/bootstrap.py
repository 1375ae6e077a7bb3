"""Composition root of the audit service: it watches the whole log with its own group,
commits to every record and signs checkpoints (services.audit.entrypoints.ingest)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kit.mail import Mailer, SmtpSettings
from kit.runtime import Running, Service, until_stopped
from kit.settings import ConfigError, Settings
from services.audit.adapters import keys
from kit.reference_watch import ReferenceWatch, watching
from kit.staff import deployment_files, deployment_of, fresh_deployment
from services.audit.adapters.log_reader import PlacesReader
from services.audit.adapters.owner_client import OwnerClient
from services.audit.adapters.routing_recheck import RoutingRecheck
from services.audit.adapters.sla_recheck import SlaRecheck
from services.audit.adapters.store import AuditStore
from services.audit.application import send_witness
from services.audit.domain import witness
from services.audit.entrypoints import appeal_http
from services.audit.entrypoints.http import router
from services.audit.entrypoints.ingest import AuditIngest


log = logging.getLogger(__name__)


def key_path(settings: Settings) -> Path:
    return settings.audit_key or settings.data_dir / "audit" / "signing-key.pem"


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """MCU_AUDIT_KEY; in demo mode a key is made at the first start (outside it, a key
    made up beside what it protects would witness nothing)."""
    path = key_path(settings)
    if not path.exists():
        if not settings.demo:
            raise ConfigError("MCU_AUDIT_KEY: ключ подписи контрольных точек обязателен вне "
                              "демо-режима (создать: mcu audit keygen ФАЙЛ)")
        return keys.generate(path)
    try:
        return keys.load(path)
    except keys.KeyFileError as exc:
        raise ConfigError(f"MCU_AUDIT_KEY: {exc}") from None


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    deployment = deployment_of(settings)  # the auditors and the names they read
    key = signing_key(settings)
    store = AuditStore(settings.data_dir / "audit.sqlite")
    reader = PlacesReader(settings.kafka_bootstrap, settings.log_topic)
    owners = [OwnerClient(settings.address_of("sla")), OwnerClient(settings.routing_address)]
    ingest = AuditIngest(store, key, settings.log_topic, settings.dlq_topic,
                         settings.kafka_bootstrap, every=settings.audit_checkpoint_every,
                         interval=settings.audit_checkpoint_seconds)

    async def watch_the_log(run: Running) -> None:
        await until_stopped(run, ingest)

    async def close_the_reader(run: Running) -> None:
        """The replay door's reader of the log and its clients of the owners open at their
        first use; closed at stop."""
        await run.stopping.wait()
        await reader.stop()
        for owner in owners:
            await owner.close()

    async def witness_weekly(run: Running) -> None:
        """Each Monday the week's witness goes by e-mail to the MCU heads and the region
        (once: the store remembers it); a mail server away is tried again a minute later."""
        mailer = Mailer(SmtpSettings.of(settings), sender_name="МЦУ: служба аудита")
        while not await run.pause(60):
            until = witness.week_end(datetime.now(witness.WEEK_ZONE).date())
            if await asyncio.to_thread(store.witnessed, until):
                continue
            try:
                checkpoints, sent = await asyncio.to_thread(
                    send_witness, store, deployment.current, mailer, until)
            except (OSError, smtplib.SMTPException) as exc:
                run.health.failing("witness", exc)
                continue
            run.health.ok("witness")
            log.info("witness sent", extra={"until": until.isoformat(), "recipients": sent,
                                            "checkpoints": len(checkpoints)})

    def public_keys():
        return keys.public_keys(key_path(settings))

    def reload(by: str | None) -> list[str]:
        deployment.swap(deployment.checked(fresh_deployment(settings)))
        return ["справочник перечитан"]

    watch = ReferenceWatch(lambda: deployment_files(settings, deployment.current), reload)
    return Service("audit", settings,
                   routers=[router(store, public_keys),
                            appeal_http.router(store, deployment, settings.log_topic,
                                               public_keys, reader.read,
                                               SlaRecheck(owners[0]),
                                               RoutingRecheck(owners[1], None)),
                            appeal_http.reads_router(store, deployment)],
                   background=[watch_the_log, close_the_reader,
                               *([witness_weekly] if settings.smtp_host else [])],
                   every_process=[watching(watch)], title_ru="МЦУ: аудит журнала",
                   on_close=store.close)
