"""The classifier on real citizen messages (../shared/data/kursk): trained on train.csv,
scored on holdout.csv (evaluation only). Guards against falling back to the baseline
(TF-IDF + linear SVM: topic 56 % / top-3 74 %, recipient 48 %, category 83 %)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.intake.classification.dataset import read
from services.intake.classification.model import AppealClassifier

KURSK = Path(__file__).resolve().parents[3] / "shared" / "data" / "kursk"


@pytest.fixture(scope="module")
def scored():
    train, holdout = read(KURSK / "train.csv"), read(KURSK / "holdout.csv")
    model = AppealClassifier().fit(train.texts, train.labels)
    return model, holdout, model.predict(holdout.texts)


def _share(hits) -> float:
    hits = list(hits)
    return sum(hits) / len(hits)


def test_topic_beats_the_baseline(scored):
    _, holdout, predictions = scored
    pairs = list(zip(holdout.labels["topic"], predictions, strict=True))
    assert _share(t == p["topic"].label for t, p in pairs) >= 0.58
    assert _share(t == p["topic"].label or t in dict(p["topic"].alternatives)
                  for t, p in pairs) >= 0.75


def test_recipient_and_category_are_not_worse_than_the_baseline(scored):
    model, holdout, predictions = scored
    pairs = list(zip(holdout.labels["recipient"], predictions, strict=True))
    assert _share(t == p["recipient"].label for t, p in pairs) >= 0.485
    categories = [(model.topic_category[t], p) for t, p in
                  zip(holdout.labels["topic"], predictions, strict=True) if t in model.topic_category]
    assert _share(c == p["category"].label for c, p in categories) >= 0.83
