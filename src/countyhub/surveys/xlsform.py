"""XLSForm in and out: pyxform converts a workbook (or a Markdown table, for tests) to the XForm
that ODK clients download; countyhub reads the same sheets for its own columns
(`countyhub::construct`, `::reverse`, `::scale_min`, `::scale_max`, `::missing`, `::money`,
`::household`, `::expected`, the answer an instructed-response item asks for, and `::income`,
"yes" on the one question that asks the household's total income of the year `::money` names,
in yuan), which pyxform ignores. Every problem names its sheet, row and column."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import md_to_dict, xlsx_to_dict
from pyxform.xls2xform import convert

SHEETS = ("survey", "choices", "settings")
GROUP_BEGIN = {"begin_group", "begin group", "begin_repeat", "begin repeat"}
GROUP_END = {"end_group", "end group", "end_repeat", "end repeat"}
# Rows that hold no answer of their own.
NOT_ANSWERS = {"note", "calculate", "acknowledge"}
COLUMN = "countyhub::"
OUR_COLUMNS = (
    "construct",
    "reverse",
    "scale_min",
    "scale_max",
    "missing",
    "money",
    "household",
    "expected",
    "income",
)
# Answers a household income question can hold.
INCOME_TYPES = {"integer", "decimal"}
YES = {"yes", "true", "1", "y"}
NO = {"no", "false", "0", "n", ""}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@dataclass
class ParsedQuestion:
    position: int
    name: str
    path: str
    type: str
    list_name: str
    label_zh: str
    label_en: str
    section: str
    choices: list[dict[str, str]]
    construct: str = ""
    reverse: bool = False
    scale_min: int | None = None
    scale_max: int | None = None
    missing_codes: list[str] = field(default_factory=list)
    money_year: int | None = None
    household: bool = False
    expected: str = ""
    household_income: bool = False


@dataclass
class ParsedForm:
    form_id: str
    version: str
    title: str
    sha256: str
    xform_xml: str
    definition: dict[str, Any]
    warnings: list[str]
    questions: list[ParsedQuestion]


class XLSFormReadError(Exception):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(describe(p) for p in problems))
        self.problems = problems


def describe(problem: dict[str, Any]) -> str:
    place = [_("sheet %(sheet)s") % {"sheet": problem["sheet"]}]
    if problem.get("row"):
        place.append(_("row %(row)s") % {"row": problem["row"]})
    if problem.get("column"):
        place.append(_("column %(column)s") % {"column": problem["column"]})
    return f"{', '.join(place)}: {problem['message']}"


def file_type(filename: str) -> str:
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in {".xlsx", ".md"}:
        raise XLSFormReadError(
            [
                {
                    "sheet": "-",
                    "row": None,
                    "column": None,
                    "message": _("An XLSForm is an .xlsx file."),
                }
            ]
        )
    return suffix


def read_sheets(content: bytes, kind: str) -> dict[str, Any]:
    """The sheets as pyxform reads them: rows of {column: text}, empty rows kept (so that the
    index + 2 is the row number in the workbook), and each sheet's column order."""
    try:
        raw = md_to_dict(io.BytesIO(content)) if kind == ".md" else xlsx_to_dict(content)
    except PyXFormError as error:
        raise XLSFormReadError([_pyxform_problem(str(error))]) from error
    definition: dict[str, Any] = {}
    for sheet in SHEETS:
        if sheet in raw:
            headers = raw.get(f"{sheet}_header") or [{}]
            definition[sheet] = {"columns": list(headers[0]), "rows": raw[sheet]}
    return definition


_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_SHEET = re.compile(r"'(survey|choices|settings)' sheet")
_COLUMN = re.compile(r"the '([^']+)' (?:value|column)")


def _pyxform_problem(message: str) -> dict[str, Any]:
    """pyxform says the row as `[row : 4]` and often the sheet and column in its sentence."""
    row = _ROW.search(message)
    sheet = _SHEET.search(message)
    column = _COLUMN.search(message)
    return {
        "sheet": sheet.group(1) if sheet else "survey",
        "row": int(row.group(1)) if row else None,
        "column": column.group(1) if column else None,
        "message": _ROW.sub("", message).strip(),
    }


