"""Staff doors to what the MCU's operators do to get answers to applicants: the answers
that could not be delivered (sent again once the cause is mended), the letters to print
and post (the PDF; the posting with its tracking number), the applicants to call back
(the number, read from the vault; the call's result). The MCU's own coordinators and its
head, for their municipalities. (No `from __future__ import annotations`: FastAPI reads
the dependencies.)"""

import asyncio
import uuid
from datetime import date
from typing import Annotated, Literal

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from contracts import Actor
from contracts.vocabulary import Role
from kit import problems
from kit.directory import MCU, Person
from kit.problems import Problem
from kit.staff import caller, require_role
from services.intake.application import IntakeApplication, NotWaiting
from services.intake.domain.delivery_tasks import CALL, PRINT
from services.intake.domain.letter import BadPosting

OPERATORS = (Role.COORDINATOR, Role.MCU_HEAD)
What = Annotated[Literal["answer", "registration", "forwarding", "extension"], Query(
    description="Что доставляется: ответ или уведомление по 59-ФЗ (о регистрации, о "
                "переадресации, о продлении срока)")]


def operator(who: Person) -> Actor:
    """The MCU's own: its head, or a coordinator of the MCU (not a department's, whose
    reach is the appeals its department holds); else 403, whatever the appeal. The actor
    of what they record."""
    role = require_role(who, OPERATORS)
    if role is Role.COORDINATOR and who.organization != MCU:
        raise Problem(403, "forbidden_role", "Недостаточно прав",
                      "Доставку ответов ведут координаторы МЦУ и руководитель МЦУ")
    return Actor(id=who.id, role=role, organization_id=who.organization)


class FailedDelivery(BaseModel):
    appeal_id: uuid.UUID
    municipality: str
    what: str = "answer"
    draft_id: str | None
    channel: str
    reason: str
    at: str
    attempt: int
    subject: str = ""  # the appeal's subject as registered (masked)
    received_at: str | None = None


class LetterToPost(BaseModel):
    appeal_id: uuid.UUID
    municipality: str
    what: str = Field("answer", description="Ответ или уведомление (его вид)")
    draft_id: str | None
    number: str | None = Field(description="Исходящий номер")
    dated: str | None = Field(description="Дата письма (ISO)")
    at: str = Field(description="Когда письмо ушло в печать")
    channel: str
    kind: str
    subject: str = ""
    received_at: str | None = None


class CallToMake(BaseModel):
    appeal_id: uuid.UUID
    municipality: str
    what: str = "answer"
    draft_id: str | None
    at: str
    channel: str
    kind: str
    subject: str = ""
    received_at: str | None = None
    attempts: int = 0
    last_attempt: str | None = None
    last_outcome: str | None = None


class Posting(BaseModel):
    tracking_number: str = Field(min_length=1, max_length=40,
                                 description="Трек-номер Почты России (ШПИ)")
    posted_on: date = Field(description="День, когда письмо сдано на почту")


class Otherwise(BaseModel):
    how: str = Field(min_length=3, max_length=300,
                     description="Как ответ доведён до заявителя, кратко")


class CallResult(BaseModel):
    reached: bool = Field(description="Дозвонились и довели ответ")
    result: str = Field(min_length=1, max_length=300, description="Что сказали, кратко")


def _not_waiting(exc: NotWaiting) -> Problem:
    what = {PRINT: "в списке писем на отправку", CALL: "в списке обратных звонков",
            "failed": "в очереди недоставленных"}[exc.kind]
    return Problem(409, "delivery_not_waiting", "Ответ не ждёт оператора",
                   f"Ответа по этому обращению нет {what}: он уже доставлен, заменён новым "
                   "или идёт другим путём")


