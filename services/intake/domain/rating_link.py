"""The applicant's personal link to rate an answer: signed (HMAC-SHA256 with a key derived
from the vault's secret), naming the appeal and the answer, expiring; used once (the
appeal remembers the rating). Nothing personal is in it; it cannot be made for another
appeal without the key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime, timedelta
from uuid import UUID

LIFETIME = timedelta(days=30)
_PACK = ">16sI"  # the appeal's id, the expiry (Unix seconds); then the draft id


class LinkRefused(Exception):
    """Why a link opens nothing, in Russian for the applicant; `status` for the page."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(appeal_id: UUID, draft_id: str, expires: datetime, key: bytes) -> str:
    body = struct.pack(_PACK, appeal_id.bytes, int(expires.timestamp())) + draft_id.encode()
    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def read(token: str, key: bytes, now: datetime) -> tuple[UUID, str]:
    """The appeal and the answer the link rates; LinkRefused if it is not ours or old."""
    damaged = LinkRefused(404, "Ссылка повреждена: откройте её из письма целиком.")
    body_text, _, mac_text = token.partition(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, TypeError):
        raise damaged from None
    if len(body) < struct.calcsize(_PACK) or not hmac.compare_digest(mac, _mac(key, body)):
        raise damaged
    raw_id, expires = struct.unpack_from(_PACK, body)
    if now.timestamp() > expires:
        raise LinkRefused(410, "Срок действия ссылки истёк: оценить ответ можно в течение "
                               f"{LIFETIME.days} дней после его получения.")
    try:
        draft_id = body[struct.calcsize(_PACK):].decode()
    except UnicodeDecodeError:
        raise damaged from None
    return UUID(bytes=raw_id), draft_id


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"rating-link:" + body, hashlib.sha256).digest()[:16]
