from gridgov.domain.privacy import mask_id_number, mask_name, mask_phone, phone_visible_to
from gridgov.domain.roles import Role


def test_mobile_numbers_keep_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "861******5678"


def test_short_numbers_reveal_almost_nothing() -> None:
    assert mask_phone("1234") == "****"
    assert mask_phone("12345") == "***45"
    assert mask_phone(None) is None


def test_id_numbers_keep_region_and_last_four() -> None:
    assert mask_id_number("440304199001011234") == "440304********1234"


def test_names_keep_the_surname() -> None:
    assert mask_name("林美华") == "林**"


def test_only_center_roles_and_the_person_see_the_phone() -> None:
    assert phone_visible_to(Role.DISPATCHER)
    assert not phone_visible_to(Role.HANDLER)
    assert not phone_visible_to(Role.RESIDENT)
    assert phone_visible_to(Role.RESIDENT, is_self=True)