def router(app: IntakeApplication, deployment, public_url: str) -> APIRouter:
    api = APIRouter(prefix="/api/v1/deliveries", tags=["доставка ответов"])
    Who = Annotated[Person, Depends(caller(deployment))]

    @api.get("/failed", summary="Недоставленные ответы: очередь оператора",
             responses=problems.responses(401, 403))
    async def failed(who: Who) -> list[FailedDelivery]:
        operator(who)
        found = await asyncio.to_thread(app.failed_deliveries, deployment.reach(who))
        return [FailedDelivery(**item) for item in found]

    @api.post("/{appeal_id}/retry", status_code=202,
              summary="Отправить ответ заново (причина устранена)",
              responses=problems.responses(401, 403, 404, 409))
    async def retry(appeal_id: uuid.UUID, who: Who, what: What = "answer") -> dict:
        operator(who)
        await by_hand(app.retry_delivery, appeal_id, deployment.reach(who), what)
        return {"appeal_id": str(appeal_id), "status": "отправка повторится"}

    @api.post("/{appeal_id}/delivered", summary="Ответ доведён до заявителя иначе (внесён в "
              "ПОС вручную, вручён лично)", responses=problems.responses(401, 403, 404, 409, 422))
    async def delivered(appeal_id: uuid.UUID, otherwise: Otherwise, who: Who,
                        what: What = "answer") -> dict:
        actor = operator(who)
        await by_hand(app.delivered_otherwise, appeal_id, deployment.reach(who), otherwise.how,
                      actor, what)
        return {"appeal_id": str(appeal_id), "status": "доставлено: отмечено оператором"}

    async def by_hand(call, *args):
        """A use case on one appeal of an operator's list, its refusals as problems."""
        try:
            found = await asyncio.to_thread(call, *args)
        except NotWaiting as exc:
            raise _not_waiting(exc) from None
        except IntegrityError:
            raise Problem(409, "concurrent_change", "Обращение изменилось",
                          "Пока вы смотрели список, по обращению что-то изменилось: обновите "
                          "страницу") from None
        if found is None or found is False:
            raise problems.appeal_not_found()
        return found

    @api.get("/letters", summary="Письма с ответами: напечатать и отправить почтой",
             responses=problems.responses(401, 403))
    async def letters(who: Who) -> list[LetterToPost]:
        operator(who)
        found = await asyncio.to_thread(app.delivery_tasks, PRINT, deployment.reach(who))
        return [LetterToPost(**item) for item in found]

    @api.get("/letters/{appeal_id}/pdf", summary="Письмо с ответом в PDF для печати",
             response_class=Response, responses={
                 200: {"content": {"application/pdf": {}}, "description": "Письмо"},
                 **problems.responses(401, 403, 404, 409)})
    async def letter(appeal_id: uuid.UUID, who: Who, what: What = "answer") -> Response:
        operator(who)
        pdf = await by_hand(app.letter_pdf, appeal_id, deployment.reach(who), who.id,
                            lambda token: f"{public_url}/rate/{token}", what)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{what}-{appeal_id}.pdf"',
            "Cache-Control": "no-store"})  # the addressee is personal data

    @api.post("/letters/{appeal_id}/posted", summary="Письмо сдано на почту",
              responses=problems.responses(401, 403, 404, 409, 422))
    async def posted(appeal_id: uuid.UUID, posting: Posting, who: Who,
                     what: What = "answer") -> dict:
        actor = operator(who)
        try:
            await by_hand(app.record_posting, appeal_id, deployment.reach(who),
                          posting.tracking_number, posting.posted_on, actor, what)
        except BadPosting as exc:
            raise Problem(422, "bad_posting", "Отметка об отправке не принята", str(exc),
                          errors=[{"field": "tracking_number" if "трек" in str(exc)
                                   else "posted_on", "reason": str(exc)}]) from None
        return {"appeal_id": str(appeal_id), "status": "доставлено: письмо отправлено"}

    @api.get("/calls", summary="Обратные звонки заявителям", responses=problems.responses(401, 403))
    async def calls(who: Who) -> list[CallToMake]:
        operator(who)
        found = await asyncio.to_thread(app.delivery_tasks, CALL, deployment.reach(who))
        return [CallToMake(**item) for item in found]

    @api.post("/calls/{appeal_id}/number", summary="Номер заявителя для звонка (чтение "
              "персональных данных записывается в журнал)",
              responses=problems.responses(401, 403, 404, 409))
    async def number(appeal_id: uuid.UUID, who: Who, what: What = "answer") -> dict:
        operator(who)
        phone = await by_hand(app.call_number, appeal_id, deployment.reach(who), who.id, what)
        return {"appeal_id": str(appeal_id), "phone": phone or None}

    @api.post("/calls/{appeal_id}/result", summary="Итог звонка",
              responses=problems.responses(401, 403, 404, 409, 422))
    async def called(appeal_id: uuid.UUID, result: CallResult, who: Who,
                     what: What = "answer") -> dict:
        actor = operator(who)
        await by_hand(app.record_call, appeal_id, deployment.reach(who), result.reached,
                      result.result, actor, what)
        return {"appeal_id": str(appeal_id),
                "status": "доставлено: ответ доведён по телефону" if result.reached
                else "звонок записан: задача остаётся"}

    return api
