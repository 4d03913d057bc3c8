"""`gridgov classifier train FILE` and `gridgov classifier eval FILE [--model M] [--json]`.

FILE is CSV (or XLSX) with a label column and either one text column or title + detail columns.
Dispatchers' corrections are kept by the platform in the database (table `classifier_corrections`, in
the same layout: title, detail, label), so `train --with-corrections` takes them in next to the original
data, from any machine that reaches the database.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from gridgov.adapters.classifier import ClassifierError, TextClassifier, normalize


class InputError(Exception):
    pass


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            raise InputError(f"{path}: the sheet is empty")
        head = [str(h or "").strip() for h in values[0]]
        return [{h: "" if v is None else str(v) for h, v in zip(head, row, strict=False)} for row in values[1:]]
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def texts_and_labels(rows, path: Path, text_col: str | None, label_col: str) -> tuple[list[tuple[str, str]], list[str]]:
    columns = set(rows[0])
    if label_col not in columns:
        raise InputError(f"{path}: missing the label column {label_col!r} (columns: {', '.join(sorted(columns))})")
    if text_col:
        if text_col not in columns:
            raise InputError(f"{path}: missing the text column {text_col!r}")
        pairs = [(r[text_col] or "", "") for r in rows]
    elif {"title", "detail"} <= columns:
        pairs = [(r["title"] or "", r["detail"] or "") for r in rows]
    else:
        raise InputError(f"{path}: give --text-column, or columns title and detail")
    labels = [(r[label_col] or "").strip() for r in rows]
    empty = [i + 2 for i, (p, lab) in enumerate(zip(pairs, labels, strict=True)) if not lab or not (p[0] + p[1]).strip()]
    if empty:
        raise InputError(f"{path}: rows without text or label at lines {', '.join(map(str, empty[:20]))}")
    return pairs, labels


def coverage_at(confidence, correct, precision: float) -> float:
    order = sorted(range(len(confidence)), key=lambda i: -confidence[i])
    best, hits = 0, 0
    for n, i in enumerate(order, start=1):
        hits += correct[i]
        if hits / n >= precision:
            best = n
    return best / len(order) if order else 0.0


def evaluate(model: TextClassifier, pairs, labels) -> dict:
    start = time.perf_counter()
    preds = model.predict_many(pairs)
    seconds = time.perf_counter() - start
    predicted = [p.label for p in preds]
    correct = [int(a == b) for a, b in zip(predicted, labels, strict=True)]
    confidence = [p.confidence for p in preds]
    routed = [not p.needs_review for p in preds]
    auto = [c for c, r in zip(correct, routed, strict=True) if r]
    return {
        "n": len(labels),
        "accuracy": round(accuracy_score(labels, predicted), 4),
        "macro_f1": round(f1_score(labels, predicted, average="macro"), 4),
        "coverage_at_precision": {
            "0.95": round(coverage_at(confidence, correct, 0.95), 4),
            "0.98": round(coverage_at(confidence, correct, 0.98), 4),
        },
        "auto_routed_share": round(sum(routed) / len(routed), 4),
        "auto_routed_precision": round(sum(auto) / len(auto), 4) if auto else None,
        "second_pass_share": round(sum(p.second_pass for p in preds) / len(preds), 4),
        "messages_per_second": round(len(labels) / seconds, 1),
    }


def stored_corrections() -> tuple[list[tuple[str, str]], list[str]]:
    """The dispatchers' corrections kept in the deployment's database (GRIDGOV_* settings), oldest first."""
    from sqlalchemy import select

    from gridgov.adapters import tables as t
    from gridgov.adapters.database import make_engine, upgrade
    from gridgov.config import Settings

    engine = make_engine(Settings().resolved_database_url)
    try:
        upgrade(engine)
        c = t.classifier_corrections.c
        with engine.connect() as conn:
            rows = conn.execute(select(c.title, c.detail, c.label).order_by(c.id)).fetchall()
    finally:
        engine.dispose()
    return [(r.title, r.detail) for r in rows], [r.label for r in rows]


def _routing(args, action: str) -> int | None:
    """Old name, new command: given --text/--label (or a model directory), `gridgov classifier train/eval`
    runs `gridgov routing train/eval`; the name stays for one release. Without them, the message-class
    model as before (title + detail columns, the shipped model)."""
    model = getattr(args, "model", None)
    if args.text is None and args.label is None and not (model is not None and model.is_dir()):
        return None
    from gridgov import routing_cli

    print(f"gridgov classifier {action} is now gridgov routing {action}; the old name goes in the next release",
          file=sys.stderr)  # fmt: skip
    args.text = args.text or args.text_column or "text"
    args.label = args.label or getattr(args, "label_column", None) or "label"
    if action == "train" and len(args.file) != 1:
        raise InputError("gridgov routing train takes one history file")
    if action == "train":
        args.file = args.file[0]
    return routing_cli.guarded(routing_cli.cmd_train if action == "train" else routing_cli.cmd_eval)(args)


def cmd_train(args) -> int:
    routed = _routing(args, "train")
    if routed is not None:
        return routed
    pairs: list[tuple[str, str]] = []
    labels: list[str] = []
    for file in args.file:
        p, lab = texts_and_labels(read_rows(file), file, args.text_column, args.label_column)
        pairs += p
        labels += lab
    if args.with_corrections:
        p, lab = stored_corrections()
        if lab:
            pairs += p
            labels += lab
            print(f"with {len(lab)} dispatchers' corrections from the database")
        else:
            print("no corrections yet (dispatchers have not corrected the classifier)")
    model = TextClassifier.train([normalize(t, d) for t, d in pairs], labels)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"trained on {len(labels)} messages in {model.meta['seconds']} s; thresholds "
          f"{model.fast_threshold:.3f} / {model.heavy_threshold:.3f}; saved {args.out}")  # fmt: skip
    return 0


def cmd_eval(args) -> int:
    from importlib import resources

    routed = _routing(args, "eval")
    if routed is not None:
        return routed

    model_path = args.model or resources.files("gridgov.models") / "classifier.joblib"
    model = TextClassifier.load(model_path)
    rows = read_rows(args.file)
    pairs, labels = texts_and_labels(rows, args.file, None, "label")
    unknown = sorted(set(labels) - set(model.labels))
    if unknown:
        raise InputError(f"{args.file}: labels the model does not know: {', '.join(unknown)}")
    result = evaluate(model, pairs, labels)
    print(json.dumps(result, ensure_ascii=False) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("classifier", help="train and evaluate the case classifier")
    sub = p.add_subparsers(metavar="action")
    q = sub.add_parser("train", help="train a model from CSV/XLSX files")
    q.add_argument("file", type=Path, nargs="+")
    q.add_argument("--out", type=Path, default=Path("var/classifier.joblib"))
    q.add_argument("--text-column")
    q.add_argument("--label-column", default="label")
    q.add_argument("--with-corrections", action="store_true",
                   help="add the dispatchers' corrections (kept in the database of GRIDGOV_DATABASE_URL)")
    _routing_options(q)
    q.add_argument("--target-precision", type=float)
    q.add_argument("--min-examples", type=int, default=5)
    q.set_defaults(func=_guarded(cmd_train))
    q = sub.add_parser("eval", help="evaluate a model on a CSV with title, detail, label")
    q.add_argument("file", type=Path)
    q.add_argument("--model", type=Path)
    q.add_argument("--json", action="store_true")
    q.add_argument("--text-column")
    _routing_options(q)
    q.set_defaults(func=_guarded(cmd_eval))


def _routing_options(q) -> None:
    """The options of `gridgov routing train/eval`, so the old name takes the new command's flags."""
    q.add_argument("--text", help="as gridgov routing: the text column")
    q.add_argument("--label", help="as gridgov routing: the label column")
    q.add_argument("--kind", choices=("unit", "category"), default="unit")
    q.add_argument("--aliases", type=Path)
    q.add_argument("--aliases-from-db", action="store_true")


def _guarded(func):
    def run(args) -> int:
        try:
            return func(args)
        except (InputError, ClassifierError) as exc:
            print(f"gridgov classifier: {exc}", file=sys.stderr)
            return 2

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gridgov")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args) if hasattr(args, "func") else 2


if __name__ == "__main__":
    sys.exit(main())
