"""Use cases of the console: sign in, a person's queues, an appeal's card, an action.

Everything is asked of the services as the signed-in person (their token): routing says
what waits for them, what they may see and do; SLA the deadlines; intake's vault the
applicant's data. The console adds names, Russian and the page; never a rule of access.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import yaml

from kit.reference_files import ReferenceFileError, load_yaml
from kit.reference_admin import KEY
from services.console.adapters.upstream import Refused, Upstream
from services.console.domain import dashboard as board
from services.console.domain import forms
from services.console.domain.display import Names, Step, timeline
from services.console.domain.sessions import Session, SessionBook

SLA_BATCH = 100  # appeals per call of SLA's batch door (its limit)
DIRECTORY_TTL = 60.0  # seconds a municipality's directory is reused for names and choices


@dataclass
class QueuePage:
    total: int
    queues: list[dict]
    rows: list[dict]
    names: Names


@dataclass
class Card:
    appeal: dict
    deadlines: dict | None
    actions: list[forms.Form]
    steps: list[Step]
    names: Names
    zone: str
    extendable: list[dict] = field(default_factory=list)
    templates: list[dict] = field(default_factory=list)  # rendered for this appeal


@dataclass
class Dashboard:
    week: str
    charts: list[dict]
    rating: list[dict]
    growth: list[dict]
    names: Names
    errors: list[str]


class DashboardMixin:
    """The MCU dashboard: analytics' indicators for the week, as the person may see them."""

    upstream: Upstream

    async def dashboard(self, session: Session, week: str) -> Dashboard:
        period, token = week, session.token
        calls = {dim: self.upstream.get("analytics", "/api/v1/indicators/counts", token,
                                        period=period, dim=dim) for dim in board.DIMENSIONS}
        calls["rating"] = self.upstream.get("analytics", "/api/v1/indicators/rating", token,
                                            period=period)
        calls["heatmap"] = self.upstream.get("analytics", "/api/v1/indicators/heatmap", token,
                                             period=period)
        calls["growth"] = self.upstream.get("analytics", "/api/v1/indicators/growth", token,
                                            period=period)
        answers = await asyncio.gather(*calls.values(), return_exceptions=True)
        found, errors = {}, []
        for name, answer in zip(calls, answers, strict=True):
            if isinstance(answer, Refused):
                errors.append(str(answer))
                answer = []
            elif isinstance(answer, BaseException):
                raise answer
            found[name] = answer
        names = await self.names(session)  # type: ignore[attr-defined]
        charts = [board.bars(dim, found[dim], names).as_json() for dim in board.DIMENSIONS
                  if found[dim]]
        if found["heatmap"]:
            charts.append(board.heat(found["heatmap"]))
        return Dashboard(week, charts, [board.rating_view(r) for r in found["rating"]],
                         found["growth"], names, sorted(set(errors)))

    async def memo(self, session: Session, week: str, format: str) -> Any:
        return await self.upstream.call("analytics", "GET", f"/api/v1/memo/{week}",
                                        session.token, params={"format": format}, raw=True)


class AnalystMixin:
    """The analyst's page: the sandboxed SQL of analytics, and its tables described."""

    upstream: Upstream
    _tables: tuple[float, list[dict]] | None = None

    async def sql(self, session: Session, text: str) -> dict:
        return await self.upstream.call("analytics", "POST", "/api/v1/sql", session.token,
                                        body={"sql": text})

    async def tables(self, session: Session) -> list[dict]:
        """Each table the analyst may read with its columns, types and comments (asked
        with the analyst's own token, kept for five minutes)."""
        if self._tables and time.monotonic() - self._tables[0] < 300:
            return self._tables[1]
        shown = await self.sql(session, "SHOW TABLES")
        # materialized views hold no rows of their own: their target tables are listed
        names = [row[0] for row in shown["rows"]
                 if not str(row[0]).startswith(".") and not str(row[0]).endswith("_mv")]
        described = await asyncio.gather(*(self.sql(session, f"DESCRIBE TABLE `{n}`")
                                           for n in names), return_exceptions=True)
        found = []
        for name, answer in zip(names, described, strict=True):
            if isinstance(answer, dict):
                col = {c: i for i, c in enumerate(answer["columns"])}
                found.append({"name": name, "columns": [
                    {"name": r[col["name"]], "type": r[col["type"]],
                     "comment": r[col["comment"]] if "comment" in col else ""}
                    for r in answer["rows"]]})
        self._tables = (time.monotonic(), found)
        return found


