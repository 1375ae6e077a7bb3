"""The reference files' doors of a service (routing, SLA, intake offer the same four):
list what the caller may see, read one with its revisions, check a candidate (problems in
Russian, or the diff against the version in force), write it on the version the caller saw.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from kit import problems, revisions
from kit import reference_admin as ra
from kit.reference_admin import KEY
from kit.directory import Person
from kit.problems import Problem
from kit.reference_files import ReferenceFileError
from kit.reference_watch import REFUSED, ReferenceWatch
from kit.staff import caller

PREFIX = "/api/v1/reference-files"
# a directory of a large municipality, its Cyrillic escaped in JSON (6 bytes a letter)
BODY_LIMITS = {PREFIX: 8 * 1024 * 1024}
HISTORY = 20  # revisions shown with their data


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=ra.MAX_TEXT, description="Новая редакция файла (YAML)")


class NewVersion(Candidate):
    base: str = Field(pattern=r"^[0-9a-f]{16}$",
                      description="Версия, которую видел администратор (digest из GET)")


def router(app, deployment, files: Callable[[], list[ra.EditableFile]],
           watch: ReferenceWatch) -> APIRouter:
    """`app`: the service's application (its revisions); `files`: what it owns now;
    `watch`: the process's reload, run at once after a write so the answer reflects it."""
    api = APIRouter(prefix=PREFIX, tags=["справочники"])
    Who = Annotated[Person, Depends(caller(deployment))]
    Key = Annotated[str, Path(pattern=KEY, max_length=100, description="Файл: вид@имя",
                              examples=["autorules@konstantinovsky", "calendar@ru-2026",
                                        "rubricator"])]

    def seen_by(who: Person) -> list[ra.EditableFile]:
        reach = deployment.reach(who)
        return [f for f in files() if ra.visible(who, f, reach)]

    def the_file(who: Person, key: str) -> ra.EditableFile:
        for f in seen_by(who):
            if f.key == key:
                return f
        raise Problem(404, "reference_file_not_found", "Справочник не найден",
                      f"Файла «{key}» нет среди справочников, доступных вам")

    def summary(who: Person, f: ra.EditableFile) -> dict:
        found = revisions.history(app, f.revision_name)
        return {"key": f.key, "kind": f.kind, "title": f.title, "file": f.path.name,
                "municipalities": sorted(f.municipalities), "revision": len(found) or None,
                "writable": ra.may_write(who, f) and not f.shipped and not f.read_only,
                "read_only": f.read_only or ("встроенный демонстрационный файл: задайте "
                                             "свой (MCU_DEPLOYMENT)" if f.shipped else ""),
                "note": f.note}

    def not_passed(exc: ReferenceFileError) -> Problem:
        return problems.invalid([{"field": "text", "type": exc.code, "reason": reason}
                                 for reason in exc.problems])

    @api.get("", summary="Справочники, которые вы можете смотреть, и их редакции",
             responses=problems.responses(401))
    async def listing(who: Who) -> list[dict]:
        return await asyncio.to_thread(lambda: [summary(who, f) for f in seen_by(who)])

    @api.get("/{key}", summary="Справочник: текст, версия и история редакций",
             responses=problems.responses(401, 404, 422, 503))
    async def one(key: Key, who: Who) -> dict:
        f = the_file(who, key)

        def read() -> dict:
            text, found = f.text(), revisions.history(app, f.revision_name)
            return {**summary(who, f), "text": text, "digest": ra.text_digest(text),
                    "revisions": [{"number": n, "digest": r["digest"], "by": r.get("by"),
                                   "at": r.get("at"),
                                   "data": r["data"] if n > len(found) - HISTORY else None}
                                  for n, r in enumerate(found, 1)][::-1]}
        try:
            return await asyncio.to_thread(read)
        except OSError as exc:
            raise Problem(503, "reference_unreadable", "Файл не читается",
                          f"{f.path.name}: {exc.strerror}") from None

    @api.post("/{key}/check", summary="Проверить новую редакцию и показать, что она меняет",
              responses=problems.responses(401, 404, 413, 422))
    async def check(key: Key, body: Candidate, who: Who) -> dict:
        f = the_file(who, key)
        try:
            await asyncio.to_thread(ra.checked, f, body.text)
        except ReferenceFileError as exc:
            raise not_passed(exc) from None
        current = await asyncio.to_thread(f.text)
        change = ra.diff(current, body.text, f.path.name)
        return {**summary(who, f), "valid": True, "changed": bool(change), "diff": change,
                "base": ra.text_digest(current)}

    @api.put("/{key}", summary="Записать новую редакцию (вступает в силу сразу)",
             responses=problems.responses(401, 403, 404, 409, 413, 422))
    async def save(key: Key, body: NewVersion, who: Who) -> dict:
        f = the_file(who, key)
        if not ra.may_write(who, f) or f.read_only:
            raise Problem(403, "forbidden_reference_file", "Недостаточно прав",
                          f.read_only or "Этот файл общий для нескольких муниципалитетов: его"
                          " меняет администратор платформы")
        try:
            await asyncio.to_thread(ra.checked, f, body.text)
            changes = await asyncio.to_thread(
                watch.after, lambda: ra.write(f, body.text, body.base), who.id)
        except ReferenceFileError as exc:
            raise not_passed(exc) from None
        except ra.ShippedFile:
            raise Problem(409, "shipped_reference_file", "Встроенный файл не изменяется",
                          "Это демонстрационный файл платформы: задайте свой файл "
                          "развёртывания (MCU_DEPLOYMENT)") from None
        except ra.StaleBase:
            raise Problem(409, "reference_changed", "Файл уже изменён",
                          "Пока вы готовили редакцию, файл изменили: откройте его заново и "
                          "перенесите свои правки") from None
        except ra.Unwritable as exc:
            raise Problem(409, "reference_unwritable", "Файл не записан",
                          f"Файловая система не дала записать {exc}: папка развёртывания "
                          "открыта только для чтения? Действует прежняя редакция") from None
        except REFUSED as exc:  # it passed its own check, not with the rest: not in force
            raise Problem(409, "reference_refused", "Редакция записана, но не применена",
                          f"Служба оставила прежнюю версию: {exc}") from None
        return {**summary(who, f), "changes": changes}

    return api
