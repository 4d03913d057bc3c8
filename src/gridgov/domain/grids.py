"""The grid tree (网格): district -> street (街道) -> community (社区) -> grid (网格) -> micro-grid (微网格).

Codes nest by prefix: the 6-digit admin code of the district (GB/T 2260, e.g. 440304 福田区), then three
digits per level below it (street 440304001, community 440304001002, grid 440304001002015, micro-grid
440304001002015001). That makes "this node and everything under it" a prefix test everywhere.

A tree is only ever built from nodes that passed `validate_nodes`, which reports every problem of an
import at once; a point is placed in the deepest node whose polygon covers it (STRtree query).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.validation import explain_validity


class GridLevel(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    MICRO_GRID = "micro_grid"

    @property
    def depth(self) -> int:
        return _LEVELS.index(self)

    @property
    def code_length(self) -> int:
        return 6 + 3 * self.depth

    @property
    def label_zh(self) -> str:
        return {"district": "区", "street": "街道", "community": "社区", "grid": "网格", "micro_grid": "微网格"}[self.value]


_LEVELS = list(GridLevel)

# A child may stick out of its parent by this much (degrees; ~2 m at Shenzhen's latitude): hand-drawn
# boundaries of neighbouring offices never agree to the centimetre.
CONTAINMENT_TOLERANCE_DEG = 2e-5
# Siblings may overlap by this share of the smaller one's area before it counts as a real overlap.
OVERLAP_TOLERANCE_SHARE = 0.005


@dataclass(frozen=True)
class GridNode:
    code: str
    name: str
    level: GridLevel
    parent_code: str | None
    geometry: Polygon | MultiPolygon
    properties: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class GridProblem:
    feature_id: str
    code: str | None
    kind: str
    message: str


class GridImportError(ValueError):
    def __init__(self, problems: list[GridProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the grid data")
        self.problems = problems


def code_problem(code: str, level: GridLevel, parent_code: str | None) -> str | None:
    """Why a code does not fit its level and parent, or None when it does."""
    if not code.isdigit():
        return f"code {code!r} must be digits only"
    if len(code) != level.code_length:
        return f"a {level.value} code has {level.code_length} digits; {code!r} has {len(code)}"
    if parent_code and not code.startswith(parent_code):
        return f"code {code} does not start with its parent's code {parent_code}"
    return None


def validate_nodes(items: Iterable[tuple[str, GridNode]]) -> list[GridProblem]:
    """Every problem of a set of (feature id, node): geometry, codes, parents, containment, overlaps."""
    items = list(items)
    problems: list[GridProblem] = []
    by_code: dict[str, tuple[str, GridNode]] = {}
    sound: list[tuple[str, GridNode]] = []
    for fid, node in items:
        bad = False
        if node.code in by_code:
            problems.append(GridProblem(fid, node.code, "duplicate_code", f"code {node.code} appears more than once"))
            continue
        by_code[node.code] = (fid, node)
        if not isinstance(node.geometry, Polygon | MultiPolygon):
            problems.append(GridProblem(fid, node.code, "not_a_polygon", f"geometry is a {node.geometry.geom_type}"))
            bad = True
        elif not node.geometry.is_valid:
            problems.append(GridProblem(fid, node.code, "invalid_polygon", explain_validity(node.geometry)))
            bad = True
        elif node.geometry.is_empty:
            problems.append(GridProblem(fid, node.code, "invalid_polygon", "the polygon is empty"))
            bad = True
        why = code_problem(node.code, node.level, node.parent_code)
        if why:
            problems.append(GridProblem(fid, node.code, "bad_code", why))
        if not bad:
            sound.append((fid, node))
    for fid, node in items:
        if node.parent_code is None:
            if node.level is not GridLevel.DISTRICT and node.level is not _top_level(items):
                problems.append(GridProblem(fid, node.code, "unknown_parent", f"a {node.level.value} needs a parent_code"))
            continue
        parent = by_code.get(node.parent_code)
        if parent is None:
            problems.append(GridProblem(fid, node.code, "unknown_parent", f"parent code {node.parent_code} is not in the file"))
        elif parent[1].level.depth + 1 != node.level.depth:
            problems.append(
                GridProblem(fid, node.code, "wrong_level", f"a {node.level.value} cannot sit under a {parent[1].level.value}")
            )
    geometry_ok = {n.code for _, n in sound}
    for fid, node in sound:
        parent = by_code.get(node.parent_code or "")
        if parent and parent[1].code in geometry_ok:
            outside = node.geometry.difference(parent[1].geometry.buffer(CONTAINMENT_TOLERANCE_DEG))
            if not outside.is_empty and outside.area > 0:
                problems.append(
                    GridProblem(fid, node.code, "outside_parent", f"part of {node.code} lies outside its parent {node.parent_code}")
                )
    problems.extend(_sibling_overlaps(sound))
    return problems


def _top_level(items: list[tuple[str, GridNode]]) -> GridLevel | None:
    roots = [n.level for _, n in items if n.parent_code is None]
    return min(roots, key=lambda lv: lv.depth) if roots else None


def _sibling_overlaps(sound: list[tuple[str, GridNode]]) -> list[GridProblem]:
    problems = []
    groups: dict[str | None, list[tuple[str, GridNode]]] = {}
    for fid, node in sound:
        groups.setdefault(node.parent_code, []).append((fid, node))
    for siblings in groups.values():
        geoms = [n.geometry for _, n in siblings]
        index = STRtree(geoms)
        for i, (fid, node) in enumerate(siblings):
            for j in index.query(node.geometry):
                if j <= i:
                    continue
                other = siblings[j][1]
                shared = node.geometry.intersection(other.geometry).area
                if shared > OVERLAP_TOLERANCE_SHARE * min(node.geometry.area, other.geometry.area):
                    problems.append(
                        GridProblem(fid, node.code, "overlapping_siblings", f"{node.code} overlaps its sibling {other.code}")
                    )
    return problems


class GridTree:
    """A validated tree with point lookup. Build it with `GridTree.from_nodes` or `tree_from_geojson`."""

    def __init__(self, nodes: list[GridNode]) -> None:
        self._nodes = {n.code: n for n in nodes}
        self._children: dict[str | None, list[str]] = {}
        for n in sorted(nodes, key=lambda n: n.code):
            self._children.setdefault(n.parent_code, []).append(n.code)
        self._order = list(self._depth_first())
        self._geoms = [self._nodes[c].geometry for c in self._order]
        self._index = STRtree(self._geoms)

    @classmethod
    def from_nodes(cls, nodes: Iterable[GridNode]) -> GridTree:
        nodes = list(nodes)
        problems = validate_nodes((n.code, n) for n in nodes)
        if problems:
            raise GridImportError(problems)
        return cls(nodes)

    def _depth_first(self) -> Iterator[str]:
        stack = list(reversed(self.root_codes))
        while stack:
            code = stack.pop()
            yield code
            stack.extend(reversed(self._children.get(code, [])))

    @property
    def root_codes(self) -> list[str]:
        return [c for c, n in sorted(self._nodes.items()) if n.parent_code not in self._nodes]

    @property
    def roots(self) -> list[GridNode]:
        return [self._nodes[c] for c in self.root_codes]

    def __iter__(self) -> Iterator[GridNode]:
        return (self._nodes[c] for c in self._order)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, code: object) -> bool:
        return code in self._nodes

    def get(self, code: str) -> GridNode:
        return self._nodes[code]

    def children(self, code: str) -> list[GridNode]:
        return [self._nodes[c] for c in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[GridNode]:
        """From the root down to the parent of `code`."""
        chain = []
        node = self._nodes[code]
        while node.parent_code in self._nodes:
            node = self._nodes[node.parent_code]
            chain.append(node)
        return list(reversed(chain))

    def subtree_codes(self, code: str) -> list[str]:
        return [c for c in self._order if c.startswith(code)]

    def locate(self, lon: float, lat: float) -> GridNode | None:
        """The deepest node covering the point, found by walking down the tree: at each level the
        covering child with the smallest code wins, so a point on a border shared by siblings always
        lands on the same side whatever the file order, and the answer's ancestors cover it too."""
        point = Point(lon, lat)
        hits = {self._order[i] for i in self._index.query(point) if self._geoms[i].covers(point)}
        current = next((c for c in self.root_codes if c in hits), None)
        while current is not None:
            child = next((c for c in self._children.get(current, []) if c in hits), None)
            if child is None:
                return self._nodes[current]
            current = child
        return None


