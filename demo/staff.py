"""Simulated staff acting on appeals through the routing API, as people would.

Coordinators distribute, executors draft (a few return the appeal the same day, some
never get to it and it goes overdue), approvers approve or send back for rework with
criteria, and the applicant's channel rates published answers. Each person acts on an
item with some probability per tick, so work spreads out like real delays.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import httpx

ANSWERS = (
    "Проведено обследование, работы включены в план на {month}. Исполнитель — МУП «Благоустройство», акт и фото приложены.",
    "Специалисты выехали на место {day}, неисправность устранена. Фото до и после приложены.",
    "Вопрос включён в муниципальную программу, срок выполнения — {month}. О ходе работ сообщим дополнительно.",
)
MONTHS = ("апрель 2027 года", "май 2027 года", "июнь 2027 года", "декабрь 2026 года")
CRITERIA = (["no_dates"], ["no_evidence"], ["formal"], ["no_dates", "no_evidence"])


class Staff:
    def __init__(self, routing_url: str, seed: int = 7, lazy_share: float = 0.1,
                 heads: tuple[str, ...] = ("u-head",)):
        self.client = httpx.AsyncClient(base_url=routing_url, timeout=10)
        self.heads = heads  # one person of each municipality: whose directory to read
        self.rng = random.Random(seed)
        self.lazy_share = lazy_share
        self.people: dict[str, dict] = {}
        self.by_org_role: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        self.orgs: dict[str, dict[str, dict]] = {}  # municipality -> its organisations
        self.lazy: set[str] = set()
        self.actions = 0

    def _auth(self, person: str) -> dict:
        return {"Authorization": f"Bearer demo-{person}"}

    async def load(self) -> None:
        """Each municipality's directory, as its MCU head reads it."""
        for head in self.heads:
            response = await self.client.get("/api/v1/directory", headers=self._auth(head))
            response.raise_for_status()
            directory = response.json()
            m = directory["municipality_id"]
            for p in directory["people"]:
                self.people[p["id"]] = p | {"municipality": m}
                for role in p["roles"]:
                    self.by_org_role[(m, p["organization"], role)].append(p["id"])
            self.orgs[m] = {o["id"]: o for o in directory["organizations"]}

    async def _post(self, person: str, appeal: str, path: str, body: dict | None = None) -> None:
        response = await self.client.post(f"/api/v1/appeals/{appeal}/{path}", json=body,
                                          headers=self._auth(person))
        if response.status_code == 200:
            self.actions += 1

    async def tick(self) -> None:
        for person, info in self.people.items():
            roles = set(info["roles"])
            if not roles & {"coordinator", "subordinate_coordinator", "executor", "approver",
                            "applicant"}:
                continue
            queue = (await self.client.get("/api/v1/queue", headers=self._auth(person),
                                           params={"limit": 20})).json()
            for item in queue:
                if self.rng.random() < 0.35:  # not every item every tick: people take time
                    await self.act(person, info, roles, item)

    async def act(self, person: str, info: dict, roles: set[str], item: dict) -> None:
        appeal, status, org = item["appeal_id"], item["status"], info["organization"]
        rng, m = self.rng, info["municipality"]
        orgs = self.orgs[m]
        if status in ("routed", "returned", "reopened") and "coordinator" in roles:
            if item["recipient_id"] == "mcu":
                target = rng.choice([o for o, v in orgs.items() if v["kind"] == "department"])
                await self._post(person, appeal, "routing", {
                    "recipient_id": target, "reason": "распределено координатором МЦУ по тематике"})
                return
            executors = self.by_org_role.get((m, item["recipient_id"], "executor"), [])
            if executors:
                await self._post(person, appeal, "assignment", {"executor_id": rng.choice(executors)})
        elif status == "subordinate" and "subordinate_coordinator" in roles:
            executors = self.by_org_role.get((m, org, "executor"), [])
            if rng.random() < 0.08:
                await self._post(person, appeal, "subordinate-return", {
                    "reason": "вопрос относится к полномочиям района"})
            elif executors:
                await self._post(person, appeal, "assignment", {"executor_id": rng.choice(executors)})
        elif status in ("assigned", "rework", "reopened") and "executor" in roles:
            if appeal in self.lazy:
                return
            if status == "assigned" and rng.random() < self.lazy_share:
                self.lazy.add(appeal)  # this one will wait until it is overdue
                return
            if status == "assigned" and rng.random() < 0.05:
                await self._post(person, appeal, "executor-return", {
                    "reason": "участок не относится к нашему ведению",
                    "suggested_recipient_id": next(
                        (o for o, v in orgs.items() if v["kind"] == "department"), "mcu")})
                return
            text = rng.choice(ANSWERS).format(month=rng.choice(MONTHS), day="на следующий день")
            await self._post(person, appeal, "answer-draft", {"text": text,
                                                              "attachments": rng.randrange(0, 3)})
        elif status == "answer_drafted" and "executor" in roles:
            await self._post(person, appeal, "approval-request", {})
        elif status == "on_approval" and "approver" in roles:
            if rng.random() < 0.15:
                await self._post(person, appeal, "rework", {
                    "criteria": rng.choice(CRITERIA), "comment": "доработайте ответ"})
            else:
                await self._post(person, appeal, "approval")
        elif status == "approved" and "approver" in roles:
            await self._post(person, appeal, "publication")
        elif status == "answered" and "applicant" in roles:
            score = rng.choices([5, 4, 3, 2, 1], [45, 25, 12, 10, 8])[0]
            await self._post(person, appeal, "rating", {"score": score})

    async def run(self, interval: float = 2.0) -> None:
        """Work until cancelled; while routing is away (restarted, stopped) people wait
        and carry on when it answers again."""
        while not self.people:
            try:
                await self.load()
            except (httpx.HTTPError, ValueError, KeyError):
                await asyncio.sleep(interval)
        while True:
            try:
                await self.tick()
            except (httpx.HTTPError, ValueError) as exc:
                print(f"демо: маршрутизация недоступна ({type(exc).__name__}), жду", flush=True)
            await asyncio.sleep(interval)
