"""Geography of the demo district: 福田区 (440304) with one street, 莲花街道, its four communities, 32
grids and a few micro-grids (one per housing estate), around the real location (lon 114.05-114.07,
lat 22.55-22.57).

The shapes are invented but plausible: main roads cut the street into communities, and each community
is cut into grids by a Voronoi diagram of jittered seeds, so neighbouring grids share borders exactly
and never overlap. Deterministic: the same call gives the same file.

    python -m gridgov.demo.district [OUT]   writes district.geojson (default: next to this module)
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, Point, Polygon, box, mapping

DISTRICT_CODE = "440304"  # GB/T 2260 code of 福田区, Shenzhen
STREET_CODE = DISTRICT_CODE + "001"
STREET_OUTLINE = [
    (114.0445, 22.5468), (114.0602, 22.5451), (114.0758, 22.5473), (114.0771, 22.5610),
    (114.0749, 22.5742), (114.0596, 22.5763), (114.0452, 22.5738), (114.0431, 22.5605),
]  # fmt: skip
ROAD_LON, ROAD_LAT = 114.0601, 22.5602  # the two main roads that split the street into communities
COMMUNITIES = ["景华社区", "彩田社区", "梅岭社区", "康欣社区"]
ESTATES = [
    "景华新村", "彩田花园", "梅岭新村", "康欣园", "莲花北村", "福中福大厦", "紫荆苑", "景田东花园",
    "香梅花园", "红荔苑", "彩云阁", "梅林雅居", "康乐花园", "莲花二村", "福新小区", "景鹏大厦",
]  # fmt: skip
MICRO_GRID_HOSTS = 3  # grids that get micro-grids (one per estate inside them)


def _feature(code: str, name: str, level: str, parent: str | None, geom, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": code,
        "geometry": mapping(geom),
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent, **props},
    }


def _cells(area: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon]:
    """Cut `area` into one cell per seed (Voronoi), in the order of the seeds."""
    regions = voronoi_polygons(MultiPoint(seeds), extend_to=area.envelope.buffer(0.01))
    out = []
    for sx, sy in seeds:
        seed = Point(sx, sy)
        region = next(r for r in regions.geoms if r.covers(seed))
        cell = region.intersection(area)
        if cell.geom_type != "Polygon":  # keep the largest piece of a rare split cell
            cell = max(getattr(cell, "geoms", [cell]), key=lambda g: g.area)
        out.append(Polygon(cell.exterior.coords).simplify(0))
    return out


def build_demo_geojson() -> dict[str, Any]:
    rng = random.Random(440304)
    street = Polygon(STREET_OUTLINE)
    district = street.buffer(0.01).envelope
    features = [
        _feature(DISTRICT_CODE, "福田区", "district", None, district),
        _feature(STREET_CODE, "莲花街道", "street", DISTRICT_CODE, street),
    ]
    minx, miny, maxx, maxy = street.bounds
    quadrants = [
        box(minx, ROAD_LAT, ROAD_LON, maxy),
        box(ROAD_LON, ROAD_LAT, maxx, maxy),
        box(minx, miny, ROAD_LON, ROAD_LAT),
        box(ROAD_LON, miny, maxx, ROAD_LAT),
    ]
    estates = iter(ESTATES * 4)
    hosts = 0
    for ci, (name, quadrant) in enumerate(zip(COMMUNITIES, quadrants, strict=True), start=1):
        community = street.intersection(quadrant)
        ccode = f"{STREET_CODE}{ci:03d}"
        features.append(_feature(ccode, name, "community", STREET_CODE, community))
        qx0, qy0, qx1, qy1 = community.bounds
        seeds = []
        for row in range(2):
            for col in range(4):
                x = qx0 + (col + 0.5 + rng.uniform(-0.25, 0.25)) * (qx1 - qx0) / 4
                y = qy0 + (row + 0.5 + rng.uniform(-0.25, 0.25)) * (qy1 - qy0) / 2
                seeds.append((x, y))
        for gi, cell in enumerate(_cells(community, seeds), start=1):
            gcode = f"{ccode}{gi:03d}"
            grid_estates = [next(estates), next(estates)]
            features.append(
                _feature(gcode, f"{name}第{gi:02d}网格", "grid", ccode, cell, estates=grid_estates)
            )
            if gi == 1 and hosts < MICRO_GRID_HOSTS:
                hosts += 1
                features.extend(_micro_grids(gcode, cell, grid_estates, rng))
    return {"type": "FeatureCollection", "name": "gridgov demo: 福田区莲花街道", "features": features}


def _micro_grids(gcode: str, cell: Polygon, estates: list[str], rng: random.Random) -> list[dict[str, Any]]:
    """One micro-grid per estate, covering the inner part of the grid (a margin of street stays out)."""
    inner = cell.buffer(-0.0004)
    if inner.is_empty or inner.geom_type != "Polygon":
        return []
    x0, y0, x1, y1 = inner.bounds
    seeds = [(x0 + (i + 0.5) * (x1 - x0) / len(estates), (y0 + y1) / 2 + rng.uniform(-1, 1) * (y1 - y0) / 6) for i in range(len(estates))]
    return [
        _feature(f"{gcode}{mi:03d}", f"{estate}微网格", "micro_grid", gcode, part, estates=[estate])
        for mi, (estate, part) in enumerate(zip(estates, _cells(inner, seeds), strict=True), start=1)
    ]


def demo_sample_points(n: int, seed: int = 0) -> list[tuple[float, float, str]]:
    """n random points inside the grids, weighted so that a few grids are hot spots; each with the code of
    the grid it was drawn in."""
    rng = random.Random(seed)
    grids = [f for f in build_demo_geojson()["features"] if f["properties"]["level"] == "grid"]
    from shapely.geometry import shape

    shapes = [shape(f["geometry"]) for f in grids]
    weights = [5 if i % 7 == 0 else 1 for i in range(len(grids))]  # every 7th grid is a hot spot
    out = []
    for _ in range(n):
        i = rng.choices(range(len(grids)), weights=weights)[0]
        geom = shapes[i]
        x0, y0, x1, y1 = geom.bounds
        while True:
            p = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if geom.contains(p):
                out.append((p.x, p.y, grids[i]["properties"]["code"]))
                break
    return out


def gazetteer() -> list[dict[str, Any]]:
    """Place names of the demo (streets, communities, grids, estates) with the grid they lie in."""
    out = []
    for f in build_demo_geojson()["features"]:
        p = f["properties"]
        out.append({"name": p["name"], "code": p["code"], "level": p["level"]})
        for estate in p.get("estates", []) if p["level"] == "grid" else []:
            out.append({"name": estate, "code": p["code"], "level": "estate"})
    return out


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("district.geojson")
    out.write_text(json.dumps(build_demo_geojson(), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")
