from gridgov.demo.district import build_demo_geojson
from gridgov.domain.gazetteer import MIN_CONFIDENCE, place
from gridgov.domain.grids import tree_from_geojson

TREE = tree_from_geojson(build_demo_geojson())


def test_an_estate_named_in_the_address_places_the_report_in_its_grid_with_full_confidence():
    found = place("景华新村5栋302", TREE)
    assert found.name == "景华新村" and found.confidence == 1.0
    node = TREE.get(found.grid_code)
    assert node.geometry.covers(__import__("shapely").geometry.Point(found.lon, found.lat))


def test_a_near_miss_is_placed_with_a_lower_confidence():
    found = place("景华新邨", TREE)  # 邨 for 村, a common variant
    assert found is not None and MIN_CONFIDENCE <= found.confidence < 1.0


def test_unknown_or_too_coarse_addresses_are_not_placed():
    assert place("火星基地一号", TREE) is None
    assert place("深圳市福田区莲花街道", TREE) is None  # a street alone does not say who must act
    assert place("", TREE) is None
