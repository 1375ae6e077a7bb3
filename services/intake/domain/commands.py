"""Commands the intake service accepts (what every channel adapter produces)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from contracts.vocabulary import Channel, Kind
from kit.validation import EMAIL, Count, Moment, Number


# any address a mail server delivers to (user@localhost included), not a guess at TLDs


class ApplicantData(BaseModel):
    """Personal data of the applicant: goes to the vault only, never to the log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    last_name: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL)
    phone: str | None = Field(default=None, max_length=40)
    esia_id: str | None = Field(default=None, max_length=100, description="ID в ЕСИА")
    address: str | None = Field(default=None, max_length=500, description="Точный адрес")


class RegisterAppeal(BaseModel):
    """One item from a channel, already parsed by its adapter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    external_id: str = Field(min_length=1, max_length=200)
    kind: Kind = Kind.MESSAGE
    text: str = Field(min_length=1, max_length=20000)
    subject: str | None = Field(default=None, max_length=500)
    topic: str | None = Field(default=None, max_length=300, description="As chosen by the applicant")
    territory: str | None = Field(default=None, max_length=200)
    latitude: Number(ge=-90, le=90) | None = None
    longitude: Number(ge=-180, le=180) | None = None
    attachments: Count(ge=0, le=1000) = 0
    received_at: Moment | None = None
    federal_law_59: StrictBool = False  # true/false, not 0/1 or "yes"
    applicant: ApplicantData | None = None
    municipality: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="Муниципалитет (id в развёртывании), которому адресовано обращение: "
        "веб-форма и оператор указывают его; можно не указывать, если муниципалитет один")
    addressed_to: str | None = Field(
        default=None, max_length=300,
        description="Адресат, как его называет канал (ПОС — организация-получатель, "
        "«Инцидент Менеджмент» — муниципалитет, почта — ящик, Open311 — jurisdiction_id): по "
        "нему определяется муниципалитет")
