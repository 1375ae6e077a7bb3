"""The auditor's door to one appeal: its history from the log, proven, the state at a
moment, the decisions re-checked (JSON), and the dossier (PDF or HTML). Auditors of the
appeal's municipality and of its region only; every read is logged with who, what and
when. (No `from __future__ import annotations`: FastAPI reads the signatures.)"""

import asyncio
import logging
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.vocabulary import Role
from kit.deployment import Deployment
from kit.directory import Person
from kit import problems
from kit.problems import Problem, appeal_not_found
from kit.staff import caller, require_role
from services.audit.adapters.dossier_render import render_html, render_pdf
from services.audit.adapters.names import names_for
from services.audit.adapters.store import AuditStore
from services.audit.application import audit_appeal
from services.audit.domain.dossier import AppealAudit, dossier, machine
from services.audit.entrypoints.http import MOMENT, moment

log = logging.getLogger(__name__)
AUDITORS = (Role.AUDITOR, Role.REGIONAL_AUDITOR)
AT = Query(pattern=MOMENT, description="Состояние на момент, ISO 8601 (без смещения — "
           "местное время муниципалитета); по умолчанию — сейчас")


def router(store: AuditStore, deployment: Deployment, topic: str, public_keys, read,
           sla=None, routing=None) -> APIRouter:
    api = APIRouter(prefix="/api/v1/appeals", tags=["аудит"],
                    responses=problems.responses(401, 403, 404, 422))
    Who = Annotated[Person, Depends(caller(deployment))]

    async def audited(person: Person, appeal_id: uuid.UUID, at: datetime | None,
                      what: str, authorization: str) -> AppealAudit:
        role = require_role(person, AUDITORS)
        found = await audit_appeal(str(appeal_id), topic, store, public_keys(), read,
                                   lambda m: names_for(deployment, m), at, sla,
                                   routing.with_caller(authorization) if routing else None)
        if found is None or not deployment.reaches(person, found.municipality):
            raise appeal_not_found()
        await asyncio.to_thread(store.log_read, person.id, role.value, str(appeal_id),
                                found.at, what)
        log.info("audit read", extra={"who": person.id, "appeal_id": str(appeal_id),
                                      "what": what, "at": found.at.isoformat()})
        return found

    @api.get("/{appeal_id}/audit", summary="История обращения из журнала, заверенная "
             "контрольными точками; состояние на момент; перепроверенные решения")
    async def audit(appeal_id: uuid.UUID, who: Who, request: Request,
                    at: Annotated[str | None, AT] = None) -> dict:
        return machine(await audited(who, appeal_id, moment(at), "history",
                                     request.headers["authorization"]))

    @api.get("/{appeal_id}/audit/report", summary="Справка аудитора как данные (для консоли):"
             " имена вместо идентификаторов, местное время, итог")
    async def audit_report(appeal_id: uuid.UUID, who: Who, request: Request,
                           at: Annotated[str | None, AT] = None) -> dict:
        found = await audited(who, appeal_id, moment(at), "report",
                              request.headers["authorization"])
        return asdict(dossier(found, names_for(deployment, found.municipality)))

    @api.get("/{appeal_id}/audit/dossier", summary="Справка аудитора (PDF или HTML)",
             response_class=Response,
             responses={200: {"content": {"application/pdf": {}, "text/html": {}},
                              "description": "Справка"}})
    async def audit_dossier(appeal_id: uuid.UUID, who: Who, request: Request,
                            at: Annotated[str | None, AT] = None,
                            format: Literal["pdf", "html"] = "pdf") -> Response:
        found = await audited(who, appeal_id, moment(at), f"dossier.{format}",
                              request.headers["authorization"])
        d = dossier(found, names_for(deployment, found.municipality))
        if format == "html":
            return HTMLResponse(render_html(d))
        pdf = await asyncio.to_thread(render_pdf, d)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="audit-{appeal_id}.pdf"'})

    return api


def reads_router(store: AuditStore, deployment: Deployment) -> APIRouter:
    """Who read which appeal's audit: for the auditors of the same reach."""
    api = APIRouter(prefix="/api/v1/audit", tags=["аудит"],
                    responses=problems.responses(401, 403, 422))
    Who = Annotated[Person, Depends(caller(deployment))]

    @api.get("/reads", summary="Журнал прочтений аудита (кто, когда, какое обращение)")
    async def reads(who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
        require_role(who, AUDITORS)
        reach = deployment.reach(who)
        if not reach:
            raise Problem(403, "forbidden_role", "Недостаточно прав",
                          "Журнал прочтений видят аудиторы муниципалитета или региона")
        readers = {p.id for p in deployment.people.values()
                   if deployment.reach(p) & reach}
        return [r for r in await asyncio.to_thread(store.reads, limit * 4)
                if r["who"] in readers][:limit]

    return api
