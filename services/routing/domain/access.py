"""Who may do what, on which appeals (pure). Every command goes through `authorize`.

Roles are checked first (`forbidden_role`, which says nothing about any appeal), then
scope. An appeal out of the person's reach is answered exactly as one that does not
exist (`appeal_not_found`, 404): a door must not tell a stranger which appeals exist.
* nobody reaches an appeal outside their part of the deployment's tree (their
  municipality; a region's staff, the region's): the application asks that first;
* the MCU head and the MCU's own coordinators act on every appeal of the municipality;
* a coordinator or approver acts on appeals held by their organisation;
* a subordinate coordinator (settlement, institution) acts on appeals passed to it;
* an executor acts only on appeals assigned to them;
* a channel's integration (role applicant) acts only on its channel's appeals, and may
  only rate.
"""

from __future__ import annotations

from contracts.vocabulary import Role
from kit.directory import MCU, Directory, Person
from services.routing.domain.errors import RoutingError, refuse
from services.routing.domain.workflow import Workflow

R = Role
# within the appeals the person's part of the tree holds (their municipality, a region's)
EVERYWHERE = {R.MCU_HEAD, R.AUDITOR, R.ANALYST, R.DEADLINE_CONTROLLER, R.REGIONAL_CURATOR,
              R.REGIONAL_AUDITOR, R.REGIONAL_ANALYST}


def not_found() -> RoutingError:
    """The one answer for an appeal that does not exist and for one out of reach."""
    return refuse("appeal_not_found", "Обращение не найдено", 404)


def allowed_roles(allowed: frozenset[Role], person: Person, action: str) -> frozenset[Role]:
    """The person's roles among those that allow the action at all, else `forbidden_role`
    (asked before the appeal is looked up, so the answer does not depend on it)."""
    roles = person.roles & allowed
    if not roles:
        raise refuse("forbidden_role", f"Роль не позволяет это действие ({action})", 403)
    return roles


def authorize(allowed: frozenset[Role], person: Person, workflow: Workflow,
              directory: Directory, action: str) -> Role:
    """The role the person acts in, or a refusal; nothing is changed either way."""
    for role in sorted(allowed_roles(allowed, person, action), key=lambda r: r.value):
        if _in_scope(role, person, workflow, directory):
            return role
    raise not_found()


def roles_in_scope(person: Person, workflow: Workflow, directory: Directory) -> frozenset[Role]:
    """Which of the person's roles reach this appeal (for other services' own policies,
    such as who may read the applicant's personal data)."""
    return frozenset(r for r in person.roles if _in_scope(r, person, workflow, directory))


def blocks_of(person: Person, directory: Directory) -> frozenset[str]:
    """The thematic blocks a person curates or leads (a block curator's reach)."""
    return frozenset(k for k, b in directory.blocks.items() if person.id in (b.curator, b.lead))


WATCHERS = {R.MCU_HEAD, R.DEADLINE_CONTROLLER}  # watch every open appeal of the municipality


def _in_scope(role: Role, person: Person, workflow: Workflow, directory: Directory) -> bool:
    if role in EVERYWHERE:
        return True
    if role is R.APPLICANT:
        return workflow.facts.get("channel") in person.channels
    if role is R.EXECUTOR:
        return workflow.executor_id == person.id
    held_by = {workflow.recipient_id, workflow.subordinate_id} - {None}
    if role is R.SUBORDINATE_COORDINATOR:
        return workflow.subordinate_id == person.organization or (
            workflow.recipient_id == person.organization)
    if role is R.COORDINATOR:
        return person.organization == MCU or any(
            directory.is_under(org, person.organization) for org in held_by)
    if role is R.BLOCK_CURATOR:
        return workflow.facts.get("thematic_block", "") in blocks_of(person, directory)
    if role is R.APPROVER:
        return person.organization in held_by
    return False
