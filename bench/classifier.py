"""The shipped classifier against the published baseline (jieba word TF-IDF + linear SVM) on the same
split of the TipDM 2020 data, side by side: macro-F1, coverage at 95 %/98 % precision, messages/s.

Split: half of the raw labelled messages (stratified, seed 2020) is the report set; the training set is
the other half plus the segmented messages, minus every segmented message that is a copy of a report-set
message (character-trigram cosine >= 0.5), so nothing reported on was seen in training or tuning.

    .venv/bin/python bench/classifier.py [--save-model]   (--save-model writes the shipped model
                                                          and data/tipdm2020c/heldout_raw.csv)
    .venv/bin/python bench/classifier.py --self-train ../shared/data/tipdm2020c/messages_for_hotspots.csv \
        ../shared/data/tipdm2020c/messages_with_replies.csv
        also tries self-training: the trained model labels the unlabelled raw messages (minus any copy
        of a report-set message), the ones it is sure of at the 98 % threshold join the training set,
        and the retrained model is reported beside the first.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gridgov.adapters.classifier import TextClassifier, _words, normalize  # noqa: E402
from gridgov.classifier_cli import coverage_at, evaluate  # noqa: E402

DATA = ROOT / "data" / "tipdm2020c"


def split():
    seg = list(csv.DictReader((DATA / "train_segmented.csv").open(encoding="utf-8")))
    raw = list(csv.DictReader((DATA / "raw_labelled.csv").open(encoding="utf-8")))
    labels = [r["label"] for r in raw]
    train_i, test_i = train_test_split(np.arange(len(raw)), test_size=0.5, stratify=labels, random_state=2020)
    test_texts = [normalize(raw[i]["title"], raw[i]["detail"]) for i in test_i]
    seg_texts = [normalize(r["text_segmented"]) for r in seg]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(3, 3)).fit(seg_texts + test_texts)
    similarity = (vec.transform(seg_texts) @ vec.transform(test_texts).T).max(axis=1).toarray().ravel()
    keep = similarity < 0.5
    train_texts = [t for t, k in zip(seg_texts, keep, strict=True) if k] + [normalize(raw[i]["title"], raw[i]["detail"]) for i in train_i]
    train_labels = [r["label"] for r, k in zip(seg, keep, strict=True) if k] + [raw[i]["label"] for i in train_i]
    test = [raw[i] for i in test_i]
    return train_texts, train_labels, test, int((~keep).sum())


def baseline_eval(train_texts, train_labels, test) -> dict:
    model = make_pipeline(
        TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True),
        CalibratedClassifierCV(LinearSVC(), cv=5, ensemble=False),
    ).fit(train_texts, train_labels)
    texts = [normalize(r["title"], r["detail"]) for r in test]
    labels = [r["label"] for r in test]
    start = time.perf_counter()
    proba = model.predict_proba(texts)
    speed = len(texts) / (time.perf_counter() - start)
    pred = model.classes_[proba.argmax(1)]
    correct = [int(a == b) for a, b in zip(pred, labels, strict=True)]
    from sklearn.metrics import f1_score

    return {"macro_f1": round(f1_score(labels, pred, average="macro"), 4),
            "coverage_at_precision": {"0.95": round(coverage_at(list(proba.max(1)), correct, 0.95), 4),
                                      "0.98": round(coverage_at(list(proba.max(1)), correct, 0.98), 4)},
            "messages_per_second": round(speed, 1)}  # fmt: skip


def unlabelled(paths: list[Path], test) -> list[str]:
    """Raw unlabelled messages, deduplicated, without any near-copy of a report-set message."""
    texts: dict[str, None] = {}
    for path in paths:
        with Path(path).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                texts.setdefault(normalize(row["title"], row["detail"]), None)
    pool = list(texts)
    test_texts = [normalize(r["title"], r["detail"]) for r in test]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(3, 3)).fit(pool + test_texts)
    similarity = (vec.transform(pool) @ vec.transform(test_texts).T).max(axis=1).toarray().ravel()
    return [t for t, sim in zip(pool, similarity, strict=True) if sim < 0.5]


def self_train(model, train_texts, train_labels, pool: list[str]):
    """Pseudo-labels for the messages the model routes without a person, then one retraining."""
    preds = model.predict_many([(t, "") for t in pool])
    sure = [(t, p.label) for t, p in zip(pool, preds, strict=True) if not p.needs_review]
    print(f"self-training: {len(pool)} unlabelled raw messages, {len(sure)} pseudo-labelled at the 98 % threshold")
    start = time.perf_counter()
    retrained = TextClassifier.train(train_texts + [t for t, _ in sure], train_labels + [lab for _, lab in sure])
    print(f"self-trained model trained in {time.perf_counter() - start:.0f} s")
    return retrained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save-model", action="store_true")
    parser.add_argument("--self-train", nargs="+", type=Path, metavar="CSV", help="unlabelled CSVs with title, detail")
    args = parser.parse_args()
    train_texts, train_labels, test, removed = split()
    print(f"training messages: {len(train_texts)} ({removed} segmented copies of report-set messages removed); report set: {len(test)} raw messages")
    base = baseline_eval(train_texts, train_labels, test)
    start = time.perf_counter()
    model = TextClassifier.train(train_texts, train_labels)
    print(f"shipped model trained in {time.perf_counter() - start:.0f} s")
    ours = evaluate(model, [(r["title"], r["detail"]) for r in test], [r["label"] for r in test])
    print(f"{'':28s} {'baseline (word TF-IDF + SVM)':>30s} {'shipped (2-pass)':>18s}")
    print(f"{'macro-F1':28s} {base['macro_f1']:>30.4f} {ours['macro_f1']:>18.4f}")
    for p in ("0.95", "0.98"):
        print(f"{'coverage at ' + p + ' precision':28s} {base['coverage_at_precision'][p]:>30.4f} {ours['coverage_at_precision'][p]:>18.4f}")
    print(f"{'messages/s (whole pipeline)':28s} {base['messages_per_second']:>30.1f} {ours['messages_per_second']:>18.1f}")
    print(f"auto-routed by the shipped thresholds: {ours['auto_routed_share']:.3f} at precision {ours['auto_routed_precision']}; "
          f"second pass used for {ours['second_pass_share']:.3f} of messages")  # fmt: skip
    print(f"ratios: F1 gain {ours['macro_f1'] - base['macro_f1']:+.4f}; speed {ours['messages_per_second'] / base['messages_per_second']:.2f}x baseline")
    if args.self_train:
        model = self_train(model, train_texts, train_labels, unlabelled(args.self_train, test))
        st = evaluate(model, [(r["title"], r["detail"]) for r in test], [r["label"] for r in test])
        print(f"self-trained: macro-F1 {st['macro_f1']:.4f} (first model {ours['macro_f1']:.4f}); coverage at 0.98 "
              f"{st['coverage_at_precision']['0.98']:.4f} ({ours['coverage_at_precision']['0.98']:.4f}); at 0.95 "
              f"{st['coverage_at_precision']['0.95']:.4f}; auto-routed {st['auto_routed_share']:.3f} at precision "
              f"{st['auto_routed_precision']}; {st['messages_per_second']:.0f} messages/s")  # fmt: skip
    if args.save_model:
        out = ROOT / "src" / "gridgov" / "models" / "classifier.joblib"
        model.save(out)
        with (DATA / "heldout_raw.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["title", "detail", "label"])
            writer.writeheader()
            writer.writerows({"title": r["title"], "detail": r["detail"], "label": r["label"]} for r in test)
        print(f"saved {out} ({out.stat().st_size / 1e6:.1f} MB) and {DATA / 'heldout_raw.csv'}")


if __name__ == "__main__":
    main()
