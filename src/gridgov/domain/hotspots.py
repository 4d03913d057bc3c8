"""Hot spots (热点): where and what residents report more than usual, counted and tested, never eyeballed.

Why a test and not a top-ten list: a big grid always has the most cases. A hot spot is a cell (a grid or
an H3 hexagon, times a category) whose count in the current window is improbably high *for that cell*,
judged against the same cell's own trailing baseline (by default the 8 equal windows before it).

- The baseline mean `mu` gets a pseudo-count of 0.5 spread over the baseline (so a cell never seen before
  has a small but non-zero expectation, and its first cases are judged, not divided by zero).
- Counts follow a Poisson law when the baseline varies as a Poisson would: the window is tested against
  its baseline with the exact conditional test of equal Poisson rates (binomial on the pooled count),
  which allows for the baseline being only an estimate. When the baseline is significantly
  over-dispersed (index-of-dispersion test, e.g. a market street busy every other week) the negative
  binomial with method-of-moments size is used instead, which is wider and so harder to trigger.
- Many cells are tested at once, so p-values are corrected with Benjamini–Hochberg (false discovery rate
  `fdr`, 5 % by default) over every cell that had any case in the window or its baseline.
- A hot spot also needs `min_count` cases (3 by default) and a ratio of at least `min_ratio` to its
  expectation: one case never makes a hot spot, however quiet the cell was.
Daily series (one category district-wide, or one topic) are watched with EWMA and a Poisson CUSUM.
Repeat addresses and topical clusters of similar texts complete the picture. Everything here is pure:
counts come in, decisions go out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scipy import stats

PSEUDO_COUNT = 0.5  # added to the baseline total: a never-seen cell expects 0.5 / windows cases
DEFAULT_WINDOWS = 8
DEFAULT_FDR = 0.05
DEFAULT_MIN_COUNT = 3
DEFAULT_MIN_RATIO = 1.5
DISPERSION_P = 0.05  # significance of the over-dispersion test that switches to the negative binomial
SENSITIVE = "sensitive"  # the pseudo-category of sensitive cases (grading.SENSITIVE_TERMS, leaders alerted)


@dataclass(frozen=True)
class CellTest:
    """One cell's count in the window against its baseline, with the test's verdict."""

    key: tuple[str, str]  # (place: grid code or H3 cell, category code or SENSITIVE)
    count: int
    baseline: tuple[int, ...]
    expected: float
    ratio: float
    p_value: float
    method: str  # poisson | negbin
    q_value: float = 1.0
    hot: bool = False

    @property
    def place(self) -> str:
        return self.key[0]

    @property
    def category(self) -> str:
        return self.key[1]


def expected_count(baseline: Sequence[int]) -> float:
    """Mean count per window over the baseline, with the pseudo-count (never zero)."""
    windows = max(len(baseline), 1)
    return (sum(baseline) + PSEUDO_COUNT) / windows


def upper_tail(count: int, baseline: Sequence[int]) -> tuple[float, float, str]:
    """(expected, P(X >= count), method) for one cell under its own baseline."""
    mu = expected_count(baseline)
    if count <= 0:
        return mu, 1.0, "poisson"
    if len(baseline) >= 3:
        mean = sum(baseline) / len(baseline)
        var = sum((b - mean) ** 2 for b in baseline) / (len(baseline) - 1)
        # Negative binomial only when the over-dispersion is real: the index of dispersion
        # (n−1)·var/mean is chi-square(n−1) under Poisson; small baselines exceed the mean by chance half
        # the time, and a needless wider law would cost power.
        if mean > 0 and var > mean and stats.chi2.sf((len(baseline) - 1) * var / mean, len(baseline) - 1) < DISPERSION_P:
            size = mean * mean / (var - mean)  # method of moments: var = mu + mu^2 / size
            p = size / (size + mu)
            return mu, float(stats.nbinom.sf(count - 1, size, p)), "negbin"
    # Equal Poisson rates, tested exactly and conditionally: given the n cases of the window and its
    # baseline together, the window's share is Binomial(n, 1/(windows+1)). Unlike a plug-in Poisson
    # with the baseline mean, this accounts for the baseline being an estimate (false alarms stay at
    # the nominal rate even over 8 short windows).
    n = count + sum(baseline)
    return mu, float(stats.binom.sf(count - 1, n, 1 / (len(baseline) + 1))), "poisson"


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """BH-adjusted q-values in the input order (monotone step-up; q <= 1)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = min(running, 1.0)
    return q


