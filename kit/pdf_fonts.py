"""The fonts every PDF of the platform is set in: DejaVu, which has Cyrillic and ships
inside matplotlib's wheel (no system package needed), registered with reportlab once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

REGULAR, BOLD = "DejaVu", "DejaVu-Bold"


@cache
def registered() -> tuple[str, str]:
    """The regular and bold font names, registered on first use."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(REGULAR, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    return REGULAR, BOLD
