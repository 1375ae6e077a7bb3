"""Open311 GeoReport v2 (JSON): services, POST requests (form-encoded), GET requests."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.vocabulary import Channel
from services.intake.classification.rubricator import RubricatorFile
from services.intake.domain.commands import ApplicantData, RegisterAppeal


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    keywords: tuple[str, ...] = ()


def services_of(rubricator: RubricatorFile) -> dict[str, Service]:
    """The rubricator's topics that carry an Open311 code: one list of topics to edit."""
    return {t.open311_code: Service(t.open311_code, t.name, block.name, tuple(t.keywords))
            for block in rubricator.blocks for t in block.topics if t.open311_code}


def service_json(service: Service) -> dict:
    return {"service_code": service.code, "service_name": service.name,
            "description": f"Сообщение о проблеме: {service.name}", "metadata": False,
            "type": "realtime", "keywords": ", ".join(service.keywords) or None,
            "group": service.group}


MAX_DESCRIPTION = 4000  # GeoReport v2's schema: description maxLength


class Open311Error(ValueError):
    """GeoReport errors are arrays of {code, description}; `code` is the HTTP status."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status


def to_command(form: dict[str, str], services: dict[str, Service], request_id: str) -> RegisterAppeal:
    code = form.get("service_code", "")
    if code not in services:
        raise Open311Error(400, f"service_code «{code}» неизвестен: см. services.json")
    lat, lon, address = form.get("lat"), form.get("long"), form.get("address_string")
    if not ((lat and lon) or address or form.get("address_id")):
        raise Open311Error(400, "нужно место: lat и long, address_string или address_id")
    try:
        latitude = float(lat) if lat else None
        longitude = float(lon) if lon else None
    except ValueError:
        raise Open311Error(400, "lat и long должны быть числами (WGS84)") from None
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description: опишите проблему")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description: не длиннее {MAX_DESCRIPTION} символов"
                                " (GeoReport v2)")
    person = {k: form.get(k) or None for k in ("email", "first_name", "last_name", "phone")}
    return RegisterAppeal(
        channel=Channel.OPEN311, external_id=request_id, text=description,
        topic=services[code].name, latitude=latitude, longitude=longitude,
        attachments=1 if form.get("media_url") else 0,
        addressed_to=(form.get("jurisdiction_id") or "").strip()[:300] or None,
        applicant=ApplicantData(address=address, **person) if any(person.values()) or address
        else None)
