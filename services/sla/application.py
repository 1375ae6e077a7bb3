"""Use cases of the SLA service: react to the log, extend deadlines, fire timers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from contracts import Actor, Envelope
from contracts.events.delivery import AnswerDelivered, NoticeDelivered
from contracts.events import registration as rg
from contracts.events import routing as rt
from contracts.events import workflow as wf
from contracts.vocabulary import NOTICE_STAGE, DeadlineStage
from kit.clock import Clock, SystemClock
from kit.unit_of_work import UnitOfWork
from kit.deployment import Deployment
from kit.directory import Directory
from kit.stores import ServiceApplication
from kit import revisions
from services.sla.domain.calendar import ProductionCalendar
from services.sla.domain.calendar_record import index_data, year_data, year_of
from services.sla.domain.deadline import NOTICE_STAGES, Basis, Deadline, DeadlineError
from services.sla.domain.policy import Policy
from services.sla.domain.terms import Term, TermCalculator
from services.sla.domain.timer_index import TimerIndex

log = logging.getLogger("mcu.sla")

ANSWER_STAGES = {DeadlineStage.ANSWER, DeadlineStage.FIRST_REACTION}


@dataclass(frozen=True)
class Tenant:
    """What one municipality's deadlines are computed with: its calendar (the federal one
    with its region's overlay) and working schedule in its zone, its policy, and its
    directory (who holds the roles escalations reach, and their e-mail)."""

    calc: TermCalculator
    policy: Policy
    directory: Directory
    policy_data: dict = field(default_factory=dict)


class SlaApplication(ServiceApplication):
    name = "sla"

    def __init__(self, env: dict | None = None, *, deployment: Deployment,
                 tenants: dict[str, Tenant], clock: Clock | None = None):
        super().__init__(env)
        self.deployment = deployment
        self.tenants = tenants  # municipality -> what its deadlines are computed with
        self.clock = clock or SystemClock()
        self.timers = TimerIndex()

    def tenant(self, municipality: str | None) -> Tenant:
        """The municipality's (None: an appeal from before tenancy, the legacy one's)."""
        return self.tenants[self.deployment.municipality(municipality).id]

    # -- reactions to the log (inside the tracked consumer's transaction) --------------
    def react(self, envelope: Envelope, unit: UnitOfWork) -> None:
        p, at = envelope.payload, envelope.occurred_at
        deadline: Deadline | None = unit.get(envelope.appeal_id)
        if isinstance(p, rg.AppealRegistered):
            if deadline is None:
                t = self.tenant(envelope.municipality)
                unit.add(Deadline.register(envelope.appeal_id, p, at, t.calc, t.policy,
                                           cause=envelope))
            return
        if deadline is None:
            return  # an appeal registered before this service kept deadlines
        t = self.tenant(deadline.municipality)
        match p:
            case rt.AppealClassified():
                deadline.rebase(p.classification.kind, t.calc, t.policy, at, envelope)
            case rt.AppealAssigned():
                deadline.assign("executor", p.executor_id, at)
            case wf.AnswerSentForApproval():
                deadline.assign("approver", p.approver_id, at)
            case rt.AppealPostponed():
                until = datetime.combine(p.until, time(0), tzinfo=t.calc.schedule.timezone)
                deadline.pause(p.reason, until, at, envelope)
            case wf.AnswerDrafted():  # work resumed before the postponement ended
                deadline.resume(at, t.calc, envelope)
            case wf.AnswerPublished():  # an official e-mail's answer: when it is delivered
                deadline.stop(at, ANSWER_STAGES - ({DeadlineStage.ANSWER}
                                                   if deadline.answered_by_delivery else set()),
                              envelope)
            case AnswerDelivered() if deadline.answered_by_delivery:  # its dispatch date
                deadline.stop(at, {DeadlineStage.ANSWER}, envelope,
                              answered_at=min(p.dispatched_at or at, at))
            case wf.AppealReopened():
                deadline.restart(at, t.calc, t.policy, envelope)
            case rt.AppealTransferred():  # its terms end here; the applicant is told (art. 8)
                deadline.stop(at, set(DeadlineStage) - NOTICE_STAGES, envelope)
                deadline.notice_due(DeadlineStage.FORWARDING_NOTICE, t.calc, t.policy, at,
                                    Basis.TRANSFERRED, envelope)
            case NoticeDelivered():  # its date is its dispatch, as an answer's
                deadline.stop(at, {NOTICE_STAGE[p.notice]}, envelope,
                              answered_at=min(p.dispatched_at or at, at))
            case wf.AppealClosed() | wf.AppealLeftWithoutAnswer():
                deadline.stop(at, None, envelope)

    # -- reference revisions --------------------------------------------------------------
    def record_policy(self, by: str | None = None) -> list[str]:
        """Record each municipality's policy data if new or changed (what changed, in
        Russian)."""
        return revisions.record_changes(self, {
            self.deployment.revision_name("policy", m): t.policy_data
            for m, t in self.tenants.items()}, by)[0]

    def reload_tenants(self, tenants: dict[str, Tenant], by: str | None = None) -> list[str]:
        """New policies and calendars in force for deadlines set from now on (those set
        before keep the revisions they name)."""
        self.tenants = tenants
        return self.record_policy(by) + self.record_calendar(by)

    def _calendars(self) -> dict[str, ProductionCalendar]:
        """Each distinct calendar by its name: the federal one, and the federal one with
        a region's overlay (`calendar-<year>` and `<overlay>/calendar-<year>`)."""
        found = {}
        for m, t in self.tenants.items():
            overlay = self.deployment.municipality(m).calendar
            found[f"{overlay}/" if overlay else ""] = t.calc.calendar
        return found

    def record_calendar(self, by: str | None = None) -> list[str]:
        """Record each loaded year that is new or changed; returns what changed, in Russian."""
        changes = []
        for prefix, calendar in sorted(self._calendars().items()):
            revisions.record(self, f"{prefix}calendar", index_data(calendar), by)
            for year, data in sorted(calendar.years.items()):
                record, changed = revisions.record(self, f"{prefix}calendar-{year}",
                                                   year_data(data), by)
                if changed:
                    verb = "загружен" if record.number == 1 else "изменён"
                    what = f"календарь {prefix.rstrip('/')} " if prefix else "календарь "
                    changes.append(f"{year}: {what}{verb} ({record.digest})")
        return changes

    def calendar_as_of(self, municipality: str | None, revision: str
                       ) -> ProductionCalendar | None:
        """The municipality's calendar as it was in `revision` (the digest a DeadlineSet
        names), put together from the recorded years; None if it was never recorded here
        (a revision older than the records of whole calendars)."""
        overlay = self.deployment.municipality(municipality).calendar
        prefix = f"{overlay}/" if overlay else ""
        index = next((r["data"] for r in revisions.history(self, f"{prefix}calendar")
                      if r["digest"] == revision), None)
        if index is None:
            return None
        years = []
        for year, year_digest in index.items():
            data = next((r["data"] for r in revisions.history(self, f"{prefix}calendar-{year}")
                         if r["digest"] == year_digest), None)
            if data is None:
                return None
            years.append(year_of(data))
        return ProductionCalendar(years)

    def policy_term(self, municipality: str | None, revision: str, rule_id: str
                    ) -> Term | None:
        """The term rule `rule_id` gave in the municipality's policy as it was in
        `revision`; None if that revision or rule is not kept here."""
        from services.sla.adapters.policy_file import PolicyFileError, parse_data

        m = self.deployment.municipality(municipality)
        data = next((r["data"] for r in revisions.history(
            self, self.deployment.revision_name("policy", m.id)) if r["digest"] == revision),
            None)
        if data is None:
            return None
        try:
            rule = parse_data(data, self.tenant(m.id).calc.schedule.timezone).policy.rule(rule_id)
        except PolicyFileError:
            return None
        return rule.term if rule else None

    def recheck_deadline(self, municipality: str | None, term: Term, counted_from: datetime,
                         due_at: datetime, revision: str, policy_revision: str | None = None,
                         policy_id: str | None = None) -> dict:
        """A deadline recomputed with the calendar revision it names (and, beside it, with
        the calendar in force now): consistent when the named revision gives the same
        moment; a different moment under today's calendar is "calendar changed since",
        not a fault of the deadline."""
        tenant = self.tenant(municipality)
        policy = {}
        if policy_revision and policy_id:
            given = self.policy_term(municipality, policy_revision, policy_id)
            policy = {"policy_revision_known": given is not None,
                      "policy_term": str(given) if given else None,
                      "term_consistent": None if given is None else given == term}
        current = tenant.calc.due(counted_from, term)
        found = {**policy, "calendar_revision": revision,
                 "current_calendar_revision": tenant.calc.revision,
                 "calendar_changed_since": revision != tenant.calc.revision,
                 "due_at_with_current_calendar": current.due.isoformat()}
        then = self.calendar_as_of(municipality, revision)
        if then is None:
            return found | {"revision_known": False, "consistent": None,
                            "recomputed_due_at": None, "explanation": []}
        recomputed = TermCalculator(then, tenant.calc.schedule).due(counted_from, term)
        return found | {"revision_known": True, "consistent": recomputed.due == due_at,
                        "recomputed_due_at": recomputed.due.isoformat(),
                        "explanation": list(recomputed.explanation)}

    def calendar_revisions(self) -> list[dict]:
        return [{"calendar": prefix.rstrip("/") or "федеральный", "year": year,
                 "revisions": found}
                for prefix, calendar in sorted(self._calendars().items())
                for year in sorted(calendar.years)
                if (found := revisions.history(self, f"{prefix}calendar-{year}"))]

    # -- commands -------------------------------------------------------------------------
    def extend(self, appeal_id: UUID, stage: DeadlineStage, by: Term, reason: str,
               actor: Actor) -> Deadline:
        def extend_current() -> Deadline:
            deadline = self.deadline(appeal_id)
            t = self.tenant(deadline.municipality)
            deadline.extend(stage, by, reason, actor, t.calc, t.policy, self.clock.now())
            self.save(deadline)
            return deadline

        return self.on_current(appeal_id, extend_current)

    def deadlines(self, appeal_ids: list[UUID]) -> list[Deadline]:
        """The deadlines kept for these appeals, from one store query per 500."""
        return [d for d in self.load_many(appeal_ids).values() if isinstance(d, Deadline)]

    def deadline(self, appeal_id: UUID) -> Deadline:
        try:
            return self.repository.get(appeal_id)
        except AggregateNotFoundError:
            raise DeadlineError("not_found", "По этому обращению сроков нет") from None

    # -- timers ---------------------------------------------------------------------------
    def committed(self, aggregates) -> None:
        """After every commit the changed deadlines are rescheduled from the aggregates in hand."""
        self._schedule(aggregates)

    def _schedule(self, aggregates) -> None:
        for aggregate in aggregates:
            if isinstance(aggregate, Deadline):
                t = self.tenant(aggregate.municipality)
                self.timers.schedule(aggregate.id, aggregate.next_timer_at(t.calc, t.policy))

    def reschedule(self, appeal_id: UUID) -> None:
        try:
            self._schedule([self.repository.get(appeal_id)])
        except AggregateNotFoundError:
            pass

    def rebuild_timers(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Scan the store once and schedule every deadline that still has timers; ends
        early when the service stops (the next start scans again)."""
        for n, appeal_id in enumerate(self.originators(f"{Deadline.__module__}:Deadline.")):
            if n % 1000 == 0 and stopping():
                break
            self.reschedule(appeal_id)
        return len(self.timers)

    def fire_due(self, limit: int = 2000) -> int:
        """Fire every timer due by now; each is stored once (the aggregate remembers)."""
        now, fired = self.clock.now(), 0
        for appeal_id in self.timers.due(now, limit):
            try:
                deadline = self.repository.get(appeal_id)
                t = self.tenant(deadline.municipality)
                if deadline.fire(now, t.calc, t.policy, t.directory):
                    self.save(deadline)  # committed() reschedules it
                    fired += 1
                else:
                    self._schedule([deadline])
            except IntegrityError:  # a reaction changed it meanwhile: look again next tick
                if self.repository.cache is not None:
                    self.repository.cache.clear()
                self.timers.schedule(appeal_id, now)
        return fired
