"""EPC Tag Data Standard: SGTIN-198, the SGTIN-96/198 choice, URI escaping, prefix lengths."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyhub.gs1 import keys, tds
from countyhub.gs1.errors import GS1KeyError

# TDS 2.x, appendix E (encoding examples), SGTIN-198: GTIN 09506000134352, serial "32a/b",
# company prefix length 11, filter 3.
TDS_SGTIN198_URI = "urn:epc:id:sgtin:95060001343.05.32a%2Fb"
TDS_SGTIN198_TAG_URI = "urn:epc:tag:sgtin-198:3.95060001343.05.32a%2Fb"
TDS_SGTIN198_HEX = "3666C4409047E159B2C2BF100000000000000000000000000000"


def test_sgtin198_matches_the_tag_data_standard_example():
    unit = keys.parse_sgtin_uri(TDS_SGTIN198_URI)
    assert unit == keys.SerialisedUnit("09506000134352", "32a/b", 11)
    tag = tds.encode_sgtin198(unit.gtin, unit.serial, company_prefix_length=11, filter_value=3)
    assert tag == TDS_SGTIN198_HEX
    decoded = tds.decode_tag(tag)
    assert (decoded.scheme, decoded.filter_value) == (tds.Scheme.SGTIN_198, 3)
    assert decoded.uri() == TDS_SGTIN198_URI
    assert decoded.tag_uri() == TDS_SGTIN198_TAG_URI
    assert tds.parse_tag_uri(TDS_SGTIN198_TAG_URI) == decoded


def test_sgtin198_bit_layout_worked_by_hand():
    # urn:epc:id:sgtin:04522701.00001.A1 (an internal GTIN, company prefix 8 digits), filter 1:
    #   header 0x36 = 00110110, filter 1 = 001, partition 12 - 8 = 4 = 100,
    #   company prefix 4522701 in 27 bits = 000010001010000001011001101,
    #   indicator/item reference 00001 in 17 bits = 00000000000000001,
    #   serial "A1" = 'A' 0x41 = 1000001, '1' 0x31 = 0110001, then 126 zero bits (140 in all),
    #   then 10 zero bits padding the 198 bits to 208 (13 words of EPC memory).
    # Grouped in fours: 0011 0110 0011 0000 0010 0010 1000 0001 0110 0110 1000 0000 0000 0000 0110
    # 0000 1011 0001 0000 ... = 3 6 3 0 2 2 8 1 6 6 8 0 0 0 6 0 B 1 0 ...
    expected = "3630228166800060B1" + "0" * 34
    gtin = keys.internal_gtin("522701", 1)
    assert tds.encode_sgtin198(gtin, "A1", company_prefix_length=8) == expected
    decoded = tds.decode_sgtin198(expected)
    assert decoded.uri() == "urn:epc:id:sgtin:04522701.00001.A1"
    assert (decoded.gtin, decoded.serial, decoded.filter_value) == (gtin, "A1", 1)


def test_sgtin96_example_through_choose_and_decode_tag():
    tag = tds.choose_tag("80614141123458", "6789", company_prefix_length=7, filter_value=3)
    assert (tag.scheme, tag.hex) == (tds.Scheme.SGTIN_96, "3074257BF7194E4000001A85")
    assert tds.decode_tag("3074257bf7194e4000001a85") == tag
    assert tag.tag_uri() == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
    assert tag.digital_link_path() == "/01/80614141123458/21/6789"


@pytest.mark.parametrize(
    ("serial", "scheme"),
    [
        ("6789", tds.Scheme.SGTIN_96),
        ("0", tds.Scheme.SGTIN_96),
        (str(2**38 - 1), tds.Scheme.SGTIN_96),
        (str(2**38), tds.Scheme.SGTIN_198),
        ("0123", tds.Scheme.SGTIN_198),
        ("A-1/2", tds.Scheme.SGTIN_198),
        ("１２", None),  # full-width digits are not GS1 characters at all
    ],
)
def test_choose_tag_uses_sgtin96_only_when_the_serial_fits(serial, scheme):
    if scheme is None:
        with pytest.raises(GS1KeyError, match="position 1"):
            tds.choose_tag("80614141123458", serial, company_prefix_length=7)
        return
    tag = tds.choose_tag("80614141123458", serial, company_prefix_length=7)
    assert tag.scheme == scheme
    assert len(tag.hex) == (24 if scheme == tds.Scheme.SGTIN_96 else 52)
    assert tds.decode_tag(tag.hex) == tag


SET82 = sorted(keys.CSET82)


@given(
    st.sampled_from(range(6, 13)),
    st.integers(min_value=0, max_value=10**13 - 1),
    st.text(alphabet=SET82, min_size=1, max_size=20),
    st.integers(min_value=0, max_value=7),
)
def test_sgtin198_round_trips(prefix_length, body, serial, filter_value):
    digits = f"{body:013d}"
    gtin = digits + keys.check_digit(digits)
    tag = tds.encode_sgtin198(
        gtin, serial, company_prefix_length=prefix_length, filter_value=filter_value
    )
    assert len(tag) == 52 and tag.endswith("0")
    decoded = tds.decode_sgtin198(tag)
    assert decoded == tds.Tag(tds.Scheme.SGTIN_198, gtin, serial, prefix_length, filter_value, tag)
    # The pure-identity URI and the tag URI read back to the same unit.
    assert keys.parse_sgtin_uri(decoded.uri()) == keys.SerialisedUnit(gtin, serial, prefix_length)
    assert tds.parse_tag_uri(decoded.tag_uri()) == decoded


@given(st.text(alphabet=SET82, min_size=1, max_size=20))
def test_epc_uri_escaping_round_trips(serial):
    escaped = keys.epc_escape(serial)
    assert not set(escaped) & set('"&/<>?')
    assert keys.epc_unescape(escaped) == serial


def test_epc_uri_escapes_the_tds_characters():
    assert keys.epc_escape('a"%&/<>?b') == "a%22%25%26%2F%3C%3E%3Fb"
    assert keys.epc_escape("!'()*+,-.:;=_") == "!'()*+,-.:;=_"
    # An escape of a character that needs none is still read (the TDS grammar allows it).
    assert keys.epc_unescape("%41b%2f") == "Ab/"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a/b", "position 2: character '/' must be escaped as %2F"),
        ("ab?", "position 3: character '?' must be escaped as %3F"),
        ("a%2", "position 2: '%' must start an escape of two hexadecimal digits"),
        ("a%G1", "position 2: '%' must start an escape"),
        ("%20", "position 1: escape %20 stands for ' ', which is not in GS1 character set 82"),
        ("a b", "position 2: character ' ' is not in GS1 character set 82"),
    ],
)
def test_epc_unescape_names_the_bad_character_and_position(value, message):
    with pytest.raises(GS1KeyError, match=re.escape(message)):
        keys.epc_unescape(value)


def test_parse_sgtin_uri_refuses_an_unescaped_slash():
    with pytest.raises(GS1KeyError, match="must be escaped as %2F"):
        keys.parse_sgtin_uri("urn:epc:id:sgtin:0614141.812345.a/b")


def hex_of(bits: str) -> str:
    return f"{int(bits, 2):052X}"


GOOD_BITS = f"{int(TDS_SGTIN198_HEX, 16):0208b}"


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        (TDS_SGTIN198_HEX[:-1], r"51 hex characters \(204 bits\); expected 24 \(SGTIN-96\) or 52"),
        (TDS_SGTIN198_HEX + "00", "tag 3666.*: 54 hex characters"),
        ("3666X4", "character 'X' at position 5 is not hexadecimal"),
        ("3766C4409047E159B2C2BF100000000000000000000000000000", "header 0x37 is not 0x36"),
        (hex_of(GOOD_BITS[:11] + "111" + GOOD_BITS[14:]), "partition 7 is not 0-6"),
        # Partition 0: 40 bits for 12 digits; all ones is 1099511627775, 13 digits.
        (
            hex_of(GOOD_BITS[:11] + "000" + "1" * 40 + GOOD_BITS[54:]),
            "company prefix 1099511627775 has more than 12 digits",
        ),
        (hex_of(GOOD_BITS[:-1] + "1"), "last 10 bits .padding after bit 198. must be zero"),
        # Serial "3" then a zero character then "b": characters after the terminator.
        (
            hex_of(GOOD_BITS[:58] + "0110011" + "0000000" + "1100010" + "0" * 129),
            "serial character 3 .'b'. follows the terminating zero character at position 2",
        ),
        (
            hex_of(GOOD_BITS[:58] + "0100000" + "0" * 143),
            r"serial character 1 is 0x20 \(' '\), not in GS1 character set 82",
        ),
        (hex_of(GOOD_BITS[:58] + "0" * 150), "the serial is empty"),
    ],
)
def test_decode_tag_names_the_bad_part(tag, message):
    with pytest.raises(GS1KeyError, match=message):
        tds.decode_tag(tag)


def test_encode_sgtin198_refuses_what_it_cannot_hold():
    with pytest.raises(GS1KeyError, match="21 characters, at most 20"):
        tds.encode_sgtin198("80614141123458", "A" * 21, company_prefix_length=7)
    with pytest.raises(GS1KeyError, match="character 'é' at position 2"):
        tds.encode_sgtin198("80614141123458", "Aé", company_prefix_length=7)
    with pytest.raises(GS1KeyError, match="filter value 8"):
        tds.encode_sgtin198("80614141123458", "A", company_prefix_length=7, filter_value=8)
    with pytest.raises(GS1KeyError, match="company prefix length 13"):
        tds.encode_sgtin198("80614141123458", "A", company_prefix_length=13)


def test_parse_tag_uri_names_what_is_wrong():
    with pytest.raises(GS1KeyError, match="not an SGTIN tag URI"):
        tds.parse_tag_uri("urn:epc:tag:sgtin-96:9.0614141.812345.6789")
    with pytest.raises(GS1KeyError, match="leading zeros"):
        tds.parse_tag_uri("urn:epc:tag:sgtin-96:3.0614141.812345.06789")


@pytest.mark.parametrize(
    ("gtin", "length"),
    [
        ("00614141123452", 7),  # GS1 US, in GS1's company prefix table
        ("06901234567892", 7),  # GS1 China
        (keys.internal_gtin("522701", 12), 8),  # the county's internal scheme
    ],
)
def test_company_prefix_length_from_the_table_or_the_internal_scheme(gtin, length):
    assert keys.company_prefix_length(gtin) == length


def test_company_prefix_length_a_stored_one_wins_once_checked():
    assert keys.company_prefix_length("06901234567892", 9) == 9
    with pytest.raises(GS1KeyError, match="internal GTIN: its company prefix is 04522701"):
        keys.company_prefix_length(keys.internal_gtin("522701", 1), 7)


@pytest.mark.parametrize(
    ("gtin", "length", "message"),
    [
        ("06901234567892", 5, "company prefix length 5: expected 6 to 12"),
        ("06901234567892", 13, "company prefix length 13: expected 6 to 12"),
        ("00012345678905", 6, "GTIN-12 .U.P.C..: its company prefix has 7 to 12 digits"),
        ("02000000000008", 7, "Restricted Circulation Numbers"),
        ("09900000000004", 8, "coupon"),
    ],
)
def test_check_company_prefix_length_names_the_problem(gtin, length, message):
    with pytest.raises(GS1KeyError, match=message):
        keys.check_company_prefix_length(gtin, length)


def test_company_prefix_length_unknown_says_what_to_do():
    # GS1 US "reserved for future use": no company holds it yet, so the table has no entry.
    gtin = "0052000000000" + keys.check_digit("0052000000000")
    with pytest.raises(GS1KeyError, match="length of its GS1 company prefix is not known"):
        keys.company_prefix_length(gtin)
    with pytest.raises(GS1KeyError, match="Restricted Circulation Numbers"):
        keys.company_prefix_length("02000000000008")


def test_decode_sgtin198_names_the_bit_length():
    with pytest.raises(GS1KeyError, match="204 bits; expected 208"):
        tds.decode_sgtin198(TDS_SGTIN198_HEX[:-1])
