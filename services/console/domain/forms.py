"""The form of a command, built from the JSON Schema routing publishes for its body (the
command is defined once, in routing), with choices from the municipality's directory,
and the submitted form turned back into that body. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.vocabulary import CRITERION_RU, KIND_RU

LONG_TEXT = 600  # longer free text gets a text area
ENUM_LABELS: dict[str, dict[str, str]] = {
    "Kind": {k.value: v for k, v in KIND_RU.items()},
    "ReworkCriterion": {k.value: v for k, v in CRITERION_RU.items()},
}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # text | textarea | select | checkboxes | date | number
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    fields: tuple[FormField, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Choices:
    """What the directory offers for the fields that name its entries."""

    organizations: tuple[tuple[str, str], ...] = ()
    subordinates: tuple[tuple[str, str], ...] = ()
    executors: tuple[tuple[str, str], ...] = ()
    approvers: tuple[tuple[str, str], ...] = ()
    blocks: tuple[tuple[str, str], ...] = ()

    def for_field(self, name: str) -> tuple[tuple[str, str], ...] | None:
        return {"recipient_id": self.organizations, "suggested_recipient_id": self.organizations,
                "subordinate_id": self.subordinates, "executor_id": self.executors,
                "approver_id": self.approvers, "thematic_block": self.blocks}.get(name)


def form_of(action: dict, choices: Choices) -> Form:
    """`action`: routing's answer for one possible action (name, summary, schema)."""
    schema = action["schema"]
    required = set(schema.get("required", ()))
    fields = tuple(_field(name, spec, name in required, schema.get("$defs", {}), choices)
                   for name, spec in schema.get("properties", {}).items())
    return Form(action["name"], action["summary"], fields)


def _field(name: str, spec: dict, required: bool, defs: dict, choices: Choices) -> FormField:
    label = spec.get("description") or name
    options = choices.for_field(name)
    plain = _plain(spec)
    if options is not None:
        return FormField(name, label, "select", required, options)
    if plain.get("type") == "array":
        enum = _enum(plain.get("items", {}), defs)
        return FormField(name, label, "checkboxes", required, enum)
    enum = _enum(plain, defs)
    if enum:
        return FormField(name, label, "select", required, enum)
    if plain.get("format") == "date":
        return FormField(name, label, "date", required)
    if plain.get("type") == "integer":
        return FormField(name, label, "number", required, minimum=plain.get("minimum"),
                         maximum=plain.get("maximum"))
    length = plain.get("maxLength")
    widget = "textarea" if length is None or length > LONG_TEXT else "text"
    if plain.get("format") == "uuid":
        widget = "text"
    return FormField(name, label, widget, required, max_length=length)


def _plain(spec: dict) -> dict:
    """The non-null branch of an optional field's schema."""
    for branch in spec.get("anyOf", ()):
        if branch.get("type") != "null":
            return branch
    return spec


def _enum(spec: dict, defs: dict) -> tuple[tuple[str, str], ...]:
    ref = spec.get("$ref", "")
    name = ref.rsplit("/", 1)[-1] if ref else ""
    values = defs.get(name, {}).get("enum") if name else spec.get("enum")
    labels = ENUM_LABELS.get(name, {})
    return tuple((v, labels.get(v, v)) for v in values or ())


def body_of(form: Form, submitted: dict[str, list[str]]) -> dict[str, Any]:
    """The command's body from the submitted values: empty fields are left out (routing's
    validation then says in Russian what is missing), lists for check boxes, numbers."""
    body: dict[str, Any] = {}
    for f in form.fields:
        values = [v.strip() for v in submitted.get(f.name, []) if v.strip()]
        if not values:
            continue
        if f.widget == "checkboxes":
            body[f.name] = values
        elif f.widget == "number":
            try:
                body[f.name] = int(values[0])
            except ValueError:
                body[f.name] = values[0]  # routing refuses it with its own message
        else:
            body[f.name] = values[0]
    return body
