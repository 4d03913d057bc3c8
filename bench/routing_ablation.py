"""Which variant of the routing model to ship, chosen on a validation split carved out of the TRAINING part
of bench/routing.py (its held-out part is never read here): a seeded fifth of the training ids
(random.Random(7)), the "names" alias table, units with 5 rows or more.

    .venv/bin/python bench/routing_ablation.py raw,spaces,clean,clean-nodigitfold,raw+fwd
    .venv/bin/python bench/routing_ablation.py "clean+fwd,clean+fwd bal,clean+fwd C0.25,clean+fwd isotonic,raw C1"

Prints accuracy and coverage at 95 % / 98 % precision (and at 95 % when ranking by the margin between
the first two probabilities instead of the first) per variant; figures in docs/benchmarks.md.
"""

import csv
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.routing import ALIASES, DATA, forwarded_to, split  # noqa: E402

from gridgov.adapters.routing_model import (  # noqa: E402
    _INSTRUCTION,
    _ORDER_REF,
    _SPACES,
    _words,
    clean_text,
    coverage_at_precision,
)


def nodigits(t: str) -> str:
    return _SPACES.sub("", _ORDER_REF.sub("", _INSTRUCTION.sub("", t)))


def onlyspace(t: str) -> str:
    return _SPACES.sub("", t)


def pipe(extra=False, cw=None, c=0.5, method="sigmoid"):
    parts = [
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)),
        ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True)),
    ]
    if extra:
        parts.append(("forwarded", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=forwarded_to)))
    svm = LinearSVC(C=c, class_weight=cw)
    return make_pipeline(FeatureUnion(parts), CalibratedClassifierCV(svm, cv=3, method=method, ensemble=False))


def same(t: str) -> str:
    return t


VARIANTS = {
    "raw": (same, {}),
    "spaces": (onlyspace, {}),
    "clean-nodigitfold": (nodigits, {}),
    "clean": (clean_text, {}),
    "raw+fwd": (same, {"extra": True}),
    "raw C1": (same, {"c": 1.0}),
    "raw isotonic": (same, {"method": "isotonic"}),
    "clean+fwd": (clean_text, {"extra": True}),
    "clean+fwd bal": (clean_text, {"extra": True, "cw": "balanced"}),
    "clean+fwd C0.25": (clean_text, {"extra": True, "c": 0.25}),
    "clean+fwd isotonic": (clean_text, {"extra": True, "method": "isotonic"}),
}


def main() -> None:
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    train, _ = split(rows)  # the held-out part is dropped unread
    ids = sorted(r["id"] for r in train)
    random.Random(7).shuffle(ids)
    val = set(ids[: len(ids) // 5])
    aliases = ALIASES["names"]
    fit = [r for r in train if r["id"] not in val]
    va = [r for r in train if r["id"] in val]
    yf = [aliases.get(r["unit"], r["unit"]) for r in fit]
    yv = np.array([aliases.get(r["unit"], r["unit"]) for r in va])
    counts = Counter(yf)
    keep = [i for i, u in enumerate(yf) if counts[u] >= 5]
    for name in sys.argv[1].split(","):
        prep, kw = VARIANTS[name]
        start = time.time()
        model = pipe(**kw).fit([prep(fit[i]["text"]) for i in keep], [yf[i] for i in keep])
        probs = model.predict_proba([prep(r["text"]) for r in va])
        ok = model.classes_[probs.argmax(1)] == yv
        conf = probs.max(1)
        ranked = np.sort(probs, 1)
        margin = ranked[:, -1] - ranked[:, -2]
        print(name, "acc", round(ok.mean(), 4), "cov95", round(coverage_at_precision(conf, ok, 0.95), 4),
              "cov95-margin", round(coverage_at_precision(margin, ok, 0.95), 4),
              "cov98", round(coverage_at_precision(conf, ok, 0.98), 4), f"{time.time() - start:.0f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
