import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from hypothesis import given
from hypothesis import strategies as st

from countyhub.gs1 import digital_link, keys
from countyhub.gs1.digital_link import DigitalLink, build, parse
from countyhub.gs1.errors import DigitalLinkError

# GS1.md 4.6, from gs1-syntax-engine dl.c ("Examples from DL specification" and other tests):
# URI -> expected element string.
VALID = [
    ("https://id.gs1.org/01/09520123456788", "(01)09520123456788"),
    ("https://id.gs1.org/01/09520123456788/22/2A", "(01)09520123456788(22)2A"),
    (
        "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
        "(01)09520123456788(10)ABC1(21)12345(17)180426",
    ),
    (
        "https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123",
        "(01)09520123456788(235)XYZ(10)ABC123",
    ),
    ("https://id.gs1.org/414/9520123456788/254/32a%2Fb", "(414)9520123456788(254)32a/b"),
    (
        "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987",
        "(01)12312312312333(22)ABC-123(99)ABC(98)XYZ/987",
    ),
    ("https://a/01/12312312312333/22/ABC+123", "(01)12312312312333(22)ABC+123"),
    (
        "https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123",
        "(00)952012345678912345(02)09520123456788(37)25(10)ABC123",
    ),
    ("https://a/00/faux/00/006141411234567890", "(00)006141411234567890"),
    ("https://example.com/foo/01/09520123456788?linkType=all#x", "(01)09520123456788"),
    # More dl.c test_dl_parseDLuri cases.
    ("HTTPS://a/00/006141411234567890", "(00)006141411234567890"),
    ("https://a:65535/01/12312312312333", "(01)12312312312333"),
    ("https://[2001:db8::1]/01/12312312312333", "(01)12312312312333"),
    (
        "https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ",
        "(01)12312312312333(22)TEST(10)ABC(21)XYZ",
    ),
    ("https://a/253/1231231231232TEST5678901234567", "(253)1231231231232TEST5678901234567"),
    ("https://a/8018/123456789012345675/8019/123", "(8018)123456789012345675(8019)123"),
    ("https://a/stem/00/006141411234567890?", "(00)006141411234567890"),
    ("https://a/stem/401/12345678?99=ABC", "(401)12345678(99)ABC"),
    ("https://a/01/12312312312333?&&&99=ABC&&&&&&98=XYZ&&&", "(01)12312312312333(99)ABC(98)XYZ"),
    (
        "https://a/01/12312312312333?singleton1&unknown1=555&99=ABC&singleton2&98=XYZ",
        "(01)12312312312333(99)ABC(98)XYZ",
    ),
    (
        "https://a/01/12312312312333/22/test/10/abc/21/xyz#fragment",
        "(01)12312312312333(22)test(10)abc(21)xyz",
    ),
    (
        "https://id.gs1.org/01/09520123456788?17=201225&3103=000195&3922=0299",
        "(01)09520123456788(17)201225(3103)000195(3922)0299",
    ),
    (
        "https://example.com/8004/9520614141234567?01=9520123456788",
        "(8004)9520614141234567(01)09520123456788",
    ),
    # Day 00 means "end of the month" in GS1 dates.
    ("https://a/01/09520123456788?17=180200", "(01)09520123456788(17)180200"),
    ("https://a/01/09520123456788?17=240229", "(01)09520123456788(17)240229"),
]

