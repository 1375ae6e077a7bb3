"""pydantic's validation errors said for people: the field and a Russian reason (pure)."""

from __future__ import annotations

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


