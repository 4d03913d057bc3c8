"""Routing learned from a district's history: the Haikou 12345 orders (../shared/data/haikou12345, see its
README; the rows stay out of this repository and are read from there at bench time) -> the unit that
handled each, with the baseline beside it in the same run.

Split: the order ids (工单编号, unique in the file) are sorted, shuffled with random.Random(SEED) and the
first HELDOUT_SHARE of them is the held-out part; it is never used to train, tune, calibrate or choose a
threshold (the threshold comes from cross-validation on the training part, as `gridgov routing train`
does). Aliases (near-synonym unit names, README: 街道办 / 街道办事处) are applied to the labels of both
parts before anything is trained or measured, as an admin's alias table would be.

    .venv/bin/python bench/routing.py [--data ../shared/data/haikou12345/work_orders.csv] [--json]
        [--variants baseline,model,ensemble] [--aliases none|readme|names] [--baseline-cv]

`model` is what `gridgov routing train` builds (adapters/routing_model.py); `--baseline-cv` also
cross-validates the baseline over the training part, as the model's threshold search does.

Figures (accuracy, macro-F1, coverage at 95 % / 98 % precision, orders/s) and the commands that made
them are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gridgov.adapters.routing_model import (  # noqa: E402
    CV_FOLDS,
    RoutingModel,
    _words,
    clean_text,
    coverage_at_precision,
)

DATA = ROOT.parent / "shared" / "data" / "haikou12345" / "work_orders.csv"
SEED = 20180101
HELDOUT_SHARE = 0.2
# Alias tables as an admin would enter them (unit names only; no text was read to choose them).
# "readme": the two near-synonym pairs the data's README names.
# "names": also every pair of names in the file's list of 153 units that is the same body written two
# ways (政务服务中心 = 政府服务中心, 环保局 = 环境保护局, the 2018 rename 生态环境保护局 …); bodies that
# differ (人民政府 vs 人民政府办公室, 供电局 vs 电力工业局, 数字城管专席 vs 数字城管指挥监督中心) stay apart.
ALIASES = {
    "none": {},
    "readme": {"街道办事处": "街道办", "工商行政管理局": "工商局"},
    "names": {
        "街道办事处": "街道办", "工商行政管理局": "工商局", "政务服务中心": "政府服务中心", "市政务中心": "政府服务中心",
        "环保局": "环境保护局", "生态环境保护局": "环境保护局", "劳动监察大队": "劳动保障监察大队",
        "物价监督局": "物价监督检查局", "海洋与渔业局": "海洋和渔业局", "人口和计划生育委员会": "人口计划生育委员会",
        "城市规划委员会": "规划委员会", "市政市容管委会": "市政市容管理委员会", "档案局": "档案管理局",
        "市建设投资有限公司": "城市建设投资有限公司", "城建设投资有限公司": "城市建设投资有限公司",
        "环境卫生管理局": "环卫局", "农业林业局": "农林局", "国资局": "国有资产监督管理委员会",
        "市政府国有资产监督管理委员会": "国有资产监督管理委员会", "政府办": "人民政府办公室",
        "政府办公室": "人民政府办公室", "市政府": "人民政府",
    },
}  # fmt: skip


# Tried and dropped (docs/benchmarks.md): a block of its own for the unit an operator asked to act
# ("请市住建局核实处理！"), which helped at 95 % and hurt at 98 % precision.
_FORWARDED = re.compile(r"请([^，。！!；;,（(]{2,20}?)(?:核实|处理|办理|跟进|协调|调查|核查|尽快|依法|予以|回复|解决|查处)")


def forwarded_to(text: str) -> str:
    return " ".join(_FORWARDED.findall(text)) or "无"


def split(rows: list[dict[str, str]]) -> tuple[list[dict], list[dict]]:
    ids = sorted({r["id"] for r in rows})
    random.Random(SEED).shuffle(ids)
    held = set(ids[: round(len(ids) * HELDOUT_SHARE)])
    return [r for r in rows if r["id"] not in held], [r for r in rows if r["id"] in held]


def baseline():
    """The issue's baseline: char 1-3-gram + jieba word TF-IDF on the raw text, calibrated linear SVM."""
    return make_pipeline(
        FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)),
            ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True)),
        ]),
        CalibratedClassifierCV(LinearSVC(C=0.5), cv=3, ensemble=False),
    )  # fmt: skip