# URI -> the offending part the error must name.
INVALID = [
    ("https://example.com/01/09520123456788?10=ABC123", "10=ABC123", "belongs in the path"),
    (
        "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
        "10=ABC123",
        "more than once",
    ),
    ("https://example.com/01/09520123456788/89/ABC123?99=XYZ", "/89/ABC123", "'89' is not"),
    ("https://a/01/12312312312333/10/", "path", "ends with '/'"),
    ("https://a/gtin/12312312312333", "gtin", "convenience alpha"),
    (
        "https://id.gs1.org/01/09520123456788/10/ABC123/22/123456789",
        "/22/123456789",
        "out of order",
    ),
    ("https://id.gs1.org/01/09506000134353", "/01/09506000134353", "expected 2, got 3"),
    ("https://example.com/01/614141123452", "/01/614141123452", "zero-suppressed"),
    ("https://a/01/09520123456788?17=180230", "17=180230", "date"),
    ("https://a/01/09520123456788?17=1804", "17=1804", "format N2\\+N6"),
    ("https://a/01/09520123456788/10/AB%ZZ", "position 34", "two hex digits"),
    ("https://a/01/09520123456788?99=A+B", "99=A+B", "' ' at position 2"),
    ("https://a/01/09520123456788/10/A%00", "/10/A%00", "NUL"),
    ("https://a/01/09520123456788/17/180426", "/17/180426", "not a key qualifier"),
    ("https://a/01/09520123456788/10/A/10/B", "/10/B", "twice"),
    ("https://a/01/09520123456788/235/X/21/Y", "/21/Y", "out of order"),
    ("https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789", "99=XYZ789", "more"),
    ("https://a/01/09520123456788/21/S?10=L", "10=L", "belongs in the path"),
    ("https://a/01/09520123456788?235=X", "235=X", "belongs in the path"),
    ("https://a/01/12312312312333?99=ABC&999=faux", "999=faux", "'999' is not"),
    ("https://a/stem/00/006141411234567890/", "path", "ends with '/'"),
    (
        "https://a/253/1231231231232TEST56789012345678",
        "/253/1231231231232TEST56789012345678",
        "format",
    ),
    ("HtTp://a/00/006141411234567890", "scheme", "one case"),
    ("https://$a/01/12312312312333", "domain", r"'\$'"),
    ("https://[fe80::1%25lo]/01/12312312312333", "domain", "'%'"),
    ("http://a/b", "path", "no GS1 primary key"),
    # Pairing rules of the GS1 syntax dictionary.
    ("https://a/01/09520123456788?37=25", "01", "cannot be combined with AI 37"),
    ("https://a/01/09520123456788/21/S?235=T", "21", "cannot be combined with AI 235"),
    ("https://a/01/09520123456788?254=X", "254", "needs one of AIs 414"),
    ("https://a/00/952012345678912345?10=ABC123", "10", "needs one of AIs 01, 02"),
    ("https://a/00/952012345678912345?37=25", "37", "needs one of AIs 02, 8026"),
    ("https://a/414/9520123456788?3103=000195", "3103", "needs one of AIs 01, 02"),
    ("https://a/01/09520123456788?01=09520123456788", "01=09520123456788", "more than once"),
    ("https://a/01/09520123456788/10/批次", "position 32", "percent-encoded"),
    ("https://a/01/09520123456788/10/%E6%89%B9", "/10/%E6%89%B9", "character set 82"),
    ("https://a/01/09520123456788//10/A", "path", "empty"),
    ("ftp://a/01/09520123456788", "scheme", "https://"),
    ("https:///01/09520123456788", "domain", "no domain"),
    ("https://a/10/ABC", "path", "no GS1 primary key"),
    ("https://a/01/0952012345678A", "/01/0952012345678A", "format"),
    ("https://a/01/09520123456788?89=X", "89=X", "'89' is not"),
    ("https://a/01/09520123456788?17=230229", "17=230229", "date"),
    ("https://a/01/09520123456788/10/ABC?99=", "99=", "empty value"),
]


@pytest.mark.parametrize(("uri", "element_string"), VALID)
def test_valid_uris_parse_to_the_reference_element_string(uri, element_string):
    assert parse(uri).element_string() == element_string


@pytest.mark.parametrize(("uri", "part", "message"), INVALID)
def test_invalid_uris_name_the_offending_part(uri, part, message):
    with pytest.raises(DigitalLinkError, match=message) as raised:
        parse(uri)
    assert raised.value.part == part


def test_biip_accepts_what_we_refuse():
    # The reason for the strict layer: biip (lenient) parses these without an exception.
    for uri in (
        "https://example.com/01/09520123456788?10=ABC123",
        "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
        "https://example.com/01/614141123452",
        "https://id.gs1.org/01/09506000134353",
    ):
        GS1DigitalLinkURI.parse(uri)
        with pytest.raises(DigitalLinkError):
            parse(uri)


def test_zero_suppressed_gtin_only_when_permitted():
    link = parse("https://example.com/01/614141123452", permit_zero_suppressed_gtin=True)
    assert link.gtin == "00614141123452"


def test_parsed_fields_and_json_form():
    link = parse(
        "https://trace.example.cn/01/09520123456788/10/ABC1/21/12345?17=180426&3103=000250"
    )
    assert link.to_json() == {
        "gtin": "09520123456788",
        "lot": "ABC1",
        "serial": "12345",
        "attributes": {"17": "180426", "3103": "000250"},
    }
    assert link.domain == "trace.example.cn"


def test_non_gtin_keys_carry_their_key_in_json():
    data = parse("https://id.gs1.org/414/9520123456788/254/32a%2Fb").to_json()
    assert data["gtin"] is None
    assert data["key"] == {"ai": "414", "value": "9520123456788"}
    assert data["qualifiers"] == {"254": "32a/b"}


