"""The channel's key is checked before a body is read: a caller without a valid key gets
401 at once, and the service parses nothing a stranger sends (JSON, forms, exports)."""

from __future__ import annotations

from kit.problems import send_problem
from services.intake.entrypoints.channel_keys import ChannelKeys

KEYED = ("/api/v1/appeals", "/api/v1/channels/")  # Open311 sends its key in the form


class ChannelKeyFirst:
    def __init__(self, app, keys: ChannelKeys):
        self.app = app
        self.keys = keys

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"].startswith(KEYED)
                and self.keys.channel_of(_header(scope, b"x-api-key")) is None):
            await send_problem(send, 401, "invalid_api_key", "Неверный ключ канала",
                               "Передайте ключ канала в заголовке X-API-Key", scope["path"])
            return
        await self.app(scope, receive, send)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None
