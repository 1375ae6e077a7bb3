"""Pure generator of synthetic appeals (deterministic for a seed)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from demo.corpus import CHANNEL_BY_KIND, KIND_WEIGHTS, STREETS, TERRITORIES, TOPICS


@dataclass(frozen=True)
class Place:
    """A municipality of the deployment as its channels name it (issue 21: each channel's
    item says whose it is, and an item naming nobody is refused)."""

    municipality: str | None = None  # None: a deployment of one (items need not name it)
    name: str = "Константиновский район"
    region: str = "Ростовская область"
    territories: tuple[tuple[str, float], ...] = TERRITORIES
    pos_organization: str | None = None
    incident_name: str | None = None
    mailbox: str = "priemnaya@konst.example.ru"
    jurisdiction: str | None = None
    weight: float = 1.0


KONSTANTINOVSKY = Place()
DEMO_PEOPLE = (("Демидова", "Анна", "Сергеевна"), ("Пример", "Иван", "Петрович"),
               ("Образцова", "Мария", "Ивановна"), ("Тестов", "Олег", "Андреевич"),
               ("Учебная", "Елена", "Викторовна"), ("Макетов", "Павел", "Ильич"))


@dataclass(frozen=True)
class SyntheticAppeal:
    channel: str
    external_id: str
    kind: str
    text: str
    topic: str | None
    thematic_block: str
    territory: str
    federal_law_59: bool
    place: Place = KONSTANTINOVSKY

    def as_pos_message(self, received_at: datetime, author: int) -> dict:
        """The same appeal as the ПОС webhook delivers it (a synthetic ЕСИА author)."""
        return {"id": self.external_id, "category": self.topic, "text": self.text,
                "municipality": self.territory, "fz59": self.federal_law_59,
                **({"organization_id": self.place.pos_organization}
                   if self.place.pos_organization else {}),
                "created_at": received_at.isoformat(),
                "author": {"esia_id": f"demo-esia-{author}", "last_name": "Заявитель",
                           "first_name": f"№{author}", "email": f"applicant{author}@example.ru"}}

    def as_open311_form(self, service_code: str) -> dict:
        return {"api_key": "demo-open311", "service_code": service_code,
                "address_string": self.territory, "description": self.text,
                **({"jurisdiction_id": self.place.jurisdiction} if self.place.jurisdiction
                   else {})}

    def as_eml(self, received_at: datetime, author: int) -> bytes:
        """The same appeal as an e-mail to the administration (a .eml file)."""
        message = EmailMessage()
        message["Message-ID"] = f"<{self.external_id}@demo.mcu.example>"
        message["From"] = f"Заявитель №{author} <applicant{author}@example.ru>"
        message["To"] = self.place.mailbox
        message["Subject"] = "Обращение" + (" (59-ФЗ)" if self.federal_law_59 else "")
        message["Date"] = format_datetime(received_at)
        message.set_content(f"{self.text}\n\nНаселённый пункт: {self.territory}")
        return message.as_bytes()

    def as_incident_row(self, received_at: datetime) -> dict[str, str]:
        """The same post as a row of an «Инцидент Менеджмент» export (real column titles)."""
        number = self.external_id.rsplit("-", 1)[-1]
        return {"ID": number, "Номер инцидента": f"IM-{number}",
                "Дата создания": received_at.isoformat(timespec="seconds"),
                "Группа тем": self.thematic_block, "Тема": "", "Регион": self.place.region,
                "Муниципалитет": self.place.incident_name or self.place.name, "Населенный пункт": self.territory,
                "Текст": self.text, "Ссылка": f"https://vk.com/wall-1_{number}"}

    def as_command(self, received_at: datetime, author: int = 0) -> dict:
        return {
            "channel": self.channel, "external_id": self.external_id, "kind": self.kind,
            "text": self.text, "topic": self.topic, "territory": self.territory,
            "federal_law_59": self.federal_law_59, "received_at": received_at.isoformat(),
            **({"municipality": self.place.municipality} if self.place.municipality else {}),
            **({"applicant": self.applicant(author)} if self.applicant(author) else {}),
        }

    def applicant(self, author: int) -> dict | None:
        """What a synthetic applicant of this channel leaves (the vault keeps it): a letter
        its writer's name and postal address, a call the number, a web form the e-mail;
        an official appeal by phone an address too (its answer is written)."""
        last, first, middle = DEMO_PEOPLE[author % len(DEMO_PEOPLE)]
        address = f"{self.territory}, ул. Садовая, д. {author % 90 + 1}, кв. {author % 40 + 1}"
        person = {"last_name": last, "first_name": first, "middle_name": middle}
        if self.channel == "letter":
            return {**person, "address": address}
        if self.channel == "phone":
            return {**person, "phone": f"+7 900 000-{author // 100 % 100:02d}-{author % 100:02d}",
                    **({"address": address} if self.federal_law_59 else {})}
        if self.channel == "web":
            return {**person, "email": f"applicant{author}@example.ru"}
        return None


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def appeals(seed: int = 1, places: tuple[Place, ...] = (KONSTANTINOVSKY,)
            ) -> Iterator[SyntheticAppeal]:
    """Appeals to the `places`, each chosen by its weight (population)."""
    rng = random.Random(seed)
    weights = [p.weight for p in places]
    topics = tuple((t, w) for t, (_, w, _) in TOPICS.items())
    n = 0
    while True:
        n += 1
        topic = _pick(rng, topics)
        block, _, texts = TOPICS[topic]
        kind = _pick(rng, KIND_WEIGHTS)
        channel = _pick(rng, CHANNEL_BY_KIND[kind])
        text = rng.choice(texts).format(street=rng.choice(STREETS), house=rng.randint(1, 120))
        place = places[0] if len(places) == 1 else rng.choices(places, weights)[0]
        yield SyntheticAppeal(
            channel=channel,
            external_id=f"DEMO-{seed}-{n:07d}",
            kind=kind,
            text=text,
            # ПОС and Open311 applicants choose a topic; other channels leave it to us.
            topic=topic if channel in ("pos", "open311") else None,
            thematic_block=block,
            territory=_pick(rng, place.territories),
            federal_law_59=kind == "official",
            place=place,
        )
