"""EPC Tag Data Standard for serialised trade items: SGTIN-198, and SGTIN-96 or SGTIN-198 per unit.

SGTIN-96 (`keys.encode_sgtin96`) holds a numeric serial without leading zeros below 2**38.
SGTIN-198 holds any serial of GS1 AI (21), up to 20 characters of GS1 character set 82: header
0x36, 3-bit filter, 3-bit partition, company prefix and indicator/item reference in 44 bits (the
partition table of SGTIN-96), then the serial as 7-bit ASCII characters padded with zero bits to
140 bits. The 198 bits are written to the tag's EPC memory padded with zeros to a whole number of
16-bit words: 208 bits, 52 hexadecimal characters.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from enum import StrEnum

from countyhub.gs1 import keys
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.errors import GS1KeyError

SGTIN198_HEADER = 0x36
SGTIN198_BITS = 198
SGTIN198_WORD_BITS = 208  # 198 bits padded to 13 16-bit words of EPC memory
SGTIN198_HEX_LENGTH = SGTIN198_WORD_BITS // 4
SGTIN198_SERIAL_BITS = 140
_CHARACTER_BITS = 7
_PADDING_BITS = SGTIN198_WORD_BITS - SGTIN198_BITS
SGTIN96_HEX_LENGTH = 24


class Scheme(StrEnum):
    SGTIN_96 = "SGTIN-96"
    SGTIN_198 = "SGTIN-198"


@dataclass(frozen=True)
class Tag:
    """One serialised unit as an RFID tag: the identity, the filter value and the tag's hex."""

    scheme: Scheme
    gtin: str
    serial: str
    company_prefix_length: int
    filter_value: int
    hex: str

    def uri(self) -> str:
        """The EPC pure-identity URI, e.g. `urn:epc:id:sgtin:0614141.812345.6789`."""
        return keys.sgtin_uri(
            self.gtin, self.serial, company_prefix_length=self.company_prefix_length
        )

    def tag_uri(self) -> str:
        """The EPC tag URI, e.g. `urn:epc:tag:sgtin-198:3.95060001343.05.32a%2Fb`."""
        company_prefix, item = keys.split_gtin(self.gtin, self.company_prefix_length)
        fields = (str(self.filter_value), company_prefix, item, keys.epc_escape(self.serial))
        return f"urn:epc:tag:{self.scheme.lower()}:" + ".".join(fields)

    def digital_link_path(self) -> str:
        """The Digital Link path of the unit, `/01/<gtin14>/21/<serial percent-encoded>`."""
        return "/" + DigitalLink.product(self.gtin, serial=self.serial).uri.split("/", 3)[3]

    def to_json(self) -> dict[str, str | int]:
        """What `countyhub trace epc` prints."""
        return {
            "gtin": self.gtin,
            "serial": self.serial,
            "company_prefix_length": self.company_prefix_length,
            "filter": self.filter_value,
            "scheme": self.scheme.value,
            "epc_uri": self.uri(),
            "tag_uri": self.tag_uri(),
            "tag_hex": self.hex,
            "digital_link_path": self.digital_link_path(),
        }


def fits_sgtin96(serial: str) -> bool:
    """Whether SGTIN-96 can hold `serial`: digits, no leading zero, below 2**38."""
    return (
        serial.isdigit()
        and serial.isascii()
        and (serial == "0" or serial[0] != "0")
        and int(serial) < 2**38
    )


def _check_filter(filter_value: int) -> None:
    if not 0 <= filter_value <= 7:
        raise GS1KeyError(f"filter value {filter_value}: expected 0 to 7")


def encode_sgtin198(
    gtin: str, serial: str, *, company_prefix_length: int, filter_value: int = 1
) -> str:
    """Encode a serialised unit as an SGTIN-198 tag: 52 upper-case hex characters (208 bits)."""
    keys.validate_serial(serial)
    _check_filter(filter_value)
    company_prefix, item = keys.split_gtin(gtin, company_prefix_length)
    partition = 12 - company_prefix_length
    cp_bits, _, item_bits, _ = keys.SGTIN_PARTITIONS[partition]
    serial_value = 0
    for char in serial:
        serial_value = (serial_value << _CHARACTER_BITS) | ord(char)
    serial_value <<= SGTIN198_SERIAL_BITS - _CHARACTER_BITS * len(serial)
    value = SGTIN198_HEADER
    for field, bits in (
        (filter_value, 3),
        (partition, 3),
        (int(company_prefix), cp_bits),
        (int(item), item_bits),
        (serial_value, SGTIN198_SERIAL_BITS),
        (0, _PADDING_BITS),
    ):
        value = (value << bits) | field
    return f"{value:0{SGTIN198_HEX_LENGTH}X}"


