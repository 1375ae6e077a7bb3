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
from contracts.examples import example_envelope

SCHEMA_DIR = Path(__file__).parent / "schemas"
ASYNCAPI_FILE = Path(__file__).parent / "asyncapi.json"
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
    document = AsyncAPI(
        broker,
        title="МЦУ: журнал обращений",
        version="1.0.0",
        description="One ordered log per appeal: topic mcu.appeals.v1 keyed by appeal_id.",
        schema_version="3.0.0",
    ).to_specification()
    return _dump(json.loads(document.to_json()))


def expected_files() -> dict[Path, str]:
    files = {SCHEMA_DIR / name: text for name, text in render_json_schemas().items()}
    files[ASYNCAPI_FILE] = render_asyncapi()
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
