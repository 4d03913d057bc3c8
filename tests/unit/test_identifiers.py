"""Golden vectors for the register's identifiers.

Where the valid vectors come from (never from the code under test):
- resident ID numbers: GB 11643-1999's own examples (11010519491231002X, 440524188001010014); the others
  are fictitious people whose check character was worked out from the standard's weights
  (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, S mod 11 -> 1 0 X 9 8 7 6 5 4 3 2) by a separate calculation.
  Worked by hand for 440304199001011233: 4·7+4·9+0·10+3·5+0·8+4·4+1·2+9·1+9·6+0·3+0·7+1·9+0·10+1·5
  +1·8+2·4+3·2 = 196, 196 mod 11 = 9 -> "3".
- credit codes: codes published on business licences of listed companies and banks (腾讯, 华为, 招商银行 …);
  the fictitious ones were worked out from GB 32100's weights (3^(i-1) mod 31) and GB 11714's
  (3 7 9 10 5 8 4 2) by a separate calculation.
"""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.domain.identifiers import (
    InvalidIdentifier,
    PhoneKind,
    Sex,
    credit_check_character,
    id_check_character,
    organisation_check_character,
    parse_credit_code,
    parse_phone,
    parse_resident_id,
    upgrade_id_number,
)

TODAY = date(2026, 12, 1)

