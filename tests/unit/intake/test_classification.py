"""The learned classifier on our synthetic corpus, its CSV input, and its CLI."""

from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as mcu
from demo.generator import appeals
from services.intake.classification.dataset import DatasetError, read
from services.intake.classification.model import AppealClassifier, ModelFileError
from services.intake.classification.text import clean, places_in_name, stems


def test_html_and_yo_are_normalised():
    assert clean("<p>Ёлка&nbsp;у&nbsp;дома</p><br>") == "Елка у дома"
    assert stems("Фонари") == stems("фонарь") == "фонар"  # word forms share a stem
    assert stems("<b>ЯМА</b> во дворе") == stems("яма во дворе")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("synthetic")
    rows = list(islice(appeals(seed=11), 1400))
    for name, part in (("train.csv", rows[:1000]), ("test.csv", rows[1000:])):
        with (directory / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text", "topic", "category", "recipient"])
            for n, a in enumerate(part):
                writer.writerow([n, f"<p>{a.text}</p>", a.topic or a.thematic_block,
                                 a.thematic_block, a.territory])
    return directory / "train.csv", directory / "test.csv"


@pytest.mark.parametrize("name, places", [
    ("Администрация города Льгов", {"льгов"}),
    ("Администрация Курского района", {"курск"}),
    ("Администрация Сеймского округа города Курска", {"сеймск", "курск"}),
    ("Государственная жилищная инспекция Курской области", set()),
    ("Комитет здравоохранения", set()),
])
def test_a_recipient_name_gives_the_territory_it_serves(name, places):
    assert places_in_name(name) == places


def test_the_recipient_model_sees_the_places_a_text_names():
    texts = ["Яма на дороге в Льгове", "Яма на дороге в Щиграх", "Не горит фонарь в Щиграх",
             "Не горит фонарь у школы"]
    labels = {"topic": ["Дороги", "Дороги", "Освещение", "Освещение"],
              "category": ["1", "1", "2", "2"],
              "recipient": ["Администрация города Льгов", "Администрация города Щигры",
                            "Администрация города Щигры", "Комитет городского хозяйства"]}
    model = AppealClassifier().fit(texts, labels)
    assert model.places == ["льгов", "щигр"]
    docs = [stems(t) for t in ["Во Льгове и в Щиграх ямы", "Ямы у школы"]]
    words = model.features.transform(docs)
    with_places = model._features("recipient", words, docs)  # noqa: SLF001
    assert with_places[:, -2:].toarray().tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert model.predict(["Яма во Льгове"])[0]["recipient"].label == "Администрация города Льгов"


def test_a_model_of_another_version_is_refused_with_a_russian_message(synthetic, tmp_path):
    import joblib

    train = read(synthetic[0])
    model = AppealClassifier().fit(train.texts[:300], {k: v[:300] for k, v in train.labels.items()})
    model.trained_version = "svm-tfidf-stack-1"
    joblib.dump(model, tmp_path / "model.joblib")
    with pytest.raises(ModelFileError, match="переобучите"):
        AppealClassifier.load(tmp_path)
    (tmp_path / "model.joblib").write_bytes(b"\x80\x04 not a pickle")  # damaged
    with pytest.raises(ModelFileError, match="повреждён"):
        AppealClassifier.load(tmp_path)


def test_the_model_learns_topics_and_blocks_of_a_corpus(synthetic):
    train, test = read(synthetic[0]), read(synthetic[1])
    model = AppealClassifier().fit(train.texts, train.labels)
    predictions = model.predict(test.texts)
    blocks = sum(p["category"].label == t for p, t in zip(predictions, test.labels["category"],
                                                         strict=True))
    assert blocks / len(predictions) > 0.9
    first = predictions[0]["topic"]
    assert 0 < first.confidence <= 1 and len(first.alternatives) == 2


def test_a_saved_model_loads_and_predicts_the_same(synthetic, tmp_path):
    train = read(synthetic[0])
    model = AppealClassifier().fit(train.texts[:300], {k: v[:300] for k, v in train.labels.items()})
    model.save(tmp_path)
    again = AppealClassifier.load(tmp_path)
    texts = train.texts[:20]
    assert [p["topic"].label for p in again.predict(texts)] == [p["topic"].label
                                                               for p in model.predict(texts)]


@pytest.mark.parametrize("content, message", [
    (b"id,txt\n1,a\n", "нет колонок text"),
    (b"text,topic\n\xff\xfe,a\n", "не в кодировке UTF-8"),
    (b"text,topic\n\xd0\xb0,x\n ,y\n", "строка 3: пустой текст"),
    (b"text,topic\n", "нет ни одной строки"),
])
def test_broken_files_are_refused_naming_the_row(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=message):
        read(path, require=("text", "topic"))


def test_the_cli_trains_predicts_and_evaluates(synthetic, tmp_path):
    runner = CliRunner()
    trained = runner.invoke(mcu, ["classify", "train", "--data", str(synthetic[0]),
                                  "--model", str(tmp_path / "m")])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "pred.csv"
    predicted = runner.invoke(mcu, ["classify", "predict", "--model", str(tmp_path / "m"),
                                    "--data", str(synthetic[1]), "--out", str(out)])
    assert predicted.exit_code == 0, predicted.output
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("id,topic,category,recipient,topic_confidence")
    evaluated = runner.invoke(mcu, ["classify", "evaluate", "--model", str(tmp_path / "m"),
                                    "--data", str(synthetic[1])])
    assert "category: точность" in evaluated.output and "top-3" in evaluated.output
    missing = runner.invoke(mcu, ["classify", "evaluate", "--model", str(tmp_path / "none"),
                                  "--data", str(synthetic[1])])
    assert missing.exit_code == 2 and "сначала обучите" in missing.output


@pytest.mark.parametrize("content, complaint", [
    (None, "сначала обучите"),
    (b"\x80\x04 damaged", "повреждён"),
])
def test_a_wrong_model_stops_intake_with_the_setting_named(tmp_path, content, complaint):
    from kit.settings import ConfigError, Settings
    from services.intake.bootstrap import registration_classifier

    if content is not None:
        (tmp_path / "model.joblib").write_bytes(content)
    with pytest.raises(ConfigError, match=f"MCU_INTAKE_MODEL: .*{complaint}"):
        registration_classifier(Settings(intake_model=tmp_path, _env_file=None))
