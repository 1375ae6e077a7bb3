"""What SLA offers the administrators (kit.reference_admin): each deadline policy file with
the municipalities that use it, the federal production calendar's years and the regions'
overlays, each checked as the service loads it."""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from kit.deployment import Deployment, Municipality
from kit.reference_admin import EditableFile
from services.sla.adapters import calendar_file, policy_file

NOTE_POLICY = ("Новые сроки считаются по новой редакции; сроки, уже назначенные "
               "обращениям, не пересчитываются (каждый называет редакцию, по которой посчитан).")
NOTE_CALENDAR = ("Сроки, назначенные после записи, считаются по новой редакции календаря; "
                 "уже назначенные называют редакцию, по которой посчитаны.")


def policy_paths(deployment: Deployment) -> dict[Path, list[Municipality]]:
    """Each policy file and the municipalities whose deadlines it sets."""
    found: dict[Path, list[Municipality]] = defaultdict(list)
    for m in deployment.municipalities.values():
        found[m.policy or policy_file.SHIPPED_POLICY].append(m)
    return found


def calendar_paths(calendar_dir: Path | None) -> list[Path]:
    """The federal years' files and the regional overlays' (`regions/`)."""
    base = calendar_dir or calendar_file.SHIPPED_DIR
    return sorted(base.glob("*.yaml")) + sorted((base / "regions").glob("*.yaml"))


def editable(deployment: Deployment, calendar_dir: Path | None) -> list[EditableFile]:
    found = []
    for path, users in policy_paths(deployment).items():
        names = ", ".join(m.name for m in users)
        found.append(EditableFile(
            f"policy@{_owner(users)}",
            "policy", f"Политика сроков — {names}", path,
            deployment.revision_name("policy", users[0].id),
            frozenset(m.id for m in users), partial(_check_policy, users), NOTE_POLICY))
    base = calendar_dir or calendar_file.SHIPPED_DIR
    for path in calendar_paths(calendar_dir):
        if path.parent == base:  # a federal year
            found.append(EditableFile(
                f"calendar@{path.stem}", "calendar",
                f"Производственный календарь на {_year(path)} год", path,
                _calendar_name("", path),
                frozenset(), partial(_check_calendar, path), NOTE_CALENDAR))
            continue
        region, _, _ = path.stem.rpartition("-")
        users = frozenset(m.id for m in deployment.municipalities.values()
                          if m.calendar == region)
        named = next((r.name for r in deployment.regions.values() if r.calendar == region),
                     region)
        found.append(EditableFile(
            f"calendar@{path.stem}", "calendar",
            f"Нерабочие дни региона ({named}) на {_year(path)} год", path,
            _calendar_name(region, path),
            users, partial(_check_overlay, region, path), NOTE_CALENDAR,
            regional=True))
    return found


def _owner(users: list[Municipality]) -> str:
    """Whom a policy file is named after: its municipality, its region, or everyone."""
    if len(users) == 1:
        return users[0].id
    regions = {m.region for m in users}
    return regions.pop() if len(regions) == 1 else "all"


def _year(path: Path) -> str:
    return path.stem.rpartition("-")[2]


def _calendar_name(region: str, path: Path) -> str:
    """The revision record's name (SlaApplication.record_calendar)."""
    return f"{region}/calendar-{_year(path)}" if region else f"calendar-{_year(path)}"


def _check_policy(users: list[Municipality], text: str) -> None:
    """The policy in each user's zone, its escalation reaching people of each directory."""
    for m in users:
        source = f"политика сроков ({m.name})"
        loaded = policy_file.parse(text, ZoneInfo(m.timezone), source)
        if problems := policy_file.staffing_problems(loaded.policy, m.directory):
            raise policy_file.PolicyFileError(source, problems)


def _check_calendar(path: Path, text: str) -> None:
    year = calendar_file.parse(text, f"календарь {path.name}")
    if str(year.year) != _year(path):
        raise calendar_file.CalendarFileError(path.name, [f"year: {year.year}, а файл — "
                                                          f"{path.name}"])


def _check_overlay(region: str, path: Path, text: str) -> None:
    overlay = calendar_file.parse_overlay(text, f"региональный календарь {path.name}")
    problems = ([f"region: {overlay.region}, ожидался {region}"] if overlay.region != region
                else []) + ([f"year: {overlay.year}, а файл — {path.name}"]
                            if str(overlay.year) != _year(path) else [])
    if problems:
        raise calendar_file.CalendarFileError(path.name, problems)
