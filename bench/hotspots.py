"""Hot spots: spatial power and false alarms on synthetic surges, and what the method finds in real messages.

    .venv/bin/python bench/hotspots.py                 # both parts
    .venv/bin/python bench/hotspots.py --synthetic     # power / false alarms / time only
    .venv/bin/python bench/hotspots.py --real [CSV]    # topics and surges in the TipDM 2020 C messages

Synthetic: `--cells` grid × category cells with weekly rates drawn from a log-normal (median 1.5 a
week, sigma 0.8: most cells see a case or two a week, a few see many), 8 baseline weeks and one current
week, all Poisson. A surge multiplies the rate of 5 cells (rate fixed to λ) by `factor` in the current
week. Power = share of surged cells flagged; false alarms = share of quiet runs (no surge) in which any
cell is flagged, and share of quiet cells flagged. Time = one `detect` over all cells.

Real: `../shared/data/tipdm2020c/messages_for_hotspots.csv` (4,275 messages, mostly 2019; read in place,
never copied into the repo: it is redistributed competition data without a stated licence). Topics are
clusters of similar texts; their weekly counts are then tested, week by week, against the 8 weeks before.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from gridgov.domain import hotspots as hs

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "tipdm2020c" / "messages_for_hotspots.csv"


def synthetic_run(rng, cells: int, lam: float | None, factor: float, surged: int = 5) -> tuple[set[int], set[int], float]:
    rates = rng.lognormal(np.log(1.5), 0.8, cells)
    surge = set(range(surged)) if lam is not None else set()
    if lam is not None:
        rates[:surged] = lam
    base = rng.poisson(rates[:, None], (cells, hs.DEFAULT_WINDOWS))
    cur = rng.poisson(rates)
    for i in surge:
        cur[i] = rng.poisson(rates[i] * factor)
    current = {(f"g{i}", "c"): int(cur[i]) for i in range(cells) if cur[i]}
    baselines = {(f"g{i}", "c"): [int(v) for v in base[i]] for i in range(cells)}
    t0 = time.perf_counter()
    found = hs.detect(current, baselines)
    elapsed = time.perf_counter() - t0
    return {int(x.place[1:]) for x in found if x.hot}, surge, elapsed


def synthetic(runs: int, cells: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    print(f"synthetic: {cells} cells, 8 baseline weeks, {runs} runs per row, seed {seed}")
    print(f"{'weekly rate λ':>14} {'surge':>6} {'power':>6} {'ms/detect':>10}")
    for lam in (2, 4, 8, 12, 16):
        for factor in (2.0, 3.0):
            hit = total = 0
            times = []
            for _ in range(runs):
                flagged, surge, elapsed = synthetic_run(rng, cells, lam, factor)
                hit += len(flagged & surge)
                total += len(surge)
                times.append(elapsed)
            print(f"{lam:>14} {factor:>5.0f}× {hit / total:>6.2f} {1000 * float(np.median(times)):>10.1f}")
    any_alarm = cells_flagged = 0
    for _ in range(runs * 2):
        flagged, _, _ = synthetic_run(rng, cells, None, 1.0)
        any_alarm += bool(flagged)
        cells_flagged += len(flagged)
    print(f"quiet data: runs with any false hot spot {any_alarm / (runs * 2):.3f}, "
          f"cells flagged {cells_flagged / (runs * 2 * cells):.5f} ({runs * 2} runs)")  # fmt: skip


def _when(text: str) -> datetime:
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(text)


def real(path: Path, top: int) -> None:
    if not path.exists():
        print(f"real: {path} is missing (the shared data folder is not beside the repo); skipped")
        return
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    when = [_when(r["time"]) for r in rows]
    texts = [r["title"] + "。" + r["detail"][:160] for r in rows]
    likes = [int(r["likes"] or 0) for r in rows]
    t0 = time.perf_counter()
    found = hs.topics(texts, likes=likes, min_size=4, threshold=0.8, top=400)
    t_topics = time.perf_counter() - t0
    print(f"real: {len(rows)} messages {min(when):%Y-%m-%d} … {max(when):%Y-%m-%d}; {len(found)} topics of ≥ 4 "
          f"in {t_topics:.1f} s")  # fmt: skip
    print(f"top {top} topics by weight (size + Σ log1p likes):")
    for i, topic in enumerate(found[:top], 1):
        days = sorted(when[j] for j in topic.members)
        print(f"{i:>3}. n={len(topic.members):>3} likes={sum(likes[j] for j in topic.members):>5} "
              f"{days[0]:%Y-%m-%d}…{days[-1]:%Y-%m-%d} [{' '.join(topic.terms)}] {topic.label}")  # fmt: skip
    # weekly surges of each topic against its own 8 weeks before
    monday = min(when).date() - timedelta(days=min(when).weekday())
    week_of = [(w.date() - monday).days // 7 for w in when]
    weeks = max(week_of) + 1
    series = {}
    for k, topic in enumerate(found):
        counts = [0] * weeks
        for j in topic.members:
            counts[week_of[j]] += 1
        series[k] = counts
    surges = []
    for week in range(hs.DEFAULT_WINDOWS, weeks):
        current = {(str(k), "topic"): s[week] for k, s in series.items() if s[week]}
        baselines = {(str(k), "topic"): s[week - hs.DEFAULT_WINDOWS : week][::-1] for k, s in series.items()}
        for cell in hs.detect(current, baselines):
            if cell.hot:
                surges.append((cell.p_value, week, int(cell.place), cell))
    surges.sort()
    print(f"weekly topic surges (8-week baseline, BH 5 % per week, ≥ 3 messages, ≥ 1.5×): {len(surges)}")
    for p, week, k, cell in surges[:top]:
        start = monday + timedelta(days=7 * week)
        print(f"  week of {start}: {cell.count} messages vs {cell.expected} expected ({cell.ratio}×, {hs.p_text(p)}, "
              f"{cell.method}) [{' '.join(found[k].terms)}] {found[k].label}")  # fmt: skip
    daily = Counter(w.date() for w in when)
    # the file holds a few 2017–2018 stragglers: the daily series starts once 28 days hold 28 messages
    days_sorted = sorted(daily)
    first = next(d for d in days_sorted if sum(daily.get(d - timedelta(days=i), 0) for i in range(28)) >= 28)
    counts = [daily.get(first + timedelta(days=d), 0) for d in range((max(daily) - first).days + 1)]
    alarms = hs.watch_series(counts)
    print(f"all messages per day from {first + timedelta(days=28)}: {len(alarms)} EWMA/CUSUM alarm days (28-day baseline); the largest:")
    by_topic_day: dict = defaultdict(list)
    for j, w in enumerate(when):
        by_topic_day[w.date()].append(j)
    for alarm in sorted(alarms, key=lambda a: -a.count / max(a.expected, 0.1))[:5]:
        day = first + timedelta(days=alarm.index)
        sample = texts[by_topic_day[day][0]][:30] if by_topic_day[day] else ""
        print(f"  {day}: {alarm.count} vs {alarm.expected} expected ({alarm.by}); e.g. {sample}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--real", nargs="?", const=str(DEFAULT_CSV), default=None)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    both = not args.synthetic and args.real is None
    if args.synthetic or both:
        synthetic(args.runs, args.cells, args.seed)
    if args.real is not None or both:
        real(Path(args.real or DEFAULT_CSV), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