class AdminMixin:
    """The administrator's autorules: the rules in force as YAML, and the dry run."""

    upstream: Upstream

    async def autorules_text(self, session: Session) -> tuple[int, str]:
        found = await self.upstream.get("routing", "/api/v1/autorules", session.token)
        rules = [{k: v for k, v in r.items() if v not in (None, [], "")} for r in found["rules"]]
        return found["version"], yaml.safe_dump({"rules": rules}, allow_unicode=True,
                                                sort_keys=False)

    async def templates_text(self, session: Session) -> tuple[int, str, dict]:
        found = await self.upstream.get("routing", "/api/v1/answer-templates", session.token)
        text = yaml.safe_dump({"templates": found["templates"]}, allow_unicode=True,
                              sort_keys=False, width=100) if found["templates"] else \
            "templates:\n  - id: example\n    title: Название\n    topics: []\n" \
            "    approved: false\n    text: \"По обращению № {номер} от {дата} ...\"\n"
        return found["revision"], text, found["placeholders"]

    async def save_templates(self, session: Session, text: str) -> int:
        try:
            data = load_yaml(text, "шаблоны ответов")
        except ReferenceFileError as exc:
            raise Refused(422, exc.code, "Шаблоны не сохранены", "; ".join(exc.problems)) from None
        answer = await self.upstream.call("routing", "PUT", "/api/v1/answer-templates",
                                          session.token, body=data)
        return answer["revision"]

    async def approved_templates(self, session: Session) -> list[dict]:
        try:
            found = await self.upstream.get("routing", "/api/v1/answer-templates", session.token)
        except Refused:
            return []
        return [t for t in found["templates"] if t["approved"]]

    async def answer_many(self, session: Session, appeal_ids: list[UUID], template: str
                          ) -> list[tuple[UUID, str]]:
        """Bulk answering: each selected appeal gets the approved template's wording, filled
        for it, as its draft, sent for approval; each refusal is reported."""
        refused = []
        for appeal_id in appeal_ids:
            try:
                found = await self.upstream.get(
                    "routing", f"/api/v1/appeals/{appeal_id}/answer-templates", session.token)
                chosen = next((t for t in found if t["id"] == template and t["approved"]), None)
                if chosen is None:
                    raise Refused(422, "template_unfit", "Шаблон не подходит",
                                  "Утверждённого шаблона для темы этого обращения нет")
                await self.act(session, appeal_id, "draft", {"text": [chosen["rendered"]]})
                await self.act(session, appeal_id, "send_for_approval", {})
            except Refused as refusal:
                refused.append((appeal_id, str(refusal)))
        return refused

    async def dry_run(self, session: Session, rules: str, days: int) -> dict:
        return await self.upstream.post("routing", "/api/v1/autorules/dry-run", session.token,
                                        {"rules": rules, "days": days})


OWNERS = ("routing", "sla", "intake")  # the services whose reference files the console edits


@dataclass
class ReferenceFiles:
    files: list[dict]  # each with the service that owns it
    errors: list[str]  # services that did not answer


class ReferenceMixin:
    """The reference files of every service that owns some, as the person may see them:
    read with their revisions, a candidate checked and compared, written on the version
    seen. The services check and decide; the console shows."""

    upstream: Upstream

    async def reference_files(self, session: Session) -> ReferenceFiles:
        answers = await asyncio.gather(*(
            self.upstream.get(service, "/api/v1/reference-files", session.token)
            for service in OWNERS), return_exceptions=True)
        files, errors = [], []
        for service, answer in zip(OWNERS, answers, strict=True):
            if isinstance(answer, Refused):
                errors.append(str(answer))
            elif isinstance(answer, BaseException):
                raise answer
            else:
                files += [{**f, "service": service} for f in answer]
        return ReferenceFiles(files, errors)

    async def reference_file(self, session: Session, service: str, key: str) -> dict:
        return await self.upstream.get(service, _path(service, key), session.token)

    async def check_reference(self, session: Session, service: str, key: str, text: str
                              ) -> dict:
        return await self.upstream.post(service, _path(service, key) + "/check",
                                        session.token, {"text": text})

    async def save_reference(self, session: Session, service: str, key: str, text: str,
                             base: str) -> dict:
        return await self.upstream.call(service, "PUT", _path(service, key), session.token,
                                        body={"text": text, "base": base})


