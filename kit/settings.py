"""Settings from environment variables (prefix MCU_), one object for every service."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("intake", "routing", "sla", "analytics", "audit")  # the services of the log
CONSOLE = "console"  # the staff's web pages over them (no store, no part of the log's work)
DEFAULT_PORTS = {"intake": 8001, "routing": 8002, "sla": 8003, "analytics": 8004,
                 "audit": 8005, CONSOLE: 8000}


class AnswerEndpoint(BaseModel):
    """Where a municipality's answers go back to ПОС or «Инцидент Менеджмент» (the
    integration's receiver) and the key it knows the platform by."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str = Field(pattern=r"^https?://\S+$")
    key: str = Field(min_length=16, description="Sent as Authorization: Bearer <key>")


class ConfigError(ValueError):
    """A setting the deployment got wrong; the message (Russian) names it for the operator."""


_REASONS = {
    "int_parsing": lambda ctx: "ожидается целое число",
    "float_parsing": lambda ctx: "ожидается число",
    "bool_parsing": lambda ctx: "ожидается true или false",
    "greater_than_equal": lambda ctx: f"ожидается не меньше {ctx['ge']}",
    "greater_than": lambda ctx: f"ожидается больше {ctx['gt']}",
    "less_than_equal": lambda ctx: f"ожидается не больше {ctx['le']}",
    "literal_error": lambda ctx: f"ожидается одно из: {ctx['expected'].replace(' or ', ', ')}",
}


