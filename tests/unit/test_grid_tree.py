"""The grid tree: import validation (every problem at once), deepest-node lookup, borders, round trips."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box, mapping

from gridgov.demo.district import build_demo_geojson, demo_sample_points
from gridgov.domain.grids import GridImportError, GridLevel, code_problem, tree_from_geojson, tree_to_geojson


def feature(code, level, parent, geom, name=None, fid=None):
    return {
        "type": "Feature",
        "id": fid or code,
        "geometry": mapping(geom) if not isinstance(geom, dict) else geom,
        "properties": {"code": code, "name": name or code, "level": level, "parent_code": parent},
    }


def small_tree_features():
    """A street 0..2 x 0..1 with two communities side by side, each with one grid."""
    return [
        feature("440304001", "street", None, box(0, 0, 2, 1)),
        feature("440304001001", "community", "440304001", box(0, 0, 1, 1)),
        feature("440304001002", "community", "440304001", box(1, 0, 2, 1)),
        feature("440304001001001", "grid", "440304001001", box(0, 0, 1, 0.5)),
        feature("440304001002001", "grid", "440304001002", box(1, 0, 2, 1)),
    ]


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def problems_of(features):
    with pytest.raises(GridImportError) as err:
        tree_from_geojson(fc(features))
    return err.value.problems


def test_a_point_is_placed_in_the_deepest_grid_that_covers_it():
    tree = tree_from_geojson(fc(small_tree_features()))
    assert tree.locate(0.5, 0.25).code == "440304001001001"
    assert tree.locate(0.5, 0.75).code == "440304001001"  # community area with no grid drawn
    assert tree.locate(5, 5) is None


def test_a_point_on_a_border_shared_by_siblings_goes_to_the_smaller_code():
    tree = tree_from_geojson(fc(small_tree_features()))
    assert tree.locate(1.0, 0.75).code == "440304001001"
    assert tree.locate(1.0, 0.25).code == "440304001001001"


def test_a_point_on_the_outer_border_counts_as_inside():
    tree = tree_from_geojson(fc(small_tree_features()))
    assert tree.locate(2.0, 0.5).code == "440304001002001"
    assert tree.locate(0.0, 0.0).code == "440304001001001"


def test_navigation_children_ancestors_and_subtrees():
    tree = tree_from_geojson(fc(small_tree_features()))
    assert [n.code for n in tree.children("440304001")] == ["440304001001", "440304001002"]
    assert [n.code for n in tree.ancestors("440304001002001")] == ["440304001", "440304001002"]
    assert tree.subtree_codes("440304001002") == ["440304001002", "440304001002001"]
    assert [n.code for n in tree][0] == "440304001" and len(tree) == 5


def test_an_invalid_polygon_is_reported_with_its_feature_id():
    features = small_tree_features()
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0.5], [1, 0], [0, 0.5], [0, 0]]]}
    features[3] = feature("440304001001001", "grid", "440304001001", bowtie, fid="f-bowtie")
    (problem,) = problems_of(features)
    assert problem.feature_id == "f-bowtie" and problem.kind == "invalid_polygon"


def test_a_child_outside_its_parent_is_reported():
    features = small_tree_features()
    features[3] = feature("440304001001001", "grid", "440304001001", box(0.5, 0, 1.5, 0.5))
    assert any(p.kind == "outside_parent" and p.code == "440304001001001" for p in problems_of(features))


def test_a_child_sticking_out_by_less_than_the_tolerance_is_accepted():
    features = small_tree_features()
    features[3] = feature("440304001001001", "grid", "440304001001", box(0, 0, 1.00001, 0.5))
    tree_from_geojson(fc(features))


def test_overlapping_siblings_are_reported():
    features = small_tree_features()
    features[2] = feature("440304001002", "community", "440304001", box(0.5, 0, 2, 1))
    features[4] = feature("440304001002001", "grid", "440304001002", box(1, 0, 2, 1))
    assert any(p.kind == "overlapping_siblings" for p in problems_of(features))


def test_an_unknown_parent_code_is_reported():
    features = small_tree_features()
    features[4] = feature("440304001009001", "grid", "440304001009", box(1, 0, 2, 1))
    assert any(p.kind == "unknown_parent" and p.code == "440304001009001" for p in problems_of(features))


def test_a_code_that_does_not_extend_its_parents_is_reported():
    features = small_tree_features()
    features[4] = feature("440304001001002", "grid", "440304001002", box(1, 0, 2, 1))
    assert any(p.kind == "bad_code" for p in problems_of(features))


def test_missing_properties_and_unreadable_geometry_are_problems_not_crashes():
    features = small_tree_features()
    features.append({"type": "Feature", "id": "x1", "geometry": None, "properties": {"code": "440304001002002"}})
    features.append(feature("440304001002003", "grid", "440304001002", {"type": "Polygon", "coordinates": "nope"}, fid="x2"))
    kinds = {p.feature_id: p.kind for p in problems_of(features)}
    assert kinds == {"x1": "missing_property", "x2": "bad_geometry"}


def test_every_problem_of_a_file_is_reported_at_once():
    features = small_tree_features()
    features[3] = feature("440304001001001", "grid", "440304001001", box(0.5, 0, 1.5, 0.5))
    features[4] = feature("440304001009001", "grid", "440304001009", box(1, 0, 2, 1))
    features.append(copy.deepcopy(features[1]))
    kinds = {p.kind for p in problems_of(features)}
    assert {"outside_parent", "unknown_parent", "duplicate_code"} <= kinds


def test_an_empty_collection_is_refused():
    assert problems_of([])[0].kind == "empty"


def test_geojson_round_trips():
    tree = tree_from_geojson(build_demo_geojson())
    again = tree_from_geojson(tree_to_geojson(tree))
    assert [(n.code, n.name, n.level, n.parent_code) for n in again] == [(n.code, n.name, n.level, n.parent_code) for n in tree]
    assert all(a.geometry.equals(b.geometry) for a, b in zip(again, tree, strict=True))


@pytest.mark.parametrize(
    ("code", "level", "parent", "ok"),
    [("440304", GridLevel.DISTRICT, None, True), ("440304001", GridLevel.STREET, "440304", True),
     ("44030400", GridLevel.STREET, "440304", False), ("440305001", GridLevel.STREET, "440304", False),
     ("4403040010a1", GridLevel.COMMUNITY, "440304001", False)],
)  # fmt: skip
def test_codes_follow_the_admin_code_prefix_and_level_length(code, level, parent, ok):
    assert (code_problem(code, level, parent) is None) is ok


def test_the_demo_district_validates_with_four_communities_and_about_thirty_grids():
    tree = tree_from_geojson(build_demo_geojson())
    levels = [n.level for n in tree]
    assert levels.count(GridLevel.COMMUNITY) == 4
    assert 28 <= levels.count(GridLevel.GRID) <= 36
    assert levels.count(GridLevel.MICRO_GRID) >= 2


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_any_demo_sample_point_is_located_in_its_grid_or_below(seed):
    tree = tree_from_geojson(build_demo_geojson())
    for lon, lat, grid_code in demo_sample_points(3, seed=seed):
        assert tree.locate(lon, lat).code.startswith(grid_code)
