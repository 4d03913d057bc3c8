"""Placing a report by its address text (地址匹配) when it has no coordinates: the names of the
district's streets, communities, grids and estates (小区/楼栋, kept as `estates` on grid features) are
looked for in the text. An exact name wins (confidence 1.0); otherwise the closest name by similarity,
with that similarity as the confidence. Below `MIN_CONFIDENCE` the report is not placed and waits for a
person in the triage queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from gridgov.domain.grids import GridLevel, GridTree

MIN_CONFIDENCE = 0.75  # below this a wrong grid (and so a wrong unit) is likelier than a useful guess


@dataclass(frozen=True)
class Place:
    grid_code: str
    name: str
    lon: float
    lat: float
    confidence: float


def entries(tree: GridTree) -> list[tuple[str, str]]:
    """(name, grid code) of every place name the tree knows, most specific first."""
    out: list[tuple[str, str]] = []
    for node in tree:
        if node.level.depth < GridLevel.COMMUNITY.depth:
            continue  # a street or district name alone is too coarse to pick the unit that must act
        for estate in node.properties.get("estates", []) if node.properties else []:
            out.append((estate, node.code))
        out.append((node.name, node.code))
    return sorted(out, key=lambda e: (-len(e[1]), -len(e[0])))


def place(address: str, tree: GridTree) -> Place | None:
    text = (address or "").strip()
    if not text:
        return None
    best: tuple[float, str, str] | None = None
    for name, code in entries(tree):
        if name and name in text:
            score = 1.0
        else:
            window = text[: max(len(name) * 2, 8)]
            score = SequenceMatcher(None, name, window).ratio()
        if best is None or score > best[0] + 1e-9:
            best = (score, name, code)
        if score == 1.0:
            break
    if best is None or best[0] < MIN_CONFIDENCE:
        return None
    node = tree.get(best[2])
    point = node.geometry.representative_point()
    return Place(node.code, best[1], point.x, point.y, round(best[0], 3))
