"""The one password policy: every way of setting a password refuses the same weak ones, naming the rule."""

from __future__ import annotations

import pytest

from gridgov.adapters.password_list import load_common_passwords
from gridgov.domain.passwords import PasswordPolicy
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def policy() -> PasswordPolicy:
    return PasswordPolicy(min_length=10, common=load_common_passwords())


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "too_short"),
        ("short-pw", "too_short"),
        ("x" * 257, "too_long"),
        ("1234567890123", "digits_only"),
        ("aaaaaaaaaaaa", "one_character"),
        ("password123", "common"),
        ("qwertyuiop", "common"),
        ("woaini1314", "common"),
        ("1qaz2wsx3edc", "common"),
        ("PASSWORD123", "common"),  # the list is compared case-insensitively
        ("zhangwei-2026!", "contains_username"),
        ("my ZhangWei password", "contains_username"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule_they_break(policy, password, code) -> None:
    problem = policy.problem(password, username="zhangwei", display_name="张伟")
    assert problem is not None and problem.code == code


def test_a_password_containing_the_display_name_is_refused(policy) -> None:
    problem = policy.problem("Li Na rocks the grid", username="lina01", display_name="Li Na")
    assert problem is not None
    assert (problem.code, problem.message) == ("contains_display_name", "the password must not contain the display name")


def test_the_reason_names_the_minimum_length(policy) -> None:
    assert policy.problem("12345678").message == "the password must have at least 10 characters"


def test_long_unusual_passwords_pass(policy) -> None:
    assert policy.problem(PASSWORD, username="ann", display_name="ann") is None
    assert policy.problem("莲花街道网格巡查2026", username="gw", display_name="网格员") is None
    assert policy.problem("tram-Lantern-47-sorrel", username="disp", display_name="Dispatcher") is None


def test_short_names_do_not_forbid_every_password_containing_two_letters(policy) -> None:
    # "gw" is a real user name in the test district; it appears inside ordinary words by chance
    assert policy.problem("the-gwen-river-runs", username="gw", display_name="gw") is None


def test_the_shipped_list_holds_only_passwords_the_length_rule_would_not_refuse_anyway() -> None:
    common = load_common_passwords()
    assert len(common) == 8354
    assert min(len(p) for p in common) == 8
    assert "demo" not in common and "iloveyou123" in common
