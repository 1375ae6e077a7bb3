"""Autorules as pure code."""

from __future__ import annotations

import pytest

from services.routing.domain.autorules import AppealFacts, Rule, RuleBook

FACTS = AppealFacts(kind="message", channel="pos", topic="Уличное освещение", thematic_block="",
                    territory="Почтовское сельское поселение", text="Не горит фонарь у школы")


def book(*rules: Rule) -> RuleBook:
    return RuleBook(rules, version=7)


def test_the_last_matching_rule_decides_and_says_why():
    decision = book(Rule("light", "adm-arch", topics=frozenset({"Уличное освещение"})),
                    Rule("light-pocht", "sp-pocht", topics=frozenset({"Уличное освещение"}),
                         territories=frozenset({"Почтовское сельское поселение"}))).decide(FACTS)
    assert (decision.recipient, decision.rule_id, decision.rule_version) == ("sp-pocht",
                                                                             "light-pocht", 7)
    assert "тема «Уличное освещение»" in decision.reason
    assert "территория «Почтовское сельское поселение»" in decision.reason


def test_every_condition_must_hold_and_a_list_matches_any_value():
    rule = Rule("x", "r", topics=frozenset({"Уличное освещение", "Дороги"}),
                channels=frozenset({"email"}))
    assert book(rule).decide(FACTS).recipient == "mcu"  # channel pos is not email
    assert rule.why(AppealFacts("message", "email", "Дороги", "", "", "")) is not None


def test_keywords_match_word_beginnings_case_insensitively():
    rule = Rule("gas", "adm-gkh", executor="u-1", keywords=("утечк", "запах газа"))
    assert rule.why(AppealFacts("message", "pos", "", "", "", "Сильная Утечка на улице"))
    assert rule.why(AppealFacts("message", "pos", "", "", "", "проутечка")) is None
    decision = book(rule).decide(AppealFacts("message", "pos", "", "", "", "запах газа в подъезде"))
    assert (decision.recipient, decision.executor) == ("adm-gkh", "u-1")


def test_no_match_goes_to_the_mcu_coordinators_queue():
    decision = book(Rule("roads", "adm-gkh", topics=frozenset({"Дороги"}))).decide(FACTS)
    assert (decision.recipient, decision.rule_id) == ("mcu", None)
    assert "очередь координатора МЦУ" in decision.reason


def test_the_shipped_rules_and_directory_agree():
    from kit.directory import load_directory
    from services.routing.adapters.reference_files import load_rules

    directory, _ = load_directory()
    rules, _ = load_rules(directory)
    facts = AppealFacts("message", "pos", "Вывоз мусора, контейнерные площадки", "",
                        "Гапкинское сельское поселение", "")
    assert rules.decide(facts).recipient == "sp-gapk"


@pytest.mark.parametrize("content, complaint", [
    (None, "MCU_ROUTING_AUTORULES: не удалось прочитать"),
    ("rules:\n- {id: r1, recipient: nowhere}\n",
     "MCU_ROUTING_AUTORULES: .*правило r1: неизвестный получатель nowhere"),
])
def test_wrong_autorules_stop_routing_with_the_setting_named(tmp_path, content, complaint):
    from kit.settings import ConfigError, Settings
    from services.routing.bootstrap import build_application

    path = tmp_path / "autorules.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    settings = Settings(routing_autorules=path, data_dir=tmp_path, _env_file=None)
    with pytest.raises(ConfigError, match=complaint):
        build_application(settings)