VALID_IDS = [
    "11010519491231002X",  # GB 11643 example
    "440524188001010014",  # GB 11643 example, born 1880
    "440304199001011233",
    "440305198512305673",
    "110108200002290047",  # 29 February of a leap year divisible by 400
    "310115197806153212",
    "510107196603034128",
    "330102199912310884",
    "120101194508150075",
    "370202201010101023",
    "420106198808088884",
    "650102197207043317",
    "540102199505202260",
    "460106200109110138",
    "810000199007010255",  # Hong Kong residence permit
    "820000200001010104",  # Macao residence permit
    "830000198506010427",  # Taiwan residents' residence permit
    "710000197001010171",
    "320106195602160193",
    "230103202002290068",
    "610103199910010056",
    "500103196701234564",
    "440304202601010212",
    "440304190001010125",
    "210102193004301515",
    "44030419920615107X",
    "44030419920615115X",
    "44030419920615123X",
    "44030419920615131X",
    "440304202612010015",  # born today
    "440304185001010014",  # the earliest birth date accepted
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers_pass_unchanged(number: str) -> None:
    assert parse_resident_id(number, today=TODAY).number == number


def test_a_lower_case_x_and_blanks_around_are_accepted_as_the_capital() -> None:
    assert parse_resident_id(" 11010519491231002x ", today=TODAY).number == "11010519491231002X"


def test_an_id_number_tells_birth_date_region_and_sex() -> None:
    person = parse_resident_id("11010519491231002X", today=TODAY)
    assert (person.birth_date, person.region_code, person.sex) == (date(1949, 12, 31), "110105", Sex.FEMALE)
    assert parse_resident_id("440304199001011233", today=TODAY).sex == Sex.MALE


UPGRADES = [
    ("110105491231002", "11010519491231002X"),
    ("440304900101123", "440304199001011233"),
    ("310115780615321", "310115197806153212"),
    ("510107660303412", "510107196603034128"),
    ("330102991231088", "330102199912310884"),
]


@pytest.mark.parametrize(("old", "new"), UPGRADES)
def test_first_generation_numbers_are_upgraded_to_eighteen(old: str, new: str) -> None:
    assert upgrade_id_number(old) == new
    person = parse_resident_id(old, today=TODAY)
    assert (person.number, person.upgraded) == (new, True)


INVALID_IDS = [
    ("", "id_shape"),
    ("44030419900101123", "id_shape"),  # 17
    ("4403041990010112334", "id_shape"),  # 19
    ("4403041990010112", "id_shape"),  # 16
    ("44030419900101A233", "id_shape"),
    ("4403041990X1011233", "id_shape"),
    ("440304199001011231Y", "id_shape"),
    ("４４０３０４１９９００１０１１２３３", "id_shape"),  # full-width digits
    ("44030490010112X", "id_shape"),  # 15 digits take no X
    ("440304-199001011233", "id_shape"),
    ("00030419900101001X", "id_region"),
    ("990304199001010019", "id_region"),
    ("100304199001010013", "id_region"),
    ("200304199001010017", "id_region"),
    ("44000019900101001X", "id_region"),  # a province's own code is on no card
    ("000304900101123", "id_region"),
    ("440304199002300010", "id_birth_date"),  # 30 February
    ("440304199013010019", "id_birth_date"),  # month 13
    ("440304199000000014", "id_birth_date"),
    ("440304202302290015", "id_birth_date"),  # 2023 is no leap year
    ("440304190002290018", "id_birth_date"),  # nor is 1900
    ("440304900230123", "id_birth_date"),  # 15 digits, 30 February 1990
    ("440304202612020010", "id_birth_future"),  # tomorrow
    ("440304202701010017", "id_birth_future"),
    ("440304184912310013", "id_birth_past"),
    ("440304199001011234", "id_checksum"),  # last character changed
    ("440304199001011230", "id_checksum"),
    ("44030419900101123X", "id_checksum"),
    ("440304199010011233", "id_checksum"),  # two digits swapped
    ("11010519491231002Y", "id_shape"),
    ("110105194912310021", "id_checksum"),
]


@pytest.mark.parametrize(("number", "code"), INVALID_IDS)
def test_each_broken_rule_of_an_id_number_is_named(number: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        parse_resident_id(number, today=TODAY)
    assert refused.value.code == code


def test_id_check_character_of_the_standards_example() -> None:
    assert id_check_character("11010519491231002") == "X"


VALID_CREDIT_CODES = [
    "91330100799655058B",  # published
    "9144030071526726XG",
    "914403001922038216",
    "91110000802100433B",
    "91110108551385082Q",
    "91350100M000100Y43",
    "911101085923662400",
    "91440300100012316L",
    "9144030010001686XA",
    "91440300192181490G",
    "91440300192317458F",
    "9144030027939873X7",
    "91520000214434146R",
    "91100000100003962T",  # region 100000: registered at national level
    "911000001000013428",
    "911100001000044477",
    "911100001000054748",
    "9131000010000595XD",
    "91310000132200821H",
    "12100000400000624D",
    "53100000500021676K",
    "91440101231245152Y",
    "91440304MA5D123407",  # fictitious, computed from the standard
    "92440304MA5F0A7B1C",  # 个体工商户
    "93440300MA5G00019G",  # 农民专业合作社
    "52440300MJL000016J",  # 民办非企业单位
    "51440300500001237N",  # 社会团体
    "12440300455755135F",  # 事业单位
    "11440300007543219U",  # 机关
    "91110105MA01ABCD5F",
    "91310115MA1K3P4QXR",
    "92440305L12345674M",
    "Y1440300MC00000127",
    "N2440300NA0000012K",
    "53440300MJ0000A11W",
    "31440000MD00000162",
    "81440300MC0000B207",
]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_valid_credit_codes_pass(code: str) -> None:
    assert parse_credit_code(code).code == code


def test_a_credit_code_tells_authority_kind_region_and_organisation_code() -> None:
    parsed = parse_credit_code(" 9144030071526726xg ")
    assert (parsed.code, parsed.authority, parsed.kind, parsed.region_code, parsed.organisation_code) == (
        "9144030071526726XG", "9", "1", "440300", "71526726X"
    )


INVALID_CREDIT_CODES = [
    ("", "credit_length"),
    ("9144030071526726X", "credit_length"),
    ("9144030071526726XGG", "credit_length"),
    ("91440300715267", "credit_length"),
    ("9144030071526726IG", "credit_alphabet"),  # I reads as 1
    ("91440300O15267260G", "credit_alphabet"),  # O reads as 0
    ("9144030071526726ZG", "credit_alphabet"),
    ("914403007152672SXG", "credit_alphabet"),
    ("91440300V1526726XG", "credit_alphabet"),
    ("91440300-1526726XG", "credit_alphabet"),
    ("0144030071526726XG", "credit_authority"),
    ("B144030071526726XG", "credit_authority"),
    ("9444030071526726XG", "credit_kind"),  # 工商 registers no kind 4
    ("9944030071526726XG", "credit_kind"),
    ("Y244030071526726XG", "credit_kind"),
    ("1444030071526726XG", "credit_kind"),
    ("91000300715267260G", "credit_region"),
    ("91990300715267260G", "credit_region"),
    ("9144A30071526726XG", "credit_region"),
    ("91440300715267260G", "org_checksum"),  # the organisation code's check X changed to 0
    ("914403007152672615", "org_checksum"),
    ("914403001922038261", "org_checksum"),  # the last two characters swapped
    ("91330100799655051B", "org_checksum"),
    ("9144030071526726XH", "credit_checksum"),
    ("9144030071526726X0", "credit_checksum"),
    ("914403001922038217", "credit_checksum"),
    ("91110108592343655D", "credit_checksum"),
    ("91330100799655058C", "credit_checksum"),
]


@pytest.mark.parametrize(("code", "rule"), INVALID_CREDIT_CODES)
def test_each_broken_rule_of_a_credit_code_is_named(code: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        parse_credit_code(code)
    assert refused.value.code == rule


def test_check_characters_of_a_published_licence() -> None:
    assert organisation_check_character("71526726") == "X"
    assert credit_check_character("9144030071526726X") == "G"
    assert organisation_check_character("M000100Y") == "4"  # 22·3 + 1·5 + 34·2 = 139, 11 - 139 mod 11 = 4


VALID_PHONES = [
    ("13812345678", "13812345678", PhoneKind.MOBILE),
    ("138 1234 5678", "13812345678", PhoneKind.MOBILE),
    ("138-1234-5678", "13812345678", PhoneKind.MOBILE),
    ("+86 138 1234 5678", "13812345678", PhoneKind.MOBILE),
    ("+8613812345678", "13812345678", PhoneKind.MOBILE),
    ("008613812345678", "13812345678", PhoneKind.MOBILE),
    ("+86-138-1234-5678", "13812345678", PhoneKind.MOBILE),
    ("19912345678", "19912345678", PhoneKind.MOBILE),
    ("16612345678", "16612345678", PhoneKind.MOBILE),
    ("14712345678", "14712345678", PhoneKind.MOBILE),
    ("17012345678", "17012345678", PhoneKind.MOBILE),
    ("15012345678", "15012345678", PhoneKind.MOBILE),
    ("18688889999", "18688889999", PhoneKind.MOBILE),
    (" 13912345678 ", "13912345678", PhoneKind.MOBILE),
    ("010-62345678", "010-62345678", PhoneKind.LANDLINE),
    ("01062345678", "010-62345678", PhoneKind.LANDLINE),
    ("0755-83561234", "0755-83561234", PhoneKind.LANDLINE),
    ("075583561234", "0755-83561234", PhoneKind.LANDLINE),
    ("(0755)83561234", "0755-83561234", PhoneKind.LANDLINE),
    ("（0755）83561234", "0755-83561234", PhoneKind.LANDLINE),
    ("0755 8356 1234", "0755-83561234", PhoneKind.LANDLINE),
    ("021-5432 1098", "021-54321098", PhoneKind.LANDLINE),
    ("020-83331234", "020-83331234", PhoneKind.LANDLINE),
    ("0371-6789012", "0371-6789012", PhoneKind.LANDLINE),  # 7-digit local number
    ("0898-66123456", "0898-66123456", PhoneKind.LANDLINE),
    ("029-88661234", "029-88661234", PhoneKind.LANDLINE),
    ("+86 755 8356 1234", "0755-83561234", PhoneKind.LANDLINE),  # dialled from abroad, no trunk 0
    ("0086 10 62345678", "010-62345678", PhoneKind.LANDLINE),
]


@pytest.mark.parametrize(("given", "number", "kind"), VALID_PHONES)
def test_valid_phones_get_their_canonical_form(given: str, number: str, kind: PhoneKind) -> None:
    phone = parse_phone(given)
    assert (phone.number, phone.kind) == (number, kind)


INVALID_PHONES = [
    ("", "phone_characters"),
    ("   ", "phone_characters"),
    ("abc", "phone_characters"),
    ("138-1234-567a", "phone_characters"),
    ("１３８１２３４５６７８", "phone_characters"),  # full-width digits
    ("+1 415 555 1234", "phone_characters"),
    ("138.1234.5678", "phone_characters"),
    ("13812345678#1", "phone_characters"),
    ("12812345678", "phone_mobile"),  # no mobile starts 12
    ("11012345678", "phone_mobile"),
    ("10086", "phone_mobile"),
    ("1381234567", "phone_mobile"),  # 10 digits
    ("138123456789", "phone_mobile"),  # 12 digits
    ("+86 1381234567", "phone_mobile"),
    ("1", "phone_mobile"),
    ("0755-0356123", "phone_landline"),  # local numbers never start 0
    ("0755-1356123", "phone_landline"),  # nor 1
    ("0755-123456", "phone_landline"),  # 6 digits
    ("0755-835612345", "phone_landline"),  # 9 digits
    ("0123-4567890", "phone_landline"),  # 01 is only 010
    ("00-12345678", "phone_landline"),
    ("0", "phone_landline"),
    ("83561234", "phone_landline"),  # no area code
    ("075583561234567", "phone_landline"),
]


@pytest.mark.parametrize(("given", "rule"), INVALID_PHONES)
def test_each_broken_rule_of_a_phone_is_named(given: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        parse_phone(given)
    assert refused.value.code == rule


def test_counts_of_golden_vectors() -> None:
    """The issue asks for at least 50 golden vectors for each identifier."""
    assert len(VALID_IDS) + len(UPGRADES) + len(INVALID_IDS) >= 50
    assert len(VALID_CREDIT_CODES) + len(INVALID_CREDIT_CODES) >= 50
    assert len(VALID_PHONES) + len(INVALID_PHONES) >= 50
