"""The rubricator file and classification at registration (rules, applicant, model)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contracts.vocabulary import ClassificationMethod, Kind
from services.intake.adapters import open311
from services.intake.classification import rubricator
from services.intake.classification.model import AppealClassifier
from services.intake.classification.registration import RegistrationClassifier

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"

SMALL = """
version: 1
blocks:
- name: Дороги
  topics:
  - name: Ямы
    aliases: [Ремонт дорог]
    keywords: [яма, асфальт, проезжая часть]
- name: ТКО
  topics:
  - name: Мусор
    keywords: [мусор, контейнер]
territories:
- name: Почтовское сельское поселение
  words: [х. Почтовый]
"""


@pytest.fixture
def rules() -> rubricator.Rubricator:
    return rubricator.parse(SMALL)


def test_the_topic_with_most_different_words_wins_and_names_them(rules):
    match = rules.topic_in("Ямы на проезжей части, асфальт разбит; мусор не вывозят")
    assert (match.name, match.words, match.confidence) == ("Ямы", ("яма", "асфальт", "проезжая часть"), 0.9)


def test_words_match_by_stem_and_phrases_need_consecutive_words(rules):
    assert rules.topic_in("Контейнеров нет").name == "Мусор"
    assert rules.topic_in("проезжая, но не часть") is None
    assert rules.territory_in("в хуторе Почтовом") is None  # the rule says «х. Почтовый»
    assert rules.territory_in("В х. Почтовый не ходит автобус").name == "Почтовское сельское поселение"


def test_texts_with_html_are_read_as_text(rules):
    assert rules.topic_in("<p>Огромная <b>яма</b></p>").name == "Ямы"


def test_aliases_and_the_star_of_pos_topics_map_to_the_topic(rules):
    assert rules.topic_named("★ Ремонт дорог") == "Ямы" and rules.topic_named("ямы") == "Ямы"
    assert rules.topic_named("Неизвестная тема") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 1\nblocks: []\n", "blocks: слишком мало элементов"),
    ("version: 1\nblocks:\n- name: A\n  topics:\n  - name: T\n    kewords: [x]\n",
     "blocks.0.topics.0.kewords: лишнее поле"),
    ("version: 1\nblocks:\n- name: A\n  topics:\n  - name: T\n  - name: U\n    aliases: [t]\n",
     "«t» относится и к теме «T», и к «U»"),
    ("version: 1\nblocks:\n- name: A\n  topics:\n  - {name: T, open311_code: x}\n"
     "  - {name: U, open311_code: x}\n", "код Open311 «x» и у темы «T», и у «U»"),
    ("version: 1\nblocks:\n- name: A\n  topics:\n  - {name: T, open311_code: Ямы}\n",
     "blocks.0.topics.0.open311_code"),
    ("blocks: [", "не YAML"),
])
def test_a_broken_rubricator_is_refused_naming_the_place(text, expected):
    with pytest.raises(rubricator.RubricatorError) as error:
        rubricator.parse(text, "rubricator.yaml")
    assert expected in str(error.value)


def test_the_shipped_rubricator_is_valid():
    rules = rubricator.load()
    assert len(rules.data.blocks) >= 8 and len(rules.data.territories) == 7


def test_a_draft_from_the_pos_topic_reference_is_a_valid_rubricator():
    groups = rubricator.read_topic_groups(SHARED / "rubricator" / "topic-to-group.json")
    draft = rubricator.draft_from_topic_groups(groups)
    rules = rubricator.parse(yaml.safe_dump(draft, allow_unicode=True))
    assert sum(len(b.topics) for b in rules.data.blocks) == len(groups)
    assert rules.block_of["Ямы во дворах"] == groups["★ Ямы во дворах"]


def test_registration_prefers_the_applicants_known_topic(rules):
    c = RegistrationClassifier(rules).classify(Kind.MESSAGE, "Мусор кругом", None, "Ремонт дорог")
    assert (c.topic, c.thematic_block, c.method, c.confidence) == (
        "Ямы", "Дороги", ClassificationMethod.APPLICANT, 1.0)


def test_an_unknown_applicant_topic_gives_way_to_a_rule(rules):
    c = RegistrationClassifier(rules).classify(Kind.MESSAGE, "Мусор у контейнеров", None, "Прочее")
    assert (c.topic, c.method, c.confidence) == ("Мусор", ClassificationMethod.RULE, 0.75)
    assert c.reason.startswith("тема заявителя «Прочее» не из рубрикатора")


def test_the_channels_territory_wins_over_words_in_the_text(rules):
    c = RegistrationClassifier(rules).classify(Kind.SOCIAL, "яма в х. Почтовый", territory="г. Константиновск")
    assert c.territory == "г. Константиновск" and c.kind is Kind.SOCIAL


def test_the_model_decides_when_no_rule_matches(rules):
    texts = ["нет воды в доме", "вода ржавая из крана", "отключили воду снова", "вода не идёт",
             "собаки бегают стаей", "бродячие собаки кусаются", "стая собак у школы",
             "собака напала"] * 2
    labels = {"topic": (["Водоснабжение"] * 4 + ["Собаки"] * 4) * 2}
    model = AppealClassifier().fit(texts, labels)
    c = RegistrationClassifier(rules, model).classify(Kind.MESSAGE, "опять нет воды")
    assert (c.topic, c.method) == ("Водоснабжение", ClassificationMethod.MODEL)
    assert c.reason.startswith(f"модель {model.version}: уверенность")
    without_model = RegistrationClassifier(rules).classify(Kind.MESSAGE, "опять нет воды")
    assert (without_model.topic, without_model.method) == (None, ClassificationMethod.MANUAL)


def test_open311_offers_the_topics_that_carry_a_code():
    coded = SMALL.replace("  - name: Ямы\n", "  - name: Ямы\n    open311_code: potholes\n")
    services = open311.services_of(rubricator.parse(coded).data)
    assert list(services) == ["potholes"]
    assert open311.service_json(services["potholes"]) == {
        "service_code": "potholes", "service_name": "Ямы", "group": "Дороги",
        "description": "Сообщение о проблеме: Ямы", "metadata": False, "type": "realtime",
        "keywords": "яма, асфальт, проезжая часть"}


def test_intake_records_the_rubricator_as_a_revision_at_start(tmp_path):
    from kit import revisions
    from kit.settings import Settings
    from services.intake.bootstrap import build

    settings = Settings(data_dir=tmp_path, _env_file=None)
    service = build(settings)
    found = revisions.history(service.app, "rubricator")
    service.app.vault.close()
    service.app.close()
    assert len(found) == 1 and found[0]["data"]["blocks"]
