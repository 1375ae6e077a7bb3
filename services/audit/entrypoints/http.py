"""The audit service's public doors: the signed checkpoints and the public keys they are
verified with. They are meant to be published (witnessed outside the system), so they need
no token. (No `from __future__ import annotations`: FastAPI reads the signatures.)"""

import asyncio
import base64

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.audit.adapters.store import AuditStore


class PublishedCheckpoint(BaseModel):
    origin: str = Field(description="Журнал и раздел: топик/раздел")
    size: int = Field(description="Сколько записей раздела под контрольной точкой")
    root: str = Field(description="Корень дерева Меркла (RFC 9162), base64")
    time: str
    key: str = Field(description="Идентификатор ключа подписи")
    text: str = Field(description="Контрольная точка целиком, как её подписывают и заверяют")


def router(store: AuditStore, public_keys) -> APIRouter:
    api = APIRouter(prefix="/api/v1/audit", tags=["аудит"])

    @api.get("/checkpoints", summary="Последняя подписанная контрольная точка каждого раздела "
             "журнала")
    async def checkpoints() -> list[PublishedCheckpoint]:
        found = await asyncio.to_thread(store.checkpoints)
        latest = {}
        for c in found:
            if c.size >= latest.get(c.origin, c).size:
                latest[c.origin] = c
        return [PublishedCheckpoint(origin=c.origin, size=c.size,
                                    root=base64.b64encode(c.root).decode(),
                                    time=c.time.isoformat(), key=c.key, text=c.text())
                for c in sorted(latest.values(), key=lambda c: c.origin)]

    @api.get("/keys", summary="Открытые ключи проверки контрольных точек (PEM)",
             response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {}}, "description": "Ключи"}})
    async def keys() -> PlainTextResponse:
        pems = [f"# {key_id}\n" + k.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
                .decode() for key_id, k in sorted(public_keys().items())]
        return PlainTextResponse("\n".join(pems))

    return api
