"""SSCCs (AI 00) for cases and pallets: GS1's own examples, check digits, the internal scheme."""

import pytest

from countyhub.gs1 import keys
from countyhub.gs1.digital_link import DigitalLink, parse
from countyhub.gs1.errors import GS1KeyError

# GS1's examples: the EPC Tag Data Standard's SSCC (the parentID of EPCIS 2.0 example 9.6.3,
# urn:epc:id:sscc:0614141.1234567890) and the Digital Link test vector /00/952012345678912345.
TDS_SSCC = "106141412345678908"
DL_SSCC = "952012345678912345"


def test_gs1_examples_build_with_their_check_digits():
    assert keys.sscc("0614141", "234567890", extension="1") == TDS_SSCC
    assert keys.sscc("0614141", 234567890, extension="1") == TDS_SSCC
    assert keys.sscc("520123", "4567891234", extension="9") == DL_SSCC
    assert keys.check_digit(TDS_SSCC[:-1]) == "8"
    assert keys.check_digit(DL_SSCC[:-1]) == "5"


def test_epc_uri_matches_the_epcis_example():
    assert keys.sscc_uri(TDS_SSCC, company_prefix_length=7) == "urn:epc:id:sscc:0614141.1234567890"


@pytest.mark.parametrize(
    "printed", [TDS_SSCC, "(00)106141412345678908", "(00) 1061 4141 2345 6789 08"]
)
def test_normalise_accepts_the_printed_forms(printed):
    assert keys.normalise_sscc(printed) == TDS_SSCC


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("106141412345678907", "invalid check digit, expected 8, got 7"),
        ("10614141234567890", "17 digits; an SSCC has 18"),
        ("1061414123456789O8", "character 'O' at position 17 is not a digit"),
        ("", "0 digits"),
    ],
)
def test_normalise_names_what_is_wrong(code, message):
    with pytest.raises(GS1KeyError, match=message):
        keys.normalise_sscc(code)


def test_internal_scheme_follows_docs_identifiers():
    # `0` + `04522701` + 8-digit serial reference + check digit
    code = keys.internal_sscc("522701", 1)
    assert code[:17] == "0" + "04522701" + "00000001"
    assert code == "004522701000000018"
    assert keys.normalise_sscc(code) == code
    assert keys.internal_sscc("522701", 99999999)[9:17] == "99999999"
    assert keys.format_sscc(code) == "(00) 004522701000000018"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: keys.internal_sscc("522701", 0), "expected 1 to 99999999"),
        (lambda: keys.internal_sscc("522701", 10**8), "expected 1 to 99999999"),
        (lambda: keys.internal_sscc("52270", 1), "expected the 6-digit division code"),
        (lambda: keys.sscc("04522701", "123", "0"), "expected 8 digits"),
        (lambda: keys.sscc("04522701", 1, "x"), "extension digit 'x'"),
        (lambda: keys.sscc("0452", 1), "company prefix '0452': expected 6 to 12 digits"),
        (lambda: keys.sscc_uri(TDS_SSCC, company_prefix_length=13), "expected 6 to 12"),
    ],
)
def test_bad_parts_are_named(call, message):
    with pytest.raises(GS1KeyError, match=message):
        call()


def test_digital_link_of_an_sscc_round_trips():
    code = keys.internal_sscc("522701", 42)
    link = DigitalLink(key_ai="00", key=code, domain="trace.example.cn")
    assert link.uri == f"https://trace.example.cn/00/{code}"
    parsed = parse(link.uri)
    assert (parsed.key_ai, parsed.key) == ("00", code)
