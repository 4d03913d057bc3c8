"""Personal numbers at rest: sealed so the database alone reveals none, found again by a keyed hash,
and readable through a key rotation."""

from __future__ import annotations

import pytest

from gridgov.adapters.pii_vault import PiiVault

KEY = "the-districts-register-key-0001"


def test_a_sealed_number_opens_to_itself_and_does_not_contain_it() -> None:
    vault = PiiVault(KEY)
    token = vault.seal("440304199001011233")
    assert "440304199001011233" not in token
    assert vault.open(token) == "440304199001011233"


def test_two_seals_of_one_number_differ_but_their_search_hash_is_the_same() -> None:
    vault = PiiVault(KEY)
    assert vault.seal("13812345678") != vault.seal("13812345678")
    assert vault.digest("13812345678") == vault.digest("13812345678")
    assert vault.digest("13812345678") != vault.digest("13812345679")


def test_the_hash_depends_on_the_key_so_it_cannot_be_recomputed_without_it() -> None:
    assert PiiVault(KEY).digest("13812345678") != PiiVault("another-key-entirely").digest("13812345678")
    assert len(PiiVault(KEY).digest("13812345678")) == 64


def test_during_a_rotation_old_seals_open_and_searches_look_under_both_keys() -> None:
    old = PiiVault(KEY)
    token = old.seal("13812345678")
    rotating = PiiVault("the-new-key-0002", [KEY])
    assert rotating.open(token) == "13812345678"
    assert rotating.digests("13812345678") == [PiiVault("the-new-key-0002").digest("13812345678"), old.digest("13812345678")]
    new_token, new_hash = rotating.reseal(token)
    assert PiiVault("the-new-key-0002").open(new_token) == "13812345678"
    assert new_hash == PiiVault("the-new-key-0002").digest("13812345678")


def test_a_seal_under_a_key_no_longer_held_is_refused_by_name() -> None:
    token = PiiVault(KEY).seal("13812345678")
    with pytest.raises(ValueError, match="key this process does not hold"):
        PiiVault("the-new-key-0002").open(token)


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        PiiVault("")
