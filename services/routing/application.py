"""Use cases of the routing service: autorouting on registration, staff commands, queues."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cached_property
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from contracts import Actor, Envelope
from contracts.events.delivery import (AnswerDelivered, AnswerRatingReceived, AppealNumbered,
                                      DeliveryFailed, NoticeDelivered, NoticeFailed)
from contracts.events.registration import AppealRegistered
from kit.reference_files import ReferenceFileError
from contracts.vocabulary import STATUS_RU, Role
from kit import metrics, revisions
from kit.clock import Clock, SystemClock
from kit.unit_of_work import UnitOfWork
from kit.deployment import Deployment
from kit.directory import Directory, Person
from kit.stores import ServiceApplication
from services.routing.domain import commands as cmd
from services.routing.domain.access import (WATCHERS, allowed_roles, authorize, blocks_of,
                                            not_found, roles_in_scope)
from services.routing.adapters.reference_files import parse_rules
from services.routing.domain.autorules import AppealFacts, RuleBook
from services.routing.domain import answer_templates
from services.routing.domain.answer_templates import AnswerTemplate
from services.routing.domain.dry_run import DryRun, dry_run
from services.routing.domain.errors import RoutingError, refuse
from services.routing.domain.workflow import Workflow
from services.routing.domain import due, worklist
from services.routing.domain.worklist import QueueItem

WAITING_FOR = {  # status -> who acts next
    "routed": Role.COORDINATOR, "returned": Role.COORDINATOR, "reopened": Role.COORDINATOR,
    "subordinate": Role.SUBORDINATE_COORDINATOR, "assigned": Role.EXECUTOR,
    "rework": Role.EXECUTOR, "answer_drafted": Role.EXECUTOR,
    "on_approval": Role.APPROVER, "approved": Role.APPROVER,
    "disputed": Role.MCU_HEAD, "answered": Role.APPLICANT,
}


# intake's, kept for the appeal's history: the answer's and the notices' way to the
# applicant, the registration number
DELIVERY = (AnswerDelivered, DeliveryFailed, AppealNumbered, NoticeDelivered, NoticeFailed)


class RoutingApplication(ServiceApplication):
    name = "routing"

    def __init__(self, env: dict | None = None, *, deployment: Deployment,
                 rules: dict[str, RuleBook], clock: Clock | None = None):
        super().__init__(env)
        self.deployment = deployment
        self.rules = rules  # municipality -> its autorules
        self.rules_data: dict[str, dict] = {}  # municipality -> its autorules file as read
        self.clock = clock or SystemClock()
        # who is waited for -> the appeals waiting for them, with the order they began to
        self._waiting: dict[tuple[str, str, str], dict[UUID, tuple[int, QueueItem]]] = {}
        self._keys: dict[UUID, tuple[str, str, str]] = {}  # appeal -> its key in `_waiting`
        self._order = 0
        self._queue_lock = threading.Lock()

    # -- reference data ------------------------------------------------------------------
    def record_reference(self, rules_data: dict[str, dict], by: str | None = None
                         ) -> list[str]:
        """Record each municipality's directory and autorules if changed; its rules take
        their revision's number."""
        files, name = {}, self.deployment.revision_name
        for m in self.deployment.municipalities.values():
            files[name("directory", m.id)] = m.directory_data
            files[name("autorules", m.id)] = rules_data[m.id]
        changes, records = revisions.record_changes(self, files, by)
        self.rules_data = rules_data
        self.rules = {m: replace(book, version=records[name("autorules", m)].number)
                      for m, book in self.rules.items()}
        return changes

    def recheck_routing(self, municipality: str | None, rule_version: int,
                        registered: AppealRegistered) -> dict:
        """The autorules decision for this registration recomputed with the revision of the
        municipality's autorules it names (an AppealRouted's `rule_version`), as routing
        decides at registration: for an auditor, against what the log says was decided."""
        m = self.deployment.municipality(municipality)
        found = revisions.history(self, self.deployment.revision_name("autorules", m.id))
        if not 1 <= rule_version <= len(found):
            return {"revision_known": False, "recipient_id": None, "rule_id": None,
                    "reason": None}
        try:
            book = parse_rules(found[rule_version - 1]["data"], m.directory,
                               version=rule_version)
        except ReferenceFileError as exc:  # names a recipient the directory no longer has
            return {"revision_known": False, "recipient_id": None, "rule_id": None,
                    "reason": f"редакция не читается с нынешним справочником: {exc}"[:500]}
        p = registered
        decision = book.decide(AppealFacts(
            kind=p.kind.value, channel=p.channel.value, topic=p.topic or "",
            thematic_block=p.classification.thematic_block or "",
            territory=p.territory or "", text=p.text))
        return {"revision_known": True, "recipient_id": decision.recipient,
                "rule_id": decision.rule_id, "reason": decision.reason}

    def reload_rules(self, rules: dict[str, RuleBook], rules_data: dict[str, dict],
                     by: str | None = None) -> list[str]:
        """New autorules in force from now on (appeals routed before keep theirs)."""
        self.rules = rules
        return self.record_reference(rules_data, by)

    def directory_of(self, workflow: Workflow) -> Directory:
        """The directory of the appeal's municipality."""
        return self.deployment.directory_of(workflow.municipality)

    def zone_of(self, workflow: Workflow) -> ZoneInfo:
        return ZoneInfo(self.deployment.municipality(workflow.municipality).timezone)

    def reachable(self, appeal_id: UUID, person: Person) -> Workflow:
        """The appeal, if it is in the person's part of the tree; any other is answered as
        missing (a municipality's staff never learn of another's appeals)."""
        workflow = self.workflow(appeal_id)
        if not self.deployment.reaches(person, workflow.municipality):
            raise not_found()
        return workflow

    # -- reaction to the log -----------------------------------------------------------------
    def react(self, envelope: Envelope, unit: UnitOfWork) -> None:
        p = envelope.payload
        if isinstance(p, due.FOLLOWED):
            workflow = unit.get(envelope.appeal_id)
            if isinstance(workflow, Workflow):
                workflow.follow_deadline(p, self.clock.now())
            return
        if isinstance(p, DELIVERY):  # the answer on its way: shown in the appeal's history
            workflow = unit.get(envelope.appeal_id)
            if isinstance(workflow, Workflow):
                workflow.follow_delivery(envelope)
            return
        if isinstance(p, AnswerRatingReceived):  # as a ПОС rating: AppealRated, maybe reopened
            workflow = unit.get(envelope.appeal_id)
            if isinstance(workflow, Workflow) and workflow.rateable:
                applicant = Actor(id=envelope.actor.id, role=Role.APPLICANT)  # by the contract
                workflow.rate(applicant, envelope.occurred_at, p.score, p.comment)
            return
        if not isinstance(p, AppealRegistered) or unit.get(envelope.appeal_id) is not None:
            return
        rules = self.rules[self.deployment.municipality(envelope.municipality).id]
        facts = AppealFacts(kind=p.kind.value, channel=p.channel.value, topic=p.topic or "",
                            thematic_block=p.classification.thematic_block or "",
                            territory=p.territory or "", text=p.text)
        details = {"text": p.text, "subject": p.subject or "", "external_id": p.external_id,
                   "received_at": p.received_at.isoformat()}
        unit.add(Workflow.register(envelope.appeal_id, facts, rules.decide(facts),
                                   self.clock.now(), cause=envelope,
                                   classification=p.classification, details=details))

    # -- commands ------------------------------------------------------------------------
    def handle(self, command: cmd.Command, appeal_id: UUID, person: Person) -> Workflow:
        """Authorize, check the targets, apply, save; again on the current appeal if another
        writer changed it meanwhile. A refusal changes nothing (except that a late return
        is counted)."""
        allowed_roles(command.roles, person, command.name)
        return self.on_current(appeal_id, lambda: self._handle(command, appeal_id, person))

    def _handle(self, command: cmd.Command, appeal_id: UUID, person: Person) -> Workflow:
        workflow = self.reachable(appeal_id, person)
        role = authorize(command.roles, person, workflow, self.directory_of(workflow),
                         command.name)
        actor = Actor(id=person.id, role=role, organization_id=person.organization)
        now = self.clock.now()
        try:
            self._handlers[type(command)](workflow, actor, person, now, command)
        except RoutingError as refusal:
            if refusal.code == "return_too_late":
                late = self.workflow(appeal_id)  # reached above
                late.count_late_return(now)
                self.save(late)
                metrics.LATE_RETURNS.inc()
            raise
        self.save(workflow)
        return workflow

    def command(self, name: str, appeal_id: UUID, person: Person, **fields) -> Workflow:
        """A command by its name (the demo, the CLI, tests): validated as its body would be."""
        return self.handle(cmd.BY_NAME[name](**fields), appeal_id, person)

    @cached_property
    def _handlers(self) -> dict[type[cmd.Command], Callable]:
        """What each command does (cosmicpython's handler map): one entry per command."""
        return {
            cmd.Assign: self._assign,
            cmd.Reroute: lambda wf, actor, person, now, c: (
                self._check_org(wf, c.recipient_id), wf.reroute(actor, now, c.recipient_id, c.reason)),
            cmd.ReturnByExecutor: self._return_by_executor,
            cmd.ReturnBySubordinate: lambda wf, actor, person, now, c: wf.return_by_subordinate(
                actor, now, c.reason),
            cmd.Dispute: lambda wf, actor, person, now, c: wf.dispute(actor, now, c.argument),
            cmd.ResolveDispute: lambda wf, actor, person, now, c: (
                self._check_org(wf, c.recipient_id),
                wf.resolve_dispute(actor, now, c.recipient_id, c.decision)),
            cmd.Draft: lambda wf, actor, person, now, c: wf.draft(actor, now, c.text,
                                                                  c.attachments),
            cmd.SendForApproval: self._send_for_approval,
            cmd.Approve: lambda wf, actor, person, now, c: wf.approve(actor, now),
            cmd.ReturnForRework: lambda wf, actor, person, now, c: wf.return_for_rework(
                actor, now, c.criteria, c.comment),
            cmd.Publish: lambda wf, actor, person, now, c: wf.publish(actor, now),
            cmd.Reclassify: self._reclassify,
            cmd.MarkRepeat: self._mark_repeat,
            cmd.Postpone: lambda wf, actor, person, now, c: wf.postpone(actor, now, c.reason,
                                                                        c.until),
            cmd.Transfer: lambda wf, actor, person, now, c: wf.transfer(actor, now, c.authority,
                                                                        c.reason),
            cmd.LeaveWithoutAnswer: lambda wf, actor, person, now, c: wf.leave_without_answer(
                actor, now, c.legal_ground),
            cmd.Rate: lambda wf, actor, person, now, c: wf.rate(actor, now, c.score, c.comment),
            cmd.Reopen: lambda wf, actor, person, now, c: wf.reopen(actor, now, c.reason),
        }

    def _assign(self, wf: Workflow, actor: Actor, person: Person, now, c: cmd.Assign) -> None:
        executor_id, subordinate_id, recipient_id = c.executor_id, c.subordinate_id, c.recipient_id
        directory = self.directory_of(wf)
        if (executor_id is None) == (subordinate_id is None):
            raise refuse("invalid_target", "Укажите либо исполнителя, либо подведомственного "
                                           "получателя (поселение, учреждение)", 422)
        if actor.role is Role.SUBORDINATE_COORDINATOR:
            recipient_id, subordinate_id = wf.recipient_id, person.organization
            self._check_executor(wf, executor_id, person.organization)
        else:
            recipient_id = recipient_id or wf.recipient_id
            self._check_org(wf, recipient_id)
            if subordinate_id is not None:
                sub = directory.organizations.get(subordinate_id)
                if sub is None or not sub.subordinate or not directory.is_under(
                        subordinate_id, directory.parent_of(recipient_id) or recipient_id):
                    raise refuse("invalid_target", f"«{subordinate_id}» — не подведомственный "
                                                   "получатель этой администрации", 422)
            else:
                self._check_executor(wf, executor_id, recipient_id)
        wf.assign(actor, now, recipient_id, executor_id, subordinate_id)

    def _return_by_executor(self, wf, actor, person, now, c: cmd.ReturnByExecutor) -> None:
        if c.suggested_recipient_id:
            self._check_org(wf, c.suggested_recipient_id)
        wf.return_by_executor(actor, now, self.zone_of(wf), c.reason, c.suggested_recipient_id)

    def _send_for_approval(self, wf, actor, person, now, c: cmd.SendForApproval) -> None:
        org = wf.subordinate_id or wf.recipient_id or ""
        approver_id, directory = c.approver_id, self.directory_of(wf)
        if approver_id is None:
            approver = directory.approver_for(org)
            approver_id = approver.id if approver else None
        elif approver_id not in {p.id for p in directory.with_role(org, Role.APPROVER)}:
            raise refuse("invalid_target", f"{approver_id} не согласующий получателя {org}", 422)
        wf.send_for_approval(actor, now, approver_id)

    def _reclassify(self, wf: Workflow, actor: Actor, person: Person, now, c: cmd.Reclassify):
        if c.thematic_block is not None and c.thematic_block not in self.directory_of(wf).blocks:
            raise refuse("unknown_block", f"Тематический блок «{c.thematic_block}» не найден "
                                          "в справочнике", 422)
        wf.reclassify(actor, now, c.reason, c.kind, c.topic, c.thematic_block, c.territory)

    def _mark_repeat(self, wf: Workflow, actor: Actor, person: Person, now, c: cmd.MarkRepeat):
        """The earlier appeal must exist, be of the same municipality (its directory) and be
        within the person's reach (else the answer would tell them that an appeal they may
        not see exists)."""
        try:
            earlier = self.reachable(c.repeat_of, person)
        except RoutingError:
            earlier = None
        if earlier is None or self.directory_of(earlier) is not self.directory_of(wf) \
                or not roles_in_scope(person, earlier, self.directory_of(earlier)):
            raise refuse("unknown_appeal", "Более раннее обращение не найдено", 422)
        wf.mark_repeat(actor, now, c.repeat_of, c.reason)

    def _check_org(self, wf: Workflow, org_id: str | None) -> None:
        if org_id not in self.directory_of(wf).organizations:
            raise refuse("unknown_recipient", f"Получатель «{org_id}» не найден в справочнике", 422)

    def _check_executor(self, wf: Workflow, executor_id: str | None, org_id: str | None
                        ) -> None:
        person = self.directory_of(wf).people.get(executor_id or "")
        if person is None or Role.EXECUTOR not in person.roles or person.organization != org_id:
            raise refuse("invalid_target", f"«{executor_id}» — не исполнитель получателя "
                                           f"«{org_id}»", 422)

    # -- reading -------------------------------------------------------------------------
    def workflow(self, appeal_id: UUID) -> Workflow:
        try:
            return self.repository.get(appeal_id)
        except AggregateNotFoundError:
            raise not_found() from None

    def viewable(self, appeal_id: UUID, person: Person) -> Workflow:
        """The appeal, if the person may read it (its card, its history, its templates)."""
        allowed_roles(cmd.VIEWERS, person, "view")
        workflow = self.reachable(appeal_id, person)
        authorize(cmd.VIEWERS, person, workflow, self.directory_of(workflow), "view")
        return workflow

    def history(self, appeal_id: UUID, person: Person) -> dict:
        workflow = self.viewable(appeal_id, person)
        events = [e for e in self.events.get(appeal_id) if isinstance(e, Workflow.Recorded)
                  or (isinstance(e, Workflow.Noted) and "delivery" in e.facts)]
        municipality = self.deployment.municipality(workflow.municipality)
        return {"appeal_id": str(appeal_id), "municipality": municipality.id,
                "municipality_name": municipality.name, "status": workflow.status,
                "status_ru": STATUS_RU[workflow.status], "recipient_id": workflow.recipient_id,
                "subordinate_id": workflow.subordinate_id, "executor_id": workflow.executor_id,
                "reworks": workflow.reworks, "reopenings": workflow.reopenings,
                "late_returns": workflow.late_returns, **workflow.facts,
                "history": [_entry(e) for e in events]}

    def scope(self, appeal_id: UUID, person: Person) -> frozenset[Role]:
        """The person's roles that reach this appeal now (its holder, executor, block);
        none is answered as a missing appeal."""
        workflow = self.reachable(appeal_id, person)
        reach = roles_in_scope(person, workflow, self.directory_of(workflow))
        if not reach:
            raise not_found()
        return reach

    def scopes(self, appeal_ids: list[UUID], person: Person) -> dict[UUID, frozenset]:
        """`scope` for many appeals in one store query; those out of reach are left out."""
        found = {}
        for workflow in self.load_many(appeal_ids).values():
            if not isinstance(workflow, Workflow) or not self.deployment.reaches(
                    person, workflow.municipality):
                continue
            reach = roles_in_scope(person, workflow, self.directory_of(workflow))
            if reach:
                found[workflow.id] = reach
        return found

    def queue(self, person: Person) -> list[QueueItem]:
        """Appeals waiting for this person's action, oldest first: read from the index
        of who is waited for, never a scan of every appeal."""
        found: list[tuple[int, QueueItem]] = []
        with self._queue_lock:
            for key in _waiting_keys(person):
                found.extend(self._waiting.get(key, {}).values())
        return [item for _, item in sorted(found, key=lambda pair: pair[0])]

    def worklist(self, person: Person, **options) -> worklist.Page:
        """The person's queues as the console shows them: counts per queue, then one page
        of the filtered, searched and sorted items (`worklist.page`'s options)."""
        with self._queue_lock:
            found = [(order, key[1], item) for key in _waiting_keys(person)
                     for order, item in self._waiting.get(key, {}).values()]
            found.extend(self._watched(person))
        return worklist.page(found, now=self.clock.now(), **options)

    def _watched(self, person: Person) -> list[tuple[int, str, QueueItem]]:
        """Open appeals a person watches without being waited for: their blocks' (a block
        curator), or all of the municipality's (its head, its deadline controller), and
        those escalated to the head."""
        if person.municipality is None:
            return []
        directory = self.deployment.directory_of(person.municipality)
        blocks = blocks_of(person, directory) if Role.BLOCK_CURATOR in person.roles else ()
        watching, head = bool(person.roles & WATCHERS), Role.MCU_HEAD in person.roles
        if not blocks and not watching:
            return []
        found = []
        for key, items in self._waiting.items():
            if key[0] != person.municipality or key[1] == "applicant":
                continue
            for order, item in items.values():
                if watching:
                    found.append((order, "watch", item))
                if head and item.due is not None and item.due.to_head:
                    found.append((order, "escalated", item))
                if item.thematic_block in blocks:
                    found.append((order, "block", item))
        return found

    def actions(self, appeal_id: UUID, person: Person) -> list[type[cmd.Command]]:
        """The commands this person may give on this appeal now: a role of theirs that the
        command allows reaches the appeal, and the appeal's state admits it."""
        workflow = self.reachable(appeal_id, person)
        reach = roles_in_scope(person, workflow, self.directory_of(workflow))
        if not reach:
            raise not_found()  # as every other door answers one out of reach
        return [kind for kind in cmd.COMMANDS
                if kind.roles & reach and workflow.can(kind.name)]

    def dry_run(self, municipality: str, rules_data: object, days: int) -> DryRun:
        """The candidate autorules (checked against the municipality's directory, as the
        file would be) over its appeals registered in the last `days` days. Reads every
        workflow of the store once: an administrator's question, not a queue's."""
        directory = self.deployment.directory_of(municipality)
        candidate = parse_rules(rules_data, directory, source="новая редакция автоправил")
        since = self.clock.now() - timedelta(days=days)
        ids = list(self.originators(":Workflow."))

        def appeals():
            for start in range(0, len(ids), 500):
                for wf in self.load_many(ids[start:start + 500]).values():
                    if (not isinstance(wf, Workflow) or wf.created_on < since
                            or self.deployment.municipality(wf.municipality).id != municipality):
                        continue
                    f = wf.facts
                    facts = AppealFacts(kind=f.get("kind", ""), channel=f.get("channel", ""),
                                        topic=f.get("topic", ""),
                                        thematic_block=f.get("thematic_block", ""),
                                        territory=f.get("territory", ""), text=f.get("text", ""))
                    yield (wf.id, facts, f.get("subject") or f.get("text", "")[:120],
                           wf.first_recipient or "", wf.subordinate_id or wf.recipient_id or "")

        return dry_run(appeals(), candidate)

    # -- answer templates ------------------------------------------------------------------
    def templates(self, municipality: str) -> tuple[int, list[AnswerTemplate]]:
        """The municipality's answer templates and their revision (0: none yet)."""
        try:
            record = self.repository.get(revisions.revisions_id(_templates_name(municipality)))
        except AggregateNotFoundError:
            return 0, []
        return record.number, answer_templates.parse(record.revisions[-1]["data"])

    def save_templates(self, municipality: str, data: object) -> int:
        """A new revision of the templates document, checked first; returns its number."""
        answer_templates.parse(data)
        record, _ = revisions.record(self, _templates_name(municipality), data)
        return record.number

    def templates_for(self, appeal_id: UUID, person: Person) -> list[dict]:
        """The templates fitting the appeal's topic, rendered for it (who may read the
        appeal may read them)."""
        wf = self.viewable(appeal_id, person)
        municipality = self.deployment.municipality(wf.municipality)
        directory, zone = self.directory_of(wf), self.zone_of(wf)
        received = wf.facts.get("received_at", "")
        values = {
            "номер": wf.facts.get("external_id") or str(wf.id)[:8],
            "дата": (datetime.fromisoformat(received).astimezone(zone).strftime("%d.%m.%Y")
                     if received else ""),
            "тема": wf.facts.get("topic", ""), "территория": wf.facts.get("territory", ""),
            "получатель": getattr(directory.organizations.get(
                wf.subordinate_id or wf.recipient_id or ""), "name", ""),
            "исполнитель": getattr(directory.people.get(wf.executor_id or ""), "name", ""),
        }
        _, found = self.templates(municipality.id)
        return [{**t.as_json(), "rendered": t.render(values)}
                for t in found if t.fits(wf.facts.get("topic", ""))]

    def committed(self, aggregates) -> None:
        """After every commit the queue index follows the aggregates in hand."""
        self._index(aggregates)

    def _index(self, aggregates) -> None:
        """Each workflow under the one key of whom it waits for; one that waits for
        nobody (closed, transferred, postponed) leaves the index and its memory."""
        with self._queue_lock:
            for wf in aggregates:
                if isinstance(wf, Workflow):
                    self._index_one(wf)

    def _index_one(self, wf: Workflow) -> None:
        facts = wf.facts
        item = QueueItem(
            wf.id, wf.status, wf.recipient_id, wf.subordinate_id, wf.executor_id,
            facts.get("topic", ""), facts.get("territory", ""), facts.get("channel", ""),
            self.deployment.municipality(wf.municipality).id, facts.get("kind", ""),
            facts.get("thematic_block", ""),
            wf.returned_by.value if wf.returned_by else "",
            wf.repeat_of is not None or wf.reopenings > 0, facts.get("external_id", ""),
            facts.get("received_at", ""), facts.get("subject", ""), facts.get("text", ""),
            wf.running_deadline)
        key, old = _waited_by(item), self._keys.pop(wf.id, None)
        order = None
        if old is not None:
            order, _ = self._waiting[old].pop(wf.id)
            if not self._waiting[old]:
                del self._waiting[old]
            if old != key:
                order = None  # it begins to wait for someone else now
        if key is None:
            return
        if order is None:
            self._order += 1
            order = self._order
        self._waiting.setdefault(key, {})[wf.id] = (order, item)
        self._keys[wf.id] = key

    def queued(self) -> int:
        """How many appeals wait for someone (the index's size)."""
        with self._queue_lock:
            return len(self._keys)

    def rebuild_queue(self) -> int:
        """Scan the store once at start and index every workflow still waiting."""
        self._index(self.repository.get(a) for a in self.originators(":Workflow."))
        return self.queued()


