"""Helpers of the audit walks: which tables a request wrote, and a page's form as a browser
would submit it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from django.test.utils import CaptureQueriesContext

# Tables a request may write without an audit entry: the log-in session and the admin's own
# history of its pages (django_admin_log), which are not records of the county.
# Sessions, the admin's own log, and the log-in throttle's counters are not records.
NOT_RECORDS = frozenset(
    {"django_session", "django_admin_log", "countyhub_throttle_cache", "countyhub_cache"}
)
WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?(?!.*\bTO\s+STDOUT)',
    re.IGNORECASE | re.DOTALL,
)


def tables_written(captured: CaptureQueriesContext) -> set[str]:
    return {
        match.group(1)
        for query in captured.captured_queries
        if (match := WRITE.match(query["sql"]))
    } - NOT_RECORDS


def assert_audited(captured: CaptureQueriesContext, what: str, *, must_write: bool) -> None:
    written = tables_written(captured)
    if must_write:
        assert written, f"{what} wrote nothing: the walk did not drive a change"
    if written:
        assert "core_auditentry" in written, f"{what} wrote {sorted(written)} with no audit row"


# --- forms as a browser submits them --------------------------------------------------------


class FormFields(HTMLParser):
    """The fields of one form of a page (by its id) with their current values, as a browser
    would submit them; file inputs stay empty, and the admin's empty inline templates are left
    out."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _put(self, name: str, value: str, *, multiple: bool = False) -> None:
        if "__prefix__" in name:
            return
        if multiple:
            self.data.setdefault(name, []).append(value)
        else:
            self.data[name] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._put(a["name"], a.get("value", "on"), multiple=True)
            else:
                self._put(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
            self._multiple = "multiple" in a
            if self._multiple:
                self.data.setdefault(a["name"], [])
            else:
                self._put(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._put(self._select, a.get("value", ""), multiple=self._multiple)
        elif tag == "textarea":
            self._textarea = a["name"]
            self._put(a["name"], "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.inside:
            self.data[self._textarea] += data.lstrip("\n")


def form_data(html: str, form_id: str) -> dict[str, Any]:
    parser = FormFields(form_id)
    parser.feed(html)
    assert parser.data, f"no form #{form_id} on the page"
    return parser.data


def form_errors(html: str) -> list[str]:
    """The page's error messages, each with the field (row) it belongs to."""
    return re.findall(r"(field-\w+|errorlist[^>]*>.*?</ul>)", html, re.S)
