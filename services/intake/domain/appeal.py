"""The intake side of an appeal: registered once per channel item."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.envelope import Contract
from contracts.events.delivery import (AnswerDelivered, AnswerRatingReceived, AppealNumbered,
                                      DeliveryFailed, NoticeDelivered, NoticeFailed)
from contracts.events.registration import AppealRegistered
from contracts.vocabulary import Channel, Kind
from kit.appeal_aggregate import AppealAggregate
from services.intake.domain.delivery import ANSWER, DELIVERED, DUE, GIVEN_UP, WITH_OPERATOR


def appeal_id_for(channel: Channel, external_id: str, municipality: str | None = None) -> UUID:
    """Same channel item, same appeal: a repeated delivery finds the existing one. Two
    municipalities' senders may number their items alike (web forms, operators), so the
    municipality is part of the identity; the legacy municipality's items (None) keep the
    ids they had before tenancy."""
    scope = f"{municipality}:" if municipality else ""
    return uuid5(NAMESPACE_URL, f"urn:mcu:channel:{scope}{channel.value}:{external_id}")


class IntakeAppeal(AppealAggregate):
    def initialize(self) -> None:
        self.registered: AppealRegistered | None = None
        self.status = "open"
        self.status_notes: str | None = None
        self.updated_at = None
        self.agency: str | None = None  # the recipient routing chose (an organisation id)
        self.expected_at: str | None = None  # the answer's deadline (ISO), as SLA set it
        self.drafts: dict[str, str] = {}  # draft id -> its text (masked, as on the log)
        # what goes to the applicant, by what (ANSWER or a notice): its state (due, with an
        # operator, delivered, given up), attempts, outgoing number; the answer's draft id,
        # a notice's details (where forwarded, the new term)
        self.pieces: dict[str, dict] = {}
        self.rated: list[str] = []  # the answers (draft ids) rated by the applicant's link
        self.approvers: dict[str, str] = {}  # draft id -> who approved it (signs the letter)
        self.classified_kind: Kind | None = None  # as the coordinator classified it, if not
        # as registered
        self.registration: dict | None = None  # {number, registered_on} of an official one

    @property
    def repeat_of(self) -> UUID | None:
        return self.registered.repeat_of if self.registered else None

    @property
    def delivery(self) -> dict | None:
        """The published answer's way to the applicant: draft_id, channel, state, attempts."""
        return self.pieces.get(ANSWER)

    def when(self, event: Contract) -> None:
        match event:
            case AppealRegistered():
                self.registered = event
            case AppealNumbered():
                self.registration = {"number": event.registration_number,
                                     "registered_on": event.registered_on.isoformat()}
            case AnswerDelivered() | NoticeDelivered():
                self._moved(_what(event), DELIVERED, attempt=event.attempt,
                            reference=event.reference)
            case AnswerRatingReceived():
                self.rated = [*self.rated, event.draft_id]
            case DeliveryFailed() | NoticeFailed():
                piece = self.pieces.get(_what(event))
                if piece is not None:
                    state = DUE if event.retry_at else (
                        WITH_OPERATOR if piece["state"] == WITH_OPERATOR else GIVEN_UP)
                    self._moved(_what(event), state, attempt=event.attempt,
                                reason=event.reason)

    def _moved(self, what: str, state: str, **more) -> None:
        if what in self.pieces:
            self.pieces[what] = {**self.pieces[what], "state": state, **more}

    @property
    def kind(self) -> Kind | None:
        """Official or not, as it stands now (routing's classification may change it)."""
        return self.classified_kind or (self.registered.kind if self.registered else None)

    @property
    def channel(self) -> Channel | None:
        return self.registered.channel if self.registered else None

    def rateable(self, draft_id: str) -> bool:
        """Whether the applicant may still rate this answer by their link: it was
        delivered and not rated yet (the link is used once)."""
        d = self.delivery
        return (d is not None and d["draft_id"] == draft_id and d["state"] == DELIVERED
                and draft_id not in self.rated)

    def _piece(self, what: str, draft_id: str | None) -> dict | None:
        """The piece, if it is this one (an answer: this draft, not one superseded)."""
        piece = self.pieces.get(what)
        if piece is None or (what == ANSWER and piece["draft_id"] != draft_id):
            return None
        return piece

    def pending(self, what: str, draft_id: str | None = None) -> bool:
        """Whether it still has to be sent (not delivered, not with an operator)."""
        piece = self._piece(what, draft_id)
        return piece is not None and piece["state"] == DUE

    def with_operator(self, what: str, draft_id: str | None = None) -> bool:
        """Whether it waits for an operator's hand (a letter to post, a call)."""
        piece = self._piece(what, draft_id)
        return piece is not None and piece["state"] == WITH_OPERATOR

    def numbered(self, what: str, draft_id: str | None = None) -> dict | None:
        """The outgoing number and date its letter was given, if it was."""
        piece = self._piece(what, draft_id)
        return piece.get("outgoing") if piece is not None else None

    def note(self, facts: dict) -> None:
        if "draft" in facts:
            self.drafts[facts["draft"]["id"]] = facts["draft"]["text"]
        if "kind" in facts:
            self.classified_kind = Kind(facts["kind"])
        if "approved" in facts:
            self.approvers[facts["approved"]["draft_id"]] = facts["approved"]["approver_id"]
        if "outgoing" in facts:  # {what (the answer by default), number, dated}
            out = facts["outgoing"]
            what = out.get("what", ANSWER)
            if what in self.pieces:
                self.pieces[what] = {**self.pieces[what], "outgoing": {
                    "number": out["number"], "dated": out["dated"]}}
        if "handed_to_operator" in facts:  # {task: print|call, what}
            handed = facts["handed_to_operator"]
            self._moved(handed.get("what", ANSWER), WITH_OPERATOR, task=handed["task"])
        if "delivery_due" in facts:  # published, or sent again by an operator
            self._due(ANSWER, facts["delivery_due"], same_if=("draft_id",))
        if "notice_due" in facts:  # {notice, its details}: 59-ФЗ calls for it
            due = facts["notice_due"]
            self._due(due["notice"], due, same_if=())
        self.status = facts.get("status", self.status)
        self.status_notes = facts.get("status_notes", self.status_notes)
        self.agency = facts.get("agency", self.agency)
        self.expected_at = facts.get("expected_at", self.expected_at)
        self.updated_at = self.event_time

    def _due(self, what: str, due: dict, same_if: tuple[str, ...]) -> None:
        """Due to be sent: the same piece again (its attempts and number kept), or a new one."""
        before = self.pieces.get(what)
        same = before is not None and all(before.get(k) == due.get(k) for k in same_if)
        self.pieces[what] = {**(before if same else {}), **due, "state": DUE,
                             "attempt": before["attempt"] if same else 0}


def _what(event: Contract) -> str:
    notice = getattr(event, "notice", None)
    return notice.value if notice is not None else ANSWER
