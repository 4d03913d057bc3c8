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
    assert isinstance(lon, int | float) and isinstance(lat, int | float)  # checked just above
    return float(lon), float(lat)


# GCJ-02 and BD-09 are defined for China only (the box prcoords and the map SDKs use): outside it the
# iterative inverses diverge (at the poles they hit a math domain error). Input that claims one of
# them for a point outside is refused; output for such a point is left in WGS84, as the SDKs do.
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)


def in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def to_wgs84(lon: object, lat: object, crs: str | None = "wgs84") -> tuple[float, float]:
    """Validate and convert to WGS84 (lon, lat). The inverse transforms are the precise iterative ones
    (error well under a metre), since a report placed in the wrong micro-grid goes to the wrong unit.
    Ranges are checked before converting, and any failure of the conversion is InvalidCoordinates."""
    system = parse_crs(crs)
    lon, lat = validate_lon_lat(lon, lat)
    if system is Crs.WGS84:
        return lon, lat
    if not in_china(lon, lat):
        raise InvalidCoordinates(f"{system.value} is defined for points in China only; send other places in wgs84")
    point = prcoords.Coords(lat, lon)
    return _converted(lambda: prcoords.gcj_wgs_bored(point) if system is Crs.GCJ02 else prcoords.bd_wgs_bored(point))


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """WGS84 -> the given system (for clients that draw on GCJ-02/BD-09 base maps)."""
    system = parse_crs(crs)
    lon, lat = validate_lon_lat(lon, lat)
    if system is Crs.WGS84 or not in_china(lon, lat):
        return lon, lat
    point = prcoords.Coords(lat, lon)
    return _converted(lambda: prcoords.wgs_gcj(point) if system is Crs.GCJ02 else prcoords.wgs_bd(point))


def _converted(convert) -> tuple[float, float]:
    try:
        out = convert()
        return validate_lon_lat(out.lon, out.lat)
    except (ArithmeticError, ValueError) as exc:  # InvalidCoordinates is a ValueError too
        raise InvalidCoordinates(f"the point cannot be converted to WGS84 ({type(exc).__name__})") from None
