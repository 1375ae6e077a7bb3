"""Names for the audit's reader from the deployment's directories (their one owner): a
person as «Фамилия И. О., должность», an organisation by its name, the municipality's
time zone for local times."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kit.deployment import Deployment, UnknownMunicipality
from services.audit.domain.dossier import Names


def names_for(deployment: Deployment, municipality_id: str | None) -> Names:
    try:
        m = deployment.municipality(municipality_id)
    except UnknownMunicipality:  # an appeal of another deployment's log: ids as they are
        return Names(municipality_id or "—", ZoneInfo("UTC"), lambda _: None, lambda _: None)
    people, orgs = deployment.people, m.directory.organizations

    def person(person_id: str) -> str | None:
        found = people.get(person_id)
        if found is None:
            return None
        return f"{found.name}, {found.position}" if found.position else found.name

    def organization(org_id: str) -> str | None:
        found = orgs.get(org_id)
        return found.name if found else None

    return Names(m.name, ZoneInfo(m.timezone), person, organization)
