"""The grid tree held in memory for placement (point -> deepest grid) and scope checks.

Loaded from the database at start, after every import, and when another process imported a tree (the
shared "grids" version moved); lookups are an STRtree query, so placing a
report costs microseconds rather than a spatial SQL query.
"""

from __future__ import annotations

import threading
from typing import Any

from shapely.geometry import mapping

from gridgov.domain.grids import GridNode, GridTree, tree_from_geojson


def rows_to_feature_collection(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": row["geometry"],
                "properties": {
                    **(row.get("properties") or {}),
                    "code": row["code"],
                    "name": row["name"],
                    "level": row["level"],
                    "parent_code": row["parent_code"],
                },
            }
            for row in rows
        ],
    }


def tree_to_rows(tree: GridTree) -> list[dict[str, Any]]:
    rows = []
    for node in tree:
        props = {k: v for k, v in (node.properties or {}).items() if k not in {"code", "name", "level", "parent_code"}}
        rows.append(
            {
                "code": node.code,
                "name": node.name,
                "level": str(node.level),
                "parent_code": node.parent_code,
                "geometry": mapping(node.geometry),
                "properties": props,
            }
        )
    return rows


class GridIndex:
    """The tree in memory. `refresh` (the process's shared state check) runs before each use, so a tree
    imported by another process is loaded here within `shared_state_poll_seconds`."""

    def __init__(self, refresh=None) -> None:
        self._tree: GridTree | None = None
        self._lock = threading.Lock()
        self._refresh = refresh

    def _current(self) -> GridTree | None:
        if self._refresh is not None:
            self._refresh()
        return self._tree

    def load(self, rows: list[dict[str, Any]]) -> None:
        tree = tree_from_geojson(rows_to_feature_collection(rows)) if rows else None
        with self._lock:
            self._tree = tree

    @property
    def tree(self) -> GridTree | None:
        return self._current()

    @property
    def loaded(self) -> bool:
        return self._current() is not None

    def locate(self, lon: float, lat: float) -> GridNode | None:
        tree = self._current()
        return tree.locate(lon, lat) if tree else None

    def get(self, code: str) -> GridNode | None:
        tree = self._current()
        if tree is None:
            return None
        try:
            return tree.get(code)
        except KeyError:
            return None
