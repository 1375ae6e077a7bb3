"""pydantic's validation errors said for people: the field and a Russian reason (pure)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field


def _written(value):
    """A moment is written out (2026-11-16T10:00:00+03:00), never a number (or a string
    of one) that pydantic would read as seconds since 1970."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.match(r"\s*\d{4}-\d{2}-\d{2}", value):
        raise ValueError("ожидается дата и время с часовым поясом, например"
                         " 2026-11-16T10:00:00+03:00")
    return value


def _not_a_boolean(value):
    """true/false are not numbers here (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("ожидается число, а не true/false")
    return value


EMAIL = r"^[^@\s]+@[^@\s]+$"  # an address as mail servers take it (user@localhost too)

# a date-time with its zone, as the OpenAPI document says: a string, not a number
Moment = Annotated[AwareDatetime, BeforeValidator(_written)]
def Number(**bounds) -> type[float]:  # noqa: N802 - reads as a type
    """A number within `bounds` (ge, le …) that does not take true/false for one, as JSON
    Schema does not; the bounds come before the check so the schema shows them."""
    return Annotated[float, Field(**bounds), BeforeValidator(_not_a_boolean)]


def Count(**bounds) -> type[int]:  # noqa: N802 - reads as a type
    """A whole number within `bounds`, not true/false."""
    return Annotated[int, Field(**bounds), BeforeValidator(_not_a_boolean)]

REASONS_RU = {
    "missing": "обязательное поле не заполнено",
    "string_too_short": "значение слишком короткое",
    "string_too_long": "значение слишком длинное",
    "extra_forbidden": "неизвестное поле",
    "enum": "значение не из списка допустимых",
    "literal_error": "значение не из списка допустимых",
    "datetime_from_date_parsing": "неверный формат даты и времени",
    "timezone_aware": "укажите часовой пояс",
    "uuid_parsing": "неверный идентификатор",
    "json_invalid": "тело запроса не является корректным JSON",
    "string_pattern_mismatch": "значение не соответствует формату",
    "too_long": "слишком много элементов",
    "greater_than_equal": "значение меньше допустимого",
    "less_than_equal": "значение больше допустимого",
    "float_parsing": "ожидается число",
    "int_parsing": "ожидается целое число",
    "bool_parsing": "ожидается true или false",
    "date_from_datetime_parsing": "неверный формат даты",
    "model_attributes_type": "ожидается объект",
    "dict_type": "ожидается объект",
    "list_type": "ожидается список",
    "string_type": "ожидается строка",
}


def field_errors(errors) -> list[dict]:
    """pydantic's errors as {field, reason (Russian), type}, for people and programs."""
    return [{"field": ".".join(str(p) for p in e["loc"] if p != "body") or "тело запроса",
             "reason": REASONS_RU.get(e["type"], e["msg"]), "type": e["type"]}
            for e in errors]