def settings_problem(error: ValidationError) -> ConfigError:
    """Settings' validation errors as one Russian message naming each variable."""
    lines = []
    for item in error.errors():
        variable = "MCU_" + "_".join(str(part) for part in item["loc"]).upper()
        reason = _REASONS.get(item["type"])
        secret = any(w in variable for w in ("KEY", "SECRET", "PASSWORD", "ENDPOINTS", "KEK"))
        lines.append(f"{variable}={'…' if secret else item.get('input')!s}: "
                     f"{reason(item.get('ctx') or {}) if reason else item['msg']}")
    return ConfigError("неверные настройки: " + "; ".join(lines))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MCU_", env_file=".env", extra="ignore")

    kafka_bootstrap: str = Field(default="127.0.0.1:19092", description="host:port[,host:port]")
    log_topic: str = "mcu.appeals.v1"
    log_partitions: int = Field(default=6, ge=1)
    log_replication: int = Field(default=1, ge=1)

    data_dir: Path = Path("var")
    store: Literal["sqlite", "postgres"] = "sqlite"
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 55432
    postgres_db: str = "mcu"
    postgres_user: str = "mcu"
    postgres_password: str = "mcu"

    clickhouse_url: str = Field(default="", description="Empty: embedded chDB under data_dir")

    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, description="Default: per-service port")
    http_workers: int = Field(default=1, ge=1, le=64,
                              description="HTTP processes of intake (one per core)")

    consumer_batch_size: int = Field(default=500, ge=1)
    consumer_batch_timeout_ms: int = Field(default=200, ge=1)
    relay_batch_size: int = Field(default=1000, ge=1)
    relay_poll_interval_ms: int = Field(default=50, ge=1)

    log_level: str = "INFO"
    demo: bool = Field(default=False, description="Demo mode: the shipped demo directory, "
                       "channel keys and made-up vault secrets are accepted")

    clock_speed: float = Field(default=1.0, gt=0, description="Demo: >1 runs SLA time faster")
    intake_api_keys: str = Field(default="", description="channel=key,…; empty: demo keys")
    vault_secret: str = Field(default="", description="HMAC secret of pseudonyms (required "
                              "outside demo mode; demo: made up and stored in the vault)")
    vault_kek: str = Field(default="", description="Key-encryption key of the vault: 32 bytes"
                           " in base64url (required outside demo mode)")
    repeat_window_days: int = Field(default=30, ge=1)
    intake_rubricator: Path | None = Field(default=None, description="Default: shipped demo")
    intake_notices: Path | None = Field(default=None, description="The 59-ФЗ notices' "
                                        "templates; default: the shipped ones")
    intake_model: Path | None = Field(default=None, description="Trained model dir; none: rules")
    deployment: Path | None = Field(
        default=None, description="The deployment's tree (regions, municipalities, each with "
        "its directory, autorules, policy and channels); default: the demo deployment, or one"
        " municipality of MCU_ROUTING_DIRECTORY when that is set")
    routing_directory: Path | None = Field(
        default=None, description="One municipality's staff directory (a deployment of one, "
        "without MCU_DEPLOYMENT)")
    routing_url: str = Field(default="", description="Routing's HTTP address, asked by intake's"
                             " and SLA's staff doors whose appeal it is; empty:"
                             " http://127.0.0.1:8002")
    sla_url: str = Field(default="", description="SLA's HTTP address for the console; empty:"
                         " http://127.0.0.1:8003")
    intake_url: str = Field(default="", description="Intake's HTTP address for the console;"
                            " empty: http://127.0.0.1:8001")
    analytics_url: str = Field(default="", description="Analytics' HTTP address for the "
                               "console; empty: http://127.0.0.1:8004")
    audit_url: str = Field(default="", description="The audit service's HTTP address (the "
                           "memo prints its witness of the log); empty: http://127.0.0.1:8005")
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60,
                                      description="A console session ends after this idle time")
    console_secure_cookie: bool = Field(default=False, description="Send the session cookie "
                                        "only over HTTPS (set behind a TLS proxy)")
    staff_token: str = Field(default="", description="Your staff token, for `mcu` commands that"
                             " ask a running service (demo: demo-<id>)")
    routing_autorules: Path | None = Field(default=None, description="Default: shipped demo")
    sla_policy: Path | None = Field(default=None, description="Default: the shipped policy")
    analytics_rating: Path | None = Field(default=None, description="Rating formula file; "
                                          "default: the shipped one")
    sla_calendar_dir: Path | None = Field(default=None, description="Default: shipped calendars")
    smtp_host: str = Field(default="", description="Empty: no e-mail notifications")
    smtp_port: int = 8025
    smtp_sender: str = "mcu@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    public_url: str = Field(default="", description="Intake's address as applicants reach it"
                            " (the rating links in answers); empty: http://127.0.0.1:8001")
    audit_key: Path | None = Field(default=None, description="The audit service's Ed25519 "
                                   "signing key (PEM); demo: <data_dir>/audit/signing-key.pem, "
                                   "made at first start")
    audit_checkpoint_every: int = Field(default=1000, ge=1, le=1_000_000,
                                        description="Sign a checkpoint every N records")
    audit_checkpoint_seconds: float = Field(default=60.0, gt=0, le=86_400,
                                            description="…or every T seconds of new records")
    answer_endpoints: dict[str, dict[Literal["pos", "incident"], AnswerEndpoint]] = Field(
        default={}, description="Where each municipality's answers to ПОС and «Инцидент "
        "Менеджмент» go: JSON {municipality: {pos|incident: {url, key}}} (docs/intake.md)")

    @property
    def dlq_topic(self) -> str:
        return f"{self.log_topic}.dlq"

    @property
    def routing_address(self) -> str:
        return self.routing_url or f"http://127.0.0.1:{DEFAULT_PORTS['routing']}"

    def address_of(self, service: str) -> str:
        """Where a service answers HTTP, as the console and other services call it."""
        explicit = {"routing": self.routing_url, "sla": self.sla_url, "intake": self.intake_url,
                    "analytics": self.analytics_url, "audit": self.audit_url}.get(service, "")
        return explicit or f"http://127.0.0.1:{DEFAULT_PORTS[service]}"

    def port_for(self, service: str) -> int:
        return self.http_port or DEFAULT_PORTS[service]
