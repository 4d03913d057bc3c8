"""The shipped message classifier and its baseline (jieba word TF-IDF + calibrated linear SVM),
cross-validated over ALL labelled raw TipDM messages (issue 11), beside bench/classifier.py's one split.

Why: the 1,084 rows of raw_labelled.csv were assembled from two published subsets, not drawn at random
from the board, so one split of them can flatter a method; k folds over every row say how much the
figure moves with the split. Each fold: the report set is one stratified fold of the raw rows (seed
2020); training is the other folds plus the segmented messages, minus every segmented message that is a
near-copy of a report-set message (character-trigram cosine >= 0.5), as in bench/classifier.py.

    .venv/bin/python bench/classifier_cv.py [--folds 5]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from classifier import DATA, baseline_eval  # noqa: E402

from gridgov.adapters.classifier import TextClassifier, normalize  # noqa: E402
from gridgov.classifier_cli import evaluate  # noqa: E402


def folds(k: int):
    seg = list(csv.DictReader((DATA / "train_segmented.csv").open(encoding="utf-8")))
    raw = list(csv.DictReader((DATA / "raw_labelled.csv").open(encoding="utf-8")))
    seg_texts = [normalize(r["text_segmented"]) for r in seg]
    raw_texts = [normalize(r["title"], r["detail"]) for r in raw]
    labels = [r["label"] for r in raw]
    for train_i, test_i in StratifiedKFold(n_splits=k, shuffle=True, random_state=2020).split(raw_texts, labels):
        test_texts = [raw_texts[i] for i in test_i]
        vec = TfidfVectorizer(analyzer="char", ngram_range=(3, 3)).fit(seg_texts + test_texts)
        keep = (vec.transform(seg_texts) @ vec.transform(test_texts).T).max(axis=1).toarray().ravel() < 0.5
        train_texts = [t for t, kept in zip(seg_texts, keep, strict=True) if kept] + [raw_texts[i] for i in train_i]
        train_labels = [r["label"] for r, kept in zip(seg, keep, strict=True) if kept] + [labels[i] for i in train_i]
        yield train_texts, train_labels, [raw[i] for i in test_i], int((~keep).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    rows: dict[str, dict[str, list[float]]] = {"baseline": {}, "shipped": {}}
    for n, (train_texts, train_labels, test, removed) in enumerate(folds(args.folds), start=1):
        start = time.perf_counter()
        base = baseline_eval(train_texts, train_labels, test)
        model = TextClassifier.train(train_texts, train_labels)
        ours = evaluate(model, [(r["title"], r["detail"]) for r in test], [r["label"] for r in test])
        for name, result in (("baseline", base), ("shipped", ours)):
            for key, value in (("macro_f1", result["macro_f1"]), ("cov95", result["coverage_at_precision"]["0.95"]),
                               ("cov98", result["coverage_at_precision"]["0.98"])):  # fmt: skip
                rows[name].setdefault(key, []).append(float(value))
        print(f"fold {n}: {len(test)} reported, {len(train_texts)} trained on ({removed} copies removed); "
              f"macro-F1 baseline {base['macro_f1']:.4f} shipped {ours['macro_f1']:.4f}; coverage at 0.98 "
              f"{base['coverage_at_precision']['0.98']:.4f} / {ours['coverage_at_precision']['0.98']:.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
    print(f"{args.folds}-fold cross-validation over all labelled raw messages: mean (sd)")
    print(f"{'':28s} {'baseline (word TF-IDF + SVM)':>30s} {'shipped (2-pass)':>18s}")
    for key, label in (("macro_f1", "macro-F1"), ("cov95", "coverage at 0.95 precision"), ("cov98", "coverage at 0.98 precision")):
        cells = [f"{statistics.mean(rows[m][key]):.4f} ({statistics.stdev(rows[m][key]):.4f})" for m in ("baseline", "shipped")]
        print(f"{label:28s} {cells[0]:>30s} {cells[1]:>18s}")
    print(f"ratio: shipped - baseline macro-F1 {statistics.mean(rows['shipped']['macro_f1']) - statistics.mean(rows['baseline']['macro_f1']):+.4f}")


if __name__ == "__main__":
    np.random.seed(2020)
    main()
