"""The auditor's dossier as HTML (Jinja2) and PDF (reportlab, DejaVu): the same
services.audit.domain.dossier.Dossier, fit to attach to an inspection report."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader

from kit import pdf_fonts
from services.audit.domain.dossier import Dossier

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _generated() -> str:
    return datetime.now(UTC).strftime("%d.%m.%Y %H:%M UTC")


def render_html(d: Dossier) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("dossier.html.j2").render(d=d, generated=_generated())


def render_pdf(d: Dossier) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (Flowable, Paragraph, SimpleDocTemplate, Spacer, Table,
                                    TableStyle)

    regular, bold = pdf_fonts.registered()
    body = ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=11)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9,
                           textColor=colors.HexColor("#55606d"))
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=14, leading=18)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11, leading=15,
                        spaceBefore=8, spaceAfter=3)
    good, bad = colors.HexColor("#1d7a3a"), colors.HexColor("#b3261e")

    def text(value, style=body) -> Paragraph:
        return Paragraph(escape(str(value)), style)  # data is escaped: reportlab reads markup

    def cell(main: str, note: str = "") -> list:
        return [text(main)] + ([text(note, small)] if note else [])

    def table(rows: list[list], widths: list[float], header: bool = True) -> Table:
        t = Table([[c if isinstance(c, list | Flowable) else text(c) for c in row]
                   for row in rows],
                  colWidths=[w * mm for w in widths], repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d5dbe1")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")))
        t.setStyle(TableStyle(style))
        return t

    def mark(ok: bool | None, yes: str = "✓", no: str = "✗", unknown: str = "—"
             ) -> Paragraph:
        if ok is None:
            return Paragraph(escape(unknown), ParagraphStyle("m", parent=body,
                                                             textColor=colors.grey))
        return Paragraph(escape(yes if ok else no),
                         ParagraphStyle("m", parent=body, fontName=bold,
                                        textColor=good if ok else bad))

    story = [
        text(f"{d.title}: справка аудитора", h1),
        text(f"{d.municipality} · состояние на {d.at_local} ({d.zone}; {d.at_utc}) · "
             f"идентификатор {d.appeal_id}", small),
        Spacer(1, 3 * mm),
        Paragraph(escape(d.verdict), ParagraphStyle("v", parent=body, fontName=bold,
                                                    textColor=good if d.verified else bad)),
        text(f"1. Состояние на {d.at_local}", h2),
        table([list(row) for row in d.state], [70, 190], header=False),
    ]
    if d.deadlines:
        story += [Spacer(1, 2 * mm), table([["Срок", "До (местное время)",
                                             f"Положение на {d.at_local}"]]
                                           + [list(r) for r in d.deadlines], [70, 60, 130])]
    story += [text("2. История из журнала", h2), table(
        [["", "Когда (местное / UTC)", "Что", "Кто", "Подробности и основания"]]
        + [[mark(l.proven), cell(l.local, l.utc), cell(l.what, l.problem or ""),
            cell(l.who, l.role), cell(l.details, l.place)] for l in d.lines],
        [10, 33, 58, 62, 98])]
    story.append(text("3. Перепроверенные решения", h2))
    story.append(table([["Правило", "Когда", "Итог", "Что найдено"]] + [
        [rule, when, mark(ok, "согласуется", "расхождение", "не пересчитано"), detail]
        for rule, when, ok, detail in d.rechecks], [70, 30, 26, 135])
        if d.rechecks else text("Решений, которые можно перепроверить по журналу, в истории "
                                "нет."))
    story.append(text("4. Контрольные точки, по которым проверено", h2))
    story.append(table([["Журнал/раздел", "Записей", "Корень дерева Меркла (base64)",
                         "Подписана", "Ключ"]] + [list(c) for c in d.checkpoints],
                       [38, 18, 100, 45, 60]) if d.checkpoints
                 else text("Ни одна контрольная точка ещё не подписана над записями "
                           "обращения."))
    story += [Spacer(1, 3 * mm), text(
        "Проверка: открытый ключ службы аудита (GET /api/v1/audit/keys) и подписанные "
        "контрольные точки (GET /api/v1/audit/checkpoints); корень недели печатается в "
        "аналитической записке. Дерево — RFC 9162, подпись — Ed25519. "
        f"Сформировано {_generated()}.", small)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=f"{d.title}: справка аудитора",
                      leftMargin=14 * mm, rightMargin=14 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm).build(story)
    return buffer.getvalue()
