"""The status each event leaves an appeal in: one definition for routing's workflow (its
`when`) and analytics' projection (its SQL reads `STATUS_AFTER`; the two rules that depend
on the payload are restated there, and a test checks every catalog example in both)."""

from __future__ import annotations

from contracts.catalog import event_type_of
from contracts.envelope import Contract
from contracts.events import routing as rt
from contracts.events import workflow as wf
from contracts.vocabulary import AppealStatus as S
from contracts.vocabulary import ClosingReason

STATUS_AFTER: dict[str, S] = {
    "AppealRegistered": S.NEW, "AppealRouted": S.ROUTED, "AppealAssigned": S.ASSIGNED,
    "AppealReturned": S.RETURNED, "AppealDisputed": S.DISPUTED,
    "AnswerDrafted": S.ANSWER_DRAFTED, "AnswerSentForApproval": S.ON_APPROVAL,
    "AnswerApproved": S.APPROVED, "AnswerReturnedForRework": S.REWORK,
    "AnswerPublished": S.ANSWERED, "AppealPostponed": S.POSTPONED,
    "AppealReopened": S.REOPENED, "AppealTransferred": S.TRANSFERRED,
    "AppealLeftWithoutAnswer": S.CLOSED, "AppealClosed": S.CLOSED,
}  # the others (a dispute resolved, deadlines, a rating) leave the status as it was


def status_after(event: Contract, current: S) -> S:
    """The appeal's status after `event` (the latest version of its model)."""
    match event:
        case rt.AppealAssigned(executor_id=None):
            return S.SUBORDINATE  # no executor: passed to a subordinate recipient
        case wf.AppealClosed(reason=ClosingReason.TRANSFERRED):
            return S.TRANSFERRED  # a transferred appeal stays visibly transferred
    return STATUS_AFTER.get(event_type_of(event), current)
