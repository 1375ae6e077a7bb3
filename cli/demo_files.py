"""The demo's reference files, copied where the administrators may edit them: `mcu run`
in demo mode points the services at copies under the data directory (the shipped files
stay as the repository has them; the console writes the copies)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from kit.deployment import SHIPPED_DEPLOYMENT
from kit.settings import Settings
from services.intake.adapters.notice_templates import DEFAULT_FILE as SHIPPED_NOTICES
from services.intake.classification.rubricator import DEFAULT_FILE as SHIPPED_RUBRICATOR
from services.sla.adapters.calendar_file import SHIPPED_DIR as SHIPPED_CALENDARS

SOURCES = {"deployment": SHIPPED_DEPLOYMENT.parent, "calendars": SHIPPED_CALENDARS,
           "rubricator": SHIPPED_RUBRICATOR, "notices": SHIPPED_NOTICES}


def prepared(settings: Settings) -> dict[str, str]:
    """The settings that point the services at the copies (none when the deployment names
    its own files). A copy is made once and kept across runs, so the administrators'
    edits stay; it is made anew when the shipped files change (a new version of the demo)."""
    if settings.deployment or settings.routing_directory or settings.sla_calendar_dir \
            or settings.intake_rubricator or settings.intake_notices:
        return {}
    root = settings.data_dir / "demo-reference"
    stamp = root / ".shipped"
    if not stamp.exists() or stamp.read_text() != _fingerprint():
        shutil.rmtree(root, ignore_errors=True)
        for name, source in SOURCES.items():
            if source.is_dir():
                shutil.copytree(source, root / name)
            else:
                root.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, root / f"{name}.yaml")
        stamp.write_text(_fingerprint())
    return {"MCU_DEPLOYMENT": str((root / "deployment" / SHIPPED_DEPLOYMENT.name).resolve()),
            "MCU_SLA_CALENDAR_DIR": str((root / "calendars").resolve()),
            "MCU_INTAKE_RUBRICATOR": str((root / "rubricator.yaml").resolve()),
            "MCU_INTAKE_NOTICES": str((root / "notices.yaml").resolve())}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for source in SOURCES.values():
        for path in sorted(source.rglob("*.yaml")) if source.is_dir() else [source]:
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()
