"""The official answer as a letter (59-ФЗ art. 10): on the answering body's letterhead,
with its outgoing number and date, to the applicant's postal address, signed by the
official who approved it; decided without I/O (the PDF is drawn by an adapter).
Also what the post office's receipt says: a Почта России tracking number (ШПИ)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kit.directory import MCU, Directory


@dataclass(frozen=True)
class Letterhead:
    organization: str  # the body that answers
    parent: str | None  # the administration it belongs to, if another
    address: str | None  # its postal address (the directory's)


@dataclass(frozen=True)
class Signer:
    name: str
    position: str | None


@dataclass(frozen=True)
class OfficialLetter:
    letterhead: Letterhead
    number: str  # исходящий номер
    dated: date
    addressee: tuple[str, ...]  # name, then the postal address
    salutation: str
    about: str  # «на обращение … от …» (a notice's text says it itself: empty)
    body: str
    signer: Signer
    rating_url: str | None = None


def letterhead(directory: Directory, organization_id: str) -> Letterhead:
    """The answering body's letterhead; a body without its own address uses the one of the
    administration above it."""
    org = directory.organizations.get(organization_id)
    if org is None:
        return Letterhead(directory.municipality, None, None)
    parent = directory.organizations.get(org.parent) if org.parent else None
    return Letterhead(org.name, parent.name if parent else None,
                      org.address or (parent.address if parent else None))


def mcu_letterhead(directory: Directory) -> Letterhead:
    """The MCU's own letters (the notices): under the administration it belongs to, at the
    administration's address."""
    mcu = directory.organizations.get(MCU)
    administration = next((o for o in directory.organizations.values()
                           if o.kind == "administration"), None)
    return Letterhead(mcu.name if mcu else "Муниципальный центр управления",
                      administration.name if administration else directory.municipality,
                      (mcu.address if mcu else None)
                      or (administration.address if administration else None))


def signer(directory: Directory, *person_ids: str | None) -> Signer:
    """The first of `person_ids` the directory knows (the approver, else the executor)."""
    for person_id in person_ids:
        person = directory.people.get(person_id) if person_id else None
        if person is not None:
            return Signer(person.name, person.position)
    return Signer("—", None)


def addressee(last_name: str | None, first_name: str | None, middle_name: str | None,
              address: str | None) -> tuple[str, ...]:
    """«Иванову И. П.» would need declension the vault cannot give: the name as given,
    then the address, one line each."""
    name = " ".join(p for p in (last_name, first_name, middle_name) if p)
    return tuple(line for line in (name, *(address or "").split("\n")) if line.strip())


def about(received_at: date | None, subject: str | None) -> str:
    when = f" от {received_at:%d.%m.%Y}" if received_at else ""
    what = f" «{subject.strip()[:120]}»" if subject and subject.strip() else ""
    return f"На ваше обращение{what}{when}"


# Почта России: 14 digits inside Russia; S10 (UPU) abroad, e.g. RA123456789RU
_DOMESTIC = re.compile(r"^\d{14}$")
_S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class BadPosting(ValueError):
    """What the operator typed about a posting cannot be (Russian, for them)."""


class BadTrackingNumber(BadPosting):
    pass


def tracking_number(value: str) -> str:
    """The number as the post prints it (spaces dropped, letters upper-cased), checked:
    14 digits, or the UPU S10 form with its check digit."""
    number = re.sub(r"\s+", "", value or "").upper()
    if _DOMESTIC.match(number):
        return number
    match = _S10.match(number)
    if match is None:
        raise BadTrackingNumber("трек-номер Почты России — 14 цифр или 13 знаков вида "
                                "RA123456789RU")
    digits, check = match.group(2), int(match.group(3))
    rest = 11 - sum(int(d) * w for d, w in zip(digits, _S10_WEIGHTS, strict=True)) % 11
    expected = 0 if rest == 10 else 5 if rest == 11 else rest
    if check != expected:
        raise BadTrackingNumber("в трек-номере опечатка: не сходится контрольная цифра")
    return number