def measure(name: str, predict_proba, classes, texts, labels, extra: dict | None = None) -> dict:
    start = time.perf_counter()
    probs = predict_proba(texts)
    seconds = time.perf_counter() - start
    predicted = np.asarray(classes)[probs.argmax(axis=1)]
    confidence = probs.max(axis=1)
    correct = predicted == np.asarray(labels)
    top3 = np.asarray(classes)[np.argsort(-probs, axis=1)[:, :3]] == np.asarray(labels)[:, None]
    return {
        "name": name,
        "n": len(labels),
        "accuracy": round(accuracy_score(labels, predicted), 4),
        "top3_accuracy": round(float(top3.any(axis=1).mean()), 4),  # the three the dispatcher is shown
        "macro_f1": round(f1_score(labels, predicted, average="macro", zero_division=0), 4),
        "coverage_at_precision": {p: round(coverage_at_precision(confidence, correct, float(p)), 4) for p in ("0.95", "0.98")},
        "orders_per_second": round(len(labels) / seconds, 1),
        **(extra or {}),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--variants", default="baseline,model")
    ap.add_argument("--c", type=float, default=0.5)
    ap.add_argument("--class-weight", default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline-cv", action="store_true",
                    help="also cross-validate the baseline over the training part (the model always is)")
    ap.add_argument("--aliases", choices=sorted(ALIASES), default="names")
    args = ap.parse_args()
    with args.data.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    train, held = split(rows)
    table = ALIASES[args.aliases]
    alias = lambda u: table.get(u, u)  # noqa: E731
    y_train = [alias(r["unit"]) for r in train]
    y_held = [alias(r["unit"]) for r in held]
    print(f"{len(rows)} orders: {len(train)} to train, {len(held)} held out (seed {SEED}); "
          f"{len(set(y_train))} units in training (aliases: {args.aliases})", file=sys.stderr)  # fmt: skip
    results = []
    for variant in args.variants.split(","):
        start = time.perf_counter()
        if variant == "baseline":
            # calibration needs 3 rows of a unit to cross-validate: rarer units are left out (their
            # held-out orders count as wrong), as in the model
            counts = Counter(y_train)
            keep = [i for i, u in enumerate(y_train) if counts[u] >= 3]
            model = baseline().fit([train[i]["text"] for i in keep], [y_train[i] for i in keep])
            r = measure("baseline", model.predict_proba, model.classes_, [r["text"] for r in held], y_held)
            if args.baseline_cv:  # the same 5 folds as the model's threshold search, training part only
                # (units with 5 rows or more, as the model: fewer cannot be calibrated inside 5 folds)
                cv_rows = [i for i in keep if counts[y_train[i]] >= CV_FOLDS]
                x, y = [train[i]["text"] for i in cv_rows], np.asarray([y_train[i] for i in cv_rows])
                folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=0)
                probs = cross_val_predict(baseline(), x, y, cv=folds, method="predict_proba")
                right = np.unique(y)[probs.argmax(axis=1)] == y
                r["cv_on_training"] = {"accuracy": round(float(right.mean()), 4), "coverage_at_precision": {
                    p: round(coverage_at_precision(probs.max(axis=1), right, float(p)), 4) for p in ("0.95", "0.98")}}
        elif variant == "model":
            model, report = RoutingModel.train([r["text"] for r in train], y_train, c=args.c, class_weight=args.class_weight)
            threshold95 = model.threshold(0.95)
            threshold98 = model.threshold(0.98)
            texts = [r["text"] for r in held]
            # labels left out for too few rows are still in the held-out part: they count as wrong
            r = measure("model", model.probabilities, model.labels, texts, y_held, {
                "too_few_examples": len(report.too_few_examples),
                "cv_on_training": {"accuracy": report.cv_accuracy, "coverage_at_precision": report.cv_coverage},
                "cv_threshold": {"0.95": threshold95, "0.98": threshold98},
            })  # fmt: skip
            probs = model.probabilities(texts)
            conf = probs.max(axis=1)
            right = np.asarray(model.labels)[probs.argmax(axis=1)] == np.asarray(y_held)
            for p, t in (("0.95", threshold95), ("0.98", threshold98)):
                auto = conf >= t if t is not None else np.zeros(len(conf), bool)
                r.setdefault("at_cv_threshold", {})[p] = {
                    "dispatched_share": round(float(auto.mean()), 4),
                    "precision": round(float(right[auto].mean()), 4) if auto.any() else None,
                }
        elif variant == "ensemble":
            # two calibrated models, one on characters and one on jieba words (each with the forwarded-to
            # block), their probabilities averaged; same cleaning, same rare-unit rule as the model
            counts = Counter(y_train)
            keep = [i for i, u in enumerate(y_train) if counts[u] >= 5]
            x = [clean_text(train[i]["text"]) for i in keep]
            y = [y_train[i] for i in keep]
            fwd = ("forwarded", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=forwarded_to))
            chars = make_pipeline(FeatureUnion([
                ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)), fwd]),
                CalibratedClassifierCV(LinearSVC(C=args.c), cv=3, ensemble=False)).fit(x, y)  # fmt: skip
            words = make_pipeline(FeatureUnion([
                ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True, ngram_range=(1, 2))), fwd]),
                CalibratedClassifierCV(LinearSVC(C=args.c), cv=3, ensemble=False)).fit(x, y)  # fmt: skip

            def both(texts, chars=chars, words=words):
                cleaned = [clean_text(t) for t in texts]
                return (chars.predict_proba(cleaned) + words.predict_proba(cleaned)) / 2

            r = measure("ensemble", both, chars.classes_, [r["text"] for r in held], y_held)
        else:
            raise SystemExit(f"unknown variant {variant}")
        r["train_seconds"] = round(time.perf_counter() - start, 1)
        results.append(r)
        print(json.dumps(r, ensure_ascii=False) if args.json else r, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
