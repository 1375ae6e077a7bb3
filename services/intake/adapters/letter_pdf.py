"""The official answer letter drawn as an A4 PDF (reportlab): the letterhead and outgoing
number at the top left, the addressee at the top right, the text, the signature; the
applicant's rating link printed and as a QR code, for a phone's camera."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from kit import pdf_fonts
from services.intake.domain.letter import OfficialLetter


def render(letter: OfficialLetter) -> bytes:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = pdf_fonts.registered()
    body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=15,
                          alignment=TA_JUSTIFY, firstLineIndent=12 * mm, spaceAfter=4)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0, alignment=0)
    small = ParagraphStyle("small", parent=plain, fontSize=8.5, leading=11)
    head = ParagraphStyle("head", parent=plain, fontName=bold, fontSize=10.5, leading=13,
                          alignment=TA_CENTER)
    centered = ParagraphStyle("centered", parent=plain, alignment=TA_CENTER)

    def p(text: str, style=plain) -> Paragraph:
        return Paragraph(escape(text), style)  # reportlab reads markup: data is escaped

    lh = letter.letterhead
    left = [*([p(lh.parent, ParagraphStyle("parent", parent=head, fontName=regular))]
              if lh.parent else []), p(lh.organization, head),
            *([p(lh.address, ParagraphStyle("addr", parent=small, alignment=TA_CENTER))]
              if lh.address else []),
            Spacer(1, 3 * mm),
            p(f"Исх. № {letter.number} от {letter.dated:%d.%m.%Y}", centered)]
    right = [p(line) for line in letter.addressee] or [p("")]
    top = Table([[left, right]], colWidths=[88 * mm, 82 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (1, 0), (1, 0), 10 * mm)]))
    story = [top, Spacer(1, 10 * mm),
             *([p(letter.about, small), Spacer(1, 6 * mm)] if letter.about else []),
             p(letter.salutation, centered), Spacer(1, 4 * mm)]
    story += [p(" ".join(part.split()), body)
              for part in letter.body.strip().split("\n") if part.strip()]
    story.append(Spacer(1, 12 * mm))
    signature = Table([[p(letter.signer.position or ""), p(letter.signer.name)]],
                      colWidths=[95 * mm, 75 * mm])
    signature.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                   ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story.append(signature)
    if letter.rating_url:
        code = QrCodeWidget(letter.rating_url)
        x0, y0, x1, y1 = code.getBounds()
        side = 28 * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0),
                                                 0, 0])
        drawing.add(code)
        note = [p("Оцените, пожалуйста, ответ — от 1 до 5: наведите камеру телефона на код "
                  "или откройте ссылку. Ссылка личная, действует 30 дней; оценка 1–3 "
                  "возвращает обращение в работу.", small), p(letter.rating_url, small)]
        rating = Table([[drawing, note]], colWidths=[32 * mm, 138 * mm])
        rating.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story += [Spacer(1, 14 * mm), rating]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=15 * mm,
                      topMargin=18 * mm, bottomMargin=18 * mm,
                      title=f"Ответ, исх. № {letter.number}", author=lh.organization,
                      ).build(story)
    return out.getvalue()