def detect(
    current: Mapping[tuple[str, str], int],
    baselines: Mapping[tuple[str, str], Sequence[int]],
    *,
    windows: int = DEFAULT_WINDOWS,
    fdr: float = DEFAULT_FDR,
    min_count: int = DEFAULT_MIN_COUNT,
    min_ratio: float = DEFAULT_MIN_RATIO,
    min_count_for: Mapping[str, int] | None = None,
) -> list[CellTest]:
    """Test every cell seen in the window or its baseline; the hot ones first (smallest p first).

    `baselines[key]` lists the counts of the `windows` windows before the current one (missing ones are
    zero). `min_count_for` lowers or raises the minimum for some categories (e.g. sensitive ones).
    """
    keys = sorted(set(current) | set(baselines))
    tests = []
    for key in keys:
        base = tuple(baselines.get(key, ())) + (0,) * max(0, windows - len(baselines.get(key, ())))
        count = int(current.get(key, 0))
        mu, p, method = upper_tail(count, base)
        tests.append(CellTest(key, count, base, round(mu, 3), round(count / mu, 2), p, method))
    # BH over every cell with a case in the window or its baseline. Screening first on the count (only
    # cells that could be hot) looks tempting but is not covered by the BH theorem, and measured it
    # raised quiet runs with a false hot spot from ~3 % to 15 % (bench/hotspots.py).
    q = benjamini_hochberg([x.p_value for x in tests])

    def eligible(x: CellTest) -> bool:
        return x.count >= (min_count_for or {}).get(x.category, min_count) and x.ratio >= min_ratio

    out = []
    for x, qv in zip(tests, q, strict=True):
        hot = qv <= fdr and eligible(x)
        out.append(CellTest(x.key, x.count, x.baseline, x.expected, x.ratio, x.p_value, x.method, qv, hot))
    out.sort(key=lambda x: (not x.hot, x.p_value, -x.count, x.key))
    return out


def window_index(age_seconds: float, window_seconds: float) -> int:
    """0 for the current window, 1 for the one before it …; negative ages (the future) are -1."""
    return -1 if age_seconds < 0 else int(age_seconds // window_seconds)


def counts_by_window(
    items: Iterable[tuple[str, str, float]], window_seconds: float, windows: int = DEFAULT_WINDOWS
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], list[int]]]:
    """From (place, category, age in seconds before the window's end) to the current counts and the
    baselines `detect` takes. Items older than the baseline are ignored."""
    current: Counter = Counter()
    baselines: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * windows)
    for place, category, age in items:
        w = window_index(age, window_seconds)
        if w == 0:
            current[(place, category)] += 1
        elif 1 <= w <= windows:
            baselines[(place, category)][w - 1] += 1
    return dict(current), dict(baselines)


def h3_cell(lat: float, lon: float, resolution: int = 9) -> str:
    """The H3 hexagon of a WGS84 point (resolution 9: ~0.1 km², edge ~200 m, a block or two)."""
    import h3

    return h3.latlng_to_cell(lat, lon, resolution)


# ---------------------------------------------------------------- daily series: EWMA and CUSUM


@dataclass(frozen=True)
class SeriesAlarm:
    index: int  # position in the series given
    count: int
    expected: float
    by: str  # ewma | cusum | both


def watch_series(
    counts: Sequence[int], *, baseline: int = 28, lam: float = 0.3, width: float = 3.0, shift: float = 2.0, h: float = 4.0
) -> list[SeriesAlarm]:
    """Days of a daily series that signal a surge, each judged against the `baseline` days before it.

    EWMA: z = lam·x + (1−lam)·z, signalling above mu + width·sqrt(mu·lam/(2−lam)) (Poisson variance).
    CUSUM for a Poisson mean shifting from mu to shift·mu: S = max(0, S + x·ln(shift) − (shift−1)·mu),
    signalling above h (h = 4 with a doubling gives an in-control run of several hundred days).
    After a signal both statistics restart, so a long surge signals on its first days, not on all of them.
    """
    alarms = []
    z = s = None
    for i in range(baseline, len(counts)):
        window = counts[i - baseline : i]
        mu = max((sum(window) + PSEUDO_COUNT) / baseline, 0.1)
        x = counts[i]
        z = mu if z is None else z
        s = 0.0 if s is None else s
        z = lam * x + (1 - lam) * z
        s = max(0.0, s + x * math.log(shift) - (shift - 1) * mu)
        by_ewma = z > mu + width * math.sqrt(mu * lam / (2 - lam)) and x > mu
        by_cusum = s > h
        if by_ewma or by_cusum:
            alarms.append(SeriesAlarm(i, x, round(mu, 2), "both" if by_ewma and by_cusum else "ewma" if by_ewma else "cusum"))
            z, s = mu, 0.0
    return alarms


# ---------------------------------------------------------------- repeat addresses


_NOISE = re.compile(r"[\s,，.。;；:：()（）\-—_#/\\]+")


def address_key(address: str | None) -> str:
    """The address text with spaces and punctuation removed: "景华路 12号" and "景华路12号" are one place."""
    return _NOISE.sub("", address or "").lower()


@dataclass(frozen=True)
class RepeatPlace:
    kind: str  # address | cluster
    label: str  # the address text as first reported, or the cluster's centre "lat,lon"
    count: int
    case_ids: tuple[str, ...]
    lat: float
    lon: float


