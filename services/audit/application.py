"""Use cases of the audit service: verify the whole log against the signed checkpoints;
replay one appeal's history from the log, each event proven."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.vocabulary import Role
from kit.deployment import Deployment
from services.audit.adapters.store import AuditStore
from services.audit.domain import replay, witness
from services.audit.domain.checkpoint import Checkpoint
from services.audit.domain.dossier import AppealAudit
from services.audit.domain.rechecks import (autorule_decisions, deadline_terms, left_out,
                                            recheck, rewritten)
from services.audit.domain.record import content, leaf
from services.audit.domain.state import Event, first_of_each, state_at
from services.audit.domain.verify import PartitionReport, Seen, verify_partition


@dataclass(frozen=True)
class Digested:
    """A record of the log as verification needs it: its place, key and digest (the value
    itself need not be held while the whole log streams by)."""

    partition: int
    offset: int
    key: bytes | None
    digest: bytes

    @classmethod
    def of(cls, record) -> Digested:
        return cls(record.partition, record.offset, record.key,
                   content(record.key, record.value))


@dataclass(frozen=True)
class LogReport:
    partitions: tuple[PartitionReport, ...]

    @property
    def records(self) -> int:
        return sum(p.records for p in self.partitions)

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.partitions)

    @property
    def checkpoints(self) -> int:
        return sum(p.checkpoints for p in self.partitions)

    @property
    def discrepancies(self) -> list:
        return [d for p in self.partitions for d in p.discrepancies]


def verify_log(topic: str, records: Iterable, store: AuditStore,
               keys: dict[str, Ed25519PublicKey], as_topic: str | None = None,
               progress=lambda done, total: None) -> LogReport:
    """Each partition of `records` (Kafka records of the log, or of a copy of it, or their
    `Digested` forms) against
    the checkpoints the audit service signed for `as_topic` (the log it watched; default:
    `topic`). `progress(done, total)` is told, in records, after each partition."""
    watched = as_topic or topic
    seen: dict[int, list[Seen]] = defaultdict(list)
    for record in records:
        seen[record.partition].append(Seen(
            record.offset, record.digest if isinstance(record, Digested)
            else content(record.key, record.value),
            record.key.decode(errors="replace") if record.key else None))
    by_partition: dict[int, list] = defaultdict(list)
    for checkpoint in store.checkpoints():
        name, _, partition = checkpoint.origin.rpartition("/")
        if name == watched:
            by_partition[int(partition)].append(checkpoint)
    partitions = sorted(set(seen) | set(by_partition))
    total, reports = sum(len(found) for found in seen.values()), []
    for p in partitions:
        reports.append(verify_partition(p, by_partition.get(p, []), store.kept(p),
                                        sorted(seen.get(p, []), key=lambda s: s.offset), keys))
        progress(sum(r.records for r in reports), total)
    return LogReport(tuple(reports))


async def _nothing() -> dict:
    return {}


async def audit_appeal(appeal_id: str, topic: str, store: AuditStore,
                       keys: dict[str, Ed25519PublicKey], read, names_of,
                       at: datetime | None = None, sla=None, routing=None
                       ) -> AppealAudit | None:
    """The appeal's audit at `at` (default: now); None if the audit service has no record
    of it. `read` gets records by place (adapters.log_reader.read_at, bound to the broker);
    `names_of(municipality)` gives its Names (time zone: a naive `at` is read in it;
    organisations named in the re-checks); `sla(municipality, events)` recomputes the
    deadlines (adapters.sla_recheck) and `routing(municipality, events, envelopes)` the
    autorules decisions (adapters.routing_recheck), both asked at once; None: not asked."""
    latest = _latest_checkpoints(topic, store, keys)
    steps = await _replay(appeal_id, store, read, latest)
    if not steps:
        return None
    readable = [s.envelope for s in steps if s.envelope is not None]
    every = [Event.of(envelope) for envelope in readable]
    events = first_of_each(every)
    municipality = next((e.municipality for e in events if e.municipality), None)
    names = names_of(municipality)
    zone = names.zone
    moment = (at if at is None or at.tzinfo else at.replace(tzinfo=zone)) or datetime.now(UTC)
    used = tuple(latest[p] for p in sorted({s.partition for s in steps}) if p in latest)
    until_then = [e for e in events if e.occurred_at <= moment]
    by_id = {str(envelope["event_id"]): envelope for envelope in readable}
    deadlines, decisions = await asyncio.gather(
        sla(municipality, until_then) if sla else _nothing(),
        routing(municipality, until_then, by_id) if routing else _nothing())
    terms = deadline_terms(until_then, deadlines, zone)
    rules = autorule_decisions(until_then, decisions, zone, names.organization)
    findings = (rewritten(every, readable, zone) + left_out(events, zone)
                + recheck(until_then, zone) + rules + terms)
    return AppealAudit(appeal_id, municipality, moment, tuple(steps), state_at(events, moment),
                       tuple(findings), used)


def witness_recipients(deployment: Deployment) -> list[tuple[str, str]]:
    """Who keeps the witness outside the system: every municipality's MCU head and the
    regions' curators and auditors, by (name, e-mail); those without an address are
    skipped (the memo still prints it)."""
    chosen = {p.id: p for m in deployment.municipalities.values()
              if (p := m.directory.mcu_head) is not None}
    chosen |= {p.id: p for p in deployment.staff.values()
               if p.roles & {Role.REGIONAL_CURATOR, Role.REGIONAL_AUDITOR}}
    return [(p.name, p.email) for p in sorted(chosen.values(), key=lambda p: p.id)
            if p.email]


def send_witness(store: AuditStore, deployment: Deployment, mailer, until: datetime
                 ) -> tuple[list[Checkpoint], int]:
    """E-mail the witness of `until` (each partition's latest checkpoint by then); records
    that it was sent. Returns the checkpoints and how many got it."""
    checkpoints = store.checkpoints_until(until)
    recipients = witness_recipients(deployment)
    if checkpoints and recipients:
        subject, body = witness.letter(checkpoints, until)
        mailer.send(recipients, subject, body,
                    message_id_seed=f"witness-{until:%Y%m%d%H%M}")
    store.record_witness(until, len(recipients) if checkpoints else 0)
    return checkpoints, len(recipients) if checkpoints else 0


def _latest_checkpoints(topic: str, store: AuditStore, keys: dict[str, Ed25519PublicKey]
                        ) -> dict[int, Checkpoint]:
    """Per partition, the largest checkpoint whose signature holds (of the last few)."""
    latest: dict[int, Checkpoint] = {}
    for checkpoint in store.latest_checkpoints(topic):  # the largest of each first
        name, _, partition = checkpoint.origin.rpartition("/")
        if name == topic and int(partition) not in latest and checkpoint.verified_by(keys):
            latest[int(partition)] = checkpoint
    return latest


def _subtrees(store: AuditStore):
    """`subtrees(partition)(level, index)`: the kept perfect subtrees (level 0 from the
    record committed to), each read once per replay; KeyError for one the store lacks."""
    memo: dict[tuple[int, int, int], bytes] = {}

    def of(partition: int):
        def subtree(level: int, index: int) -> bytes:
            key = (partition, level, index)
            if key not in memo:
                if level == 0:
                    found = store.record_at(partition, index)
                    value = leaf(partition, *found) if found else None
                else:
                    value = store.node(partition, level, index)
                if value is None:
                    raise KeyError(key)
                memo[key] = value
            return memo[key]
        return subtree
    return of


async def replay_appeal(appeal_id: str, topic: str, store: AuditStore,
                        keys: dict[str, Ed25519PublicKey], read) -> list[replay.Step]:
    """The appeal's events from the log in log order, each with whether it is proven under
    the latest valid checkpoint of its partition, and what is wrong with it. `read` gets
    records by place (adapters.log_reader: `PlacesReader.read`, or `read_at` bound to the
    broker); the store is read in this thread (SQLite, indexed: milliseconds)."""
    return await _replay(appeal_id, store, read, _latest_checkpoints(topic, store, keys))


async def _replay(appeal_id: str, store: AuditStore, read, latest: dict[int, Checkpoint]
                  ) -> list[replay.Step]:
    places = store.places_of(appeal_id)
    if not places:
        return []
    records = await read([(p, o) for p, _, o, _ in places])
    subtrees = _subtrees(store)
    steps = []
    for partition, seq, offset, digest in places:
        record = records.get((partition, offset))
        if record is None:
            steps.append(replay.Step(partition, offset, None, False,
                                     "записи нет в журнале: удалена"))
            continue
        now = content(record.key, record.value)
        try:
            envelope = json.loads(record.value)
        except (TypeError, ValueError):
            envelope = None
        proven = now == digest and replay.prove(partition, seq, offset, now,
                                                subtrees(partition), latest.get(partition))
        problem = None if now == digest else "запись изменена после того, как её заверили"
        if problem is None and not proven:
            problem = "ещё не заверена контрольной точкой"
        steps.append(replay.Step(partition, offset, envelope, proven, problem))
    return steps