_RESERVED = {"code", "name", "level", "parent_code"}


def tree_from_geojson(collection: Any) -> GridTree:
    """Parse and validate a FeatureCollection; malformed features are problems too, never exceptions."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GridImportError([GridProblem("-", None, "not_a_feature_collection", "expected a GeoJSON FeatureCollection")])
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise GridImportError([GridProblem("-", None, "empty", "the FeatureCollection has no features")])
    problems: list[GridProblem] = []
    items: list[tuple[str, GridNode]] = []
    for i, feature in enumerate(features):
        fid = str(feature.get("id", i)) if isinstance(feature, dict) else str(i)
        node, problem = _node_from_feature(fid, feature)
        if problem:
            problems.append(problem)
        elif node is not None:
            items.append((fid, node))
    problems.extend(validate_nodes(items))
    if problems:
        raise GridImportError(problems)
    return GridTree([n for _, n in items])


def _node_from_feature(fid: str, feature: Any) -> tuple[GridNode | None, GridProblem | None]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, GridProblem(fid, None, "malformed_feature", "not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        return None, GridProblem(fid, None, "malformed_feature", "properties must be an object")
    code = props.get("code")
    missing = [k for k in ("code", "name", "level") if not isinstance(props.get(k), str) or not props.get(k)]
    if missing:
        return None, GridProblem(fid, code if isinstance(code, str) else None, "missing_property", f"missing {', '.join(missing)}")
    try:
        level = GridLevel(props["level"])
    except ValueError:
        return None, GridProblem(fid, code, "bad_level", f"level must be one of {', '.join(lv.value for lv in GridLevel)}")
    parent = props.get("parent_code")
    if parent is not None and not isinstance(parent, str):
        return None, GridProblem(fid, code, "bad_parent", "parent_code must be a string or null")
    try:
        geometry = shape(feature.get("geometry"))
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        return None, GridProblem(fid, code, "bad_geometry", f"geometry cannot be read: {exc}")
    extra = {k: v for k, v in props.items() if k not in _RESERVED}
    return GridNode(str(code), props["name"], level, parent or None, geometry, extra), None


def tree_to_geojson(tree: GridTree) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": n.code,
                "geometry": mapping(n.geometry),
                "properties": {**n.properties, "code": n.code, "name": n.name, "level": n.level.value, "parent_code": n.parent_code},
            }
            for n in tree
        ],
    }
