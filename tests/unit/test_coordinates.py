import math

import pytest

from gridgov.domain import geo


def test_wgs84_passes_through_unchanged():
    assert geo.to_wgs84(114.06, 22.56) == (114.06, 22.56)


def test_gcj02_in_shenzhen_is_shifted_back_by_about_half_a_kilometre():
    glon, glat = geo.from_wgs84(114.06, 22.56, "gcj02")
    shift_m = math.hypot((glon - 114.06) * 102_800, (glat - 22.56) * 111_000)
    assert 300 < shift_m < 800  # the known GCJ-02 offset in Shenzhen is a few hundred metres
    lon, lat = geo.to_wgs84(glon, glat, "gcj02")
    assert abs(lon - 114.06) < 1e-6 and abs(lat - 22.56) < 1e-6  # well under a metre


def test_bd09_round_trips_within_a_metre():
    blon, blat = geo.from_wgs84(114.06, 22.56, "BD09")
    lon, lat = geo.to_wgs84(blon, blat, "bd09")
    assert abs(lon - 114.06) < 1e-5 and abs(lat - 22.56) < 1e-5


@pytest.mark.parametrize("crs", ["epsg3857", "", "utm"])
def test_an_unknown_crs_names_the_supported_ones(crs):
    if crs == "":
        assert geo.parse_crs(crs) is geo.Crs.WGS84  # empty means the default
        return
    with pytest.raises(geo.UnsupportedCrs, match="wgs84, gcj02, bd09"):
        geo.to_wgs84(114.0, 22.0, crs)


@pytest.mark.parametrize(("lon", "lat"), [(181, 0), (0, 90.5), (float("nan"), 0), (0, float("inf")), ("1", 2), (True, 2)])
def test_bad_numbers_are_refused(lon, lat):
    with pytest.raises(geo.InvalidCoordinates):
        geo.to_wgs84(lon, lat)
