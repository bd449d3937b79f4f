"""JSON from outside, read so that no document can crash the reader or what walks it later.

`json.loads` recurses once per level of nesting: a 100,000-deep `[[[[...` raises RecursionError,
and a document just shallow enough to parse can still exhaust the stack of code that walks it
(schema validation, hashing). No honest document nests deeper than MAX_DEPTH, nor holds NUL."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

MAX_DEPTH = 64


class JSONInputError(ValueError):
    """Why a body is not acceptable JSON, in words for the sender."""


def parse_json(raw: bytes | str) -> Any:
    """The parsed document, or JSONInputError saying what is wrong with it."""
    try:
        document = json.loads(raw)
    except RecursionError as error:
        raise JSONInputError(_too_deep()) from error
    except UnicodeDecodeError as error:
        raise JSONInputError(_("The body is not UTF-8 text.")) from error
    except json.JSONDecodeError as error:
        raise JSONInputError(_("Not JSON: %(error)s") % {"error": error}) from error
    if _depth(document) > MAX_DEPTH:
        raise JSONInputError(_too_deep())
    if _has_nul(document):
        raise JSONInputError(nul_message())
    return document


def nul_message() -> str:
    return _("Text may not contain the NUL character (\\u0000).")


def _has_nul(document: Any) -> bool:
    """Whether a string (or key) holds NUL, which PostgreSQL cannot store in text or jsonb."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _too_deep() -> str:
    return _("The JSON nests more than %(depth)d levels deep.") % {"depth": MAX_DEPTH}


def _depth(document: Any) -> int:
    """How deep lists and objects nest, walked without recursion."""
    deepest = 0
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            stack.extend((item, depth + 1) for item in value)
    return deepest
