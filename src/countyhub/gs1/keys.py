"""GS1 keys: GTIN check digits and normalisation, lot and serial values, EPC URIs and SGTIN-96
(SGTIN-198 and the choice between them: `countyhub.gs1.tds`).

Strict by design: a GTIN must be 8, 12, 13 or 14 digits with the right check digit; a lot or a
serial must use the GS1 AI encodable character set 82 and fit its length. Every error names what
is wrong and where (character position, expected check digit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from countyhub.gs1.errors import GS1KeyError, UnknownCompanyPrefixError

GTIN_LENGTHS = (8, 12, 13, 14)
LOT_MAX_LENGTH = 20  # AI (10) is X..20
SERIAL_MAX_LENGTH = 20  # AI (21) is X..20

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

# GS1 prefix used for restricted circulation numbers within a company (040-049): a county
# without a GS1 company prefix numbers its products here; see docs/identifiers.md.
INTERNAL_PREFIX = "04"
_COUNTY_CODE = re.compile(r"\d{6}")
INTERNAL_ITEM_DIGITS = 4


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for `digits` (a key without its check digit).

    From the rightmost digit, weights alternate 3, 1, 3, ...; the check digit brings the weighted
    sum up to a multiple of ten. The same rule serves GTIN, GLN and SSCC.
    """
    if not digits.isdigit() or not digits.isascii():
        raise GS1KeyError(f"check digit needs digits only, got {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def verify_check_digit(key: str, *, name: str = "key") -> None:
    """Raise `GS1KeyError` naming the expected digit when the last digit of `key` is wrong."""
    expected = check_digit(key[:-1])
    if key[-1] != expected:
        raise GS1KeyError(f"{name} {key}: invalid check digit, expected {expected}, got {key[-1]}")


def normalise_gtin(code: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as 14 digits (left-padded with zeros)."""
    for position, char in enumerate(code, start=1):
        if not ("0" <= char <= "9"):
            raise GS1KeyError(
                f"GTIN {code!r}: character {char!r} at position {position} is not a digit"
            )
    if len(code) not in GTIN_LENGTHS:
        raise GS1KeyError(f"GTIN {code!r}: {len(code)} digits; a GTIN has 8, 12, 13 or 14 digits")
    verify_check_digit(code, name="GTIN")
    return code.zfill(14)


def is_valid_gtin(code: str) -> bool:
    try:
        normalise_gtin(code)
    except GS1KeyError:
        return False
    return True


def gs1_prefix_usage(gtin: str) -> str | None:
    """What GS1 says the prefix of this GTIN is used for (e.g. 'GS1 China'), via biip's table."""
    from biip import ParseError  # lazy: see countyhub.gs1
    from biip.gs1_prefixes import GS1Prefix  # lazy: see countyhub.gs1

    gtin13 = normalise_gtin(gtin)[1:]
    try:
        prefix = GS1Prefix.extract(gtin13)
    except ParseError:
        return None
    return prefix.usage if prefix else None


COMPANY_PREFIX_LENGTHS = range(6, 13)
INTERNAL_COMPANY_PREFIX_LENGTH = 8  # "04" + the 6-digit county code


def check_company_prefix_length(gtin: str, length: int) -> int:
    """Check that a GS1 company prefix of `length` digits can lead `gtin`; return `length`.

    The prefix length cannot be read off a GTIN, so a stated one is checked against what can
    be: the range 6-12, the county's internal scheme (8 digits), GS1 prefixes that no company
    holds (restricted circulation, coupons, refund receipts), and U.P.C. company prefixes
    (6-11 digits, so 7-12 once GTIN-12 gets its leading zero).
    """
    gtin14 = normalise_gtin(gtin)
    if length not in COMPANY_PREFIX_LENGTHS:
        raise GS1KeyError(f"company prefix length {length}: expected 6 to 12")
    if is_internal_gtin(gtin14):
        if length != INTERNAL_COMPANY_PREFIX_LENGTH:
            raise GS1KeyError(
                f"GTIN {gtin14} is an internal GTIN: its company prefix is "
                f"{gtin14[1:9]} ({INTERNAL_COMPANY_PREFIX_LENGTH} digits), not {length} digits"
            )
        return length
    _refuse_prefixes_no_company_holds(gtin14)
    if gtin14[1] == "0" and not gtin14.startswith("000000") and length < 7:
        raise GS1KeyError(
            f"GTIN {gtin14} is a GTIN-12 (U.P.C.): its company prefix has 7 to 12 digits "
            f"with the leading zero, not {length}"
        )
    return length


def _refuse_prefixes_no_company_holds(gtin14: str) -> None:
    if gtin14.startswith("000000"):
        return  # a GTIN-8: biip's table reads its padding as the "unused" range 00000
    usage = gs1_prefix_usage(gtin14) or ""
    if any(word in usage.lower() for word in ("restricted circulation", "coupon", "refund")):
        raise GS1KeyError(
            f"GTIN {gtin14}: its GS1 prefix is {usage[0].lower() + usage[1:]}; "
            "no company prefix leads such a number"
        )


def company_prefix_length(gtin: str, known: int | None = None) -> int:
    """The length of the GS1 company prefix that leads `gtin` (after the indicator digit).

    `known` (what the county stored for the product) wins once checked; otherwise the internal
    scheme's 8 digits, otherwise GS1's company prefix length table as biip carries it.
    """
    if known is not None:
        return check_company_prefix_length(gtin, known)
    from biip.gs1_prefixes import GS1CompanyPrefix  # lazy: see countyhub.gs1

    gtin14 = normalise_gtin(gtin)
    if is_internal_gtin(gtin14):
        return INTERNAL_COMPANY_PREFIX_LENGTH
    _refuse_prefixes_no_company_holds(gtin14)
    found = GS1CompanyPrefix.extract(gtin14[1:])
    if found is None or len(found.value) not in COMPANY_PREFIX_LENGTHS:
        raise UnknownCompanyPrefixError(
            f"GTIN {gtin14}: the length of its GS1 company prefix is not known (GS1's company "
            "prefix table has no entry for it); give it (6 to 12 digits), e.g. as the "
            "product's GS1 company prefix length"
        )
    return check_company_prefix_length(gtin14, len(found.value))


def gtin_from_company_prefix(
    company_prefix: str, item_reference: str, *, indicator: str = "0"
) -> str:
    """Build a GTIN-14 from a GS1 company prefix and an item reference (together 12 digits)."""
    if not (company_prefix.isdigit() and 6 <= len(company_prefix) <= 12):
        raise GS1KeyError(f"company prefix {company_prefix!r}: expected 6 to 12 digits")
    if len(company_prefix) + len(item_reference) != 12 or not (
        item_reference == "" or item_reference.isdigit()
    ):
        raise GS1KeyError(
            f"item reference {item_reference!r}: expected {12 - len(company_prefix)} digits "
            f"after the {len(company_prefix)}-digit company prefix"
        )
    if not (indicator.isdigit() and len(indicator) == 1):
        raise GS1KeyError(f"indicator digit {indicator!r}: expected one digit 0-9")
    body = indicator + company_prefix + item_reference
    return body + check_digit(body)


def internal_company_prefix(county_code: str) -> str:
    """The 8-digit stand-in company prefix of a county without a GS1 company prefix.

    `04` (GS1 restricted circulation within a company) followed by the county's 6-digit
    administrative division code (GB/T 2260), e.g. `04522701` for county 522701.
    """
    if not _COUNTY_CODE.fullmatch(county_code):
        raise GS1KeyError(f"county code {county_code!r}: expected the 6-digit division code")
    return INTERNAL_PREFIX + county_code


def internal_gtin(county_code: str, item_number: int, *, indicator: str = "0") -> str:
    """The internal GTIN-14 of the county's `item_number`-th product (1..9999), stable forever.

    Item numbers are handed out in order and never reused, so the same product keeps the same
    GTIN; the result is an ordinary GTIN-14 (check digit and all) that works in Digital Link
    URIs, EPC URIs and SGTIN-96 like any other.
    """
    limit = 10**INTERNAL_ITEM_DIGITS - 1
    if not 1 <= item_number <= limit:
        raise GS1KeyError(f"internal item number {item_number}: expected 1 to {limit}")
    prefix = internal_company_prefix(county_code)
    return gtin_from_company_prefix(
        prefix, f"{item_number:0{INTERNAL_ITEM_DIGITS}d}", indicator=indicator
    )


def is_internal_gtin(gtin: str) -> bool:
    """True for GTINs in the restricted-circulation range 040-049 (not valid outside the county)."""
    return normalise_gtin(gtin)[1:3] == INTERNAL_PREFIX


def validate_cset82(value: str, *, name: str, max_length: int) -> str:
    """Check a lot, serial or other X..n value: 1..max_length characters of GS1 character set 82."""
    if not value:
        raise GS1KeyError(f"{name} is empty")
    for position, char in enumerate(value, start=1):
        if char not in CSET82:
            raise GS1KeyError(
                f"{name} {value!r}: character {char!r} at position {position} is not in "
                "GS1 character set 82"
            )
    if len(value) > max_length:
        raise GS1KeyError(f"{name} {value!r}: {len(value)} characters, at most {max_length}")
    return value


def validate_lot(lot: str) -> str:
    return validate_cset82(lot, name="lot", max_length=LOT_MAX_LENGTH)


def validate_serial(serial: str) -> str:
    return validate_cset82(serial, name="serial", max_length=SERIAL_MAX_LENGTH)


# EPC Tag Data Standard (URI form of GS1 AI encodable character set 82): these characters must
# be written as %-escapes in the serial or lot of an EPC URI; every other character of set 82
# stands for itself, and any escape of a set-82 character is read back.
_EPC_ESCAPES = {
    '"': "%22",
    "%": "%25",
    "&": "%26",
    "/": "%2F",
    "<": "%3C",
    ">": "%3E",
    "?": "%3F",
}


def epc_escape(value: str) -> str:
    """Escape a serial or lot (GS1 character set 82) for an EPC pure-identity or tag URI."""
    return "".join(_EPC_ESCAPES.get(char, char) for char in value)


def epc_unescape(value: str, *, name: str = "serial") -> str:
    """Read the serial or lot part of an EPC URI back; errors name the character and position.

    A character that must be escaped may not appear literally, an escape needs two hexadecimal
    digits, and what an escape stands for must be in GS1 character set 82.
    """
    out = []
    position = 0
    while position < len(value):
        char = value[position]
        where = f"{name} {value!r}: position {position + 1}"
        if char == "%":
            digits = value[position + 1 : position + 3]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise GS1KeyError(f"{where}: '%' must start an escape of two hexadecimal digits")
            decoded = chr(int(digits, 16))
            if decoded not in CSET82:
                raise GS1KeyError(
                    f"{where}: escape %{digits} stands for {decoded!r}, which is not in "
                    "GS1 character set 82"
                )
            out.append(decoded)
            position += 3
            continue
        if char in _EPC_ESCAPES:
            raise GS1KeyError(
                f"{where}: character {char!r} must be escaped as {_EPC_ESCAPES[char]}"
            )
        if char not in CSET82:
            raise GS1KeyError(f"{where}: character {char!r} is not in GS1 character set 82")
        out.append(char)
        position += 1
    return "".join(out)


def split_gtin(gtin: str, company_prefix_length: int) -> tuple[str, str]:
    """(company prefix, indicator digit + item reference): the two EPC URI fields of a GTIN."""
    gtin14 = normalise_gtin(gtin)
    if not 6 <= company_prefix_length <= 12:
        raise GS1KeyError(f"company prefix length {company_prefix_length}: expected 6 to 12")
    company_prefix = gtin14[1 : 1 + company_prefix_length]
    indicator_item_reference = gtin14[0] + gtin14[1 + company_prefix_length : 13]
    return company_prefix, indicator_item_reference


def sgtin_uri(gtin: str, serial: str, *, company_prefix_length: int) -> str:
    """The EPC pure-identity URI of one serialised unit: `urn:epc:id:sgtin:CP.IIR.serial`."""
    company_prefix, item = split_gtin(gtin, company_prefix_length)
    return f"urn:epc:id:sgtin:{company_prefix}.{item}.{epc_escape(validate_serial(serial))}"


def lgtin_uri(gtin: str, lot: str, *, company_prefix_length: int) -> str:
    """The EPC class URI of a lot: `urn:epc:class:lgtin:CP.IIR.lot`."""
    company_prefix, item = split_gtin(gtin, company_prefix_length)
    return f"urn:epc:class:lgtin:{company_prefix}.{item}.{epc_escape(validate_lot(lot))}"


_SGTIN_URI = re.compile(r"urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.(.+)")


@dataclass(frozen=True)
class SerialisedUnit:
    """One serialised trade item: GTIN-14 plus serial, and the company prefix length it uses."""

    gtin: str
    serial: str
    company_prefix_length: int


def parse_sgtin_uri(uri: str) -> SerialisedUnit:
    match = _SGTIN_URI.fullmatch(uri)
    if not match:
        raise GS1KeyError(f"{uri!r} is not an SGTIN URI (urn:epc:id:sgtin:CP.IIR.serial)")
    company_prefix, item, serial = match.groups()
    if len(company_prefix) + len(item) != 13:
        raise GS1KeyError(
            f"{uri!r}: company prefix and indicator/item reference have "
            f"{len(company_prefix) + len(item)} digits, expected 13"
        )
    body = item[0] + company_prefix + item[1:]
    return SerialisedUnit(
        gtin=body + check_digit(body),
        serial=validate_serial(epc_unescape(serial)),
        company_prefix_length=len(company_prefix),
    )


# SGTIN partition table (EPC Tag Data Standard; the same for SGTIN-96 and SGTIN-198):
# partition -> (company prefix bits, digits, indicator/item reference bits, digits)
SGTIN_PARTITIONS = {
    0: (40, 12, 4, 1),
    1: (37, 11, 7, 2),
    2: (34, 10, 10, 3),
    3: (30, 9, 14, 4),
    4: (27, 8, 17, 5),
    5: (24, 7, 20, 6),
    6: (20, 6, 24, 7),
}
_SGTIN96_HEADER = 0x30
_SERIAL_BITS = 38


def encode_sgtin96(
    gtin: str, serial: str, *, company_prefix_length: int, filter_value: int = 1
) -> str:
    """Encode a serialised unit as an SGTIN-96 RFID tag (24 upper-case hex characters).

    SGTIN-96 holds only numeric serials without leading zeros below 2**38; anything else needs
    SGTIN-198 (`tds.encode_sgtin198`; `tds.choose_tag` picks). `filter_value` 1 = point-of-sale
    item.
    """
    if not (serial.isdigit() and serial.isascii()) or (len(serial) > 1 and serial[0] == "0"):
        raise GS1KeyError(
            f"serial {serial!r}: SGTIN-96 needs digits without leading zeros (use SGTIN-198)"
        )
    if int(serial) >= 2**_SERIAL_BITS:
        raise GS1KeyError(f"serial {serial}: SGTIN-96 holds serials below {2**_SERIAL_BITS}")
    if not 0 <= filter_value <= 7:
        raise GS1KeyError(f"filter value {filter_value}: expected 0 to 7")
    company_prefix, item = split_gtin(gtin, company_prefix_length)
    partition = 12 - company_prefix_length
    cp_bits, _, item_bits, _ = SGTIN_PARTITIONS[partition]
    value = _SGTIN96_HEADER
    for field, bits in (
        (filter_value, 3),
        (partition, 3),
        (int(company_prefix), cp_bits),
        (int(item), item_bits),
        (int(serial), _SERIAL_BITS),
    ):
        value = (value << bits) | field
    return f"{value:024X}"


@dataclass(frozen=True)
class SGTIN96:
    gtin: str
    serial: str
    company_prefix_length: int
    filter_value: int

    def uri(self) -> str:
        return sgtin_uri(self.gtin, self.serial, company_prefix_length=self.company_prefix_length)

    def tag_uri(self) -> str:
        """The EPC tag URI, e.g. `urn:epc:tag:sgtin-96:3.0614141.812345.6789`."""
        company_prefix, item = split_gtin(self.gtin, self.company_prefix_length)
        return f"urn:epc:tag:sgtin-96:{self.filter_value}.{company_prefix}.{item}.{self.serial}"


def decode_sgtin96(hex_value: str) -> SGTIN96:
    """Decode 24 hex characters of an SGTIN-96 tag; errors name the field that is wrong."""
    if not re.fullmatch(r"[0-9A-Fa-f]{24}", hex_value):
        raise GS1KeyError(f"SGTIN-96 {hex_value!r}: expected 24 hexadecimal characters")
    value = int(hex_value, 16)
    header = value >> 88
    if header != _SGTIN96_HEADER:
        raise GS1KeyError(f"SGTIN-96 {hex_value}: header {header:#04x} is not 0x30")
    filter_value = (value >> 85) & 0b111
    partition = (value >> 82) & 0b111
    if partition not in SGTIN_PARTITIONS:
        raise GS1KeyError(f"SGTIN-96 {hex_value}: partition {partition} is not 0-6")
    cp_bits, cp_digits, item_bits, item_digits = SGTIN_PARTITIONS[partition]
    company_prefix = (value >> (82 - cp_bits)) & ((1 << cp_bits) - 1)
    item = (value >> _SERIAL_BITS) & ((1 << item_bits) - 1)
    serial = value & ((1 << _SERIAL_BITS) - 1)
    if company_prefix >= 10**cp_digits or item >= 10**item_digits:
        raise GS1KeyError(f"SGTIN-96 {hex_value}: company prefix or item reference out of range")
    cp_text = f"{company_prefix:0{cp_digits}d}"
    item_text = f"{item:0{item_digits}d}"
    body = item_text[0] + cp_text + item_text[1:]
    return SGTIN96(
        gtin=body + check_digit(body),
        serial=str(serial),
        company_prefix_length=cp_digits,
        filter_value=filter_value,
    )


def giai(company_prefix: str, asset_reference: str) -> str:
    """A Global Individual Asset Identifier (AI 8004): the company prefix and an individual
    asset reference of GS1 character set 82, at most 30 characters in all."""
    if not company_prefix.isdigit() or not 6 <= len(company_prefix) <= 12:
        raise GS1KeyError(f"company prefix {company_prefix!r}: expected 6 to 12 digits")
    reference = validate_cset82(
        asset_reference, name="asset reference", max_length=30 - len(company_prefix)
    )
    return company_prefix + reference


# ---------------------------------------------------------------------------------------------
# SSCC: Serial Shipping Container Code, AI (00), the identifier of a logistic unit (case, pallet)

SSCC_LENGTH = 18
INTERNAL_SSCC_SERIAL_DIGITS = 8  # 18 = extension + 8-digit internal prefix + 8 + check digit


def normalise_sscc(code: str) -> str:
    """Validate an SSCC and return its 18 digits; a leading `(00)` and spaces (as printed under
    a logistic label's bar code) are dropped first."""
    compact = "".join(code.split())
    compact = compact.removeprefix("(00)")
    for position, char in enumerate(compact, start=1):
        if not ("0" <= char <= "9"):
            raise GS1KeyError(
                f"SSCC {code!r}: character {char!r} at position {position} is not a digit"
            )
    if len(compact) != SSCC_LENGTH:
        raise GS1KeyError(f"SSCC {code!r}: {len(compact)} digits; an SSCC has {SSCC_LENGTH}")
    verify_check_digit(compact, name="SSCC")
    return compact


def sscc(company_prefix: str, serial_reference: int | str, extension: str = "0") -> str:
    """Build an SSCC: extension digit + company prefix + serial reference + check digit.

    The serial reference fills the 16 digits left after the extension digit and the company
    prefix (zero-padded from an int); the extension digit is the company's to choose."""
    if not (
        company_prefix.isdigit() and company_prefix.isascii() and 6 <= len(company_prefix) <= 12
    ):
        raise GS1KeyError(f"company prefix {company_prefix!r}: expected 6 to 12 digits")
    width = SSCC_LENGTH - 2 - len(company_prefix)
    if isinstance(serial_reference, int):
        if not 0 <= serial_reference < 10**width:
            raise GS1KeyError(
                f"serial reference {serial_reference}: expected 0 to {10**width - 1} "
                f"after the {len(company_prefix)}-digit company prefix"
            )
        serial_reference = f"{serial_reference:0{width}d}"
    if not (serial_reference.isdigit() and serial_reference.isascii()) or (
        len(serial_reference) != width
    ):
        raise GS1KeyError(
            f"serial reference {serial_reference!r}: expected {width} digits "
            f"after the {len(company_prefix)}-digit company prefix"
        )
    if not (extension.isdigit() and extension.isascii() and len(extension) == 1):
        raise GS1KeyError(f"extension digit {extension!r}: expected one digit 0-9")
    body = extension + company_prefix + serial_reference
    return body + check_digit(body)


def internal_sscc(county_code: str, serial_reference: int, *, extension: str = "0") -> str:
    """The SSCC of the county's `serial_reference`-th logistic unit (1..99999999) under its
    internal company prefix (docs/identifiers.md): never reused, like internal item numbers."""
    limit = 10**INTERNAL_SSCC_SERIAL_DIGITS - 1
    if not 1 <= serial_reference <= limit:
        raise GS1KeyError(
            f"internal SSCC serial reference {serial_reference}: expected 1 to {limit}"
        )
    return sscc(internal_company_prefix(county_code), serial_reference, extension)


def sscc_uri(code: str, *, company_prefix_length: int) -> str:
    """The EPC pure-identity URI of an SSCC: `urn:epc:id:sscc:CP.<extension + serial ref>`."""
    digits = normalise_sscc(code)
    if not 6 <= company_prefix_length <= 12:
        raise GS1KeyError(f"company prefix length {company_prefix_length}: expected 6 to 12")
    company_prefix = digits[1 : 1 + company_prefix_length]
    return f"urn:epc:id:sscc:{company_prefix}.{digits[0]}{digits[1 + company_prefix_length : 17]}"


def format_sscc(code: str) -> str:
    """The human-readable interpretation printed on a logistic label: `(00) 004522701000000015`."""
    return f"(00) {normalise_sscc(code)}"
