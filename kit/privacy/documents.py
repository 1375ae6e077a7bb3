"""Personal data that has a shape: contacts, document numbers, flats, birth dates (pure).

Each rule masks what identifies a person and keeps the words around it, so the text
still says what the appeal is about ("кв. [№]" keeps that it is a flat). A rule names
its document by a keyword where the bare digits could be anything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NO = r"(?:№|N|No\.?|номер|ном\.)?"
_SEP = r"[\s:.-]*"

# (pattern, replacement, words one of which the text must hold for the rule to apply:
# most texts hold none, and a substring test is far cheaper than the pattern), in this
# order: later rules must not see what earlier ones masked
Rule = tuple[re.Pattern, str | Callable[[re.Match], str], tuple[str, ...]]
DIGITS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
RULES: list[Rule] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-zА-Яа-я]{2,}|[\w.+-]+@localhost\b"),
     "[e-mail]", ("@",)),
    # паспорт 45 10 123456, паспорт серии 4510 № 123456, серия 4510 номер 123456
    (re.compile(r"(?i)(?:паспорт\w*(?:\s+гражданина(?:\s+(?:РФ|России))?)?" + _SEP +
                r"(?:сери[яи]|сер\.)?|сери[яи])" + _SEP + r"\d{2}\s?\d{2}" + _SEP + _NO +
                _SEP + r"\d{6}\b"), "[паспорт]", ("паспорт", "сери")),
    # СНИЛС: its own shape 123-456-789 01 anywhere, 11 digits after the word
    (re.compile(r"(?i)(?:снилс" + _SEP + _NO + _SEP + r")?\b\d{3}-\d{3}-\d{3}[\s-]\d{2}\b"),
     "[СНИЛС]", ("-",)),
    (re.compile(r"(?i)снилс" + _SEP + _NO + _SEP + r"\d{11}\b"), "[СНИЛС]", ("снилс",)),
    (re.compile(r"(?i)\bинн" + _SEP + _NO + _SEP + r"\d{10}(?:\d{2})?\b"), "[ИНН]", ("инн",)),
    # полис ОМС: 16 digits, often in groups of four
    (re.compile(r"(?i)полис\w*(?:\s+(?:ОМС|обязательного\s+медицинского\s+страхования))?" +
                _SEP + _NO + _SEP + r"\d{4}\s?\d{4}\s?\d{4}\s?\d{4}\b"), "[полис ОМС]", ("полис",)),
    (re.compile(r"(?i)(?:лицев\w+\s+сч[её]т\w*|л/с|л\.с\.)" + _SEP + _NO + _SEP +
                r"\d[\d-]{5,}\d"), "[лицевой счёт]", ("лицев", "л/с", "л.с.")),
    # sixteen digits in fours: a bank card (its checksum says so) or another document
    (re.compile(r"\b(?:\d{4}[\s-]){3}\d{4}\b"), lambda m: "[номер карты]"
     if _luhn(re.sub(r"\D", "", m.group())) else "[номер документа]", DIGITS),
    # dates of birth: 12.03.1985 г.р., 1985 г.р., дата рождения 12.03.1985
    (re.compile(r"(?i)(?:дат\w+\s+рождения|д\.\s?р\.|родил(?:ся|ась))" + _SEP +
                r"\d{1,2}[./]\d{1,2}[./]\d{2,4}(?:\s*г(?:ода|\.)?)?"), "[дата рождения]",
     ("рожд", "д.р", "д. р", "родил")),
    (re.compile(r"(?i)(?:\d{1,2}[./]\d{1,2}[./])?\d{4}\s*(?:г\.?\s*р\.?|года\s+рождения)"),
     "[дата рождения]", ("г.р", "г. р", "гр.", "рожд")),
    (re.compile(r"(?<!\d)(?:\+7|8)?[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"),
     "[телефон]", DIGITS),
    # the flat's number, not the house: кв. 12, квартира № 7а, кв12
    (re.compile(r"(?i)\b(кв\.?|квартир[аеуыой]{1,2})\s*№?\s*\d+(?:\s?[а-я](?![а-я]))?"),
     lambda m: f"{m.group(1)} [№]" if m.group(1)[-1] in ".ыуеаой" else f"{m.group(1)}. [№]",
     ("кв",)),
]


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def mask_documents(text: str) -> str:
    lowered = text.lower()
    for pattern, replacement, needs in RULES:
        if any(word in lowered for word in needs):
            text = pattern.sub(replacement, text)
    return text