# dl.c test_testGenerateDLuri, with the element strings as keyword arguments.
@pytest.mark.parametrize(
    ("link", "uri"),
    [
        (
            DigitalLink("01", "12312312312326", {"21": "abc123"}),
            "https://id.gs1.org/01/12312312312326/21/abc123",
        ),
        (
            DigitalLink(
                "01", "12312312312333", {"10": "ABC123", "21": "XYZ"}, {"99": "XYZ"}, "example.com"
            ),
            "https://example.com/01/12312312312333/10/ABC123/21/XYZ?99=XYZ",
        ),
        (
            DigitalLink("01", "12312312312333", {"10": "ABC+123"}, {"99": "XYZ+QWERTY"}),
            "https://id.gs1.org/01/12312312312333/10/ABC%2B123?99=XYZ%2BQWERTY",
        ),
    ],
)
def test_build_matches_the_reference_generator(link, uri):
    assert build(link) == uri


def test_product_link_normalises_gtin_and_sorts_attributes():
    link = DigitalLink.product(
        "9506000134352",
        lot="L/1",
        serial="7",
        attributes={"17": "270131", "15": "270101"},
        domain="trace.example.cn",
    )
    assert (
        link.uri == "https://trace.example.cn/01/09506000134352/10/L%2F1/21/7?15=270101&17=270131"
    )
    assert link.canonical_uri().startswith("https://id.gs1.org/01/09506000134352/")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gtin": "9506000134353"}, "expected 2"),
        ({"gtin": "9506000134352", "lot": "A B"}, "character ' '"),
        ({"gtin": "9506000134352", "lot": "X" * 21}, "format"),
        ({"gtin": "9506000134352", "attributes": {"10": "A"}}, "more than once|belongs"),
        ({"gtin": "9506000134352", "attributes": {"17": "271332"}}, "format|date"),
        ({"gtin": "9506000134352", "domain": "bad/domain"}, "host name"),
    ],
)
def test_build_refuses_invalid_values(kwargs, message):
    with pytest.raises((DigitalLinkError, keys.GS1KeyError), match=message):
        build(DigitalLink.product(**kwargs))


lots = st.text(alphabet=sorted(keys.CSET82), min_size=1, max_size=20)
serials = st.text(alphabet=sorted(keys.CSET82), min_size=1, max_size=20)


@given(
    st.integers(min_value=0, max_value=10**13 - 1),
    st.one_of(st.none(), lots),
    st.one_of(st.none(), serials),
    st.one_of(st.none(), st.dates().map(lambda d: d.strftime("%y%m%d"))),
)
def test_build_then_parse_round_trips(body, lot, serial, expiry):
    digits = f"{body:013d}"
    gtin = digits + keys.check_digit(digits)
    attributes = {"17": expiry} if expiry else {}
    link = DigitalLink.product(gtin, lot=lot, serial=serial, attributes=attributes)
    parsed = parse(link.uri)
    assert (parsed.gtin, parsed.lot, parsed.serial, parsed.attributes) == (
        gtin,
        lot,
        serial,
        attributes,
    )
    # biip agrees on the values of every URI we build.
    biip_link = GS1DigitalLinkURI.parse(link.uri)
    assert biip_link.element_strings.get(ai="01").value == gtin
    if lot:
        assert biip_link.element_strings.get(ai="10").value == lot


# dl.c test_dl_testValidateDLpathAIseq: every valid key-qualifier sequence, and some invalid ones.
VALID_SEQUENCES = [
    ["00"],
    ["01"], ["01", "21"], ["01", "10"], ["01", "10", "21"], ["01", "22"], ["01", "22", "21"],
    ["01", "22", "10"], ["01", "22", "10", "21"], ["01", "235"],
    ["253"], ["255"], ["401"], ["402"],
    ["414"], ["414", "254"], ["414", "7040"], ["417"], ["417", "7040"],
    ["8003"], ["8004"], ["8004", "7040"],
    ["8006"], ["8006", "21"], ["8006", "10"], ["8006", "10", "21"], ["8006", "22"],
    ["8006", "22", "21"], ["8006", "22", "10"], ["8006", "22", "10", "21"],
    ["8010"], ["8010", "8011"], ["8013"], ["8017"], ["8017", "8019"], ["8018"], ["8018", "8019"],
]  # fmt: skip
INVALID_SEQUENCES = [
    ["00", "10"], ["01", "21", "10"], ["01", "10", "22"], ["01", "235", "21"], ["01", "10", "10"],
    ["414", "254", "7040"], ["8006", "235"], ["253", "254"],
]  # fmt: skip


@pytest.mark.parametrize("sequence", VALID_SEQUENCES, ids="/".join)
def test_reference_key_qualifier_sequences_are_valid(sequence):
    assert digital_link._is_valid_sequence(sequence[0], sequence[1:])


@pytest.mark.parametrize("sequence", INVALID_SEQUENCES, ids="/".join)
def test_other_key_qualifier_sequences_are_invalid(sequence):
    assert not digital_link._is_valid_sequence(sequence[0], sequence[1:])
