"""A deployment whose reference files may be written: the demo's, copied (tests of the
administrators' editing)."""

from __future__ import annotations

import shutil
from pathlib import Path

from kit.deployment import SHIPPED_DEPLOYMENT
from kit.settings import Settings
from services.intake.adapters.notice_templates import DEFAULT_FILE as SHIPPED_NOTICES
from services.intake.classification.rubricator import DEFAULT_FILE as SHIPPED_RUBRICATOR
from services.sla.adapters.calendar_file import SHIPPED_DIR as SHIPPED_CALENDARS
from services.sla.adapters.policy_file import SHIPPED_POLICY


def editable_settings(tmp_path: Path) -> Settings:
    """The demo deployment copied where it may be written; Константиновский район keeps a
    deadline policy of its own, the other municipalities the shipped one."""
    root = tmp_path / "deployment"
    shutil.copytree(SHIPPED_DEPLOYMENT.parent, root)
    shutil.copy(SHIPPED_POLICY, root / "konstantinovsky" / "policy.yaml")
    tree = root / SHIPPED_DEPLOYMENT.name
    tree.write_text(tree.read_text(encoding="utf-8").replace(
        "  autorules: konstantinovsky/autorules.yaml\n",
        "  autorules: konstantinovsky/autorules.yaml\n  policy: konstantinovsky/policy.yaml\n"),
        encoding="utf-8")
    shutil.copytree(SHIPPED_CALENDARS, tmp_path / "calendars")
    shutil.copy(SHIPPED_RUBRICATOR, tmp_path / "rubricator.yaml")
    shutil.copy(SHIPPED_NOTICES, tmp_path / "notices.yaml")
    return Settings(_env_file=None, demo=True, deployment=tree, routing_directory=None,
                    data_dir=tmp_path / "var", sla_calendar_dir=tmp_path / "calendars",
                    intake_rubricator=tmp_path / "rubricator.yaml",
                    intake_notices=tmp_path / "notices.yaml")
