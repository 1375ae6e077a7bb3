"""A labelled set of synthetic appeals with planted personal data and planted routing words.

Written for the masking's recall: every planted value is known, so what survives masking
can be counted. Part of it is generated from templates (names in the cases a sentence
needs, documents in the shapes people write them), part written by hand. None of it is
real: the names are common Russian and non-Russian names put together at random.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

FIRST_M = ["Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Андрей", "Михаил", "Николай",
           "Владимир", "Александр", "Виктор", "Юрий", "Олег", "Геннадий", "Рашид", "Тимур",
           "Руслан", "Артём", "Константин", "Григорий"]
PATR_M = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Дмитриевич", "Андреевич",
          "Михайлович", "Николаевич", "Владимирович", "Александрович", "Викторович",
          "Юрьевич", "Олегович", "Геннадьевич", "Ахмедович", "Рустамович"]
FIRST_F = ["Мария", "Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Светлана", "Ирина",
           "Людмила", "Галина", "Екатерина", "Юлия", "Марина", "Оксана", "Гульнара",
           "Зарема", "Валентина", "Лариса", "Дарья", "Ксения"]
PATR_F = [p[:-2] + "на" if p.endswith("ич") else p for p in PATR_M]
SURNAMES = ["Иванов", "Кузнецов", "Смирнов", "Попов", "Васильев", "Петров", "Соколов",
            "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
            "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов",
            "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов",
            "Яковлев", "Григорьев", "Романов", "Воробьёв", "Мамедов", "Гусейнов", "Алиев",
            "Хабибуллин", "Сидоренко", "Шевченко", "Ткаченко", "Бондаренко", "Ким", "Цой",
            "Абрамян", "Кравчук", "Дериглазов", "Белоусов", "Тарасов", "Жуковский",
            "Покровский", "Черных"]

STREETS = ["ул. Ленина", "улица Гагарина", "проспект Кирова", "пер. Чкалова",
           "пл. Пушкина", "ул. Карла Маркса", "ул. Дзержинского", "бульвар Победы",
           "ул. Мира", "ул. Садовая", "ул. Чехова", "пр-т Дериглазова", "ул. Толстого",
           "переулок Островского", "ул. Ломоносова"]
SETTLEMENTS = ["г. Константиновск", "ст. Николаевская", "х. Ведерников", "пос. Светлый",
               "с. Гуторово", "в Почтовском сельском поселении", "в Богоявленском поселении",
               "г. Курск"]
OBJECTS = ["школа № 3 им. А. С. Пушкина", "детский сад «Солнышко»", "ЦРБ", "МБОУ СОШ № 2",
           "остановка «Рынок»", "котельная № 4", "сквер Победы", "ФАП", "стадион «Труд»"]


@dataclass
class Sample:
    text: str
    personal: list[tuple[str, str]] = field(default_factory=list)  # (kind, planted value)
    routing: list[str] = field(default_factory=list)  # words routing needs, to survive


def _feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-4] + "ская"
    return surname  # Шевченко, Ким, Черных: the same for women


class _Inflector:
    """Forms of a name in a case, from the dictionary (a sentence needs them)."""

    def __init__(self) -> None:
        from pymorphy3 import MorphAnalyzer

        self.morph = MorphAnalyzer()

    def word(self, word: str, case: str, gender: str, kind: str) -> str:
        for parse in self.morph.parse(word):
            if kind in parse.tag.grammemes:
                form = parse.inflect({case, "sing", gender}) or parse.inflect({case, "sing"})
                if form is not None:
                    return form.word.capitalize()
        return word

    def full(self, words: list[tuple[str, str]], case: str, gender: str) -> str:
        if case == "nomn":
            return " ".join(w for w, _ in words)
        return " ".join(self.word(w, case, gender, k) for w, k in words)


def _person(rng: random.Random) -> tuple[list[tuple[str, str]], str]:
    gender = rng.choice(["masc", "femn"])
    surname = rng.choice(SURNAMES)
    if gender == "masc":
        first, patr = rng.choice(FIRST_M), rng.choice(PATR_M)
    else:
        first, patr, surname = rng.choice(FIRST_F), rng.choice(PATR_F), _feminine(surname)
    shape = rng.choice(["fio", "fio", "io", "fi", "if", "f_initials", "initials_f"])
    parts = {"fio": [(surname, "Surn"), (first, "Name"), (patr, "Patr")],
             "io": [(first, "Name"), (patr, "Patr")], "fi": [(surname, "Surn"), (first, "Name")],
             "if": [(first, "Name"), (surname, "Surn")],
             "f_initials": [(surname, "Surn"), (f"{first[0]}.{patr[0]}.", "")],
             "initials_f": [(f"{first[0]}. {patr[0]}.", ""), (surname, "Surn")]}[shape]
    return parts, gender


TEMPLATES = [  # (text, case of the name)
    ("Заявитель: {person}. Прошу отремонтировать дорогу, {street}, {settlement}.", "nomn"),
    ("Меня зовут {person}, живу {settlement}, {street}, {flat}. Нет горячей воды.", "nomn"),
    ("Я, {person}, прошу принять меры: у дома на {street} яма. Мой телефон {phone}.",
     "nomn"),
    ("Прошу передать обращение {person}: возле {object} не вывозят мусор.", "datv"),
    ("Жалоба на {person}, который не отвечает на обращения по {street}.", "accs"),
    ("Обращаюсь от имени {person}, {birth}, проживающего {street}, {flat}.", "gent"),
    ("С уважением, {person}. {settlement}, {street}. Паспорт: {passport}.", "nomn"),
    ("{person} просит проверить освещение у {object}, {settlement}.", "nomn"),
    ("Мой сосед {person} жжёт мусор во дворе на {street}. СНИЛС заявителя {snils}.",
     "nomn"),
    ("Прошу пересчитать плату, {account}, собственник {person}, {street}, {flat}.", "nomn"),
    ("Ответ направьте на {email}. {person}, {settlement}.", "nomn"),
    ("Мама, {person}, не может записаться к врачу в {object}. Полис {polis}.", "nomn"),
    ("Благодарим {person} за ремонт дороги на {street}! ИНН {inn}", "accs"),
]
_DOCS = {
    "passport": lambda r: r.choice([f"{r.randint(10, 99)} {r.randint(10, 99)} {r.randint(100000, 999999)}",
                                    f"серии {r.randint(1000, 9999)} № {r.randint(100000, 999999)}",
                                    f"{r.randint(1000, 9999)} {r.randint(100000, 999999)}"]),
    "snils": lambda r: f"{r.randint(100, 999)}-{r.randint(100, 999)}-{r.randint(100, 999)} {r.randint(10, 99)}",
    "inn": lambda r: str(r.randint(10**11, 10**12 - 1)),
    "polis": lambda r: " ".join(str(r.randint(1000, 9999)) for _ in range(4)),
    "phone": lambda r: r.choice([f"8 (9{r.randint(10, 99)}) {r.randint(100, 999)}-{r.randint(10, 99)}-{r.randint(10, 99)}",
                                 f"+79{r.randint(100000000, 999999999)}",
                                 f"8-9{r.randint(10, 99)}-{r.randint(100, 999)}-{r.randint(10, 99)}-{r.randint(10, 99)}"]),
    "email": lambda r: f"{r.choice(['ivanova', 'petr.s', 'dom12', 'zhitel'])}{r.randint(1, 99)}@{r.choice(['mail.ru', 'yandex.ru', 'gmail.com'])}",
    "flat": lambda r: r.choice([f"кв. {r.randint(1, 300)}", f"квартира {r.randint(1, 300)}",
                                f"кв.{r.randint(1, 300)}"]),
    "birth": lambda r: r.choice([f"{r.randint(1940, 2005)} г.р.",
                                 f"дата рождения {r.randint(10, 28)}.0{r.randint(1, 9)}.{r.randint(1940, 2005)}"]),
    "account": lambda r: f"лицевой счёт {r.randint(10**7, 10**9)}",
}

HANDWRITTEN = [  # written by hand: natural sentences, names in the forms people use
    Sample("Глава поселения Сидоренко Олег Викторович не принимает граждан, {settlement}.",
           [("name", "Сидоренко Олег Викторович")], ["{settlement}"]),
    Sample("Участковый Петров третий месяц не приходит по вызовам на {street}.",
           [("name", "Петров")], ["{street}"]),
    Sample("Директор школы Смирнова Т.А. не отвечает на жалобы родителей.",
           [("name", "Смирнова Т.А.")], []),
    Sample("Прошу разобраться с управляющей компанией, мастер Кузнецов грубит жильцам.",
           [("name", "Кузнецов")], []),
    Sample("Уважаемая Галина Ивановна! Во дворе дома на {street} разбита детская площадка.",
           [("name", "Галина Ивановна")], ["{street}"]),
    Sample("Передайте, пожалуйста, Белоусову А. С., что трубу прорвало снова.",
           [("name", "Белоусову А. С.")], []),
    Sample("Мой отец, Алиев Тимур Рустамович, инвалид, не может выйти из дома: снег не убран.",
           [("name", "Алиев Тимур Рустамович")], []),
    Sample("По словам соседки Марины Павловой, мусор не вывозят с понедельника.",
           [("name", "Марины Павловой")], []),
    Sample("Ирина, когда будет готов ответ по нашему обращению о {object}?",
           [("name", "Ирина")], ["{object}"]),
    Sample("Врач Гусейнова Зарема принимает только по записи, а записаться нельзя.",
           [("name", "Гусейнова Зарема")], []),
    Sample("Жалуюсь на водителя автобуса Ткаченко, он не остановился на остановке «Рынок».",
           [("name", "Ткаченко")], ["остановке «Рынок»"]),
    Sample("Прошу наградить дворника Хабибуллину Гульнару за чистоту на {street}.",
           [("name", "Хабибуллину Гульнару")], ["{street}"]),
    Sample("Инспектор Ким Виктор сказал, что ремонт будет весной.",
           [("name", "Ким Виктор")], []),
    Sample("Обращение подготовила Яковлева Е. Н., председатель совета дома на {street}.",
           [("name", "Яковлева Е. Н.")], ["{street}"]),
    Sample("И. П. Орлов, ветеран труда, просит помочь с дровами, {settlement}.",
           [("name", "И. П. Орлов")], ["{settlement}"]),
    Sample("Сын, Дмитрий Морозов, ходит в {object}, а дорогу туда не чистят.",
           [("name", "Дмитрий Морозов")], ["{object}"]),
    Sample("Прошу принять меры к соседу Волкову, который держит собак без привязи.",
           [("name", "Волкову")], []),
    Sample("Специалист Абрамян Армен ответил, что заявка потеряна.",
           [("name", "Абрамян Армен")], []),
    Sample("На приёме у Захарова Н.Н. мне отказали в справке.",
           [("name", "Захарова Н.Н.")], []),
    Sample("Благодарю Екатерину Сергеевну Лебедеву за помощь в оформлении субсидии!",
           [("name", "Екатерину Сергеевну Лебедеву")], []),
]


def samples(count: int = 400, seed: int = 7) -> list[Sample]:
    """`count` generated samples and the handwritten ones, each with its plantings."""
    rng, inflect = random.Random(seed), _Inflector()
    out = []
    for n in range(count):
        template, case = TEMPLATES[n % len(TEMPLATES)]
        parts, gender = _person(rng)
        person = inflect.full(parts, case, gender)
        values = {"person": person, "street": rng.choice(STREETS),
                  "settlement": rng.choice(SETTLEMENTS), "object": rng.choice(OBJECTS)}
        values |= {kind: make(rng) for kind, make in _DOCS.items()}
        text = template.format(**values)
        personal = [("name", person)] + [(k, values[k]) for k in _DOCS if f"{{{k}}}" in template]
        routing = [values[k] for k in ("street", "settlement", "object") if f"{{{k}}}" in template]
        out.append(Sample(text, personal, routing))
    for sample in HANDWRITTEN:
        values = {"street": rng.choice(STREETS), "settlement": rng.choice(SETTLEMENTS),
                  "object": rng.choice(OBJECTS)}
        out.append(Sample(sample.text.format(**values), sample.personal,
                          [r.format(**values) for r in sample.routing]))
    return out


def survives(value: str, masked: str, kind: str, routing: list[str] = ()) -> bool:
    """Whether any identifying part of a planted value is still in the masked text (a
    name's word that is also in the sample's street or object is not counted)."""
    if kind == "name":
        kept = set(re.findall(r"[А-Яа-яЁё]+", masked))
        placed = set(re.findall(r"[А-Яа-яЁё]+", " ".join(routing)))
        return any(w in kept and w not in placed
                   for w in re.findall(r"[А-Яа-яЁё]{3,}", value))
    if kind in ("passport", "snils", "inn", "polis", "phone"):
        digits = "".join(c for c in value if c.isdigit())
        return digits[-6:] in "".join(c for c in masked if c.isdigit())
    return value in masked
