"""`gridgov routing train FILE --text COL --label COL --out DIR` and
`gridgov routing eval FILE --model DIR --text COL --label COL [--json]`: learn which unit (or category)
the district's own history sent each order to, and measure a model on rows it never saw.

FILE is read by the 12345 channel's importer (CSV UTF-8/GBK or XLSX, channels/history.py); rows
without text or label are reported by line and left out, never learned. Labels pass through the alias
table first (`--aliases FILE` with columns alias,target, or `--aliases-from-db` for the table admins
edit at /api/v1/routing/aliases), identically in train and eval, so 街道办 and 街道办事处 are one unit.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from gridgov.adapters.routing_model import RoutingModel, RoutingModelError, coverage_at_precision
from gridgov.channels.history import read_history
from gridgov.domain.errors import InvalidInput

MAX_FILE = 200 * 1024 * 1024  # a city's history of a few hundred thousand orders


class InputError(Exception):
    pass


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE:
        raise InputError(f"{path}: larger than {MAX_FILE} bytes")
    return path.read_bytes()


def labelled_rows(path: Path, text: str, label: str, kind: str, aliases: dict[str, str]) -> tuple[list[str], list[str], dict]:
    """Texts and aliased labels of a history file, and the import report (rejected rows by line)."""
    from gridgov.services.routing import apply_aliases

    try:
        history = read_history(_read(path), path.name, {"text": text, kind: label}, required=("text", kind))
    except InvalidInput as exc:
        raise InputError(f"{path}: {exc.detail}") from None
    texts = [r.text for r in history.rows]
    labels = apply_aliases(aliases, [r.get(kind) or "" for r in history.rows])
    if not labels:
        raise InputError(f"{path}: no row has both a text ({text}) and a label ({label}); "
                         f"{len(history.report.rejected)} rows rejected")  # fmt: skip
    return texts, labels, history.report.as_dict()


def read_alias_file(path: Path) -> dict[str, str]:
    """alias,target rows (the same layout as GET /api/v1/routing/aliases gives per kind)."""
    rows = list(csv.DictReader(io.StringIO(_read(path).decode("utf-8-sig"))))
    if rows and not {"alias", "target"} <= set(rows[0]):
        raise InputError(f"{path}: an alias file has the columns alias,target")
    from gridgov.services.routing import normalize_name

    return {normalize_name(r["alias"]): r["target"].strip() for r in rows if r.get("alias") and r.get("target")}


def stored_aliases(kind: str) -> dict[str, str]:
    from gridgov.adapters.database import make_engine, upgrade
    from gridgov.config import Settings
    from gridgov.services.routing import list_aliases

    engine = make_engine(Settings().resolved_database_url)
    try:
        upgrade(engine)
        return list_aliases(engine, kind).get(kind, {})
    finally:
        engine.dispose()


def _aliases(args) -> dict[str, str]:
    table: dict[str, str] = {}
    if args.aliases_from_db:
        table.update(stored_aliases(args.kind))
    if args.aliases:
        table.update(read_alias_file(args.aliases))
    return table


def evaluate(model: RoutingModel, texts: list[str], labels: list[str]) -> dict:
    start = time.perf_counter()
    decisions = model.decide_many(texts)
    seconds = max(time.perf_counter() - start, 1e-9)
    predicted = [d.label for d in decisions]
    confidence = np.asarray([d.probability for d in decisions])
    correct = np.asarray(predicted) == np.asarray(labels)
    auto = np.asarray([d.auto for d in decisions])
    return {
        "n": len(labels),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro", zero_division=0)), 4),
        "coverage_at_precision": {p: round(coverage_at_precision(confidence, correct, float(p)), 4) for p in ("0.95", "0.98")},
        "target_precision": model.meta["target_precision"],
        "threshold": model.meta["threshold"],
        "auto_dispatched_share": round(float(auto.mean()), 4),
        "auto_dispatched_precision": round(float(correct[auto].mean()), 4) if auto.any() else None,
        "unknown_labels": sorted(set(labels) - set(model.labels)),
        "messages_per_second": round(len(labels) / seconds, 1),
    }


def cmd_train(args) -> int:
    from gridgov.config import Settings

    texts, labels, report = labelled_rows(args.file, args.text, args.label, args.kind, _aliases(args))
    precision = args.target_precision or Settings().routing_target_precision
    model, trained = RoutingModel.train(texts, labels, target_precision=precision, min_examples=args.min_examples)
    model.save(args.out)
    out = {"import": report, "rows": trained.rows, "labels": trained.labels, "too_few_examples": trained.too_few_examples,
           "target_precision": precision, "threshold": trained.threshold, "cv_accuracy": trained.cv_accuracy,
           "cv_coverage_at_precision": trained.cv_coverage, "seconds": trained.seconds, "model": str(args.out)}  # fmt: skip
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"trained on {trained.rows} orders, {trained.labels} labels in {trained.seconds} s; threshold "
              f"{trained.threshold} for precision {precision}; saved {args.out}")  # fmt: skip
        if trained.too_few_examples:
            print(f"not learned (fewer than {model.meta['min_examples']} rows): "
                  + ", ".join(f"{k} ({v})" for k, v in trained.too_few_examples.items()))  # fmt: skip
        for r in report["rejected"][:20]:
            print(f"line {r['line']}: {r['reason']}")
        if len(report["rejected"]) > 20:
            print(f"… {len(report['rejected']) - 20} more rows rejected")
    return 0


def cmd_eval(args) -> int:
    model = RoutingModel.load(args.model)
    texts, labels, report = labelled_rows(args.file, args.text, args.label, args.kind, _aliases(args))
    result = {**evaluate(model, texts, labels), "rejected": report["rejected"]}
    print(json.dumps(result, ensure_ascii=False) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


def add_common(q) -> None:
    q.add_argument("file", type=Path)
    q.add_argument("--text", required=True, help="column of the text")
    q.add_argument("--label", required=True, help="column of the unit (or category) to learn")
    q.add_argument("--kind", choices=("unit", "category"), default="unit", help="which alias table the labels use")
    q.add_argument("--aliases", type=Path, help="CSV alias,target applied to the labels")
    q.add_argument("--aliases-from-db", action="store_true", help="apply the alias table of GRIDGOV_DATABASE_URL")
    q.add_argument("--json", action="store_true")


def register(subparsers) -> None:
    p = subparsers.add_parser("routing", help="learn routing (unit or category) from the district's history")
    sub = p.add_subparsers(metavar="action")
    q = sub.add_parser("train", help="train a routing model from a history file (CSV/XLSX)")
    add_common(q)
    q.add_argument("--out", type=Path, required=True, help="directory for the model")
    q.add_argument("--target-precision", type=float, help="default: the setting routing_target_precision")
    q.add_argument("--min-examples", type=int, default=5)
    q.set_defaults(func=guarded(cmd_train))
    q = sub.add_parser("eval", help="measure a routing model on a labelled file it was not trained on")
    add_common(q)
    q.add_argument("--model", type=Path, required=True, help="directory written by `gridgov routing train`")
    q.set_defaults(func=guarded(cmd_eval))


def guarded(func, name: str = "routing"):
    def run(args) -> int:
        try:
            return func(args)
        except (InputError, RoutingModelError) as exc:
            print(f"gridgov {name}: {exc}", file=sys.stderr)
            return 2
        except ValueError as exc:  # a target precision outside (0, 1)
            print(f"gridgov {name}: {exc}", file=sys.stderr)
            return 2

    return run
