"""Classification figures on the Kursk holdout (evaluation only), beside the baseline."""

from __future__ import annotations

import time
from pathlib import Path

from services.intake.classification.dataset import read
from services.intake.classification.model import AppealClassifier

KURSK = Path(__file__).resolve().parents[2] / "shared" / "data" / "kursk"
BASELINE = {"topic_top1": 0.56, "topic_top3": 0.74, "recipient": 0.48, "category": 0.83}


def run() -> dict[str, str]:
    train, holdout = read(KURSK / "train.csv"), read(KURSK / "holdout.csv")
    started = time.perf_counter()
    model = AppealClassifier().fit(train.texts, train.labels)
    trained_s = time.perf_counter() - started
    started = time.perf_counter()
    predictions = model.predict(holdout.texts)
    per_text_ms = (time.perf_counter() - started) * 1000 / len(holdout.texts)
    topics = list(zip(holdout.labels["topic"], predictions, strict=True))
    figures = {
        "topic_top1": sum(t == p["topic"].label for t, p in topics) / len(topics),
        "topic_top3": sum(t == p["topic"].label or t in dict(p["topic"].alternatives)
                          for t, p in topics) / len(topics),
        "recipient": sum(t == p["recipient"].label for t, p in
                         zip(holdout.labels["recipient"], predictions, strict=True)) / len(topics),
    }
    categories = [(model.topic_category[t], p) for t, p in topics if t in model.topic_category]
    figures["category"] = sum(c == p["category"].label for c, p in categories) / len(categories)
    report = {k: f"{v:.1%} (базовая линия {BASELINE[k]:.0%})" for k, v in figures.items()}
    report["time"] = f"обучение {trained_s:.1f} с, разметка {per_text_ms:.2f} мс на обращение"
    return report
