"""Keeping personal data out of what leaves intake (pure)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+7|8)?[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")


def redact(text: str) -> str:
    """E-mail addresses and phone numbers written into the text are masked."""
    return _PHONE.sub("[телефон]", _EMAIL.sub("[e-mail]", text))


def coarse(value: float | None) -> float | None:
    """Coordinates rounded to two decimals: about a kilometre, not a house."""
    return None if value is None else round(value, 2)
