"""A category table stored before categories had synonyms, phrasings and scenes (issue 11, migration
0011 adds the columns empty) gets the shipped ones at start-up for the rows it shares with the shipped
table, so an upgraded district keeps recognising reports; a table that has its own keeps them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gridgov.domain.taxonomy import CategoryTable, named_in
from gridgov.services.rules import seed_defaults


@pytest.mark.parametrize("any_platform", ["sqlite", "postgres"], indirect=True)
def test_a_table_stored_before_recognition_data_gets_the_shipped_phrasings_once(any_platform):
    with any_platform.uow() as uow:
        shipped = uow.categories.table()
        bare = [replace(c, synonyms=(), phrases=(), scenes=()) for c in shipped]
        bare = [replace(c, name="本区垃圾桶") if c.code == "C0111" else c for c in bare]  # renamed by the district
        uow.categories.replace_all(CategoryTable(bare))
        uow.commit()
    with any_platform.uow() as uow:
        assert named_in("垃圾箱满溢，周边散落垃圾", uow.categories.table()) is None  # nothing to recognise by
        seed_defaults(uow)
    with any_platform.uow() as uow:
        table = uow.categories.table()
    assert table.get("E0504").synonyms[:2] == ("机动车乱停放", "违停") and table.by_scene("出店经营").code == "E0502"
    assert table.get("C0111").synonyms == ()  # renamed: the district's own row, left as it is
    assert not any("[垃圾桶]" in p for p in table.get("E0109").phrases)  # it would refer to a category gone
    assert named_in("小吃店把桌子摆到人行道上经营", table).category.code == "E0502"


@pytest.mark.parametrize("any_platform", ["sqlite", "postgres"], indirect=True)
def test_a_table_with_its_own_recognition_data_is_kept_at_start_up(any_platform):
    with any_platform.uow() as uow:
        own = [replace(c, synonyms=("本区说法",)) if c.code == "E0109" else replace(c, synonyms=(), phrases=(), scenes=())
               for c in uow.categories.table()]  # fmt: skip
        uow.categories.replace_all(CategoryTable(own))
        uow.commit()
    with any_platform.uow() as uow:
        seed_defaults(uow)
    with any_platform.uow() as uow:
        table = uow.categories.table()
    assert table.get("E0109").synonyms == ("本区说法",) and table.get("E0504").synonyms == ()
