"""How the category table's own recognition (domain/recognition.py, issue 11) names real reports it was
never written on: the Haikou 12345 orders (../shared/data/haikou12345, read in place, never copied)
and the TipDM provincial message board (data/tipdm2020c/raw_labelled.csv).

Neither source is labelled with our categories, so agreement is a proxy, computed the same way for
every row: a named category AGREES with the hotline's own fine category (行业分类 3rd and 4th level)
when its name or one of its synonyms shares a two-character word with them ("机动车乱停放" ~ "机动车违停",
"噪音扰民" ~ "人为噪音"); rows whose hotline category is only 其他 / 日常服务 are left out of the ratio.
A disagreement is not always our error (the hotline files some parking under 交警指挥), nor an agreement
always right; the list of the most frequent pairs is printed so a reader can judge.

    .venv/bin/python bench/recognition.py [--haikou ../shared/data/haikou12345/work_orders.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gridgov.domain.taxonomy import named_in, parse_category_csv  # noqa: E402

VAGUE = {"其他", "日常服务", ""}


def pairs(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


def agrees(category, hotline: str) -> bool:
    ours = set().union(*(pairs(w) for w in (category.name, *category.synonyms)))
    return bool(ours & pairs(hotline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--haikou", type=Path, default=ROOT.parent / "shared" / "data" / "haikou12345" / "work_orders.csv")
    args = parser.parse_args()
    table = parse_category_csv((ROOT / "src" / "gridgov" / "data" / "categories.csv").read_text(encoding="utf-8"))

    rows = list(csv.DictReader(args.haikou.open(encoding="utf-8")))
    start = time.perf_counter()
    named = [(r, n) for r in rows if (n := named_in(r["text"], table)) is not None]
    speed = len(rows) / (time.perf_counter() - start)
    judged = [(r, n) for r, n in named if not {r["level3"], r["level4"]} <= VAGUE]
    agreeing = sum(agrees(n.category, r["level3"] + r["level4"]) for r, n in judged)
    print(f"Haikou 12345: {len(rows)} orders, {len(named)} named ({len(named) / len(rows):.1%}); "
          f"of {len(judged)} with a hotline category beyond 其他/日常服务, {agreeing} agree ({agreeing / len(judged):.1%}); "
          f"{speed:.0f} orders/s")  # fmt: skip
    print("most frequent (ours, hotline level3/level4, agrees):")
    pairs_seen = Counter((n.category.name, f"{r['level3']}/{r['level4']}", agrees(n.category, r["level3"] + r["level4"])) for r, n in judged)
    for (ours, theirs, ok), count in pairs_seen.most_common(25):
        print(f"  {count:5d}  {ours} <- {theirs} {'agrees' if ok else 'DIFFERS'}")

    board = list(csv.DictReader((ROOT / "data" / "tipdm2020c" / "raw_labelled.csv").open(encoding="utf-8")))
    by_label = Counter(r["label"] for r in board)
    named_board = Counter(r["label"] for r in board if named_in(f"{r['title']}。{r['detail']}"[:5000], table) is not None)
    print(f"TipDM board: {sum(named_board.values())} of {len(board)} messages named as an urban event or component:")
    for label, n in by_label.most_common():
        print(f"  {label}: {named_board[label]} of {n}")


if __name__ == "__main__":
    main()
