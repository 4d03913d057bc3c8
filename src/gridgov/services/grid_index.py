"""The grid tree held in memory for placement (point -> deepest grid) and scope checks.

Loaded from the database at start and after every import; lookups are an STRtree query, so placing a
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
    def __init__(self) -> None:
        self._tree: GridTree | None = None
        self._lock = threading.Lock()

    def load(self, rows: list[dict[str, Any]]) -> None:
        tree = tree_from_geojson(rows_to_feature_collection(rows)) if rows else None
        with self._lock:
            self._tree = tree

    @property
    def tree(self) -> GridTree | None:
        return self._tree

    @property
    def loaded(self) -> bool:
        return self._tree is not None

    def locate(self, lon: float, lat: float) -> GridNode | None:
        tree = self._tree
        return tree.locate(lon, lat) if tree else None

    def get(self, code: str) -> GridNode | None:
        tree = self._tree
        if tree is None:
            return None
        try:
            return tree.get(code)
        except KeyError:
            return None
