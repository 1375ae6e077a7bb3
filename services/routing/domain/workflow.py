"""The routing workflow of one appeal: routed, assigned, returned, disputed, answered,
approved, published, rated, reopened, closed. Pure: commands check the state, record
contract events, and refuse illegal transitions with a stable code (nothing changes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from contracts import Actor
from contracts.envelope import Contract
from contracts.events import routing as rt
from contracts.events import workflow as wf
from contracts.events.registration import Classification
from contracts.status import status_after
from contracts.vocabulary import STATUS_RU
from contracts.vocabulary import AppealStatus as S
from contracts.vocabulary import ClassificationMethod, ClosingReason, Kind, ReturnedBy, ReworkCriterion
from kit.appeal_aggregate import AppealAggregate
from services.routing.domain import due
from services.routing.domain.autorules import AppealFacts, Decision
from services.routing.domain.errors import refuse

OPEN_FOR_ASSIGNMENT = {"routed", "returned", "assigned", "subordinate", "reopened", "rework"}
FINAL = {"closed", "transferred"}
OPEN = {s.value for s in S} - FINAL - {"disputed"}
# command name -> the statuses it may be given in (what `_in` checks, and what the console
# offers: only the actions possible now)
POSSIBLE_IN: dict[str, set[str]] = {
    "assign": OPEN_FOR_ASSIGNMENT, "reroute": OPEN_FOR_ASSIGNMENT,
    "return_executor": {"assigned"}, "return_subordinate": {"subordinate", "assigned"},
    "dispute": {"returned", "assigned", "subordinate", "routed"},
    "resolve_dispute": {"disputed"},
    "draft": {"assigned", "rework", "reopened", "answer_drafted", "postponed"},
    "send_for_approval": {"answer_drafted"}, "approve": {"on_approval"},
    "return_for_rework": {"on_approval"}, "publish": {"approved"},
    "reclassify": OPEN, "mark_repeat": OPEN,
    "postpone": OPEN_FOR_ASSIGNMENT | {"answer_drafted"},
    "transfer": OPEN_FOR_ASSIGNMENT | {"new"}, "leave_without_answer": OPEN_FOR_ASSIGNMENT,
    "rate": {"answered"}, "reopen": {"answered", "closed"},
}


class Workflow(AppealAggregate):
    def initialize(self) -> None:
        self.facts: dict[str, str] = {}
        self.status = S.NEW
        self.recipient_id: str | None = None
        self.executor_id: str | None = None
        self.subordinate_id: str | None = None
        self.assigned_at: datetime | None = None
        self.draft_id: str | None = None
        self.draft_count = 0
        self.approver_id: str | None = None
        self.dispute_id: str | None = None
        self.disputes = 0
        self.reworks = 0
        self.reopenings = 0
        self.late_returns = 0
        self.rating: int | None = None
        self.classification: Classification | None = None  # as registered, then as corrected
        self.repeat_of: UUID | None = None
        self.returned_by: ReturnedBy | None = None  # who returned it last
        self.first_recipient: str | None = None  # where the autorules sent it
        self.deadlines: dict[str, due.StageDue] = {}  # followed from SLA's events

    # -- evolution -----------------------------------------------------------------------
    def note(self, facts: dict) -> None:
        self.facts.update(facts.get("appeal", {}))
        if "classification" in facts:
            self.classification = Classification.model_validate(facts["classification"])
        self.late_returns += facts.get("late_return", 0)
        if "deadline" in facts:
            due.follow(self.deadlines, facts["deadline"])

    def when(self, event: Contract) -> None:
        self.status = status_after(event, self.status)
        match event:
            case rt.AppealRouted():
                self.recipient_id = event.recipient_id
                self.first_recipient = self.first_recipient or event.recipient_id
                self.executor_id = self.subordinate_id = None
            case rt.AppealAssigned():
                self.recipient_id = event.recipient_id
                self.executor_id = event.executor_id
                self.subordinate_id = event.subordinate_recipient_id
                self.assigned_at = self.event_time
            case rt.AppealReturned():
                self.returned_by = event.returned_by
                if event.returned_by is ReturnedBy.SUBORDINATE_RECIPIENT:
                    self.subordinate_id = None
                self.executor_id = None
            case rt.AppealDisputed():
                self.dispute_id = event.dispute_id
                self.disputes += 1
            case rt.DisputeResolved():
                self.dispute_id = None
            case wf.AnswerDrafted():
                self.draft_id = event.draft_id
                self.draft_count += 1
            case wf.AnswerSentForApproval():
                self.approver_id = event.approver_id
            case wf.AnswerReturnedForRework():
                self.reworks += 1
            case rt.AppealClassified(classification=c):
                self.classification = c
                self.facts.update({"kind": c.kind.value, "topic": c.topic or "",
                                   "thematic_block": c.thematic_block or "",
                                   "territory": c.territory or ""})
            case rt.AppealMarkedRepeat():
                self.repeat_of = event.repeat_of
            case wf.AppealRated():
                self.rating = event.score
            case wf.AppealReopened():
                self.draft_id = None
                self.reopenings += 1

    # -- decisions -------------------------------------------------------------------------
    @classmethod
    def register(cls, appeal_id, facts: AppealFacts, decision: Decision, now: datetime,
                 cause: Any = None, classification: Classification | None = None,
                 details: dict[str, str] | None = None) -> Workflow:
        """`details`: what staff read on the card and search by (the text as intake masked
        it, the subject, the channel's number, when it was received)."""
        workflow = cls.start(appeal_id, {"appeal": {
            "kind": facts.kind, "channel": facts.channel, "topic": facts.topic,
            "thematic_block": facts.thematic_block, "territory": facts.territory,
            **(details or {})},
            **({"classification": classification.model_dump(mode="json")}
               if classification else {})}, at=now,
            municipality=getattr(cause, "municipality", None))
        workflow.record(rt.AppealRouted(
            recipient_id=decision.recipient, rule_id=decision.rule_id,
            rule_version=decision.rule_version, reason=decision.reason),
            Actor.system("routing/autorules"), cause, at=now)
        if decision.executor:
            workflow.record(rt.AppealAssigned(
                recipient_id=decision.recipient, executor_id=decision.executor),
                Actor.system("routing/autorules"), cause, at=now)
        return workflow

    def _open(self) -> None:
        if self.status in FINAL:
            raise refuse("appeal_closed", "Обращение закрыто: действие невозможно")
        if self.status == "disputed":
            raise refuse("dispute_open", "По обращению открыто разногласие: ждите решения "
                                         "руководителя МЦУ")

    def can(self, command: str) -> bool:
        """Whether the command could be given in the appeal's state now (who may give it
        is access's question)."""
        if self.status not in POSSIBLE_IN[command]:
            return False
        if command == "return_subordinate":
            return self.subordinate_id is not None
        if command == "draft":
            return self.executor_id is not None
        if command == "resolve_dispute":
            return self.dispute_id is not None
        return True

    def _in(self, allowed: set[str], action: str) -> None:
        self._open()
        if self.status not in allowed:
            raise refuse("illegal_transition",
                         f"Нельзя {action}: обращение в состоянии «{STATUS_RU[self.status]}»")

    def assign(self, actor: Actor, now: datetime, recipient_id: str, executor_id: str | None,
               subordinate_id: str | None) -> None:
        self._in(POSSIBLE_IN["assign"], "назначить исполнителя")
        self.record(rt.AppealAssigned(
            recipient_id=recipient_id, executor_id=executor_id,
            subordinate_recipient_id=subordinate_id, previous_executor_id=self.executor_id),
            actor, at=now)

    def reroute(self, actor: Actor, now: datetime, recipient_id: str, reason: str) -> None:
        self._in(POSSIBLE_IN["reroute"], "перенаправить")
        self.record(rt.AppealRouted(
            recipient_id=recipient_id, reason=reason, previous_recipient_id=self.recipient_id),
            actor, at=now)

    def return_by_executor(self, actor: Actor, now: datetime, zone: ZoneInfo, reason: str,
                           suggested: str | None) -> None:
        self._in(POSSIBLE_IN["return_executor"], "вернуть обращение")
        if not self.returnable_on(now, zone):
            raise refuse("return_too_late", "Вернуть ошибочно направленное обращение можно только "
                         "в день назначения; обратитесь к координатору или откройте разногласие")
        self.record(rt.AppealReturned(
            returned_by=ReturnedBy.EXECUTOR, from_recipient_id=self.subordinate_id or self.recipient_id,
            reason=reason, suggested_recipient_id=suggested), actor, at=now)

    def returnable_on(self, now: datetime, zone: ZoneInfo) -> bool:
        """The same-day rule, in the municipality's time zone."""
        return self.assigned_at is not None and _day(self.assigned_at, zone) == _day(now, zone)

    def follow_deadline(self, event: Contract, now: datetime) -> None:
        """Keep what the queues need of an SLA event (routing's own fact, not published)."""
        self.remember({"deadline": due.fact_of(event)}, at=now)

    def follow_delivery(self, envelope) -> None:
        """Keep intake's word on the answer's delivery for the history (not published);
        the registration number for the card too."""
        number = getattr(envelope.payload, "registration_number", None)
        self.remember({**({"appeal": {"registration_number": number}} if number else {}),
                       "delivery": {
            "event_type": envelope.event_type, "at": envelope.occurred_at.isoformat(),
            "actor": envelope.actor.model_dump(mode="json"),
            "payload": envelope.payload.model_dump(mode="json")}}, at=envelope.occurred_at)

    @property
    def running_deadline(self) -> due.Due | None:
        return due.running(self.deadlines)

    def count_late_return(self, now: datetime) -> None:
        self.remember({"late_return": 1}, at=now)

    def return_by_subordinate(self, actor: Actor, now: datetime, reason: str) -> None:
        self._in(POSSIBLE_IN["return_subordinate"], "вернуть обращение в администрацию")
        if not self.subordinate_id:
            raise refuse("illegal_transition", "Обращение не передавалось в поселение")
        self.record(rt.AppealReturned(
            returned_by=ReturnedBy.SUBORDINATE_RECIPIENT, from_recipient_id=self.subordinate_id,
            reason=reason, suggested_recipient_id=self.recipient_id), actor, at=now)

    def dispute(self, actor: Actor, now: datetime, argument: str) -> None:
        self._in(POSSIBLE_IN["dispute"], "открыть разногласие")
        self.record(rt.AppealDisputed(
            dispute_id=f"d-{self.disputes + 1}", recipient_id=self.recipient_id or "",
            argument=argument), actor, at=now)

    def resolve_dispute(self, actor: Actor, now: datetime, recipient_id: str, decision: str) -> None:
        if self.status not in POSSIBLE_IN["resolve_dispute"] or self.dispute_id is None:
            raise refuse("no_dispute", "По обращению нет открытого разногласия")
        self.record(rt.DisputeResolved(
            dispute_id=self.dispute_id, decided_recipient_id=recipient_id, decision=decision),
            actor, at=now)
        self.record(rt.AppealRouted(
            recipient_id=recipient_id, reason=f"решение руководителя МЦУ: {decision}",
            previous_recipient_id=self.recipient_id), actor, at=now)

    def draft(self, actor: Actor, now: datetime, text: str, attachments: int) -> None:
        self._in(POSSIBLE_IN["draft"], "подготовить ответ")
        if not self.executor_id:
            raise refuse("no_executor", "Сначала назначьте исполнителя")
        self.record(wf.AnswerDrafted(
            draft_id=f"a-{self.draft_count + 1}", executor_id=self.executor_id, text=text,
            attachments=attachments), actor, at=now)

    def send_for_approval(self, actor: Actor, now: datetime, approver_id: str | None) -> None:
        self._in(POSSIBLE_IN["send_for_approval"], "направить на согласование")
        self.record(wf.AnswerSentForApproval(
            draft_id=self.draft_id, approver_id=approver_id), actor, at=now)

    def approve(self, actor: Actor, now: datetime) -> None:
        self._in(POSSIBLE_IN["approve"], "согласовать ответ")
        self.record(wf.AnswerApproved(draft_id=self.draft_id,
                                                        approver_id=actor.id), actor, at=now)

    def return_for_rework(self, actor: Actor, now: datetime, criteria: list[ReworkCriterion],
                          comment: str | None) -> None:
        self._in(POSSIBLE_IN["return_for_rework"], "вернуть ответ на доработку")
        self.record(wf.AnswerReturnedForRework(
            draft_id=self.draft_id, approver_id=actor.id, criteria=tuple(criteria),
            comment=comment), actor, at=now)

    def publish(self, actor: Actor, now: datetime) -> None:
        self._in(POSSIBLE_IN["publish"], "направить ответ заявителю")
        self.record(wf.AnswerPublished(
            draft_id=self.draft_id, recipient_id=self.subordinate_id or self.recipient_id or "",
            executor_id=self.executor_id or ""), actor, at=now)

    def reclassify(self, actor: Actor, now: datetime, reason: str, kind: Kind | None = None,
                   topic: str | None = None, thematic_block: str | None = None,
                   territory: str | None = None) -> None:
        """A coordinator corrects what the appeal is about; what is not given stays."""
        self._open()
        facts = self.facts
        corrected = Classification(
            kind=kind or Kind(facts["kind"]),
            topic=topic or facts.get("topic") or None,
            thematic_block=thematic_block or facts.get("thematic_block") or None,
            territory=territory or facts.get("territory") or None,
            confidence=1.0, method=ClassificationMethod.MANUAL, reason=reason)
        before = (facts.get("kind"), facts.get("topic") or None,
                  facts.get("thematic_block") or None, facts.get("territory") or None)
        if (corrected.kind.value, corrected.topic, corrected.thematic_block,
                corrected.territory) == before:
            raise refuse("nothing_changed", "Классификация не изменилась: укажите новый вид, "
                                            "тему, блок или территорию", 422)
        self.record(rt.AppealClassified(classification=corrected, previous=self.classification),
                    actor, at=now)

    def mark_repeat(self, actor: Actor, now: datetime, repeat_of: UUID, reason: str) -> None:
        self._open()
        if repeat_of == self.id:
            raise refuse("invalid_target", "Обращение не может быть повтором самого себя", 422)
        if self.repeat_of == repeat_of:
            raise refuse("nothing_changed", "Обращение уже отмечено повтором этого обращения",
                         422)
        self.record(rt.AppealMarkedRepeat(repeat_of=repeat_of, reason=reason), actor, at=now)

    def postpone(self, actor: Actor, now: datetime, reason: str, until: date) -> None:
        self._in(POSSIBLE_IN["postpone"], "отложить")
        if until <= now.date():
            raise refuse("invalid_date", "Дата, до которой откладывается обращение, должна быть "
                                         "в будущем", 422)
        self.record(rt.AppealPostponed(reason=reason, until=until), actor, at=now)

    def transfer(self, actor: Actor, now: datetime, authority: str, reason: str) -> None:
        self._in(POSSIBLE_IN["transfer"], "передать в другой орган")
        self.record(rt.AppealTransferred(authority=authority, reason=reason),
                    actor, at=now)
        self.record(wf.AppealClosed(reason=ClosingReason.TRANSFERRED), actor, at=now)

    def leave_without_answer(self, actor: Actor, now: datetime, legal_ground: str) -> None:
        self._in(POSSIBLE_IN["leave_without_answer"], "оставить без ответа")
        self.record(wf.AppealLeftWithoutAnswer(
            legal_ground=legal_ground), actor, at=now)
        self.record(wf.AppealClosed(reason=ClosingReason.LEFT_WITHOUT_ANSWER),
                    actor, at=now)

    @property
    def rateable(self) -> bool:
        """Whether an applicant's score is taken now (the answer published, not reopened)."""
        return self.status in POSSIBLE_IN["rate"]

    def rate(self, actor: Actor, now: datetime, score: int, comment: str | None) -> None:
        """The applicant's rating; a negative one reopens the appeal (it counts as repeat)."""
        self._in(POSSIBLE_IN["rate"], "оценить ответ")
        satisfied = wf.is_satisfied(score)
        self.record(wf.AppealRated(score=score, satisfied=satisfied,
                                                  comment=comment), actor, at=now)
        if satisfied:
            self.record(wf.AppealClosed(reason=ClosingReason.RATED), actor, at=now)
        else:
            self.record(wf.AppealReopened(
                reason="отрицательная оценка заявителя", counts_as_repeat=True), actor, at=now)

    def reopen(self, actor: Actor, now: datetime, reason: str) -> None:
        if self.status not in POSSIBLE_IN["reopen"]:
            raise refuse("illegal_transition", "Переоткрыть можно только обращение с ответом")
        self.record(wf.AppealReopened(reason=reason, counts_as_repeat=True),
                    actor, at=now)


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
