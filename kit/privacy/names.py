"""Person names in free text: rules on a morphological dictionary, and a Russian NER where
the rules are unsure (pure; both models ship in their wheels, nothing is downloaded).

A run of capitalised words and initials is a person when the dictionary is sure of it
(initials with a word, a first name with a patronymic, a surname with a first name). A
run it is unsure of (one surname, one first name, a word it does not know) is shown to
natasha's NER in a short window around it, and masked if the NER reads a person there.
Runs right after a place or dedication word (ул., проспект, им., с., …) name streets,
villages and schools, which routing needs: they are never masked. The NER runs only on
those windows, so a text without doubtful words costs only the dictionary look-ups.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

# words after which capitalised words name a place or an institution, not a person
PLACE_MARKERS = frozenset("""
ул улица улицы улице улицу улицей пр пр-т пр-кт просп проспект проспекта проспекте
проспекту проспектом пер переулок переулка переулке переулку переулком пл площадь
площади площадью б-р бул бульвар бульвара бульваре бульвару бульваром ш шоссе наб
набережная набережной набережную мкр мкрн микрорайон микрорайона микрорайоне проезд
проезда проезде тупик тупика аллея аллеи аллее сквер сквера сквере парк парка парке им
имени г гор город города городе с село села селе сл слобода слободы п пос поселок
посёлок поселка посёлка поселке посёлке х хут хутор хутора хуторе ст станица станицы
станице д дер деревня деревни деревне снт днт ст-ца рп пгт район района районе улиц
улицам улицах пр-д пр-да пр-ду проезду проездом
""".split())
# a capitalised word (Cyrillic, maybe hyphenated) or an initial
CANDIDATE = re.compile(r"[А-ЯЁ]\.|[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*")
BEFORE = re.compile(r"([а-яёА-ЯЁ][а-яёА-ЯЁ-]*)\.?\s*$")  # the word just before a run
AFTER_NUMBER = re.compile(r"[\s,]*\d")  # a run followed by a number is a street and house
NAME, SURNAME, PATRONYMIC, UNKNOWN, OTHER = "name", "surname", "patronymic", "unknown", "other"
WEAK = "weak"  # a word that is mostly something else but can be a name (Романов, Жуковский)
WINDOW = 60  # characters of context on each side for the NER


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def initial(self) -> bool:
        return self.text[-1] == "."

    @property
    def capitalised(self) -> bool:
        return not self.initial and (len(self.text) < 3 or not self.text[1].isupper())


class NameFinder:
    """Finds the spans of person names in a text. Thread-safe; build one per process."""

    def __init__(self) -> None:
        from natasha import NewsEmbedding, NewsNERTagger
        from pymorphy3 import MorphAnalyzer

        self._morph = MorphAnalyzer()
        self._ner = NewsNERTagger(NewsEmbedding())
        self._ner_lock = threading.Lock()  # the tagger keeps state between calls
        self.kind = lru_cache(maxsize=200_000)(self._kind)
        self.only_a_name = lru_cache(maxsize=200_000)(self._only_a_name)

    def _only_a_name(self, word: str) -> bool:
        """A first name and hardly anything else (Ирина, Мария; not Надежда, Роман)."""
        return sum(p.score for p in self._morph.parse(word) if "Name" in p.tag.grammemes) >= 0.9

    def _kind(self, word: str) -> str:
        """What the dictionary says a capitalised word is most likely to be."""
        parses = self._morph.parse(word)
        scores = {NAME: 0.0, SURNAME: 0.0, PATRONYMIC: 0.0}
        for p in parses:
            grammemes = p.tag.grammemes
            if "Patr" in grammemes:
                scores[PATRONYMIC] += p.score
            elif "Name" in grammemes:
                scores[NAME] += p.score
            elif "Surn" in grammemes:
                scores[SURNAME] += p.score
        best = max(scores, key=scores.get)
        if scores[best] >= 0.3:
            return best
        if not any(p.is_known for p in parses):
            return UNKNOWN
        return WEAK if scores[best] > 0 else OTHER

    def spans(self, text: str) -> list[tuple[int, int]]:
        sure, unsure = [], []
        for run in self._runs(text):
            (sure if self._is_person(run) else unsure).append(run)
        if unsure:
            sure += self._confirmed(text, unsure)
        return sorted((run[0].start, run[-1].end) for run in sure)

    def _runs(self, text: str) -> list[list[Token]]:
        """Runs of capitalised words and initials with only spaces between them; a run
        right after a place word (ул. Карла Маркса, им. А. С. Пушкина) or right before a
        house number (Ломакина 38) names a place and is left out."""
        runs: list[list[Token]] = []
        current: list[Token] = []
        for match in CANDIDATE.finditer(text):
            token = Token(match.group(), match.start(), match.end())
            if not token.initial and self.kind(token.text) == OTHER:
                continue
            if current and text[current[-1].end:token.start].strip():
                runs.append(current)
                current = []
            current.append(token)
        if current:
            runs.append(current)
        return [r for r in runs if any(not t.initial for t in r)
                and not _after_place(text, r[0].start)
                and not AFTER_NUMBER.match(text, r[-1].end)]

    def _is_person(self, run: list[Token]) -> bool:
        kinds = [self.kind(t.text) for t in run if not t.initial]
        if len(kinds) < len(run):
            return True  # initials with a word: И. И. Иванов, Иванову И.И.
        if PATRONYMIC in kinds and len(kinds) > 1:
            return True  # Иван Петрович, Романов Алексей Юрьевич
        if len(run) == 1 and self.only_a_name(run[0].text):
            return True  # «Ирина, когда будет ответ?»
        # a first name with a surname, or with a word that can be one (Романов Тимур)
        return NAME in kinds and (SURNAME in kinds or WEAK in kinds or UNKNOWN in kinds)

    def _confirmed(self, text: str, runs: list[list[Token]]) -> list[list[Token]]:
        """The runs the NER reads as a person, each seen in its own window of context."""
        windows = []
        for run in runs:
            start = max(0, run[0].start - WINDOW)
            end = min(len(text), run[-1].end + WINDOW)
            windows.append((start, text[start:end]))
        with self._ner_lock:
            markups = list(self._ner.map([w for _, w in windows]))
        confirmed = []
        for run, (offset, _), markup in zip(runs, windows, markups, strict=True):
            people = [(offset + s.start, offset + s.stop) for s in markup.spans
                      if s.type == "PER"]
            if any(a < run[-1].end and run[0].start < b for a, b in people):
                confirmed.append(run)
        return confirmed


def _after_place(text: str, start: int) -> bool:
    """Whether the text at `start` follows a place or dedication word (with its dot)."""
    found = BEFORE.search(text, max(0, start - 30), start)
    if found is None:
        return False
    word = found.group(1).lower()
    if word == "имени" and text[max(0, found.start() - 4):found.start()].strip().lower() == "от":
        return False  # «от имени Петрова»: on behalf of a person, not named after one
    return word in PLACE_MARKERS
