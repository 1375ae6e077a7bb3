"""The audit service's public doors: the signed checkpoints and the public keys they are
verified with. They are meant to be published (witnessed outside the system), so they need
no token. (No `from __future__ import annotations`: FastAPI reads the signatures.)"""

import asyncio
import base64
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kit import problems
from kit.problems import Problem
from services.audit.adapters.store import AuditStore
from services.audit.domain.checkpoint import Checkpoint, witness_digest


class PublishedCheckpoint(BaseModel):
    origin: str = Field(description="Журнал и раздел: топик/раздел")
    size: int = Field(description="Сколько записей раздела под контрольной точкой")
    root: str = Field(description="Корень дерева Меркла (RFC 9162), base64")
    time: str
    key: str = Field(description="Идентификатор ключа подписи")
    text: str = Field(description="Контрольная точка целиком, как её подписывают и заверяют")


class Witness(BaseModel):
    until: str
    digest: str = Field(description="SHA-256 текстов контрольных точек (по порядку origin), "
                        "8 групп по 8 шестнадцатеричных цифр")
    records: int = Field(description="Записей журнала под этими контрольными точками")
    checkpoints: list[PublishedCheckpoint]


MOMENT = (r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
          r"(Z|[+-]\d{2}(:?\d{2})?)?$")
UNTIL = Query(pattern=MOMENT, description="Момент, ISO 8601 (без смещения — UTC): последние "
              "точки, подписанные не позже него")


def moment(text: str | None) -> datetime | None:
    """A moment of a query (ISO 8601, as MOMENT admits it), or 422 `invalid_moment`."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Problem(422, "invalid_moment", "Неверный момент времени",
                      f"«{text[:40]}» — не дата и время ISO 8601") from None


def published(c: Checkpoint) -> PublishedCheckpoint:
    return PublishedCheckpoint(origin=c.origin, size=c.size,
                               root=base64.b64encode(c.root).decode(),
                               time=c.time.isoformat(), key=c.key, text=c.text())


def router(store: AuditStore, public_keys) -> APIRouter:
    api = APIRouter(prefix="/api/v1/audit", tags=["аудит"], responses=problems.responses(422))

    async def latest(until: datetime | None) -> list[Checkpoint]:
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        return await asyncio.to_thread(store.checkpoints_until, until or datetime.now(UTC))

    @api.get("/checkpoints", summary="Последняя подписанная контрольная точка каждого раздела "
             "журнала (на момент `until`, по умолчанию — сейчас)")
    async def checkpoints(until: Annotated[str | None, UNTIL] = None
                          ) -> list[PublishedCheckpoint]:
        return [published(c) for c in await latest(moment(until))]

    @api.get("/witness", summary="Отпечаток журнала для заверения вне системы: SHA-256 "
             "последних контрольных точек всех разделов на момент")
    async def witness(until: Annotated[str | None, UNTIL] = None) -> Witness:
        at = moment(until)
        at = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
        found = await latest(at)
        return Witness(until=(at or datetime.now(UTC)).isoformat(),
                       digest=witness_digest(found), records=sum(c.size for c in found),
                       checkpoints=[published(c) for c in found])

    @api.get("/keys", summary="Открытые ключи проверки контрольных точек (PEM)",
             response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {}}, "description": "Ключи"}})
    async def keys() -> PlainTextResponse:
        pems = [f"# {key_id}\n" + k.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
                .decode() for key_id, k in sorted(public_keys().items())]
        return PlainTextResponse("\n".join(pems))

    return api
