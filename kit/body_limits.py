"""Request bodies bounded per door, before the application reads a byte of them.

An ASGI layer in front of every service: a declared `Content-Length` above the door's
limit is answered 413 at once; a body sent without one (chunked) is counted as it
arrives and cut off at the limit. The application never buffers more than it allows.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException

from kit.problems import Problem, send_problem

DEFAULT_LIMIT = 256 * 1024  # bytes: any door that does not say otherwise


def _limit_text(limit: int) -> str:
    return f"{limit // 1024 // 1024} МБ" if limit >= 1024 * 1024 else f"{limit // 1024} КБ"


class BodyTooLarge(Problem, HTTPException):
    """Raised while the application reads the body; rendered like any problem (413). An
    HTTPException too, so that FastAPI's body parsing lets it through as it is instead of
    calling it a malformed body."""

    def __init__(self, limit: int):
        Problem.__init__(self, 413, "body_too_large", "Слишком большой запрос",
                         f"Тело запроса больше допустимого для этого адреса ({_limit_text(limit)})")
        self.status_code, self.headers = 413, None


class BodyLimits:
    """`limits`: the longest path prefix that matches a request's path gives its limit."""

    def __init__(self, app, limits: Mapping[str, int] | None = None,
                 default: int = DEFAULT_LIMIT):
        self.app = app
        self.default = default
        self.limits = sorted((limits or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)),
                    self.default)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, scope["path"], limit)
            return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, scope["path"], limit)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send, path: str, limit: int) -> None:
    refusal = BodyTooLarge(limit)
    await send_problem(send, refusal.status, refusal.code, refusal.title, refusal.detail, path,
                       close=True)
