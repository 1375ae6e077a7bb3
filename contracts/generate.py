"""Generates the committed JSON Schema files and the AsyncAPI document from the models.

`mcu contracts generate` writes them; `drift()` tells which files differ (a test
fails on any), so the committed documents can never silently disagree with the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, create_model

from contracts.catalog import CATALOG
from contracts.dead_letter import DeadLetter
from contracts.envelope import Envelope
from contracts.examples import EXAMPLES, example_envelope

SCHEMA_DIR = Path(__file__).parent / "schemas"
ASYNCAPI_FILE = Path(__file__).parent / "asyncapi.json"
CATALOG_DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"
LOG_TOPIC = "mcu.appeals.v1"


def event_model(event_type: str, version: int) -> type[BaseModel]:
    """The envelope narrowed to one event type and version, for documents."""
    spec = CATALOG[event_type]
    return create_model(
        f"{event_type}V{version}Event",
        __base__=Envelope,
        __doc__=f"{spec.title_ru} ({event_type} v{version}).",
        event_type=(Literal[event_type], ...),  # type: ignore[valid-type]
        schema_version=(Literal[version], ...),  # type: ignore[valid-type]
        payload=(spec.versions[version], ...),
    )


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render_json_schemas() -> dict[str, str]:
    files = {}
    for event_type, spec in sorted(CATALOG.items()):
        for version in sorted(spec.versions):
            schema = event_model(event_type, version).model_json_schema()
            schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
            schema["$id"] = f"urn:mcu:event:{event_type}:v{version}"
            schema["x-producer"] = spec.producer
            schema["x-latest"] = version == spec.latest_version
            schema["examples"] = [example_envelope(event_type, version)]
            files[f"{event_type}.v{version}.json"] = _dump(schema)
    dead = DeadLetter.model_json_schema()
    dead["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    files["DeadLetter.v1.json"] = _dump(dead)
    return files


def render_asyncapi() -> str:
    from faststream.kafka import KafkaBroker
    from faststream.specification import AsyncAPI

    broker = KafkaBroker("localhost:9092", description="Журнал обращений МЦУ")
    for event_type, spec in sorted(CATALOG.items()):
        broker.publisher(
            LOG_TOPIC,
            title=f"{LOG_TOPIC}.{event_type}",
            schema=event_model(event_type, spec.latest_version),
            description=f"{spec.title_ru}. Пишет: {spec.producer}. Ключ: appeal_id.",
        )
    broker.publisher(
        f"{LOG_TOPIC}.dlq",
        title=f"{LOG_TOPIC}.dlq",
        schema=DeadLetter,
        description="Сообщения, которые потребитель не смог обработать, с ошибкой и позицией.",
    )
    broker.publisher(
        f"{LOG_TOPIC}.checkpoints",
        title=f"{LOG_TOPIC}.checkpoints",
        schema=str,
        description="Подписанные контрольные точки службы аудита (text/plain, формат "
                    "mcu-audit-checkpoint/1: origin, размер дерева, корень RFC 9162, время, "
                    "ключ; затем подпись Ed25519). Ключ записи: топик/раздел журнала "
                    "(docs/audit.md).",
    )
    document = AsyncAPI(
        broker,
        title="МЦУ: журнал обращений",
        version="1.4.0",
        description="One ordered log per appeal: topic mcu.appeals.v1 keyed by appeal_id. "
                    "Kafka headers of each record: event_type, producer, municipality (the "
                    "appeal's municipality in the deployment; empty on records written before "
                    "1.1.0, which belong to the deployment's legacy_municipality), "
                    "notification_id. 1.1.0: the envelope's `municipality`. 1.2.0: the "
                    "answer's delivery and its rating by link (AnswerDelivered, DeliveryFailed, "
                    "AnswerRatingReceived, by intake). 1.3.0: AnswerDelivered.dispatched_at "
                    "(a letter's posting day); delivery by letter, call-back, ПОС and "
                    "«Инцидент Менеджмент»; AppealNumbered, NoticeDelivered, NoticeFailed (the "
                    "notices of 59-ФЗ) and the notice stages of deadlines. 1.4.0: the "
                    "envelope's `previous_seq` (the producer's previous event of the appeal on "
                    "the log, so that an event left out can be told); the audit service's "
                    "signed checkpoints on mcu.appeals.v1.checkpoints (text/plain, "
                    "mcu-audit-checkpoint/1, key: topic/partition).",
        schema_version="3.0.0",
    ).to_specification()
    return _dump(json.loads(document.to_json()))


def _field_rows(model: type[BaseModel]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        kind = getattr(info.annotation, "__name__", None) or str(info.annotation)
        kind = kind.replace("typing.", "").replace("|", "\\|")
        need = "yes" if info.is_required() else "no"
        rows.append(f"| `{name}` | `{kind}` | {need} | {info.description or ''} |")
    return rows


def render_catalog_doc() -> str:
    """docs/events.md: the catalog for people, generated so it cannot drift."""
    lines = [
        "# Event catalog (каталог событий)",
        "",
        "Generated by `mcu contracts generate` from `contracts/`; do not edit by hand.",
        "Every event travels in the envelope below on topic `mcu.appeals.v1`, key `appeal_id`.",
        "JSON Schemas: `contracts/schemas/`; AsyncAPI: `contracts/asyncapi.json`.",
        "",
        "## Envelope",
        "",
        "| field | type | required | meaning |",
        "|---|---|---|---|",
        *_field_rows(Envelope),
        "",
        "## Events",
        "",
        "| event | producer | versions | meaning |",
        "|---|---|---|---|",
    ]
    for event_type, spec in CATALOG.items():
        versions = ", ".join(f"v{v}" for v in sorted(spec.versions))
        lines.append(f"| [`{event_type}`](#{event_type.lower()}) | {spec.producer} | "
                     f"{versions} | {spec.title_ru} |")
    for event_type, spec in CATALOG.items():
        lines += ["", f"### {event_type}", "", f"{spec.title_ru}. Producer: `{spec.producer}`. "
                  f"Latest schema version: {spec.latest_version}.", ""]
        if spec.upcasters:
            lines += ["Older versions are upcast on read: " + ", ".join(
                f"v{v}→v{v + 1} (`{fn.__name__}`)" for v, fn in sorted(spec.upcasters.items()))
                + ".", ""]
        lines += ["| field | type | required | meaning |", "|---|---|---|---|",
                  *_field_rows(spec.model), "", "Example payload:", "", "```json",
                  json.dumps(EXAMPLES[(event_type, spec.latest_version)], ensure_ascii=False,
                             indent=2), "```"]
    return "\n".join(lines) + "\n"


def expected_files() -> dict[Path, str]:
    files = {SCHEMA_DIR / name: text for name, text in render_json_schemas().items()}
    files[ASYNCAPI_FILE] = render_asyncapi()
    files[CATALOG_DOC] = render_catalog_doc()
    return files


def write() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    expected = expected_files()
    for stale in set(SCHEMA_DIR.glob("*.json")) - set(expected):
        stale.unlink()
    for path, text in expected.items():
        path.write_text(text, encoding="utf-8")
    return sorted(expected)


def drift() -> list[str]:
    """Committed files that differ from what the models generate (empty when in sync)."""
    expected = expected_files()
    problems = [
        str(path.name) for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    problems += [p.name + " (stale)" for p in set(SCHEMA_DIR.glob("*.json")) - set(expected)]
    return sorted(problems)
