"""The learned classifier: topic, category and recipient from the text of an appeal.

Features: TF-IDF of stemmed words (1–2-grams) and of character n-grams (2–5). One linear
SVM per target. Topic scores add the text's similarity to each topic's own name (helps
rare topics); category and recipient models also see the topic scores (stacked,
cross-fitted on the training data). The recipient model also sees the territory: which
places named by the recipients themselves («Администрация города Льгов», «…Курского
района») the text mentions. Confidences are softmax-scaled scores, not calibrated
probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import KFold
from sklearn.pipeline import make_union
from sklearn.svm import LinearSVC

from services.intake.classification.text import clean, places_in_name, stems

TARGETS = ("topic", "category", "recipient")
MODEL_FILE = "model.joblib"
STACK_WEIGHT = 2.0
TERRITORY_WEIGHT = 1.0  # chosen by 5-fold cross-validation on the training data


class ModelFileError(ValueError):
    """A saved model that cannot serve (missing, damaged, of another version)."""


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]  # the next best, with confidences


def _scores(model: LinearSVC, X) -> np.ndarray:
    """One column per class, also for two classes (where sklearn gives one signed column)."""
    scores = model.decision_function(X)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _softmax(scores: np.ndarray, temperature: float = 3.0) -> np.ndarray:
    e = np.exp((scores - scores.max(axis=1, keepdims=True)) * temperature)
    return e / e.sum(axis=1, keepdims=True)


class AppealClassifier:
    version = "svm-tfidf-stack-territory-2"

    def __init__(self, C: float = 0.5):
        self.C = C
        self.features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))
        self.models: dict[str, LinearSVC] = {}
        self.topic_names = None
        self.topic_category: dict[str, str] = {}  # the usual category of each topic
        self.territory: CountVectorizer | None = None  # places the recipients' names carry
        self.trained_version = self.version  # saved with the model: load() checks it

    # -- training ----------------------------------------------------------------------------
    def fit(self, texts: list[str], labels: dict[str, list[str]], progress=None) -> AppealClassifier:
        from collections import Counter, defaultdict

        pairs: dict[str, Counter] = defaultdict(Counter)
        for topic, category in zip(labels["topic"], labels.get("category", []), strict=False):
            if topic and category:
                pairs[topic][category] += 1
        self.topic_category = {t: c.most_common(1)[0][0] for t, c in pairs.items()}
        places = sorted(set().union(*map(places_in_name, labels.get("recipient", []))))
        self.territory = CountVectorizer(vocabulary=places, binary=True, token_pattern=r"\S+",
                                         lowercase=False) if places else None
        docs = [stems(t) for t in texts]
        X = self.features.fit_transform(docs)
        topics = np.array(labels["topic"])
        self.models["topic"] = LinearSVC(C=self.C).fit(X, topics)
        self.topic_names = self.features.transform(
            [stems(clean(c)) for c in self.models["topic"].classes_])
        stacked = hstack([X, csr_matrix(self._cross_fitted_topic(X, topics)) * STACK_WEIGHT]).tocsr()
        for target in ("category", "recipient"):
            if target in labels and any(labels[target]):
                self.models[target] = LinearSVC(C=self.C).fit(
                    self._features(target, stacked, docs), np.array(labels[target]))
                if progress:
                    progress(target)
        return self

    def _cross_fitted_topic(self, X, topics: np.ndarray) -> np.ndarray:
        """Topic scores for the training rows from models that did not see them."""
        classes = list(self.models["topic"].classes_)
        out = np.full((X.shape[0], len(classes)), -1.0)
        for a, b in KFold(4, shuffle=True, random_state=1).split(X):
            model = LinearSVC(C=self.C).fit(X[a], topics[a])
            columns = [classes.index(c) for c in model.classes_]
            out[np.ix_(b, columns)] = _scores(model, X[b])
        return _softmax(out + (X @ self.topic_names.T).toarray())

    # -- prediction --------------------------------------------------------------------------
    @property
    def places(self) -> list[str]:
        """Territory stems from the training recipients' names."""
        return list(self.territory.vocabulary) if self.territory else []

    def _features(self, target: str, stacked, docs: list[str]):
        """What the category or recipient model sees: the words and topic scores, and for
        the recipient also the places the text names."""
        if target != "recipient" or self.territory is None:
            return stacked
        return hstack([stacked, self.territory.transform(docs) * TERRITORY_WEIGHT]).tocsr()

    def predict(self, texts: list[str], top: int = 3) -> list[dict[str, Prediction]]:
        docs = [stems(t) for t in texts]
        X = self.features.transform(docs)
        topic_scores = _scores(self.models["topic"], X) + (X @ self.topic_names.T).toarray()
        results = [dict() for _ in texts]
        self._collect(results, "topic", self.models["topic"].classes_, _softmax(topic_scores), top)
        stacked = hstack([X, csr_matrix(_softmax(topic_scores)) * STACK_WEIGHT]).tocsr()
        for target in ("category", "recipient"):
            if target in self.models:
                model = self.models[target]
                self._collect(results, target, model.classes_,
                              _softmax(_scores(model, self._features(target, stacked, docs))), top)
        return results

    @staticmethod
    def _collect(results, target, classes, probabilities, top) -> None:
        order = np.argsort(-probabilities, axis=1)[:, :top]
        for i, row in enumerate(order):
            ranked = [(str(classes[j]), round(float(probabilities[i, j]), 3)) for j in row]
            results[i][target] = Prediction(ranked[0][0], ranked[0][1], tuple(ranked[1:]))

    # -- storage -----------------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        joblib.dump(self, path)
        return path

    @classmethod
    def load(cls, directory: Path) -> AppealClassifier:
        """The saved model, or ModelFileError saying in Russian why it cannot serve."""
        path = directory / MODEL_FILE
        if not path.exists():
            raise ModelFileError(f"в {directory} нет модели ({MODEL_FILE}): сначала обучите её")
        try:
            model = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - unpickling a damaged file raises anything
            raise ModelFileError(f"{path}: файл модели повреждён или не читается"
                                 f" ({type(exc).__name__}): переобучите её") from None
        if not isinstance(model, cls):
            raise ModelFileError(f"{path} — не модель классификатора обращений")
        trained = getattr(model, "trained_version", "svm-tfidf-stack-1")
        if trained != cls.version:
            raise ModelFileError(f"{path}: модель версии {trained}, а нужна {cls.version}:"
                                 " переобучите её (mcu classify train)")
        return model
