"""`mcu classify train|predict|evaluate`: the learned classifier of appeals."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from cli.common import fail

classify = typer.Typer(help="Классификатор обращений: обучение, разметка, оценка",
                       no_args_is_help=True)



@classify.command("train")
def train(data: Path = typer.Option(..., help="CSV: text, topic, category, recipient"),
          model: Path = typer.Option(..., help="Каталог модели")) -> None:
    """Обучить модель на размеченной истории."""
    from services.intake.classification.dataset import DatasetError, read
    from services.intake.classification.model import AppealClassifier

    try:
        dataset = read(data, require=("text", "topic"))
    except DatasetError as exc:
        fail(str(exc))
    typer.echo(f"обучение на {len(dataset.texts)} обращениях…")
    classifier = AppealClassifier().fit(dataset.texts, dataset.labels,
                                        progress=lambda t: typer.echo(f"  готово: {t}"))
    typer.echo(f"модель: {classifier.save(model)}")


def _open(model: Path, data: Path):
    """The saved model and the dataset, or a Russian error."""
    from services.intake.classification.dataset import DatasetError, read
    from services.intake.classification.model import AppealClassifier, ModelFileError

    try:
        return AppealClassifier.load(model), read(data)
    except (DatasetError, ModelFileError) as exc:
        fail(str(exc))


@classify.command("predict")
def predict(model: Path = typer.Option(...), data: Path = typer.Option(..., help="CSV с text"),
            out: Path = typer.Option(..., help="CSV: id, topic, category, recipient, …")) -> None:
    """Разметить обращения моделью."""
    classifier, dataset = _open(model, data)
    predictions = classifier.predict(dataset.texts)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "topic", "category", "recipient", "topic_confidence",
                         "category_confidence", "recipient_confidence"])
        for row_id, p in zip(dataset.ids, predictions, strict=True):
            labels = [p[t].label if t in p else "" for t in ("topic", "category", "recipient")]
            confidences = [p[t].confidence if t in p else "" for t in ("topic", "category",
                                                                        "recipient")]
            writer.writerow([row_id, *labels, *confidences])
    typer.echo(f"размечено {len(predictions)}: {out}")


@classify.command("evaluate")
def evaluate(model: Path = typer.Option(...), data: Path = typer.Option(...)) -> None:
    """Точность по каждой цели (тема: top-1 и top-3)."""
    classifier, dataset = _open(model, data)
    predictions = classifier.predict(dataset.texts)
    derived = not any(dataset.labels["category"])
    if derived:  # no category column: the truth is the usual category of the true topic
        dataset.labels["category"] = [classifier.topic_category.get(t, "")
                                      for t in dataset.labels["topic"]]
    for target in ("topic", "category", "recipient"):
        truth = dataset.labels[target]
        known = [(t, p[target]) for t, p in zip(truth, predictions, strict=True)
                 if t and target in p]
        if not known:
            typer.echo(f"{target}: нет разметки в данных")
            continue
        top1 = sum(t == p.label for t, p in known) / len(known)
        line = f"{target}: точность {top1:.1%} ({len(known)} обращений)"
        if target == "category" and derived:
            line += " — категория истинной темы по соответствию из обучения"
        if target == "topic":
            top3 = sum(t == p.label or t in dict(p.alternatives) for t, p in known) / len(known)
            line += f", top-3 {top3:.1%}"
        typer.echo(line)


rubricator_cli = typer.Typer(help="Рубрикатор: проверка и черновик из справочника тем",
                             no_args_is_help=True)
classify.add_typer(rubricator_cli, name="rubricator")


@rubricator_cli.command("check")
def rubricator_check(path: Path = typer.Argument(None, help="Файл рубрикатора (по умолчанию"
                                                            " поставляемый)")) -> None:
    """Проверить рубрикатор: каждая ошибка с местом и причиной."""
    from services.intake.classification import rubricator

    try:
        rules = rubricator.load(path or rubricator.DEFAULT_FILE)
    except rubricator.RubricatorError as exc:
        fail("рубрикатор с ошибками:\n  " + "\n  ".join(exc.problems))
    topics = sum(len(b.topics) for b in rules.data.blocks)
    typer.echo(f"рубрикатор в порядке: {len(rules.data.blocks)} блоков, {topics} тем, "
               f"{len(rules.data.territories)} территорий")


@rubricator_cli.command("draft")
def rubricator_draft(source: Path = typer.Option(..., "--from",
                                                 help="JSON «тема: группа», например"
                                                      " topic-to-group.json"),
                     out: Path = typer.Option(..., help="Куда записать YAML-черновик")) -> None:
    """Черновик рубрикатора из справочника тем: блоки и темы без слов-признаков."""
    import yaml

    from services.intake.classification import rubricator

    try:
        draft = rubricator.draft_from_topic_groups(rubricator.read_topic_groups(source))
    except rubricator.RubricatorError as exc:
        fail("; ".join(exc.problems))
    out.write_text("# Черновик рубрикатора: добавьте слова-признаки (keywords) и территории.\n"
                   + yaml.safe_dump(draft, allow_unicode=True, sort_keys=False), encoding="utf-8")
    topics = sum(len(b["topics"]) for b in draft["blocks"])
    typer.echo(f"черновик: {out} — {len(draft['blocks'])} блоков, {topics} тем")
