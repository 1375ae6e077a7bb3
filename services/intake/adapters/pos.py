"""ПОС «Госуслуги. Решаем вместе»: a message as the platform's webhook delivers it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from contracts.vocabulary import Channel, Kind
from kit.validation import Moment, Number
from kit.validation import EMAIL
from services.intake.domain.commands import ApplicantData, RegisterAppeal


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PosPoint(_Strict):
    lat: Number(ge=-90, le=90)
    lon: Number(ge=-180, le=180)


class PosAuthor(_Strict):
    """The applicant as ЕСИА identified them."""

    esia_id: str = Field(min_length=1, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL)
    phone: str | None = Field(default=None, max_length=40)


class PosMessage(_Strict):
    id: str = Field(min_length=1, max_length=200, description="Номер сообщения в ПОС")
    category: str | None = Field(default=None, max_length=300,
                                 description="Тема, выбранная заявителем")
    text: str = Field(min_length=1, max_length=20_000)
    address: str | None = Field(default=None, max_length=500)
    municipality: str | None = Field(default=None, max_length=200,
                                     description="Поселение / район")
    organization_id: str | None = Field(
        default=None, max_length=100, description="ПОС-идентификатор организации-получателя:"
        " по нему определяется муниципалитет (в развёртывании с одним — не обязателен)")
    point: PosPoint | None = None
    attachments: list[Annotated[str, Field(max_length=2000)]] = Field(default=[], max_length=50)
    author: PosAuthor | None = None
    fz59: StrictBool = Field(default=False, description="Обращение по 59-ФЗ")
    created_at: Moment


def to_command(message: PosMessage) -> RegisterAppeal:
    author = message.author
    return RegisterAppeal(
        channel=Channel.POS, external_id=message.id,
        kind=Kind.OFFICIAL if message.fz59 else Kind.MESSAGE, text=message.text,
        topic=message.category, territory=message.municipality,
        latitude=message.point.lat if message.point else None,
        longitude=message.point.lon if message.point else None,
        attachments=len(message.attachments), received_at=message.created_at,
        federal_law_59=message.fz59, addressed_to=message.organization_id,
        applicant=ApplicantData(
            esia_id=author.esia_id, last_name=author.last_name, first_name=author.first_name,
            middle_name=author.middle_name, email=author.email, phone=author.phone,
            address=message.address) if author else (
            ApplicantData(address=message.address) if message.address else None),
    )
