"""The routing model: a report's text -> the responsible unit (or the category), learned from a district's
own history, with a calibrated probability per suggestion and a threshold above which it may dispatch
without a person.

Why this shape. Character 1-3-grams read any spelling of a place or a thing (垃圾箱/垃圾桶 share 垃圾),
jieba words add the terms that characters blur; both feed one linear SVM, which is fast (hundreds of
orders per second on one core) and strong on short texts with many classes. An SVM's scores are no
probabilities, so CalibratedClassifierCV fits them on cross-validated scores (Platt scaling): a 0.9 then
means "right about nine times in ten", which is what a threshold for a target precision needs.

The threshold is chosen on the training rows only: the whole calibrated pipeline is cross-validated over
them, and the stored curve (confidence, right or wrong) gives, for any target precision, the lowest
confidence at which the auto-dispatched share stays that precise. Rows that are reported are never used.

Labels with fewer than `min_examples` rows are not learned (a unit seen three times cannot be calibrated):
they are returned in the training report, so an admin sees them and can merge them with an alias.

A saved model is a directory: `model.joblib` and `meta.json`, which records the versions of the libraries
that pickled it; loading under other versions is refused with a clear error rather than predicting
nonsense, and the caller falls back to the category table and the rules.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import joblib
import numpy as np
import scipy
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

FORMAT = "gridgov-routing/1"
DEFAULT_TARGET_PRECISION = 0.98  # issue 11: what is dispatched without a person must be right 98 % of the time
MIN_EXAMPLES = 5  # fewer rows than cross-validation folds cannot be calibrated nor given a threshold
CV_FOLDS = 5
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"

# The hotline's own boilerplate, appended by its operators to every order: it says nothing about the
# matter, only about the deadline ("（请职能局按规定在30分钟内联系市民，响应处置）").
_INSTRUCTION = re.compile(r"[（(]\s*请职能局[^）)]*[）)]")
_ORDER_REF = re.compile(r"工单编号[:：]?\s*\d+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


class RoutingModelError(Exception):
    """A model that cannot be used: missing, of another format, or pickled by other library versions."""


def library_versions() -> dict[str, str]:
    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "jieba": jieba.__version__, "python": f"{sys.version_info.major}.{sys.version_info.minor}"}  # fmt: skip


def clean_text(text: str) -> str:
    """The text as the model reads it: without the hotline's deadline boilerplate and order references,
    digits folded to one 0 (house numbers and dates do not decide a unit), no whitespace."""
    text = _INSTRUCTION.sub("", text or "")
    text = _ORDER_REF.sub("", text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub("", text)


def _words(text: str) -> list[str]:
    return jieba.lcut(text, HMM=False)


def _pipeline(c: float = 0.5, class_weight: str | None = None):
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=300_000)),
        ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=1)),
    ])  # fmt: skip
    svm = LinearSVC(C=c, class_weight=class_weight)
    return make_pipeline(features, CalibratedClassifierCV(svm, cv=3, method="sigmoid", ensemble=False))


def threshold_for_precision(confidence, correct, precision: float) -> float | None:
    """Lowest confidence t such that the predictions with confidence >= t are right at `precision`;
    None when not even the most confident prediction reaches it (then nothing is dispatched alone)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    precise = np.nonzero(hits / np.arange(1, len(order) + 1) >= precision)[0]
    if not len(precise):
        return None
    return float(confidence[order][precise[-1]])


def coverage_at_precision(confidence, correct, precision: float) -> float:
    """The largest share of rows, taken most confident first, that is right at `precision`."""
    t = threshold_for_precision(confidence, correct, precision)
    return 0.0 if t is None else float(np.mean(np.asarray(confidence) >= t))


@dataclass(frozen=True)
class Decision:
    """What triage does with one text: dispatch to `label` alone, or queue it with the suggestions."""

    label: str
    probability: float
    auto: bool
    threshold: float | None
    target_precision: float
    suggestions: list[tuple[str, float]]

    def reason(self) -> dict[str, object]:
        """Why, as a code with parameters (the pages put it into words): dispatched alone because the
        learned probability clears the threshold, or queued with the suggestions because it does not."""
        params = {"label": self.label, "probability": self.probability, "threshold": self.threshold,
                  "target_precision": self.target_precision}  # fmt: skip
        if self.auto:
            return {"code": "routing.learned", **params}
        return {"code": "routing.unsure", **params, "suggestions": [{"label": k, "probability": v} for k, v in self.suggestions]}


@dataclass
class TrainingReport:
    rows: int
    labels: int
    too_few_examples: dict[str, int] = field(default_factory=dict)
    threshold: float | None = None
    target_precision: float = DEFAULT_TARGET_PRECISION
    cv_accuracy: float = 0.0
    cv_coverage: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