def _decode_serial(bits: int, hex_value: str) -> str:
    """The 140-bit string field: 7-bit characters up to the first all-zero one, then zeros."""
    count = SGTIN198_SERIAL_BITS // _CHARACTER_BITS
    chars: list[str] = []
    ended_at = None
    for index in range(count):
        code = (bits >> (SGTIN198_SERIAL_BITS - _CHARACTER_BITS * (index + 1))) & 0x7F
        if ended_at is not None:
            if code:
                raise GS1KeyError(
                    f"SGTIN-198 {hex_value}: serial character {index + 1} ({chr(code)!r}) "
                    f"follows the terminating zero character at position {ended_at}"
                )
            continue
        if code == 0:
            ended_at = index + 1
            continue
        if chr(code) not in keys.CSET82:
            raise GS1KeyError(
                f"SGTIN-198 {hex_value}: serial character {index + 1} is {code:#04x} "
                f"({chr(code)!r}), not in GS1 character set 82"
            )
        chars.append(chr(code))
    if not chars:
        raise GS1KeyError(f"SGTIN-198 {hex_value}: the serial is empty")
    return "".join(chars)


def decode_sgtin198(hex_value: str) -> Tag:
    """Decode the 52 hex characters of an SGTIN-198 tag; errors name the field that is wrong."""
    if not re.fullmatch(r"[0-9A-Fa-f]+", hex_value):
        raise GS1KeyError(f"SGTIN-198 {hex_value!r}: not hexadecimal")
    if len(hex_value) != SGTIN198_HEX_LENGTH:
        raise GS1KeyError(
            f"SGTIN-198 {hex_value}: {len(hex_value) * 4} bits; expected {SGTIN198_WORD_BITS} "
            f"({SGTIN198_HEX_LENGTH} hex characters: 198 bits padded to 16-bit words)"
        )
    hex_value = hex_value.upper()
    value = int(hex_value, 16)
    header = value >> (SGTIN198_WORD_BITS - 8)
    if header != SGTIN198_HEADER:
        raise GS1KeyError(f"SGTIN-198 {hex_value}: header {header:#04x} is not 0x36")
    if value & ((1 << _PADDING_BITS) - 1):
        raise GS1KeyError(
            f"SGTIN-198 {hex_value}: the last {_PADDING_BITS} bits (padding after bit 198) "
            "must be zero"
        )
    value >>= _PADDING_BITS
    filter_value = (value >> (SGTIN198_BITS - 11)) & 0b111
    partition = (value >> (SGTIN198_BITS - 14)) & 0b111
    if partition not in keys.SGTIN_PARTITIONS:
        raise GS1KeyError(f"SGTIN-198 {hex_value}: partition {partition} is not 0-6")
    cp_bits, cp_digits, item_bits, item_digits = keys.SGTIN_PARTITIONS[partition]
    company_prefix = (value >> (SGTIN198_SERIAL_BITS + item_bits)) & ((1 << cp_bits) - 1)
    item = (value >> SGTIN198_SERIAL_BITS) & ((1 << item_bits) - 1)
    if company_prefix >= 10**cp_digits:
        raise GS1KeyError(
            f"SGTIN-198 {hex_value}: company prefix {company_prefix} has more than "
            f"{cp_digits} digits (partition {partition})"
        )
    if item >= 10**item_digits:
        raise GS1KeyError(
            f"SGTIN-198 {hex_value}: indicator/item reference {item} has more than "
            f"{item_digits} digits (partition {partition})"
        )
    serial = _decode_serial(value & ((1 << SGTIN198_SERIAL_BITS) - 1), hex_value)
    item_text = f"{item:0{item_digits}d}"
    body = item_text[0] + f"{company_prefix:0{cp_digits}d}" + item_text[1:]
    return Tag(
        scheme=Scheme.SGTIN_198,
        gtin=body + keys.check_digit(body),
        serial=serial,
        company_prefix_length=cp_digits,
        filter_value=filter_value,
        hex=hex_value,
    )


def choose_tag(gtin: str, serial: str, *, company_prefix_length: int, filter_value: int = 1) -> Tag:
    """The tag of one unit: SGTIN-96 when its serial fits, otherwise SGTIN-198."""
    gtin14 = keys.normalise_gtin(gtin)
    keys.validate_serial(serial)
    if fits_sgtin96(serial):
        scheme = Scheme.SGTIN_96
        hex_value = keys.encode_sgtin96(
            gtin14, serial, company_prefix_length=company_prefix_length, filter_value=filter_value
        )
    else:
        scheme = Scheme.SGTIN_198
        hex_value = encode_sgtin198(
            gtin14, serial, company_prefix_length=company_prefix_length, filter_value=filter_value
        )
    return Tag(scheme, gtin14, serial, company_prefix_length, filter_value, hex_value)


