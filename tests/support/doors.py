"""Every staff door that names an appeal, as the services' OpenAPI documents list them, and
one call of it with a body it accepts: the door matrices of scope and tenancy share these."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi.testclient import TestClient

from tests.unit.routing.test_access_matrix import ARGS

Door = tuple[str, str, str, str]  # service, method, path, operation id

BODIES = {name: {k: (v.isoformat() if isinstance(v, date) else v) for k, v in args.items()}
          for name, args in ARGS.items()}
BODIES["extend"] = {"term": "5d", "reason": "проверка на месте"}
QUERY = {"read": {"reason": "ответ заявителю"}}  # the vault door's stated reason


def doors(clients: dict[str, TestClient]) -> list[Door]:
    """Every door naming an appeal, found in the routers themselves: a door added later
    is in the matrix without editing it."""
    return [(service, method.upper(), path, operation.get("operationId", ""))
            for service, client in clients.items()
            for path, methods in client.app.openapi()["paths"].items() if "{appeal_id}" in path
            for method, operation in methods.items()]


def call(client: TestClient, door: Door, appeal: uuid.UUID, token: str):
    _, method, path, operation = door
    url = path.replace("{appeal_id}", str(appeal)).replace("{stage}", "answer")
    body = BODIES[operation] if operation in BODIES else (
        BODIES["extend"] if path.endswith("/extensions") else None)
    params = QUERY["read"] if path.endswith("/applicant") else None
    return client.request(method, url, headers={"Authorization": f"Bearer {token}"},
                          json=body, params=params)


def refused_like_a_missing_appeal(foreign, unknown) -> bool:
    """The refusal of a door out of reach is the one a missing appeal gets: nothing tells
    that the appeal exists."""
    body = foreign.json()
    return (foreign.status_code >= 400 and body.get("code") in ("forbidden_role",
                                                                "appeal_not_found")
            and (foreign.status_code, body["code"], body["detail"])
            == (unknown.status_code, unknown.json()["code"], unknown.json()["detail"]))
