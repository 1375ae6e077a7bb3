"""Refusals of the routing service: a stable code for programs, Russian text for people."""


class RoutingError(Exception):
    status = 409

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        if status is not None:
            self.status = status


def refuse(code: str, message: str, status: int = 409) -> RoutingError:
    return RoutingError(code, message, status)
