import pytest

from countyhub.customs.errors import HSCodeError, PartyCodeError
from countyhub.customs.hs import normalise_hs, parse_hs
from countyhub.customs.parties import validate_party_code, validate_uscc

from .builders import COOPERATIVE_USCC


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0902.2090.00", "0902209000"),
        ("09022090.00", "0902209000"),
        ("0902 2090 00", "0902209000"),
        ("0409000000", "0409000000"),
        ("0712391000", "0712391000"),
        ("2103909000114", "2103909000114"),
        (" 0902209000101 ", "0902209000101"),
        ("9701100000", "9701100000"),
    ],
)
def test_valid_hs_codes_are_normalised(raw, code):
    assert normalise_hs(raw) == code


def test_the_ciq_suffix_is_kept_apart():
    parsed = parse_hs("0902.2090.00.101")
    assert (parsed.code, parsed.ciq, parsed.chapter, parsed.hs6) == (
        "0902209000",
        "101",
        "09",
        "090220",
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("902209000", "leading zero was probably lost"),  # Excel ate the 0 of 0902…
        ("409000000.0", "looks like a number a spreadsheet wrote back"),
        ("902209000101", "leading zero was probably lost"),  # 13 digits minus the zero
        ("09022090", "has 8 digits"),
        ("09022090001", "has 11 digits"),
        ("7700000000", "chapter 77 does not exist"),
        ("9800000000", "chapter 98 does not exist"),
        ("0000000000", "chapter 00 does not exist"),
        ("0902-2090-0A", "characters other than digits"),
        ("０９０２２０９０００", "characters other than digits"),
        ("", "empty"),
    ],
)
def test_invalid_and_excel_mangled_hs_codes_are_refused_with_the_reason(raw, reason):
    with pytest.raises(HSCodeError, match=reason):
        parse_hs(raw)


def test_uscc_check_character():
    assert validate_uscc("91110000600037341L") == "91110000600037341L"
    assert validate_uscc("9311 0000 6000 3734 1L".replace("93", "91", 1)) == "91110000600037341L"
    assert validate_party_code(COOPERATIVE_USCC) == COOPERATIVE_USCC


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91110000600037341M", "the check character should be 'L', not 'M'"),
        ("9111000060003734", "has 16 characters, not 18"),
        ("A1110000600037341L", "first 8 characters must be digits"),
        ("9111000060003734IL", "first 8 characters must be digits and the others"),
    ],
)
def test_invalid_uscc_is_refused(code, reason):
    with pytest.raises(PartyCodeError, match=reason):
        validate_uscc(code)


def test_customs_codes_and_no_code():
    assert validate_party_code("1105910159") == "1105910159"
    assert validate_party_code("无", allow_no_code=True) == "无"
    with pytest.raises(PartyCodeError, match="allowed only for a foreign platform"):
        validate_party_code("无")
    with pytest.raises(PartyCodeError, match="4 digits"):
        validate_party_code("AB05910159")
    with pytest.raises(PartyCodeError, match="has 9 characters: a customs code has 10"):
        validate_party_code("110591015")
