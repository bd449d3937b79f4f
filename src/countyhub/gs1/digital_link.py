"""GS1 Digital Link URIs: build and strictly parse `https://<domain>/01/<gtin14>/10/<lot>?17=...`.

The rules follow GS1's reference engine (gs1-syntax-engine `dl.c`), which is stricter than biip:
a key qualifier in the query string, a duplicate AI, a zero-suppressed GTIN, a bad check digit,
an unknown AI, an empty value, a trailing `/`, a malformed percent-escape and the deprecated
convenience alphas (`/gtin/...`) are all errors here. biip's AI table supplies the AI formats and
checks the values (including YYMMDD dates). Every `DigitalLinkError` names the offending part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from countyhub.gs1 import keys
from countyhub.gs1.errors import DigitalLinkError, GS1KeyError

if TYPE_CHECKING:
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier

CANONICAL_DOMAIN = "id.gs1.org"

# Primary keys and their key qualifiers; each tuple is one allowed qualifier sequence, in order
# (GS1 Digital Link URI syntax, table of key qualifiers; gs1-syntax-engine `dl.c`).
KEY_QUALIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "00": (),
    "01": (("22", "10", "21"), ("235",)),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
    "414": (("254",), ("7040",)),
    "417": (("7040",),),
    "8003": (),
    "8004": (("7040",),),
    "8006": (("22", "10", "21"),),
    "8010": (("8011",),),
    "8013": (),
    "8017": (("8019",),),
    "8018": (("8019",),),
}
# Keys whose value ends in a GS1 mod-10 check digit over the whole value.
# Keys carrying a GS1 mod-10 check digit: AI -> (name, number of leading digits it covers).
_CHECK_DIGIT_AIS = {
    "00": ("SSCC", 18),
    "01": ("GTIN", 14),
    "02": ("GTIN", 14),
    "253": ("GDTI", 13),
    "414": ("GLN", 13),
    "417": ("GLN", 13),
    "8006": ("ITIP GTIN", 14),
    "8017": ("GSRN", 18),
    "8018": ("GSRN", 18),
}
_BAD_DOMAIN_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
# Deprecated short names the reference engine refuses by default.
CONVENIENCE_ALPHAS = {
    "gtin": "01",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
    "sscc": "00",
    "gln": "414",
    "glnx": "254",
    "exp": "17",
    "bbd": "15",
}
# RFC 3986 characters allowed literally in a URI; anything else must be percent-encoded.
_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class DigitalLink:
    """A parsed or to-be-built Digital Link: primary key, key qualifiers and data attributes.

    `qualifiers` and `attributes` map AI -> value (values decoded, not percent-encoded).
    """

    key_ai: str
    key: str
    qualifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    domain: str = CANONICAL_DOMAIN
    path_prefix: str = ""

    @classmethod
    def product(
        cls,
        gtin: str,
        *,
        lot: str | None = None,
        serial: str | None = None,
        attributes: dict[str, str] | None = None,
        domain: str = CANONICAL_DOMAIN,
    ) -> DigitalLink:
        """A trade item link: GTIN (any length, normalised to 14 digits), lot, serial."""
        qualifiers = {ai: v for ai, v in (("10", lot), ("21", serial)) if v is not None}
        return cls(
            key_ai="01",
            key=keys.normalise_gtin(gtin),
            qualifiers=qualifiers,
            attributes=dict(attributes or {}),
            domain=domain,
        )

    @property
    def gtin(self) -> str | None:
        return self.key if self.key_ai == "01" else None

    @property
    def lot(self) -> str | None:
        return self.qualifiers.get("10")

    @property
    def serial(self) -> str | None:
        return self.qualifiers.get("21")

    @property
    def uri(self) -> str:
        return build(self)

    def canonical_uri(self) -> str:
        """The GS1 canonical form: id.gs1.org, no path prefix, attributes sorted by AI."""
        return build(self, domain=CANONICAL_DOMAIN, path_prefix="")

    def element_string(self) -> str:
        """Human-readable element string, e.g. `(01)09520123456788(10)ABC1(17)180426`."""
        pairs = [(self.key_ai, self.key), *self.qualifiers.items(), *self.attributes.items()]
        return "".join(f"({ai}){value}" for ai, value in pairs)

    def to_json(self) -> dict[str, Any]:
        """The form `countyhub trace parse` prints; other keys than GTIN add `key`."""
        data: dict[str, Any] = {
            "gtin": self.gtin,
            "lot": self.lot,
            "serial": self.serial,
            "attributes": dict(self.attributes),
        }
        extra_qualifiers = {ai: v for ai, v in self.qualifiers.items() if ai not in ("10", "21")}
        if extra_qualifiers:
            data["qualifiers"] = extra_qualifiers
        if self.key_ai != "01":
            data["key"] = {"ai": self.key_ai, "value": self.key}
        return data


def _encode(value: str) -> str:
    # Only the URI unreserved set stays literal (dl.c isURIunreservedCharacters).
    return quote(value, safe="")


def build(link: DigitalLink, *, domain: str | None = None, path_prefix: str | None = None) -> str:
    """Render a link as a URI, validating every value first; attributes are sorted by AI."""
    _validate_link(link)
    host = link.domain if domain is None else domain
    prefix = link.path_prefix if path_prefix is None else path_prefix
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", host):
        raise DigitalLinkError(f"domain {host!r}: expected a host name", part="domain")
    path = f"/{prefix.strip('/')}" if prefix.strip("/") else ""
    path += f"/{link.key_ai}/{_encode(link.key)}"
    for ai, value in link.qualifiers.items():
        path += f"/{ai}/{_encode(value)}"
    query = "&".join(f"{ai}={_encode(link.attributes[ai])}" for ai in sorted(link.attributes))
    return f"https://{host}{path}" + (f"?{query}" if query else "")


# AI pairing rules of the GS1 syntax dictionary ("req=" / "ex=") for the AIs a product, lot or
# pallet link carries; each requirement is a set of which at least one must be present.
_RANGE_3100 = {f"31{n}{d}" for n in "0123456" for d in "012345"}
_REQUIRES: dict[str, tuple[frozenset[str], ...]] = {
    **dict.fromkeys(
        ("10", "11", "13", "15", "16", "20"), (frozenset({"01", "02", "8006", "8026"}),)
    ),
    "17": (frozenset({"01", "02", "255", "8006", "8026"}),),
    "21": (frozenset({"01", "8006"}),),
    "22": (frozenset({"01"}),),
    "235": (frozenset({"01"}),),
    "254": (frozenset({"414"}),),
    "37": (frozenset({"00"}), frozenset({"02", "8026"})),
    **dict.fromkeys(_RANGE_3100, (frozenset({"01", "02"}),)),
}
_EXCLUDES: dict[str, frozenset[str]] = {
    "01": frozenset({"02", "255", "37"}),
    "21": frozenset({"235"}),
}


def _check_pairings(ais: list[str]) -> None:
    present = set(ais)
    for ai in ais:
        for needed in _REQUIRES.get(ai, ()):
            if not present & needed:
                raise DigitalLinkError(
                    f"AI {ai} needs one of AIs {', '.join(sorted(needed))} in the same link",
                    part=ai,
                )
        clash = present & _EXCLUDES.get(ai, frozenset())
        if clash:
            raise DigitalLinkError(
                f"AI {ai} cannot be combined with AI {', '.join(sorted(clash))}", part=ai
            )


def _validate_link(link: DigitalLink) -> None:
    if link.key_ai not in KEY_QUALIFIERS:
        raise DigitalLinkError(f"AI {link.key_ai} is not a primary key", part=link.key_ai)
    _check_value(link.key_ai, link.key, where="key")
    _check_qualifier_order(link.key_ai, list(link.qualifiers))
    for ai, value in link.qualifiers.items():
        _check_value(ai, value, where="qualifier")
    for ai, value in link.attributes.items():
        _check_attribute_key(
            ai, link.key_ai, list(link.qualifiers), seen=set(link.qualifiers) | {link.key_ai}
        )
        _check_value(ai, value, where="attribute")
    _check_pairings([link.key_ai, *link.qualifiers, *link.attributes])


def parse(uri: str, *, permit_zero_suppressed_gtin: bool = False) -> DigitalLink:
    """Parse a Digital Link URI as strictly as GS1's reference engine.

    `permit_zero_suppressed_gtin` accepts `/01/614141123452` (as the reference engine's
    PermitZeroSuppressedGTINinDLuris option does) and pads it to 14 digits.
    """
    _check_uri_characters(uri)
    if not uri.startswith(("https://", "http://", "HTTPS://", "HTTP://")):
        raise DigitalLinkError(
            "a Digital Link URI starts with https:// or http:// (one case throughout)",
            part="scheme",
        )
    parts = urlsplit(uri)
    if not parts.netloc:
        raise DigitalLinkError("the URI has no domain", part="domain")
    bad = next((c for c in parts.netloc if c in _BAD_DOMAIN_CHARACTERS), None)
    if bad is not None:
        raise DigitalLinkError(
            f"domain {parts.netloc!r}: character {bad!r} is not allowed in a domain",
            part="domain",
        )
    segments = _path_segments(parts.path)
    start = _primary_key_index(segments)
    key_ai, raw_key = segments[start], segments[start + 1]
    key = _decode(raw_key, part=f"path segment /{key_ai}/{raw_key}", plus_is_space=False)
    if key_ai == "01" and len(key) in (8, 12, 13) and key.isdigit():
        if not permit_zero_suppressed_gtin:
            raise DigitalLinkError(
                f"path segment /01/{raw_key}: GTIN has {len(key)} digits; Digital Link needs the "
                "14-digit form (zero-suppressed GTINs are not permitted)",
                part=f"/01/{raw_key}",
            )
        key = key.zfill(14)
    _check_value(key_ai, key, where=f"path segment /{key_ai}/{raw_key}")
    qualifiers = _parse_qualifiers(key_ai, segments[start + 2 :])
    attributes = _parse_query(key_ai, list(qualifiers), parts.query)
    _check_pairings([key_ai, *qualifiers, *attributes])
    return DigitalLink(
        key_ai=key_ai,
        key=key,
        qualifiers=qualifiers,
        attributes=attributes,
        domain=parts.netloc,
        path_prefix="/".join(segments[:start]),
    )


def _check_uri_characters(uri: str) -> None:
    for position, char in enumerate(uri, start=1):
        if char not in _URI_CHARACTERS:
            raise DigitalLinkError(
                f"character {char!r} at position {position} must be percent-encoded",
                part=f"position {position}",
            )
    bad = _PERCENT.search(uri)
    if bad:
        raise DigitalLinkError(
            f"'%' at position {bad.start() + 1} is not followed by two hex digits",
            part=f"position {bad.start() + 1}",
        )


def _path_segments(path: str) -> list[str]:
    if not path or path == "/":
        raise DigitalLinkError("the URI has no path; expected e.g. /01/<gtin>", part="path")
    if path.endswith("/"):
        raise DigitalLinkError(f"path {path!r} ends with '/'", part="path")
    segments = path[1:].split("/")
    for number, segment in enumerate(segments, start=1):
        if not segment:
            raise DigitalLinkError(f"path segment {number} of {path!r} is empty", part="path")
    return segments


def _primary_key_index(segments: list[str]) -> int:
    # The rightmost key-value sequence wins, so keys sit an even number of segments from the end;
    # anything before the primary key is a path prefix.
    for index in range(len(segments) - 2, -1, -2):
        if segments[index] in KEY_QUALIFIERS:
            candidate = index
            break
    else:
        for segment in segments:
            if segment.lower() in CONVENIENCE_ALPHAS:
                raise DigitalLinkError(
                    f"path segment {segment!r} is a deprecated convenience alpha; use the "
                    f"numeric AI {CONVENIENCE_ALPHAS[segment.lower()]}",
                    part=segment,
                )
        raise DigitalLinkError(
            "no GS1 primary key in the path (expected /01/<gtin>, /00/<sscc>, /414/<gln>, ...)",
            part="path",
        )
    return candidate


def _parse_qualifiers(key_ai: str, rest: list[str]) -> dict[str, str]:
    qualifiers: dict[str, str] = {}
    for offset in range(0, len(rest), 2):
        ai, raw = rest[offset], rest[offset + 1]
        where = f"path segment /{ai}/{raw}"
        _known_ai(ai, where=where, part=f"/{ai}/{raw}")
        if not any(ai in chain for chain in KEY_QUALIFIERS[key_ai]):
            raise DigitalLinkError(
                f"{where}: AI {ai} is not a key qualifier of AI {key_ai}; "
                "data attributes belong in the query string",
                part=f"/{ai}/{raw}",
            )
        if ai in qualifiers:
            raise DigitalLinkError(f"{where}: AI {ai} appears twice", part=f"/{ai}/{raw}")
        qualifiers[ai] = _decode(raw, part=where, plus_is_space=False)
        _check_qualifier_order(key_ai, list(qualifiers), part=f"/{ai}/{raw}")
        _check_value(ai, qualifiers[ai], where=where)
    return qualifiers


def _check_qualifier_order(key_ai: str, present: list[str], *, part: str | None = None) -> None:
    if _is_valid_sequence(key_ai, present):
        return
    allowed = " or ".join("/".join(chain) for chain in KEY_QUALIFIERS[key_ai]) or "none"
    raise DigitalLinkError(
        f"key qualifiers {'/'.join(present)} after AI {key_ai} are out of order or not allowed "
        f"together (allowed order: {allowed})",
        part=part or present[-1],
    )


def _is_valid_sequence(key_ai: str, qualifiers: list[str]) -> bool:
    """True when `qualifiers` is an in-order selection from one allowed qualifier sequence."""
    if not qualifiers:
        return True
    for chain in KEY_QUALIFIERS[key_ai]:
        positions = [chain.index(ai) for ai in qualifiers if ai in chain]
        if len(positions) == len(qualifiers) and positions == sorted(set(positions)):
            return True
    return False


def _belongs_in_path(key_ai: str, qualifiers: list[str], ai: str) -> bool:
    """The reference engine's test: an attribute AI that would make a valid key-qualifier
    sequence when inserted anywhere after the key belongs in the path, not the query."""
    return any(
        _is_valid_sequence(key_ai, [*qualifiers[:at], ai, *qualifiers[at:]])
        for at in range(len(qualifiers) + 1)
    )


def _parse_query(key_ai: str, qualifiers: list[str], query: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for component in query.split("&") if query else []:
        name, _, raw = component.partition("=")
        if not name.isdigit():
            continue  # non-AI parameters such as linkType are not part of the element string
        where = f"query parameter {name}={raw}"
        seen = {key_ai, *qualifiers, *attributes}
        _check_attribute_key(name, key_ai, qualifiers, seen=seen, where=where)
        value = _decode(raw, part=where, plus_is_space=True)
        if name == "01" and len(value) in (8, 12, 13) and value.isdigit():
            value = value.zfill(14)  # as the reference engine does for GTINs in the query
        attributes[name] = value
        _check_value(name, value, where=where)
    return attributes


def _check_attribute_key(
    ai: str, key_ai: str, qualifiers: list[str], *, seen: set[str], where: str | None = None
) -> None:
    where = where or f"attribute {ai}"
    part = f"{ai}=" if where.startswith("attribute") else where.removeprefix("query parameter ")
    _known_ai(ai, where=where, part=part)
    if ai in seen:
        raise DigitalLinkError(f"{where}: AI {ai} appears more than once", part=part)
    if _belongs_in_path(key_ai, qualifiers, ai):
        raise DigitalLinkError(
            f"{where}: AI {ai} is a key qualifier and belongs in the path, not the query",
            part=part,
        )


@cache
def _definition(ai: str) -> GS1ApplicationIdentifier | None:
    """biip's definition of exactly this AI (biip's lookup scans its whole table, so cache)."""
    from biip import ParseError  # lazy: see countyhub.gs1
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier  # lazy: see countyhub.gs1

    try:
        definition = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        return None
    return definition if definition.ai == ai else None


def _known_ai(ai: str, *, where: str, part: str | None = None) -> None:
    if _definition(ai) is None:
        raise DigitalLinkError(
            f"{where}: {ai!r} is not a GS1 application identifier", part=part or where
        )


def _decode(raw: str, *, part: str, plus_is_space: bool) -> str:
    if not raw:
        raise DigitalLinkError(f"{part}: empty value", part=_part_of(part))
    text = raw.replace("+", " ") if plus_is_space else raw
    try:
        data = re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text).encode(
            "latin-1"
        )
        value = data.decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError) as error:
        raise DigitalLinkError(
            f"{part}: percent-encoding is not valid UTF-8", part=_part_of(part)
        ) from error
    if "\x00" in value:
        raise DigitalLinkError(f"{part}: %00 (NUL) is not allowed", part=_part_of(part))
    return value


def _check_value(ai: str, value: str, *, where: str) -> None:
    from biip import ParseError  # lazy: see countyhub.gs1
    from biip.gs1_element_strings import GS1ElementString  # lazy: see countyhub.gs1

    where_part = _part_of(where)
    definition = _definition(ai)
    if definition is None:
        raise DigitalLinkError(
            f"{where}: {ai!r} is not a GS1 application identifier", part=where_part
        )
    if not value:
        raise DigitalLinkError(f"{where}: empty value for AI {ai}", part=where_part)
    if "X" in definition.format:
        for position, char in enumerate(value, start=1):
            if char not in keys.CSET82 and not char.isdigit():
                raise DigitalLinkError(
                    f"{where}: character {char!r} at position {position} of the AI {ai} value "
                    "is not in GS1 character set 82",
                    part=where_part,
                )
    if not re.fullmatch(definition.pattern, ai + value):
        raise DigitalLinkError(
            f"{where}: value {value!r} does not match AI {ai} format {definition.format}",
            part=where_part,
        )
    if ai in _CHECK_DIGIT_AIS:
        try:
            name, digits = _CHECK_DIGIT_AIS[ai]
            keys.verify_check_digit(value[:digits], name=name)
        except GS1KeyError as error:
            raise DigitalLinkError(f"{where}: {error}", part=where_part) from error
    try:
        GS1ElementString.parse(ai + value)
    except ParseError as error:  # e.g. a YYMMDD date that does not exist
        raise DigitalLinkError(f"{where}: {error}", part=where_part) from error


def _part_of(where: str) -> str:
    """`path segment /10/AB` -> `/10/AB`; `query parameter 17=1` -> `17=1`; else unchanged."""
    for label in ("path segment ", "query parameter "):
        if where.startswith(label):
            return where.removeprefix(label)
    return where
