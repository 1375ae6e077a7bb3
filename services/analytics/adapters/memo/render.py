"""Renders the memo data to HTML (Jinja2) and PDF (reportlab), with the same charts."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from kit import pdf_fonts
from services.analytics.adapters.memo import charts

TEMPLATES = Path(__file__).resolve().parent / "templates"
INDICATORS = (("new", "Новые обращения"), ("repeat", "Повторные"), ("overdue", "Просроченные"),
              ("postponed", "Отложенные"), ("answered", "Даны ответы"))


def _changes(data: dict) -> dict[str, int]:
    return {k: data["totals"][k] - data["totals_previous"][k] for k, _ in INDICATORS}


def what_changed(data: dict) -> list[str]:
    """Plain-language differences against last week, largest first."""
    lines = []
    for key, title in INDICATORS:
        now, before = data["totals"][key], data["totals_previous"][key]
        if now != before:
            direction = "выросло" if now > before else "снизилось"
            share = f" ({(now - before) / before:+.0%})" if before else ""
            lines.append(f"{title}: {direction} с {before} до {now}{share}")
    new_cells = [c for c in data["heatmap"] if c["growth"] is None and c["current"] >= 3]
    for c in new_cells[:3]:
        lines.append(f"Новая точка на карте: «{c['topic']}» — {c['territory']} ({c['current']})")
    for spike in (data["growth_topics"] + data["growth_territories"])[:3]:
        lines.append(f"Всплеск: «{spike['value']}» — {spike['count']} при обычных "
                     f"{spike['baseline_mean']} в неделю")
    return lines


NO_DATA = "нет данных"
MUNICIPAL_HEADER = ["Муниципалитет", "Обращений", "На 1000 жителей", "Своевременность",
                    "Полнота ответов", "Довольны заявители"]


def _share(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:.0%}"


def municipal_rows(data: dict) -> list[list[str]]:
    """The region's table of its municipal MCUs, a share over an empty base shown as «нет
    данных», never as a figure."""
    return [[m["name"], str(m["appeals"]),
             NO_DATA if m["per_1000"] is None else f"{m['per_1000']:.2f}".replace(".", ","),
             _share(m["timeliness"]), _share(m["completeness"]),
             _share(m["satisfaction"]) + (f" из {m['ratings']} оценок" if m["ratings"] else "")]
            for m in data.get("municipalities", [])]


def title(data: dict) -> str:
    """«Аналитическая записка МЦУ <кого> за неделю …»: the municipality's or region's name."""
    whose = f" — {data['addressee']}" if data.get("addressee") else ""
    return f"Аналитическая записка МЦУ{whose} за неделю {data['week']} ({data['period'].label()})"


def witness_text(data: dict) -> str:
    """The log's witness as the head files it with the memo (services.audit: a checkpoint
    of every partition of the log, signed; the value is SHA-256 over them)."""
    w = data.get("witness")
    if w is None:
        return ("Отпечаток журнала не получен: служба аудита не ответила. Запросите его "
                "позже (mcu audit witness) и приложите к записке.")
    until = datetime.fromisoformat(w["until"])
    offset = until.strftime("%z")  # +0300
    return (f"Отпечаток журнала на {until:%d.%m.%Y %H:%M} (UTC{offset[:3]}): "
            f"{w['digest']}. Охвачено записей журнала: {w['records']}, разделов: "
            f"{len(w['checkpoints'])}; все — под подписанными контрольными точками службы "
            "аудита. Сохраните записку: если этот же отпечаток, полученный по почте "
            "руководителем МЦУ и ЦУР, совпадает с пересчитанным из опубликованных "
            "контрольных точек (GET /api/v1/audit/witness), журнал за неделю не переписан.")


def _charts(data: dict) -> dict[str, bytes]:
    return {
        "trend": charts.trend(data["trend"], data["period"].start),
        "blocks": charts.bars(data["by_block"], "new", "Новые обращения по отраслевым блокам"),
        "heatmap": charts.heatmap(data["heatmap"]),
        "satisfaction": charts.satisfaction(data["satisfaction"]["distribution"]),
    }


def _recipient(data: dict, row: dict) -> str:
    """A recipient by its name in its municipality's directory (its id if the directory
    no longer has it), with the municipality's name when the memo covers several."""
    if not row.get("recipient_id"):
        return "—"
    m = row.get("municipality", "")
    name = data.get("recipient_names", {}).get(m, {}).get(row["recipient_id"],
                                                           row["recipient_id"])
    municipalities = data.get("municipality_names", {})
    return f"{name} ({municipalities.get(m, m)})" if len(municipalities) > 1 and m else name