def _path(service: str, key: str) -> str:
    """The owner's door of a file, for a service and key as the page's address gives
    them; anything else is a file that does not exist (never a path passed upstream)."""
    if service not in OWNERS or not re.fullmatch(KEY, key) or len(key) > 100:
        raise Refused(404, "reference_file_not_found", "Справочник не найден",
                      "Такого справочника нет: откройте его из списка «Справочники»")
    return f"/api/v1/reference-files/{key}"


class ConsoleApplication(DashboardMixin, AnalystMixin, AdminMixin, ReferenceMixin):
    def __init__(self, upstream: Upstream, idle: timedelta, default_zone: str = "Europe/Moscow"):
        self.upstream = upstream
        self.sessions = SessionBook(idle)
        self.default_zone = default_zone
        self._directories: dict[str, tuple[float, dict]] = {}

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    # -- signing in --------------------------------------------------------------------
    async def sign_in(self, person_id: str, token: str) -> Session:
        """The token must name this person in routing's directory; a wrong pair is one
        answer (nothing tells which half was wrong)."""
        try:
            me = await self.upstream.get("routing", "/api/v1/me", token.strip())
        except Refused as refusal:
            if refusal.code == "token_expired":
                raise  # routing says until when it was valid and whom to ask
            if refusal.status in (401, 403):
                raise Refused(401, "sign_in_failed", "Вход не выполнен",
                              "Неверный идентификатор сотрудника или ключ доступа") from None
            raise
        if me["id"] != person_id.strip():
            raise Refused(401, "sign_in_failed", "Вход не выполнен",
                          "Неверный идентификатор сотрудника или ключ доступа")
        zone, name = self.default_zone, ""
        if me.get("municipality"):
            directory = await self.directory(token.strip(), me["municipality"])
            zone, name = directory.get("timezone") or zone, directory.get("municipality", "")
        return self.sessions.open(
            self.now(), person_id=me["id"], name=me["name"], token=token.strip(),
            municipality=me.get("municipality"), municipality_name=name, timezone=zone,
            roles=frozenset(me["roles"]), organization=me.get("organization"))

    async def directory(self, token: str, municipality: str) -> dict:
        cached = self._directories.get(municipality)
        if cached and time.monotonic() - cached[0] < DIRECTORY_TTL:
            return cached[1]
        found = await self.upstream.get("routing", "/api/v1/directory", token,
                                        municipality=municipality)
        self._directories[municipality] = (time.monotonic(), found)
        return found

    async def names(self, session: Session) -> Names:
        if not session.municipality:
            return Names({}, {}, {})
        return Names.of(await self.directory(session.token, session.municipality))

    # -- queues ------------------------------------------------------------------------
    async def queue(self, session: Session, params: dict[str, Any]) -> QueuePage:
        """One page of the person's queues (routing sorts and filters by due time too: it
        follows SLA's deadline events), with the badges of that page's rows from SLA."""
        found, names = await asyncio.gather(
            self.upstream.get("routing", "/api/v1/worklist", session.token, **params),
            self.names(session))
        rows = found["items"]
        deadlines = await self._deadlines(session, [r["appeal_id"] for r in rows])
        for row in rows:
            row["deadline"] = deadlines.get(row["appeal_id"])
        return QueuePage(found["total"], found["queues"], rows, names)

    async def _deadlines(self, session: Session, ids: list[str]) -> dict[str, dict]:
        """The badges of these appeals, SLA's batch at a time (concurrently)."""
        answers = await asyncio.gather(*(
            self.upstream.get("sla", "/api/v1/deadlines", session.token,
                              appeal_id=ids[i:i + SLA_BATCH])
            for i in range(0, len(ids), SLA_BATCH)), return_exceptions=True)
        found = {}
        for answer in answers:
            if isinstance(answer, Refused):
                continue  # the queue still shows; those badges say «нет данных»
            if isinstance(answer, BaseException):
                raise answer
            found.update({a: d["badge"] for a, d in answer["deadlines"].items()
                          if d.get("badge")})
        return found

    # -- the card --------------------------------------------------------------------------
    async def card(self, session: Session, appeal_id: UUID) -> Card:
        appeal, actions = await asyncio.gather(
            self.upstream.get("routing", f"/api/v1/appeals/{appeal_id}", session.token),
            self.upstream.get("routing", f"/api/v1/appeals/{appeal_id}/actions", session.token))
        directory = await self.directory(session.token, appeal["municipality"])
        names, zone = Names.of(directory), directory.get("timezone") or session.timezone
        try:
            deadlines = await self.upstream.get(
                "sla", f"/api/v1/appeals/{appeal_id}/deadlines", session.token)
        except Refused as refusal:
            if refusal.status not in (403, 404):
                raise
            deadlines = None
        choices = choices_for(directory, appeal)
        templates = []
        if any(a["name"] == "draft" for a in actions):
            templates = await self.upstream.get(
                "routing", f"/api/v1/appeals/{appeal_id}/answer-templates", session.token)
        return Card(appeal, deadlines, [forms.form_of(a, choices) for a in actions],
                    timeline(appeal["history"], names, zone), names, zone,
                    [s for s in (deadlines or {}).get("stages", ())
                     if (deadlines or {}).get("can_extend") and s.get("extendable", True)
                     and s["state"] in ("in_time", "due_soon", "overdue")], templates)

    async def act(self, session: Session, appeal_id: UUID, action: str,
                  submitted: dict[str, list[str]]) -> dict:
        """The action, if routing offers it to this person now, with the submitted form as
        its body; a refusal is routing's own problem."""
        offered = await self.upstream.get("routing", f"/api/v1/appeals/{appeal_id}/actions",
                                          session.token)
        chosen = next((a for a in offered if a["name"] == action), None)
        if chosen is None:
            raise Refused(409, "action_unavailable", "Действие недоступно",
                          "Это действие сейчас недоступно: обращение изменилось или у вас нет"
                          " на него прав. Обновите карточку.")
        form = forms.form_of(chosen, forms.Choices())
        return await self.upstream.post("routing", f"/api/v1/appeals/{appeal_id}/{chosen['path']}",
                                        session.token, forms.body_of(form, submitted))

    async def act_on_many(self, session: Session, appeal_ids: list[UUID], action: str,
                          submitted: dict[str, list[str]]) -> list[tuple[UUID, str]]:
        """The same action on each selected appeal, one by one as the person; returns the
        refusals (appeal, routing's reason), the rest done."""
        refused = []
        for appeal_id in appeal_ids:
            try:
                await self.act(session, appeal_id, action, submitted)
            except Refused as refusal:
                refused.append((appeal_id, str(refusal)))
        return refused

    async def extend(self, session: Session, appeal_id: UUID, stage: str, term: str,
                     reason: str) -> dict:
        return await self.upstream.post(
            "sla", f"/api/v1/appeals/{appeal_id}/deadlines/{stage}/extensions", session.token,
            {"term": term.strip(), "reason": reason.strip()})

    async def applicant(self, session: Session, appeal_id: UUID, reason: str) -> dict:
        """The applicant's personal data; the vault logs who read it and why."""
        return await self.upstream.get("intake", f"/api/v1/appeals/{appeal_id}/applicant",
                                       session.token, reason=reason.strip())


def choices_for(directory: dict, appeal: dict) -> forms.Choices:
    """The directory's entries a form of this appeal may name: organisations, the
    subordinate ones, executors and approvers (each with their organisation)."""
    orgs = {o["id"]: o for o in directory.get("organizations", ())}

    def people(role: str) -> tuple[tuple[str, str], ...]:
        def org_name(p: dict) -> str:
            return orgs.get(p["organization"], {}).get("name", p["organization"])

        return tuple((p["id"], f"{p['name']} — {org_name(p)}")
                     for p in directory.get("people", ()) if role in p["roles"])

    held = {appeal.get("recipient_id"), appeal.get("subordinate_id")} - {None}
    executors = people("executor")
    mine = tuple(e for e in executors if any(
        p["id"] == e[0] and p["organization"] in held for p in directory.get("people", ())))
    return forms.Choices(
        organizations=tuple((o["id"], o["name"]) for o in orgs.values()),
        subordinates=tuple((o["id"], o["name"]) for o in orgs.values() if o.get("subordinate")),
        executors=mine + tuple(e for e in executors if e not in mine),
        approvers=people("approver"),
        blocks=tuple((b["id"], b["name"]) for b in directory.get("blocks", ())))
