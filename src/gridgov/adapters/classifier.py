"""The case classifier: raw title + detail -> one of the first-level categories, with a calibrated
confidence, the runners-up, and whether a person should look (below the precision threshold).

Two passes. The first is fast (character 1-3-gram TF-IDF + linear SVM, ~1,000 messages/s): character
n-grams read raw and jieba-segmented text alike, so the large segmented training set serves raw input.
Messages it is unsure of go to a heavier second pass (jieba word TF-IDF + character 2-4-grams). Both are
calibrated (Platt scaling on cross-validated scores); each pass's threshold is the lowest confidence at
which cross-validated predictions on the training data stay at the target precision (98 % by default).

Models load from package data (`gridgov/models/classifier.joblib`), never from a hub. The file records
the scikit-learn version it was made with and is refused with a clear error under another one.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

FORMAT = "gridgov-classifier/1"
TARGET_PRECISION = 0.98  # issue #3: messages routed automatically must be right 98 % of the time
_SPACES = re.compile(r"\s+")


class ClassifierError(Exception):
    pass


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    runners_up: list[tuple[str, float]]
    needs_review: bool
    second_pass: bool = False


def normalize(title: str, detail: str = "") -> str:
    """Whitespace removed: segmented training text and raw live text then look alike to char n-grams."""
    return _SPACES.sub("", title or "") + " " + _SPACES.sub("", detail or "")


def _words(text: str) -> list[str]:
    import jieba

    return jieba.lcut(text, HMM=False)


def _fast():
    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=200_000),
        CalibratedClassifierCV(LinearSVC(C=0.5), cv=5, ensemble=False),
    )


def _heavy():
    return make_pipeline(
        FeatureUnion([
            ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=1)),
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True, min_df=2, max_features=300_000)),
        ]),
        CalibratedClassifierCV(LinearSVC(C=0.5), cv=5, ensemble=False),
    )  # fmt: skip


def threshold_for_precision(confidence: np.ndarray, correct: np.ndarray, precision: float) -> float:
    """Lowest confidence t such that predictions with confidence >= t are right at `precision`."""
    order = np.argsort(-confidence)
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.where(running >= precision)[0]
    if len(ok) == 0:
        return 1.01  # never sure enough: everything goes to a person
    return float(confidence[order][ok.max()])


def _cv_threshold(make, texts: list[str], labels: list[str], precision: float) -> float:
    proba = cross_val_predict(make(), texts, labels, cv=3, method="predict_proba")
    classes = np.array(sorted(set(labels)))
    pred = classes[proba.argmax(1)]
    return threshold_for_precision(proba.max(1), (pred == np.array(labels)).astype(float), precision)


class TextClassifier:
    def __init__(self, fast, heavy, fast_threshold: float, heavy_threshold: float, meta: dict) -> None:
        self.fast, self.heavy = fast, heavy
        self.fast_threshold, self.heavy_threshold = fast_threshold, heavy_threshold
        self.meta = meta

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.fast.classes_]

    @classmethod
    def train(cls, texts: list[str], labels: list[str], *, precision: float = TARGET_PRECISION) -> TextClassifier:
        if len(set(labels)) < 2:
            raise ClassifierError("training needs at least two labels")
        start = time.perf_counter()
        fast_t = _cv_threshold(_fast, texts, labels, precision)
        heavy_t = _cv_threshold(_heavy, texts, labels, precision)
        fast, heavy = _fast().fit(texts, labels), _heavy().fit(texts, labels)
        meta = {"n": len(texts), "precision_target": precision, "seconds": round(time.perf_counter() - start, 1)}
        return cls(fast, heavy, fast_t, heavy_t, meta)

    def predict_many(self, pairs: list[tuple[str, str]]) -> list[Prediction]:
        texts = [normalize(t, d) for t, d in pairs]
        if not texts:
            return []
        proba = self.fast.predict_proba(texts)
        out: list[Prediction | None] = [None] * len(texts)
        unsure = [i for i, p in enumerate(proba) if p.max() < self.fast_threshold]
        for i, p in enumerate(proba):
            if i not in set(unsure):
                out[i] = self._prediction(p, self.fast.classes_, self.fast_threshold, False)
        if unsure:
            heavy = self.heavy.predict_proba([texts[i] for i in unsure])
            for i, p in zip(unsure, heavy, strict=True):
                out[i] = self._prediction(p, self.heavy.classes_, self.heavy_threshold, True)
        return out  # type: ignore[return-value]

    def predict(self, title: str, detail: str = "") -> Prediction:
        return self.predict_many([(title, detail)])[0]

    @staticmethod
    def _prediction(p: np.ndarray, classes, threshold: float, second: bool) -> Prediction:
        order = np.argsort(-p)
        ranked = [(str(classes[j]), float(p[j])) for j in order]
        return Prediction(ranked[0][0], ranked[0][1], ranked[1:4], ranked[0][1] < threshold, second)

    def save(self, path: Path) -> None:
        payload = {"format": FORMAT, "sklearn": sklearn.__version__, "model": self}
        joblib.dump(payload, path, compress=3)

    @classmethod
    def load(cls, path) -> TextClassifier:
        try:
            payload = joblib.load(path)
        except FileNotFoundError:
            raise ClassifierError(f"no model file at {path}") from None
        except Exception as exc:
            raise ClassifierError(f"{path} is not a readable model file ({type(exc).__name__})") from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ClassifierError(f"{path} is not a gridgov classifier model")
        if payload.get("sklearn") != sklearn.__version__:
            raise ClassifierError(
                f"{path} was made with scikit-learn {payload.get('sklearn')}, this is {sklearn.__version__}; retrain it"
            )
        return payload["model"]


SHIPPED = "shipped"


@functools.lru_cache(maxsize=4)
def _model(path: str) -> TextClassifier:
    if path == SHIPPED:
        return TextClassifier.load(resources.files("gridgov.models") / "classifier.joblib")
    return TextClassifier.load(Path(path))


class LazyClassifier:
    """Loads its model on first use (a few seconds), so processes that never classify pay nothing.
    Without a path it is the shipped model; with one, a deployment's own (retrained with corrections)."""

    def __init__(self, path: Path | None = None) -> None:
        self.source = str(path) if path else SHIPPED

    def predict(self, title: str, detail: str = "") -> Prediction:
        return _model(self.source).predict(title, detail)

    def predict_many(self, pairs):
        return _model(self.source).predict_many(pairs)


def load_default() -> LazyClassifier | None:
    if not (resources.files("gridgov.models") / "classifier.joblib").is_file():
        return None
    return LazyClassifier()


def load_classifier(path: Path | None) -> LazyClassifier | None:
    """The deployment's model when `path` is set (refused at start-up if the file is missing), else
    the shipped one."""
    if path is None:
        return load_default()
    if not Path(path).is_file():
        raise ClassifierError(f"GRIDGOV_CLASSIFIER_MODEL: no model file at {path}")
    return LazyClassifier(Path(path))