def render_html(data: dict, images: dict[str, bytes] | None = None) -> str:
    images = images or _charts(data)
    # always escaped: topics and territories are free text from the channels (the
    # template's name ends in .j2, which select_autoescape() would not escape)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("memo.html.j2").render(
        **data, indicators=INDICATORS, changes=_changes(data), what_changed=what_changed(data),
        title=title(data), witness_text=witness_text(data), recipient=lambda r: _recipient(data, r), municipal_header=MUNICIPAL_HEADER, municipal=municipal_rows(data),
        growth=data["growth_topics"] + data["growth_territories"],
        charts={k: base64.b64encode(v).decode() for k, v in images.items()},
        generated=datetime.now(UTC).strftime("%d.%m.%Y %H:%M UTC"))


def render_pdf(data: dict, images: dict[str, bytes] | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    regular, bold = pdf_fonts.registered()
    images = images or _charts(data)
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12)
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=15, leading=19)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11, leading=15,
                        spaceBefore=8)

    def text(value, style=body) -> Paragraph:
        # reportlab reads markup in a paragraph: what comes from data is escaped first
        return Paragraph(escape(str(value)), style)

    def table(rows: list[list], widths: list[float] | None = None) -> Table:
        t = Table([[text(c) for c in row] for row in rows], repeatRows=1,
                  colWidths=[w * mm for w in widths] if widths else None)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d5dbe1")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6"))]))
        return t

    def image(png: bytes, width: float = 170) -> Image:
        img = Image(io.BytesIO(png))
        img.drawHeight = img.drawHeight * width * mm / img.drawWidth
        img.drawWidth = width * mm
        return img

    changes = _changes(data)
    changed = [text(f"• {line}")
               for line in what_changed(data) or ["Существенных изменений нет."]]
    spikes = [text(f"• {s['value']}: {s['count']} при обычном уровне {s['baseline_mean']} "
                   f"(порог {s['threshold']})")
              for s in data["growth_topics"] + data["growth_territories"]]
    overdue = [[str(a["appeal_id"])[:8], a["topic"], a["territory"], _recipient(data, a),
                a["overdue_hours"]] for a in data["worst_overdue"]] or [["—"] * 5]
    story = [
        text(title(data), h1),
        Spacer(1, 4 * mm), Paragraph("1. Итоги недели", h2),
        table([["Показатель", "Неделя", "Прошлая", "Изменение"]] + [
            [title, data["totals"][k], data["totals_previous"][k], f"{changes[k]:+d}"]
            for k, title in INDICATORS]),
        image(images["trend"]),
        Paragraph("2. Что изменилось к прошлой неделе", h2),
        *changed,
        Paragraph("3. Отраслевые блоки", h2), image(images["blocks"], 150),
        Paragraph("4. Наиболее просроченные обращения", h2),
        table([["Обращение", "Тема", "Территория", "Получатель", "Просрочка, ч"]] + overdue,
              [20, 40, 38, 56, 20]),
        *([Paragraph("Муниципальные МЦУ региона", h2),
           table([MUNICIPAL_HEADER] + municipal_rows(data))] if data.get("municipalities")
          else []),
        Paragraph("5. Рейтинг получателей", h2),
        table([["Место", "Получатель", "Обращ.", "Отв.", "Своевр.", "Полн.", "Кач.",
                "Итог"]] + [
            [r["rank"] or "—", _recipient(data, r), r["appeals"], r["answered"],
             f"{r['timeliness']:.0%}", f"{r['completeness']:.0%}", f"{r['quality']:.0%}",
             r["score"]] for r in data["rating"]], [16, 52, 17, 18, 18, 18, 19, 16]),
        Paragraph("6. Тепловая карта проблем", h2), image(images["heatmap"]),
        Paragraph("7. Факторы роста", h2),
        *(spikes or [Paragraph("Аномального роста не выявлено.", body)]),
        Paragraph("8. Удовлетворённость заявителей", h2), image(images["satisfaction"], 110),
        Paragraph("9. Заверение журнала обращений", h2), text(witness_text(data)),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Аналитическая записка {data['week']}",
                      leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm).build(story)
    return buffer.getvalue()