def repeat_places(
    items: Sequence[tuple[str, str | None, float, float]], *, min_count: int = 3, radius_m: float = 30.0
) -> list[RepeatPlace]:
    """Places reported at least `min_count` times in the window: by the same address text, and by
    points within `radius_m` of each other (DBSCAN, haversine) whatever their text. A cluster that is
    exactly an address group is listed once, as the address. Items are (case id, address, lat, lon)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (_, addr, _, _) in enumerate(items):
        if address_key(addr):
            groups[address_key(addr)].append(i)
    out = []
    seen: set[frozenset[str]] = set()
    for members in groups.values():
        if len(members) >= min_count:
            ids = tuple(items[i][0] for i in members)
            seen.add(frozenset(ids))
            lat = sum(items[i][2] for i in members) / len(members)
            lon = sum(items[i][3] for i in members) / len(members)
            out.append(RepeatPlace("address", items[members[0]][1] or "", len(members), ids, round(lat, 6), round(lon, 6)))
    if len(items) >= min_count:
        import numpy as np
        from sklearn.cluster import DBSCAN

        points = np.radians(np.array([[lat, lon] for _, _, lat, lon in items]))
        labels = DBSCAN(eps=radius_m / 6_371_000, min_samples=min_count, metric="haversine", algorithm="ball_tree").fit_predict(points)
        clusters: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(labels):
            if label >= 0:
                clusters[int(label)].append(i)
        for members in clusters.values():
            ids = tuple(items[i][0] for i in members)
            if frozenset(ids) in seen:
                continue
            lat = sum(items[i][2] for i in members) / len(members)
            lon = sum(items[i][3] for i in members) / len(members)
            out.append(RepeatPlace("cluster", f"{lat:.5f},{lon:.5f}", len(members), ids, round(lat, 6), round(lon, 6)))
    out.sort(key=lambda r: (-r.count, r.kind, r.label))
    return out


# ---------------------------------------------------------------- topical hot issues


@dataclass(frozen=True)
class Topic:
    label: str  # the most central text's first characters
    terms: tuple[str, ...]  # the cluster's heaviest words
    members: tuple[int, ...]  # positions in the texts given
    weight: float  # size, plus the likes when given (residents agreeing count)
    extra: dict = field(default_factory=dict, compare=False)


def _words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if len(w.strip()) > 1 and not w.strip().isdigit()]


def topics(
    texts: Sequence[str],
    *,
    likes: Sequence[int] | None = None,
    min_size: int = 3,
    threshold: float = 0.8,
    top: int = 20,
) -> list[Topic]:
    """Clusters of similar texts (TF-IDF over jieba words and character 2–3-grams, cosine distance,
    average-linkage agglomerative clustering cut at `threshold`), heaviest first. A cluster needs
    `min_size` texts. Its weight is its size plus log1p of the likes its members got."""
    if len(texts) < min_size:
        return []
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=2)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=2)
    try:
        w = words.fit_transform(texts)
    except ValueError:  # no word appears twice
        w = None
    c = chars.fit_transform(texts)
    matrix = c if w is None else hstack([w, c]).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    keep = np.flatnonzero(norms > 0)  # a text sharing no feature with any other joins no cluster
    if len(keep) < min_size:
        return []
    dense = matrix[keep].multiply(1 / norms[keep][:, None]).tocsr()
    # cosine distances from the sparse product: n² floats, never a dense n × features matrix
    distances = np.clip(1.0 - (dense @ dense.T).toarray(), 0.0, 2.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    ).fit_predict(distances)
    clusters: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        clusters[int(label)].append(row)
    vocab = np.array(words.get_feature_names_out()) if w is not None else np.array([])
    out = []
    for rows in clusters.values():
        if len(rows) < min_size:
            continue
        sub = dense[rows]
        centre = np.asarray(sub.mean(axis=0)).ravel()
        members = [int(keep[r]) for r in rows]
        central = members[int(np.argmax(sub @ centre))]
        terms: tuple[str, ...] = ()
        if w is not None:
            wsum = np.asarray(w[members].sum(axis=0)).ravel()
            terms = tuple(str(vocab[j]) for j in np.argsort(-wsum, kind="stable")[:5] if wsum[j] > 0)
        weight = len(members) + (sum(math.log1p(max(likes[i], 0)) for i in members) if likes else 0.0)
        out.append(Topic(texts[central][:40], terms, tuple(sorted(members)), round(weight, 2)))
    out.sort(key=lambda x: (-x.weight, x.members))
    return out[:top]


# ---------------------------------------------------------------- words for the wall


def p_text(p: float) -> str:
    for bound in (0.001, 0.01, 0.05):
        if p < bound:
            return f"p < {bound:g}"
    return f"p = {p:.2f}"


def sentence(category_name: str, place_name: str, ratio: float, p: float, days: int, lang: str = "zh") -> str:
    """The wall's line for one hot spot, e.g. "占道经营 in 景华社区第03网格: 3.4× its usual weekly count, p < 0.01"."""
    if lang == "en":
        period = "weekly" if days == 7 else "daily" if days == 1 else f"{days}-day"
        return f"{category_name} in {place_name}: {ratio:.1f}× its usual {period} count, {p_text(p)}"
    period = "每周" if days == 7 else "每日" if days == 1 else f"每{days}天"
    return f"{place_name}的{category_name}：平常{period}数量的 {ratio:.1f} 倍，{p_text(p)}"