class RoutingModel:
    def __init__(self, pipeline, meta: dict, cv_confidence: np.ndarray, cv_correct: np.ndarray) -> None:
        self.pipeline = pipeline
        self.meta = meta
        self.cv_confidence = np.asarray(cv_confidence, dtype=float)
        self.cv_correct = np.asarray(cv_correct, dtype=bool)
        self.labels: list[str] = [str(x) for x in pipeline.classes_]

    # ------------------------------------------------------------------ training
    @classmethod
    def train(
        cls, texts: list[str], labels: list[str], *, target_precision: float = DEFAULT_TARGET_PRECISION,
        min_examples: int = MIN_EXAMPLES, c: float = 0.5, class_weight: str | None = None, seed: int = 0,
    ) -> tuple[RoutingModel, TrainingReport]:  # fmt: skip
        """Learn from (text, label) pairs; labels with fewer than `min_examples` rows are left out and
        reported. The threshold for `target_precision` comes from cross-validation on these rows."""
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if not 0 < target_precision < 1:
            raise ValueError("target precision must lie between 0 and 1")
        start = time.perf_counter()
        counts = Counter(labels)
        min_examples = max(min_examples, CV_FOLDS)
        too_few = {lab: n for lab, n in sorted(counts.items()) if n < min_examples}
        keep = [i for i, lab in enumerate(labels) if lab not in too_few]
        if len({labels[i] for i in keep}) < 2:
            raise RoutingModelError(
                f"need at least two labels with {min_examples} or more rows each; "
                f"found {len(counts) - len(too_few)} (too few rows: {len(too_few)} labels)"
            )
        x = [clean_text(texts[i]) for i in keep]
        y = np.asarray([labels[i] for i in keep])
        folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
        probs = cross_val_predict(_pipeline(c, class_weight), x, y, cv=folds, method="predict_proba")
        classes = np.unique(y)  # cross_val_predict orders the columns as the sorted classes
        confidence = probs.max(axis=1)
        correct = classes[probs.argmax(axis=1)] == y
        pipeline = _pipeline(c, class_weight).fit(x, y)
        threshold = threshold_for_precision(confidence, correct, target_precision)
        meta = {
            "format": FORMAT, "versions": library_versions(), "target_precision": target_precision,
            "threshold": threshold, "rows": len(x), "too_few_examples": too_few, "min_examples": min_examples,
            "c": c, "class_weight": class_weight, "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }  # fmt: skip
        model = cls(pipeline, meta, confidence, correct)
        report = TrainingReport(
            rows=len(x), labels=len(classes), too_few_examples=too_few, threshold=threshold,
            target_precision=target_precision, cv_accuracy=round(float(correct.mean()), 4),
            cv_coverage={p: round(coverage_at_precision(confidence, correct, float(p)), 4) for p in ("0.95", "0.98")},
            seconds=round(time.perf_counter() - start, 1),
        )  # fmt: skip
        meta["seconds"] = report.seconds
        return model, report

    # ------------------------------------------------------------------ use
    def threshold(self, target_precision: float | None = None) -> float | None:
        """The confidence needed for `target_precision` (the trained one by default), from the stored
        cross-validation curve of the training rows."""
        if target_precision is None or target_precision == self.meta["target_precision"]:
            return self.meta["threshold"]
        return threshold_for_precision(self.cv_confidence, self.cv_correct, target_precision)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.predict_proba([clean_text(t) for t in texts])

    def suggest(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        """The `top` most likely labels with their calibrated probabilities, most likely first."""
        return self.suggest_many([text], top)[0]

    def suggest_many(self, texts: list[str], top: int = 3) -> list[list[tuple[str, float]]]:
        probs = self.probabilities(texts)
        order = np.argsort(-probs, axis=1, kind="stable")[:, :top]
        return [[(self.labels[j], round(float(row[j]), 4)) for j in idx] for row, idx in zip(probs, order, strict=True)]

    def decide(self, text: str, target_precision: float | None = None) -> Decision:
        return self.decide_many([text], target_precision)[0]

    def decide_many(self, texts: list[str], target_precision: float | None = None) -> list[Decision]:
        """Per text: the best label, and whether it clears the threshold for `target_precision`."""
        precision = self.meta["target_precision"] if target_precision is None else target_precision
        threshold = self.threshold(precision)
        out = []
        for suggestions in self.suggest_many(texts, 3):
            label, p = suggestions[0]
            auto = threshold is not None and p >= threshold
            out.append(Decision(label, p, auto, threshold, precision, suggestions))
        return out

    # ------------------------------------------------------------------ files
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump({"pipeline": self.pipeline, "cv_confidence": self.cv_confidence, "cv_correct": self.cv_correct},
                    directory / MODEL_FILE, compress=3)  # fmt: skip
        meta = {**self.meta, "labels": self.labels}
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> RoutingModel:
        """The model saved in `directory`; refused before unpickling when its format or the versions of
        the libraries that wrote it differ from the running ones."""
        directory = Path(directory)
        meta_path = directory / META_FILE
        if not meta_path.is_file() or not (directory / MODEL_FILE).is_file():
            raise RoutingModelError(f"{directory}: no routing model here (expected {META_FILE} and {MODEL_FILE})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise RoutingModelError(f"{meta_path}: not a readable model description") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise RoutingModelError(f"{directory}: not a {FORMAT} model (format {meta.get('format') if isinstance(meta, dict) else '?'})")
        running = library_versions()
        saved = meta.get("versions") or {}
        differ = [f"{lib} {saved.get(lib)} (running {v})" for lib, v in running.items() if lib != "python" and saved.get(lib) != v]
        if differ:
            raise RoutingModelError(f"{directory}: the model was made with {', '.join(differ)}; retrain it with "
                                    "`gridgov routing train` under the installed libraries")  # fmt: skip
        state = joblib.load(directory / MODEL_FILE)
        return cls(state["pipeline"], meta, state["cv_confidence"], state["cv_correct"])
