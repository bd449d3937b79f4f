import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from countyhub.gs1 import keys
from countyhub.gs1.errors import GS1KeyError

# GS1.md 4.6: biip 5.2.0 and python-stdnum 2.2 agree on these.
VALID_GTINS = [
    ("9506000134352", "09506000134352"),
    ("09520123456788", "09520123456788"),
    ("614141123452", "00614141123452"),
    ("4006381333931", "04006381333931"),
    ("6901234567892", "06901234567892"),
    ("96385074", "00000096385074"),
]


@pytest.mark.parametrize(("code", "gtin14"), VALID_GTINS)
def test_valid_gtins_normalise_to_14_digits(code, gtin14):
    assert keys.normalise_gtin(code) == gtin14
    assert keys.is_valid_gtin(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("4006381333932", "expected 1, got 2"),
        ("09506000134353", "expected 2, got 3"),
        ("950600013435", "expected 9, got 5"),  # stdnum.ean agrees: 9
        ("12345", "5 digits"),
        ("950600013435X", "character 'X' at position 13"),
        ("", "0 digits"),
        ("0950600013435２", "position 14"),  # a full-width digit is not a digit here
    ],
)
def test_invalid_gtins_say_why(code, reason):
    with pytest.raises(GS1KeyError, match=reason):
        keys.normalise_gtin(code)
    assert not keys.is_valid_gtin(code)


def test_check_digit_of_the_gs1_worked_example():
    # GS1.md 4.3: 950600013435? -> weighted sum 78 -> check digit 2.
    assert keys.check_digit("950600013435") == "2"


@given(st.text(alphabet="0123456789", min_size=7, max_size=17))
def test_check_digit_agrees_with_python_stdnum(body):
    assert keys.check_digit(body) == ean.calc_check_digit(body)


def test_gs1_china_prefix_is_reported():
    assert keys.gs1_prefix_usage("6901234567892") == "GS1 China"


def test_gtin_from_company_prefix():
    assert keys.gtin_from_company_prefix("0614141", "12345") == "00614141123452"
    assert keys.gtin_from_company_prefix("0614141", "12345", indicator="1")[0] == "1"
    with pytest.raises(GS1KeyError, match="expected 5 digits"):
        keys.gtin_from_company_prefix("0614141", "1234")


def test_internal_gtins_are_stable_valid_and_in_the_restricted_range():
    first = keys.internal_gtin("522701", 1)
    assert first == keys.internal_gtin("522701", 1)
    assert first == "00452270100018"
    assert keys.is_valid_gtin(first)
    assert keys.is_internal_gtin(first)
    assert not keys.is_internal_gtin("06901234567892")
    usage = keys.gs1_prefix_usage(first)
    assert usage is not None
    assert "Restricted Circulation" in usage
    assert "within a company" in usage
    assert keys.internal_gtin("522701", 2) != first
    assert keys.internal_gtin("522702", 1) != first


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=2))
def test_internal_gtins_never_collide_between_items_or_counties(item, other_county):
    county = "522701"
    other = f"52270{1 + other_county}"
    assert keys.internal_gtin(county, item) != keys.internal_gtin(other, item)
    if item < 9999:
        assert keys.internal_gtin(county, item) != keys.internal_gtin(county, item + 1)


@pytest.mark.parametrize(
    ("county", "item", "message"),
    [("52270", 1, "6-digit"), ("522701", 0, "1 to 9999"), ("522701", 10000, "1 to 9999")],
)
def test_internal_gtin_rejects_bad_input(county, item, message):
    with pytest.raises(GS1KeyError, match=message):
        keys.internal_gtin(county, item)


def test_lot_and_serial_use_character_set_82():
    assert keys.validate_lot("ABC-123/x") == "ABC-123/x"
    with pytest.raises(GS1KeyError, match="character ' ' at position 4"):
        keys.validate_lot("ABC 123")
    with pytest.raises(GS1KeyError, match="character '批' at position 1"):
        keys.validate_lot("批次1")
    with pytest.raises(GS1KeyError, match="21 characters, at most 20"):
        keys.validate_serial("1" * 21)
    with pytest.raises(GS1KeyError, match="empty"):
        keys.validate_serial("")


def test_sgtin_uri_round_trip_with_escaped_serial():
    uri = keys.sgtin_uri("00614141123452", "A/B%1", company_prefix_length=7)
    assert uri == "urn:epc:id:sgtin:0614141.012345.A%2FB%251"
    unit = keys.parse_sgtin_uri(uri)
    assert unit == keys.SerialisedUnit("00614141123452", "A/B%1", 7)


def test_lgtin_class_uri_of_a_lot():
    uri = keys.lgtin_uri("04012345111118", "87545GHGH", company_prefix_length=7)
    assert uri == "urn:epc:class:lgtin:4012345.011111.87545GHGH"


def test_sgtin96_matches_the_tag_data_standard_example():
    # EPC Tag Data Standard example: urn:epc:tag:sgtin-96:3.0614141.812345.6789.
    unit = keys.parse_sgtin_uri("urn:epc:id:sgtin:0614141.812345.6789")
    assert unit.gtin == "80614141123458"
    tag = keys.encode_sgtin96(unit.gtin, "6789", company_prefix_length=7, filter_value=3)
    assert tag == "3074257BF7194E4000001A85"
    decoded = keys.decode_sgtin96(tag)
    assert decoded.tag_uri() == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
    assert decoded.uri() == "urn:epc:id:sgtin:0614141.812345.6789"


@given(
    st.sampled_from(range(6, 13)),
    st.integers(min_value=0, max_value=10**13 - 1),
    st.integers(min_value=0, max_value=2**38 - 1),
    st.integers(min_value=0, max_value=7),
)
def test_sgtin96_round_trips_for_every_partition(prefix_length, body, serial, filter_value):
    digits = f"{body:013d}"
    gtin = digits + keys.check_digit(digits)
    tag = keys.encode_sgtin96(
        gtin, str(serial), company_prefix_length=prefix_length, filter_value=filter_value
    )
    assert len(tag) == 24
    assert keys.decode_sgtin96(tag) == keys.SGTIN96(gtin, str(serial), prefix_length, filter_value)


@pytest.mark.parametrize(
    ("serial", "message"),
    [("0123", "leading zeros"), ("A1", "digits"), (str(2**38), "below")],
)
def test_sgtin96_refuses_serials_it_cannot_hold(serial, message):
    with pytest.raises(GS1KeyError, match=message):
        keys.encode_sgtin96("80614141123458", serial, company_prefix_length=7)


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("3074257BF7194E4000001A8", "24 hexadecimal"),
        ("3174257BF7194E4000001A85", "header"),
        ("307C257BF7194E4000001A85", "partition 7"),
    ],
)
def test_sgtin96_decode_names_the_bad_field(tag, message):
    with pytest.raises(GS1KeyError, match=message):
        keys.decode_sgtin96(tag)
