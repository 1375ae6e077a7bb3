"""The demo's places: every municipality of the deployment as its channels name it."""

from __future__ import annotations

from demo.corpus import TERRITORIES
from demo.generator import Place
from kit.deployment import Deployment


def places(deployment: Deployment) -> tuple[Place, ...]:
    """A place per municipality, weighted by population; its territories are its
    settlements' (Константиновский район's, with their shares, from the corpus)."""
    found = []
    for m in deployment.municipalities.values():
        settlements = [o.territory for o in m.directory.organizations.values() if o.territory]
        territories = TERRITORIES if m.id == "konstantinovsky" else tuple(
            (t, 1.0) for t in settlements or [m.name])
        c = m.channels
        found.append(Place(
            m.id, m.name, deployment.regions[m.region].name, territories,
            min(c.pos) if c.pos else None, min(c.incident) if c.incident else None,
            min(c.email) if c.email else f"priemnaya@{m.id}.example.ru", c.open311,
            float(m.population or 1)))
    return tuple(found)
