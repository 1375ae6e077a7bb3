"""Staff door to the personal-data vault (152-ФЗ: access by role, who read what is logged).

* `GET /api/v1/appeals/{appeal_id}/applicant?reason=…`: the applicant's name, contacts
  and address, for staff who answer or clarify this appeal: their role must allow it, and
  routing must place the appeal within that role's reach (the executor it is assigned
  to, its holder's coordinators and approvers, the MCU's coordinators);
* `DELETE /api/v1/applicants/{applicant_id}?reason=…`: erasure on the person's request
  (ст. 21 152-ФЗ), by the administrator;
* `GET /api/v1/vault/access-log`: the log of reads, refused reads and erasures, for
  auditors.

The caller is the directory's person of `Authorization: Bearer <token>`; their id goes to
the access log with the stated reason, read, not found or refused alike.
"""

import asyncio
import contextlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from contracts.vocabulary import Role
from kit.deployment import Deployment
from kit.directory import Person
from kit import problems
from kit.problems import Problem
from kit.scope import RoutingScope
from kit.staff import caller, require_role
from services.intake.adapters.vault import Applicant, PersonalDataVault, VaultError

READERS = (Role.EXECUTOR, Role.COORDINATOR, Role.SUBORDINATE_COORDINATOR, Role.APPROVER)
ERASERS = frozenset({Role.ADMINISTRATOR})
LOG_READERS = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})

Reason = Annotated[str, Query(min_length=5, max_length=500,
                              description="Зачем (основание; попадёт в журнал доступа)",
                              examples=["звонок заявителю для уточнения адреса"])]


class ApplicantOfAppeal(BaseModel):
    appeal_id: uuid.UUID
    applicant_id: uuid.UUID  # the pseudonym the log carries
    applicant: Applicant  # the vault's own dataclass: one list of personal fields


class Erasure(BaseModel):
    applicant_id: uuid.UUID
    erased_appeals: int


class AccessLogEntry(BaseModel):
    at: str
    who: str
    why: str
    action: str  # read | refused (no role for it, or out of scope) | erase
    applicant_id: uuid.UUID | None
    appeal_id: uuid.UUID | None


def _absent() -> Problem:
    return Problem(404, "no_personal_data", "Данных заявителя нет",
                   "Канал не передал данные заявителя, или они удалены по его запросу")


async def _in_vault(fn, *args):
    """A vault call off the event loop; a blank who or why is the caller's mistake."""
    try:
        return await asyncio.to_thread(fn, *args)
    except VaultError as exc:
        raise Problem(422, "reason_required", "Не указано основание", str(exc)) from None


def router(vault: PersonalDataVault, directory: Deployment, scope: RoutingScope) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["personal-data"],
                    responses=problems.responses(401, 403, 422))
    Who = Annotated[Person, Depends(caller(directory))]

    @api.get("/appeals/{appeal_id}/applicant", response_model=ApplicantOfAppeal,
             response_model_exclude_none=True, responses=problems.responses(404, 503),
             summary="Данные заявителя обращения (чтение записывается в журнал)")
    async def read(appeal_id: uuid.UUID, reason: Reason, who: Who,
                   request: Request) -> ApplicantOfAppeal:
        async with _refusals_logged(who, reason, appeal_id=appeal_id):
            await _allowed_to_read(who, appeal_id, request.headers["authorization"])
        found = await _in_vault(vault.read_with_pseudonym, appeal_id, who.id, reason)
        if found is None:
            raise _absent()
        return ApplicantOfAppeal(appeal_id=appeal_id, applicant_id=found[0], applicant=found[1])

    @contextlib.asynccontextmanager
    async def _refusals_logged(who: Person, reason: str, **target: uuid.UUID):
        """A refused attempt (no role for it, or an appeal out of reach or unknown) is the
        auditors' business too: logged as `refused` with what was tried on."""
        try:
            yield
        except Problem as refusal:
            if refusal.code in ("forbidden_role", "appeal_not_found"):
                await asyncio.to_thread(vault.refuse, who.id, reason, **target)
            raise

    async def _allowed_to_read(who: Person, appeal_id: uuid.UUID, token: str) -> None:
        # routing is asked with the caller's own token: it answers for that person; the
        # executor it is assigned to, its holder's coordinators and approvers and the
        # MCU's coordinators reach it
        await scope.acting_role(who, appeal_id, token, READERS)

    @api.delete("/applicants/{applicant_id}", response_model=Erasure,
                responses=problems.responses(404),
                summary="Удалить данные заявителя безвозвратно (ст. 21 152-ФЗ)")
    async def erase(applicant_id: uuid.UUID, reason: Reason, who: Who) -> Erasure:
        async with _refusals_logged(who, reason, applicant_id=applicant_id):
            require_role(who, ERASERS)
        count = await _in_vault(vault.erase, applicant_id, who.id, reason)
        if count == 0:
            raise _absent()
        return Erasure(applicant_id=applicant_id, erased_appeals=count)

    @api.get("/vault/access-log", response_model=list[AccessLogEntry],
             summary="Журнал доступа к персональным данным: кто, когда, зачем")
    async def access_log(who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100
                         ) -> list[dict]:
        require_role(who, LOG_READERS)
        return await _in_vault(vault.access_log, limit)

    return api
