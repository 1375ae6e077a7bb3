"""The administrator's pages: autorules with their dry run, answer templates, the reference
files of every service.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse

from kit.reference_admin import MAX_TEXT
from services.console.adapters.upstream import Refused
from services.console.entrypoints.web import Pages


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    @pages.get("/admin/autorules")
    async def autorules(who: Who) -> HTMLResponse:
        try:
            version, text = await web.app.autorules_text(who)
        except Refused as refusal:
            return web.render("autorules.html", refusal.status, who=who, refused=refusal,
                              rules="", version=None, days=30)
        return web.render("autorules.html", who=who, rules=text, version=version, days=30)

    @pages.post("/admin/autorules")
    async def try_autorules(who: Acting, rules: Annotated[str, Form(max_length=200_000)] = "",
                            days: Annotated[int, Form(ge=1, le=365)] = 30) -> HTMLResponse:
        names = await web.app.names(who)
        try:
            result = await web.app.dry_run(who, rules, days)
        except Refused as refusal:
            return web.render("autorules.html", 422 if refusal.status < 500 else 502, who=who,
                              refused=refusal, rules=rules, version=None, days=days)
        return web.render("autorules.html", who=who, rules=rules, version=None, days=days,
                          result=result, names=names)

    # -- the administrator's answer templates -----------------------------------------------
    @pages.get("/admin/templates")
    async def templates_page(who: Who) -> HTMLResponse:
        try:
            revision, text, placeholders = await web.app.templates_text(who)
        except Refused as refusal:
            return web.render("templates.html", refusal.status, who=who, refused=refusal, text="",
                              revision=None, placeholders={})
        return web.render("templates.html", who=who, text=text, revision=revision,
                          placeholders=placeholders, saved=False)

    @pages.post("/admin/templates")
    async def templates_save(who: Acting,
                             text: Annotated[str, Form(max_length=500_000)] = "") -> HTMLResponse:
        try:
            revision = await web.app.save_templates(who, text)
        except Refused as refusal:
            return web.render("templates.html", 422 if refusal.status < 500 else 502, who=who,
                              refused=refusal, text=text, revision=None, placeholders={})
        revision, text, placeholders = await web.app.templates_text(who)
        return web.render("templates.html", who=who, text=text, revision=revision,
                          placeholders=placeholders, saved=True)

    add_reference_files(pages, web)


def add_reference_files(pages: APIRouter, web: Pages) -> None:
    """Every reference file the person may see: its text and revisions, a new version
    checked and shown as a diff, then written on the version that was checked."""
    Who, Acting = web.who, web.acting

    @pages.get("/admin/files")
    async def reference_files(who: Who) -> HTMLResponse:
        found = await web.app.reference_files(who)
        return web.render("files.html", who=who, files=found.files, errors=found.errors)

    async def file_page(who, service: str, key: str, status: int = 200, **shown
                        ) -> HTMLResponse:
        try:
            found = await web.app.reference_file(who, service, key)
        except Refused as refusal:
            return web.render("missing.html", refusal.status, who=who, heading="Справочник не найден",
                              error=str(refusal))
        names = await web.app.names(who)
        context = {"text": found["text"], "checked": None, "refused": None, "saved": None}
        return web.render("file.html", status, who=who, file=found, service=service,
                          names=names, **{**context, **shown})

    @pages.get("/admin/files/{service}/{key}")
    async def reference_file(service: str, key: str, who: Who) -> HTMLResponse:
        return await file_page(who, service, key)

    @pages.post("/admin/files/{service}/{key}")
    async def check_or_save(service: str, key: str, who: Acting,
                            text: Annotated[str, Form()] = "",  # its limit: the owner's, in Russian
                            base: Annotated[str, Form(max_length=16)] = "",
                            save: Annotated[str, Form(max_length=10)] = "",
                            upload: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
        if upload is not None and upload.filename:  # a file chosen instead of the editor
            raw = await upload.read(MAX_TEXT * 4 + 1)  # 4 bytes: the longest UTF-8 letter
            try:
                if len(raw) > MAX_TEXT * 4:
                    raise ValueError(f"Файл больше {MAX_TEXT:,} знаков".replace(",", " "))
                text = raw.decode("utf-8-sig")
            except ValueError as exc:  # too big, or not UTF-8 (UnicodeDecodeError)
                refusal = Refused(422, "unreadable_upload", "Файл не прочитан", str(exc)
                                  if not isinstance(exc, UnicodeDecodeError) else
                                  "Файл должен быть текстом в кодировке UTF-8 (YAML)")
                return await file_page(who, service, key, 422, refused=refusal)
        try:
            if save and base:
                saved = await web.app.save_reference(who, service, key, text, base)
                return await file_page(who, service, key, saved=saved)
            checked = await web.app.check_reference(who, service, key, text)
        except Refused as refusal:
            status = refusal.status if refusal.status in (403, 404, 409, 413, 422) else 502
            return await file_page(who, service, key, status, text=text, refused=refusal)
        return await file_page(who, service, key, text=text, checked=checked)
