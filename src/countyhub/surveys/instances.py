"""Reading a submission's XML (an XForm instance): its form, version, instanceID, deprecatedID
and answers. Parsed with defusedxml: a submission comes from a device, not from us."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from countyhub.surveys.errors import SurveyError, SurveyErrorCode


@dataclass
class Instance:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    answers: dict[str, Any]
    xml: str
    sha256: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read(element: Element) -> Any:
    """A leaf is its text; a group is a dict of its children; a repeat (a child name seen
    twice, or a group marked as repeat by the caller later) is a list."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    values: dict[str, Any] = {}
    for child in children:
        name = _local(child.tag)
        value = _read(child)
        if name in values:
            if (
                not isinstance(values[name], list)
                or not values[name]
                or not isinstance(values[name][0], dict)
            ):
                values[name] = [values[name]]
            values[name].append(value)
        else:
            values[name] = value
    return values


def parse_instance(content: bytes) -> Instance:
    bad = SurveyErrorCode.BAD_SUBMISSION
    try:
        content.decode("utf-8")
        root = fromstring(content)
    except (ParseError, DefusedXmlException, UnicodeDecodeError) as error:
        raise SurveyError(
            bad, _("The submission is not XML: %(error)s") % {"error": error}
        ) from error
    form_id = root.get("id", "")
    if not form_id:
        raise SurveyError(bad, _("The submission names no form (the id of its root element)."))
    answers = _read(root)
    answers = answers if isinstance(answers, dict) else {}
    meta = answers.pop("meta", {})
    meta = meta if isinstance(meta, dict) else {}
    instance_id = str(meta.get("instanceID") or "").strip()
    if not instance_id:
        raise SurveyError(bad, _("The submission has no meta/instanceID."))
    if len(instance_id) > 100:
        raise SurveyError(bad, _("The meta/instanceID is longer than 100 characters."))
    return Instance(
        form_id=form_id,
        version=root.get("version", ""),
        instance_id=instance_id,
        deprecated_id=str(meta.get("deprecatedID") or "").strip(),
        answers=answers,
        xml=content.decode("utf-8"),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def flatten(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers by question name (names are unique in countyhub's questionnaires), groups
    opened; a repeat stays a list under its name."""
    flat: dict[str, Any] = {}
    for name, value in answers.items():
        if isinstance(value, dict):
            flat.update(flatten(value))
        else:
            flat[name] = value
    return flat


def render_instance(
    *,
    form_id: str,
    version: str,
    values: dict[str, str],
    instance_id: str,
    deprecated_id: str = "",
) -> bytes:
    """An instance XML as ODK clients write it, from {path: value} such as
    {"/data/ec/ec1": "4"}: elements in the order given, groups opened once."""
    root_name = next(iter(values), "/data/x").split("/")[1] if values else "data"
    root = Element(root_name, {"id": form_id, "version": version})
    for path, value in values.items():
        node = root
        for part in path.strip("/").split("/")[1:]:
            child = node.find(part)
            node = child if child is not None else SubElement(node, part)
        node.text = value
    meta = SubElement(root, "meta")
    SubElement(meta, "instanceID").text = instance_id
    if deprecated_id:
        SubElement(meta, "deprecatedID").text = deprecated_id
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="unicode").encode()