def _entry(e) -> dict:
    """One step of an appeal's history: routing's own event, or another service's it
    keeps for the card (the answer's delivery, as intake recorded it)."""
    if isinstance(e, Workflow.Noted):
        d = e.facts["delivery"]
        return {"seq": e.originator_version, "at": d["at"], "event_type": d["event_type"],
                "actor": d["actor"], "payload": d["payload"]}
    return {"seq": e.originator_version, "at": e.timestamp.isoformat(),
            "event_type": e.event_type, "actor": e.actor, "payload": e.payload}


def _templates_name(municipality: str) -> str:
    return f"answer-templates:{municipality}"


def _waited_by(item: QueueItem) -> tuple[str, str, str] | None:
    """Whom an appeal waits for: its municipality, a role and the one holder of it (a
    person, an organisation, a channel); None when it waits for nobody."""
    key = _holder(item)
    return (item.municipality, *key) if key else None


def _holder(item: QueueItem) -> tuple[str, str] | None:
    role = WAITING_FOR.get(item.status)
    if role is Role.EXECUTOR:
        return ("executor", item.executor_id or "")
    if role is Role.SUBORDINATE_COORDINATOR:
        return ("subordinate", item.subordinate_id or "")
    if role is Role.COORDINATOR:
        return ("coordinator", item.recipient_id or "")
    if role is Role.APPROVER:
        return ("approver", item.subordinate_id or item.recipient_id or "")
    if role is Role.MCU_HEAD:
        return ("head", "")
    if role is Role.APPLICANT:
        return ("applicant", item.channel)
    return None


def _waiting_keys(person: Person) -> list[tuple[str, str, str]]:
    """The keys of `_waited_by` under which appeals wait for this person (in their own
    municipality: a region's staff wait on no queue)."""
    if person.municipality is None:
        return []
    return [(person.municipality, *key) for key in _holders(person)]


def _holders(person: Person) -> list[tuple[str, str]]:
    keys = []
    for role in person.roles:
        if role is Role.EXECUTOR:
            keys.append(("executor", person.id))
        elif role is Role.SUBORDINATE_COORDINATOR:
            keys.append(("subordinate", person.organization))
        elif role is Role.COORDINATOR:
            keys.append(("coordinator", person.organization))
        elif role is Role.APPROVER:
            keys.append(("approver", person.organization))
        elif role is Role.MCU_HEAD:
            keys.append(("head", ""))
        elif role is Role.APPLICANT:
            keys.extend(("applicant", channel) for channel in sorted(person.channels))
    return keys