def _label(row: dict[str, str], code: str) -> str:
    for key, value in row.items():
        if key.startswith("label::") and key.rstrip().endswith(f"({code})"):
            return value
    return row.get("label", "") if code == "zh" else ""


def _flag(value: str, problem: Any) -> bool:
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text not in NO:
        problem(_("write yes or no, not %(value)s") % {"value": value})
    return False


def _integer(value: str, problem: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        problem(_("%(value)s is not a whole number") % {"value": value})
        return None


def _column(columns: list[str], column: str) -> str:
    """A column by its header and its letter in the sheet: `countyhub::reverse (F)`."""
    if column not in columns:
        return column
    return f"{column} ({get_column_letter(columns.index(column) + 1)})"


def _questions(
    definition: dict[str, Any], root: str
) -> tuple[list[ParsedQuestion], list[dict[str, Any]]]:
    problems: list[dict[str, Any]] = []
    survey = definition["survey"]
    columns = survey["columns"]
    choice_lists: dict[str, list[dict[str, str]]] = {}
    for row in definition.get("choices", {}).get("rows", []):
        if row.get("list_name") and row.get("name") is not None:
            choice_lists.setdefault(row["list_name"], []).append(
                {"name": row["name"], "label_zh": _label(row, "zh"), "label_en": _label(row, "en")}
            )
    stack: list[str] = []
    questions: list[ParsedQuestion] = []
    household_rows: list[int] = []
    income_rows: list[int] = []
    for index, row in enumerate(survey["rows"]):
        number = index + 2
        kind = (row.get("type") or "").strip()
        if not kind:
            continue
        if kind in GROUP_BEGIN:
            stack.append(row.get("name", ""))
            continue
        if kind in GROUP_END:
            if stack:
                stack.pop()
            continue
        name = row.get("name", "")

        def problem(message: str, column: str, number: int = number) -> None:
            problems.append(
                {
                    "sheet": "survey",
                    "row": number,
                    "column": _column(columns, column),
                    "message": message,
                }
            )

        base, _space, list_name = kind.partition(" ")
        question = ParsedQuestion(
            position=len(questions) + 1,
            name=name,
            path="/".join(["", root, *stack, name]),
            type=base,
            list_name=list_name.replace(" or_other", "").strip(),
            label_zh=_label(row, "zh"),
            label_en=_label(row, "en"),
            section=stack[-1] if stack else "",
            choices=choice_lists.get(list_name.replace(" or_other", "").strip(), []),
        )
        ours = {key[len(COLUMN) :]: value for key, value in row.items() if key.startswith(COLUMN)}
        for key in ours:
            if key not in OUR_COLUMNS:
                problem(_("countyhub has no such column"), COLUMN + key)
        if ours.get("construct"):
            construct = str(ours["construct"]).strip()
            if not NAME.match(construct):
                problem(_("a construct name is letters, digits and _"), COLUMN + "construct")
            question.construct = construct
        question.reverse = _flag(ours.get("reverse", ""), lambda m: problem(m, COLUMN + "reverse"))
        question.household = _flag(
            ours.get("household", ""), lambda m: problem(m, COLUMN + "household")
        )
        if question.household:
            household_rows.append(number)
        if ours.get("expected"):
            question.expected = str(ours["expected"]).strip()
            if question.choices and question.expected not in {c["name"] for c in question.choices}:
                problem(_("the instructed answer is not one of the choices"), COLUMN + "expected")
        if ours.get("missing"):
            question.missing_codes = [c for c in re.split(r"[,\s]+", str(ours["missing"])) if c]
        for bound in ("scale_min", "scale_max"):
            if ours.get(bound):
                value = _integer(ours[bound], lambda m, b=bound: problem(m, COLUMN + b))
                setattr(question, bound, value)
        if question.scale_min is None and question.scale_max is None and question.choices:
            # A numeric choice list (1..5) is the scale, its missing codes left out.
            codes = [c["name"] for c in question.choices if c["name"] not in question.missing_codes]
            if codes and all(re.fullmatch(r"-?\d+", c) for c in codes):
                question.scale_min, question.scale_max = min(map(int, codes)), max(map(int, codes))
        if (
            question.scale_min is not None
            and question.scale_max is not None
            and question.scale_min >= question.scale_max
        ):
            problem(_("the scale minimum must be below its maximum"), COLUMN + "scale_min")
        if question.reverse and (question.scale_min is None or question.scale_max is None):
            problem(
                _("a reverse-coded item needs its scale (numeric choices or scale_min/scale_max)"),
                COLUMN + "reverse",
            )
        if ours.get("money"):
            year = _integer(ours["money"], lambda m: problem(m, COLUMN + "money"))
            if year is not None and not 1949 <= year <= 2100:
                problem(
                    _("the price year %(year)s is not a year") % {"year": year}, COLUMN + "money"
                )
            question.money_year = year
        question.household_income = _flag(
            ours.get("income", ""), lambda m: problem(m, COLUMN + "income")
        )
        if question.household_income:
            income_rows.append(number)
            if base not in INCOME_TYPES:
                problem(
                    _("the household income is a number (integer or decimal)"), COLUMN + "income"
                )
            if question.money_year is None:
                problem(
                    _("the household income needs its year in countyhub::money"),
                    COLUMN + "income",
                )
        if base in NOT_ANSWERS:
            continue
        questions.append(question)
    if len(income_rows) > 1:
        problems.append(
            {
                "sheet": "survey",
                "row": income_rows[1],
                "column": _column(columns, COLUMN + "income"),
                "message": _("only one question asks the household income"),
            }
        )
    if len(household_rows) > 1:
        problems.append(
            {
                "sheet": "survey",
                "row": household_rows[1],
                "column": _column(columns, COLUMN + "household"),
                "message": _("only one question carries the household id"),
            }
        )
    return questions, problems


def parse_xlsform(content: bytes, filename: str) -> ParsedForm:
    """Convert and read an XLSForm; raise XLSFormReadError naming every place at fault."""
    kind = file_type(filename)
    definition = read_sheets(content, kind)
    if "survey" not in definition:
        raise XLSFormReadError(
            [{"sheet": "survey", "row": None, "column": None, "message": _("the sheet is missing")}]
        )
    try:
        result = convert(content, file_type=kind, pretty_print=True)
    except PyXFormError as error:
        raise XLSFormReadError([_pyxform_problem(str(error))]) from error
    settings = (definition.get("settings", {}).get("rows") or [{}])[0]
    form_id = str(settings.get("form_id") or settings.get("id_string") or "").strip()
    version = str(settings.get("version") or "").strip()
    problems = []
    for column, value in (("form_id", form_id), ("version", version)):
        if not value:
            problems.append(
                {
                    "sheet": "settings",
                    "row": 2,
                    "column": column,
                    "message": _("countyhub needs a %(column)s") % {"column": column},
                }
            )
    root = str(settings.get("name") or "data")
    questions, found = _questions(definition, root)
    problems += found
    if problems:
        raise XLSFormReadError(problems)
    return ParsedForm(
        form_id=form_id,
        version=version,
        title=str(settings.get("form_title") or form_id),
        sha256=hashlib.sha256(content).hexdigest(),
        xform_xml=result.xform,
        definition=definition,
        warnings=list(result.warnings),
        questions=questions,
    )


def export_xlsx(definition: dict[str, Any]) -> bytes:
    """The questionnaire's sheets as an XLSForm workbook, every cell text as it was read."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        if sheet not in definition:
            continue
        worksheet = workbook.create_sheet(sheet)
        columns = definition[sheet]["columns"]
        worksheet.append(columns)
        for row in definition[sheet]["rows"]:
            worksheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
