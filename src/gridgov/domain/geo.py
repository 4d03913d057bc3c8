"""Coordinates: WGS84 is what we store; GCJ-02 (Amap, Tencent, WeChat mini-programs) and BD-09 (Baidu)
are what Chinese map SDKs send, so input in those systems is converted on the way in (prcoords)."""

from __future__ import annotations

import math
from enum import StrEnum

import prcoords


class InvalidCoordinates(ValueError):
    pass


class UnsupportedCrs(ValueError):
    pass


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def parse_crs(value: str | None) -> Crs:
    try:
        return Crs((value or "wgs84").strip().lower())
    except ValueError:
        raise UnsupportedCrs(
            f"unsupported crs {value!r}; use one of {', '.join(c.value for c in Crs)}"
        ) from None


def validate_lon_lat(lon: object, lat: object) -> tuple[float, float]:
    for name, value, bound in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidCoordinates(f"{name} must be a finite number")
        if not -bound <= value <= bound:
            raise InvalidCoordinates(f"{name} {value} is outside [-{bound:g}, {bound:g}]")
    return float(lon), float(lat)


def to_wgs84(lon: object, lat: object, crs: str | None = "wgs84") -> tuple[float, float]:
    """Validate and convert to WGS84 (lon, lat). The inverse transforms are the precise iterative ones
    (error well under a metre), since a report placed in the wrong micro-grid goes to the wrong unit."""
    system = parse_crs(crs)
    lon, lat = validate_lon_lat(lon, lat)
    if system is Crs.WGS84:
        return lon, lat
    point = prcoords.Coords(lat, lon)
    out = prcoords.gcj_wgs_bored(point) if system is Crs.GCJ02 else prcoords.bd_wgs_bored(point)
    return out.lon, out.lat


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """WGS84 -> the given system (for clients that draw on GCJ-02/BD-09 base maps)."""
    system = parse_crs(crs)
    lon, lat = validate_lon_lat(lon, lat)
    if system is Crs.WGS84:
        return lon, lat
    point = prcoords.Coords(lat, lon)
    out = prcoords.wgs_gcj(point) if system is Crs.GCJ02 else prcoords.wgs_bd(point)
    return out.lon, out.lat
