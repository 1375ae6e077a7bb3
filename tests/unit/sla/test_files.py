"""Calendar and policy files: the validator names each problem in Russian."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from contracts.vocabulary import DeadlineStage, Kind, Role
from services.sla.adapters import calendar_file, policy_file
from services.sla.adapters.calendar_seed import seed
from tests.support.sla import shipped_directory, shipped_policy

MSK = ZoneInfo("Europe/Moscow")

GOOD = """
year: 2026
source: постановление
non_working: {2026-01-09: перенос}
working: {}
shortened: {2026-04-30: предпраздничный}
"""


def test_a_valid_file_loads():
    year = calendar_file.parse(GOOD)
    assert year.year == 2026 and len(year.non_working) == 1


@pytest.mark.parametrize("text, fragment", [
    (GOOD.replace("2026-01-09", "2025-12-31"), "не из 2026 года"),
    (GOOD.replace("working: {}", "working: {2026-01-09: x}"), "одновременно"),
    (GOOD.replace("working: {}", "working: {2026-01-13: x}"), "не выходной день"),
    (GOOD.replace("2026-04-30", "2026-05-02"), "только рабочий день"),
    (GOOD.replace("source: постановление\n", ""), "source"),
    ("year: [", "не YAML"),
    ("- 1\n- 2", "ожидается словарь"),
])
def test_broken_calendar_files_are_refused_with_the_place_and_reason(text, fragment):
    with pytest.raises(calendar_file.CalendarFileError) as refused:
        calendar_file.parse(text, "ru-2026.yaml")
    assert fragment in str(refused.value)
    assert refused.value.code == "invalid_calendar"


def test_a_dumped_calendar_reads_back_the_same():
    year = seed(2026).year
    assert calendar_file.parse(calendar_file.dump(year)) == year


def test_seeding_knows_working_saturdays_and_computes_shortened_days():
    seeded = seed(2027)
    assert set(seeded.year.working) == {__import__("datetime").date(2027, 2, 20)}
    assert __import__("datetime").date(2027, 11, 3) in seeded.year.shortened
    assert seeded.year.status == "provisional" and seeded.cannot_know


def test_the_shipped_policy_picks_the_most_specific_rule_per_stage():
    policy = shipped_policy().policy
    utilities = policy.terms_for(Kind.MESSAGE, "pos", "Водоснабжение")
    assert [(r.stage, str(r.term)) for r in utilities] == [(DeadlineStage.ANSWER, "1wd")]
    official = {r.stage: str(r.term) for r in policy.terms_for(Kind.OFFICIAL, "email", None)}
    assert official == {DeadlineStage.REGISTRATION: "3d", DeadlineStage.ANSWER: "30d",
                        DeadlineStage.REGISTRATION_NOTICE: "3d",  # 59-ФЗ notices
                        DeadlineStage.FORWARDING_NOTICE: "7d",
                        DeadlineStage.EXTENSION_NOTICE: "1wd"}
    social = {r.stage: str(r.term) for r in policy.terms_for(Kind.SOCIAL, "incident", "x")}
    assert social == {DeadlineStage.FIRST_REACTION: "3wh", DeadlineStage.ANSWER: "8wh"}


def test_among_equally_specific_rules_the_later_one_wins():
    text = policy_file.SHIPPED_POLICY.read_text(encoding="utf-8").replace(
        "  - id: official-answer", "  - id: message-late\n    kind: message\n    stage: answer\n"
        "    term: 15wd\n  - id: official-answer")
    policy = policy_file.parse(text, MSK).policy
    assert str(policy.terms_for(Kind.MESSAGE, "web", None)[0].term) == "15wd"


@pytest.mark.parametrize("old, new, fragment", [
    ("schedule:", "timezone: Europe/Moscow\nschedule:", "timezone: больше не часть политики"),
    ("schedule:", "people:\n  mcu_head: u-head\nschedule:", "справочнике сотрудников"),
    ("term: 10wd", "term: 10 weeks", "не распознан"),
    ("stage: answer\n    term: 10wd", "stage: lunch\n    term: 10wd", "stage"),
    ('start: "09:00"', 'start: "19:00"', "начало рабочего дня"),
])
def test_broken_policies_are_refused(old, new, fragment):
    text = policy_file.SHIPPED_POLICY.read_text(encoding="utf-8").replace(old, new, 1)
    with pytest.raises(policy_file.PolicyFileError) as refused:
        policy_file.parse(text, MSK)
    assert fragment in str(refused.value)


@pytest.mark.parametrize("setting, content, complaint", [
    ("sla_policy", None, "MCU_SLA_POLICY: не удалось прочитать"),
    ("sla_policy", "stages: [", "MCU_SLA_POLICY: .*не YAML"),
    ("sla_calendar_dir", "year: 2027\n", "MCU_SLA_CALENDAR_DIR: .*2027.yaml"),
])
def test_wrong_policy_or_calendar_stops_sla_with_the_setting_named(tmp_path, setting, content,
                                                                    complaint):
    from kit.settings import ConfigError, Settings
    from kit.deployment import single
    from kit.staff import read_deployment
    from services.sla.bootstrap import build_application

    if setting == "sla_calendar_dir":
        (tmp_path / "2027.yaml").write_text(content, encoding="utf-8")
        value = tmp_path
    else:
        value = tmp_path / "policy.yaml"
        if content is not None:
            value.write_text(content, encoding="utf-8")
    settings = Settings(**{setting: value}, data_dir=tmp_path, _env_file=None)
    with pytest.raises(ConfigError, match=complaint):
        build_application(settings, read_deployment(settings))


def test_a_policy_escalating_to_a_role_nobody_holds_stops_sla_naming_it(tmp_path):
    """The policy names roles; the directory says who holds them. A role the directory
    lacks would send escalations to nobody: the service does not start."""
    from dataclasses import replace

    from kit.settings import ConfigError, Settings
    from kit.deployment import single
    from kit.staff import read_deployment
    from services.sla.bootstrap import build_application

    text = policy_file.SHIPPED_POLICY.read_text(encoding="utf-8").replace(
        "role: mcu_head, after: 3wd", "role: deadline_controller, after: 3wd")
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    settings = Settings(sla_policy=tmp_path / "policy.yaml", data_dir=tmp_path, _env_file=None)
    directory = shipped_directory()
    build_application(settings, single(directory, {}, policy=settings.sla_policy))  # it has a deadline controller
    without = replace(directory, people={k: p for k, p in directory.people.items()
                                         if Role.DEADLINE_CONTROLLER not in p.roles})
    with pytest.raises(ConfigError, match="MCU_SLA_POLICY: .*роль deadline_controller"):
        build_application(settings, single(without, {}, policy=settings.sla_policy))
    no_curator = replace(directory, blocks={**directory.blocks, "Дороги": replace(
        directory.blocks["Дороги"], curator=None)})
    with pytest.raises(ConfigError, match="у блока «Дороги» в справочнике нет куратора"):
        build_application(Settings(data_dir=tmp_path, _env_file=None), single(no_curator, {}))


def test_the_policy_is_recorded_as_a_revision_once_per_version(tmp_path):
    from kit import revisions
    from kit.settings import Settings
    from kit.deployment import single
    from kit.staff import read_deployment
    from services.sla.bootstrap import build_application

    path = tmp_path / "policy.yaml"
    path.write_text(policy_file.SHIPPED_POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(sla_policy=path, data_dir=tmp_path, _env_file=None)
    app = build_application(settings, read_deployment(settings))
    app.close()
    app = build_application(settings, read_deployment(settings))  # the same file: nothing new
    assert len(revisions.history(app, "policy")) == 1
    app.close()
    path.write_text(path.read_text(encoding="utf-8").replace("term: 10wd", "term: 12wd"),
                    encoding="utf-8")
    app = build_application(settings, read_deployment(settings))
    found = revisions.history(app, "policy")
    app.close()
    assert len(found) == 2 and found[-1]["data"]["terms"][0]["term"] == "12wd"