def decode_tag(hex_value: str) -> Tag:
    """Decode an SGTIN-96 (24 hex characters) or SGTIN-198 (52) tag, told apart by length."""
    if not hex_value:
        raise GS1KeyError("tag is empty")
    for position, char in enumerate(hex_value, start=1):
        if char not in string.hexdigits:
            raise GS1KeyError(
                f"tag {hex_value!r}: character {char!r} at position {position} is not hexadecimal"
            )
    if len(hex_value) == SGTIN96_HEX_LENGTH:
        decoded = keys.decode_sgtin96(hex_value)
        return Tag(
            Scheme.SGTIN_96,
            decoded.gtin,
            decoded.serial,
            decoded.company_prefix_length,
            decoded.filter_value,
            hex_value.upper(),
        )
    if len(hex_value) == SGTIN198_HEX_LENGTH:
        return decode_sgtin198(hex_value)
    raise GS1KeyError(
        f"tag {hex_value}: {len(hex_value)} hex characters ({len(hex_value) * 4} bits); "
        f"expected {SGTIN96_HEX_LENGTH} (SGTIN-96) or {SGTIN198_HEX_LENGTH} (SGTIN-198)"
    )


_TAG_URI = re.compile(r"urn:epc:tag:(sgtin-96|sgtin-198):([0-7])\.(\d{6,12})\.(\d{1,7})\.(.+)")


def parse_tag_uri(uri: str) -> Tag:
    """Read an EPC tag URI (`urn:epc:tag:sgtin-96:F.CP.IIR.S` or `sgtin-198`) and encode it."""
    match = _TAG_URI.fullmatch(uri)
    if not match:
        raise GS1KeyError(
            f"{uri!r} is not an SGTIN tag URI (urn:epc:tag:sgtin-96:F.CP.IIR.serial or sgtin-198)"
        )
    scheme_name, filter_text, company_prefix, item, serial = match.groups()
    unit = keys.parse_sgtin_uri(f"urn:epc:id:sgtin:{company_prefix}.{item}.{serial}")
    encode = keys.encode_sgtin96 if scheme_name == "sgtin-96" else encode_sgtin198
    hex_value = encode(
        unit.gtin,
        unit.serial,
        company_prefix_length=unit.company_prefix_length,
        filter_value=int(filter_text),
    )
    return Tag(
        Scheme(scheme_name.upper()),
        unit.gtin,
        unit.serial,
        unit.company_prefix_length,
        int(filter_text),
        hex_value,
    )


def read_unit(
    text: str, *, company_prefix_length: int | None = None, filter_value: int | None = None
) -> Tag:
    """One serialised unit from any of its written forms, with its tag.

    A serial Digital Link (`https://d/01/<gtin>/21/<serial>`) or an EPC pure-identity URI is
    encoded (SGTIN-96 when the serial fits, else SGTIN-198; filter 1 unless given); an EPC tag
    URI or a tag's hex (24 or 52 hex digits) is decoded. A Digital Link needs the company prefix
    length: `company_prefix_length`, else the internal scheme or GS1's table.
    """
    if "://" in text:
        link = parse_digital_link(text)
        if link.gtin is None or link.serial is None:
            raise GS1KeyError(
                f"{text!r}: a unit's Digital Link needs a GTIN and a serial "
                "(/01/<gtin>/21/<serial>)"
            )
        length = keys.company_prefix_length(link.gtin, company_prefix_length)
        return choose_tag(
            link.gtin, link.serial, company_prefix_length=length, filter_value=filter_value or 1
        )
    if text.startswith("urn:epc:id:"):
        unit = keys.parse_sgtin_uri(text)
        if company_prefix_length not in (None, unit.company_prefix_length):
            raise GS1KeyError(
                f"company prefix length {company_prefix_length} contradicts the "
                f"{unit.company_prefix_length}-digit company prefix of {text!r}"
            )
        return choose_tag(
            unit.gtin,
            unit.serial,
            company_prefix_length=unit.company_prefix_length,
            filter_value=filter_value or 1,
        )
    if text.startswith("urn:epc:tag:"):
        return parse_tag_uri(text)
    if text.startswith("urn:"):
        raise GS1KeyError(f"{text!r}: expected urn:epc:id:sgtin:... or urn:epc:tag:sgtin-...")
    return decode_tag(text)
