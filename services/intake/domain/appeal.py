"""The intake side of an appeal: registered once per channel item."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.envelope import Contract
from contracts.events.delivery import AnswerDelivered, AnswerRatingReceived, DeliveryFailed
from contracts.events.registration import AppealRegistered
from contracts.vocabulary import Channel, Kind
from kit.appeal_aggregate import AppealAggregate
from services.intake.domain.delivery import DELIVERED, DUE, GIVEN_UP, WITH_OPERATOR


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
        # the published answer's way to the applicant: draft_id, channel, state, attempts
        self.delivery: dict | None = None
        self.rated: list[str] = []  # the answers (draft ids) rated by the applicant's link
        self.approvers: dict[str, str] = {}  # draft id -> who approved it (signs the letter)
        self.outgoing: dict | None = None  # the official answer's number and date, once given
        self.classified_kind: Kind | None = None  # as the coordinator classified it, if not
        # as registered

    @property
    def repeat_of(self) -> UUID | None:
        return self.registered.repeat_of if self.registered else None

    def when(self, event: Contract) -> None:
        match event:
            case AppealRegistered():
                self.registered = event
            case AnswerDelivered() if self.delivery:
                self.delivery = {**self.delivery, "state": DELIVERED, "attempt": event.attempt,
                                 "reference": event.reference}
            case AnswerRatingReceived():
                self.rated = [*self.rated, event.draft_id]
            case DeliveryFailed() if self.delivery:
                state = DUE if event.retry_at else (
                    WITH_OPERATOR if self.delivery["state"] == WITH_OPERATOR else GIVEN_UP)
                self.delivery = {**self.delivery, "attempt": event.attempt, "state": state,
                                 "reason": event.reason}

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

    def delivery_pending(self, draft_id: str) -> bool:
        """Whether this answer still has to reach the applicant (not delivered, not left
        to an operator)."""
        d = self.delivery
        return d is not None and d["draft_id"] == draft_id and d["state"] == DUE

    def with_operator(self, draft_id: str) -> bool:
        """Whether this answer waits for an operator's hand (a letter to post, a call)."""
        d = self.delivery
        return d is not None and d["draft_id"] == draft_id and d["state"] == WITH_OPERATOR

    def numbered(self, draft_id: str) -> dict | None:
        """The outgoing number and date this official answer was given, if it was."""
        o = self.outgoing
        return o if o is not None and o["draft_id"] == draft_id else None

    def note(self, facts: dict) -> None:
        if "draft" in facts:
            self.drafts[facts["draft"]["id"]] = facts["draft"]["text"]
        if "kind" in facts:
            self.classified_kind = Kind(facts["kind"])
        if "approved" in facts:
            self.approvers[facts["approved"]["draft_id"]] = facts["approved"]["approver_id"]
        if "outgoing" in facts:  # {draft_id, number, dated}
            self.outgoing = facts["outgoing"]
        if "handed_to_operator" in facts and self.delivery is not None:  # {task: print|call}
            self.delivery = {**self.delivery, "state": WITH_OPERATOR,
                             "task": facts["handed_to_operator"]["task"]}
        if "delivery_due" in facts:  # published, or sent again by an operator
            due = facts["delivery_due"]
            same = self.delivery is not None and self.delivery["draft_id"] == due["draft_id"]
            self.delivery = {**(self.delivery if same else {}), **due, "state": DUE,
                             "attempt": self.delivery["attempt"] if same else 0}
        self.status = facts.get("status", self.status)
        self.status_notes = facts.get("status_notes", self.status_notes)
        self.agency = facts.get("agency", self.agency)
        self.expected_at = facts.get("expected_at", self.expected_at)
        self.updated_at = self.event_time
