"""Text normalisation for classification: HTML out, ё→е, lower case, Russian stems."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import snowballstemmer

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[а-яa-z0-9]+")
_stemmer = snowballstemmer.stemmer("russian")


def clean(text: str) -> str:
    text = html.unescape(_TAG.sub(" ", text or "")).replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def stems(text: str) -> str:
    """Cleaned, lower-cased, stemmed words joined by spaces (the model's input)."""
    return " ".join(_stem(w) for w in _WORD.findall(clean(text).lower()))


_PLACE_BEFORE = re.compile(r"\b(?:города|г\.|поселка|села)\s+([А-ЯЕ][а-яе-]+)")
_PLACE_AFTER = re.compile(r"\b([А-ЯЕ][а-яе-]+)\s+(?:района|округа|поселения|сельсовета)\b")


def places_in_name(name: str) -> set[str]:
    """Stems of the territory an organisation's name carries: the word after «города» and
    the like, or before «района», «округа» and the like («Администрация города Льгов»,
    «Администрация Курского района» -> {"льгов"}, {"курск"})."""
    name = clean(name)
    return {_stem(w.lower()) for w in _PLACE_BEFORE.findall(name) + _PLACE_AFTER.findall(name)}
