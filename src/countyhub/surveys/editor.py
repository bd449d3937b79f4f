"""The web editor's work on a questionnaire definition: the same sheets an XLSForm import keeps
({"survey": {"columns", "rows"}, "choices": ..., "settings": ...}), so that publishing is an
export to a workbook and an ordinary import. A question is one survey row (its choices a list of
its own); a section is an XLSForm group. Rows the editor does not edit (start, end, image, ...)
and columns it does not know (hint, relevant, countyhub::expected) are kept as they are.
Every refusal names the form field at fault."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.surveys.errors import SurveyError, SurveyErrorCode
from countyhub.surveys.xlsform import COLUMN, GROUP_BEGIN, GROUP_END, NAME, YES

ZH = "label::Chinese (zh)"
EN = "label::English (en)"
SURVEY_COLUMNS = [
    "type",
    "name",
    ZH,
    EN,
    "required",
    COLUMN + "construct",
    COLUMN + "reverse",
    COLUMN + "scale_min",
    COLUMN + "scale_max",
    COLUMN + "missing",
    COLUMN + "money",
    COLUMN + "household",
    COLUMN + "income",
]
CHOICE_COLUMNS = ["list_name", "name", ZH, EN]
SETTINGS_COLUMNS = ["form_id", "form_title", "version", "default_language"]
# The columns the question form writes; others of a row stay as they were.
MANAGED = set(SURVEY_COLUMNS) - {"name"}

KINDS = {
    "likert": gettext_lazy("Likert scale"),
    "integer": gettext_lazy("whole number"),
    "decimal": gettext_lazy("decimal number"),
    "money": gettext_lazy("amount of money"),
    "single": gettext_lazy("single choice"),
    "text": gettext_lazy("text"),
}
NUMBER_KINDS = {"likert", "integer", "decimal", "money"}
DEFAULT_LIKERT = [
    ("1", "非常不同意", "Strongly disagree"),
    ("2", "不同意", "Disagree"),
    ("3", "一般", "Neutral"),
    ("4", "同意", "Agree"),
    ("5", "非常同意", "Strongly agree"),
]
MAX_SCALE_POINTS = 11


@dataclass
class EditedQuestion:
    """A question as the editor's form shows it."""

    name: str
    kind: str
    label_zh: str
    label_en: str = ""
    required: bool = True
    section: str = ""
    construct: str = ""
    reverse: bool = False
    missing: str = ""
    household: bool = False
    scale_min: int | None = None
    scale_max: int | None = None
    # Lines "code | 中文 | English": the Likert points or the choices of a single choice.
    choices: list[tuple[str, str, str]] = field(default_factory=list)
    money_year: int | None = None
    household_income: bool = False  # the household's total income of `money_year`, yuan


class EditorError(SurveyError):
    """A question, section or draft refused: `problems` maps each form field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        message = "; ".join(f"{name}: {text}" for name, text in problems.items())
        super().__init__(SurveyErrorCode.BAD_QUESTION, message, field=next(iter(problems)))
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems}


def blank_definition(form_id: str, title: str) -> dict[str, Any]:
    return {
        "survey": {"columns": list(SURVEY_COLUMNS), "rows": []},
        "choices": {"columns": list(CHOICE_COLUMNS), "rows": []},
        "settings": {
            "columns": list(SETTINGS_COLUMNS),
            "rows": [{"form_id": form_id, "form_title": title, "default_language": "Chinese (zh)"}],
        },
    }


def check_name(value: str, field_name: str = "name") -> dict[str, str]:
    if not NAME.match(value or ""):
        return {
            field_name: _(
                "%(value)s is not a valid XML name: begin with a letter or _, then letters, "
                "digits, _, - or ."
            )
            % {"value": value or "''"}
        }
    return {}


def _kind(base: str) -> str:
    return base.split(" ", 1)[0]


def _list(row: dict[str, Any]) -> str:
    parts = str(row.get("type", "")).split()
    return parts[1] if len(parts) > 1 and parts[0] == "select_one" else ""


def _sheet(definition: dict[str, Any], name: str, columns: list[str]) -> dict[str, Any]:
    sheet = definition.setdefault(name, {"columns": [], "rows": []})
    for column in columns:
        if column not in sheet["columns"]:
            sheet["columns"].append(column)
    return sheet


def _rows(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return definition.get("survey", {}).get("rows", [])


def _index(definition: dict[str, Any], name: str) -> int:
    for index, row in enumerate(_rows(definition)):
        if row.get("type") and row.get("name") == name:
            return index
    raise EditorError({"name": _("there is no question or section %(name)s") % {"name": name}})


def _choices_of(definition: dict[str, Any], list_name: str) -> list[tuple[str, str, str]]:
    return [
        (str(row["name"]), str(row.get(ZH, "")), str(row.get(EN, "")))
        for row in definition.get("choices", {}).get("rows", [])
        if row.get("list_name") == list_name and row.get("name") is not None
    ]


def _section_at(rows: list[dict[str, Any]], index: int) -> str:
    stack: list[str] = []
    for row in rows[:index]:
        kind = str(row.get("type", "")).strip()
        if kind in GROUP_BEGIN:
            stack.append(row.get("name", ""))
        elif kind in GROUP_END and stack:
            stack.pop()
    return stack[-1] if stack else ""


def question_kind(definition: dict[str, Any], row: dict[str, Any]) -> str | None:
    """The editor's kind of a row, or None for a row it shows but does not edit."""
    base = _kind(str(row.get("type", "")).strip())
    if base == "select_one":
        if row.get(COLUMN + "scale_min") or row.get(COLUMN + "scale_max"):
            return "likert"
        missing = set(re.split(r"[,\s]+", str(row.get(COLUMN + "missing", ""))))
        codes = [c for c, _zh, _en in _choices_of(definition, _list(row)) if c not in missing]
        if codes and all(re.fullmatch(r"-?\d+", c) for c in codes):
            return "likert"
        return "single"
    if base == "decimal" and row.get(COLUMN + "money"):
        return "money"
    return base if base in {"integer", "decimal", "text"} else None


def question_of(definition: dict[str, Any], name: str) -> EditedQuestion:
    rows = _rows(definition)
    index = _index(definition, name)
    row = rows[index]
    kind = question_kind(definition, row)
    if kind is None:
        raise EditorError({"name": _("the editor does not edit a %(type)s row") % row})
    choices = _choices_of(definition, _list(row))
    question = EditedQuestion(
        name=name,
        kind=kind,
        label_zh=str(row.get(ZH, row.get("label", ""))),
        label_en=str(row.get(EN, "")),
        required=str(row.get("required", "")).strip().lower() in YES,
        section=_section_at(rows, index),
        construct=str(row.get(COLUMN + "construct", "")),
        reverse=str(row.get(COLUMN + "reverse", "")).strip().lower() in YES,
        missing=str(row.get(COLUMN + "missing", "")),
        household=str(row.get(COLUMN + "household", "")).strip().lower() in YES,
        choices=choices,
        household_income=str(row.get(COLUMN + "income", "")).strip().lower() in YES,
    )
    if kind == "likert":
        missing = set(re.split(r"[,\s]+", question.missing))
        codes = [
            int(c) for c, _zh, _en in choices if re.fullmatch(r"-?\d+", c) and c not in missing
        ]
        low, high = row.get(COLUMN + "scale_min"), row.get(COLUMN + "scale_max")
        question.scale_min = int(low) if low else min(codes, default=1)
        question.scale_max = int(high) if high else max(codes, default=5)
    if kind == "money":
        question.money_year = int(row[COLUMN + "money"])
    return question


def sections(definition: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"name": row.get("name", ""), "label_zh": row.get(ZH, ""), "label_en": row.get(EN, "")}
        for row in _rows(definition)
        if str(row.get("type", "")).strip() in GROUP_BEGIN
    ]


def outline(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The survey rows as the editor page lists them."""
    entries = []
    for row in _rows(definition):
        kind = str(row.get("type", "")).strip()
        if not kind:
            continue
        if kind in GROUP_END:
            entries.append({"role": "end"})
            continue
        role = "section" if kind in GROUP_BEGIN else "question"
        entries.append(
            {
                "role": role,
                "name": row.get("name", ""),
                "type": kind,
                "kind": question_kind(definition, row) if role == "question" else None,
                "label_zh": row.get(ZH, row.get("label", "")),
                "label_en": row.get(EN, ""),
                "construct": row.get(COLUMN + "construct", ""),
                "reverse": str(row.get(COLUMN + "reverse", "")).lower() in YES,
                "household": str(row.get(COLUMN + "household", "")).lower() in YES,
                "income": str(row.get(COLUMN + "income", "")).lower() in YES,
                "required": str(row.get("required", "")).lower() in YES,
            }
        )
    return entries


def _parse_int(value: Any, field_name: str, problems: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        problems[field_name] = _("%(value)s is not a whole number") % {"value": value}
        return None


def parse_choice_lines(text: str, field_name: str) -> list[tuple[str, str, str]]:
    """Lines "code | 中文 | English" (the English may be left out)."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
            raise EditorError(
                {
                    field_name: _("line %(line)s: write code | Chinese label | English label")
                    % {"line": number}
                }
            )
        lines.append((parts[0], parts[1], parts[2] if len(parts) == 3 else ""))
    return lines


def choice_lines(choices: list[tuple[str, str, str]]) -> str:
    return "\n".join(" | ".join(part for part in choice if part) for choice in choices)


def _validate(
    definition: dict[str, Any], question: EditedQuestion, original: str | None
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if question.kind not in KINDS:
        problems["kind"] = _("choose one of the kinds")
        return problems
    problems |= check_name(question.name)
    taken = {
        row.get("name")
        for row in _rows(definition)
        if row.get("type") and row.get("name") and row.get("name") != original
    }
    if "name" not in problems and question.name in taken:
        problems["name"] = _("another question or section is named %(name)s") % {
            "name": question.name
        }
    if not question.label_zh.strip():
        problems["label_zh"] = _("the Chinese label is required")
    if question.section and question.section not in {s["name"] for s in sections(definition)}:
        problems["section"] = _("there is no section %(name)s") % {"name": question.section}
    if question.construct:
        if question.kind not in NUMBER_KINDS:
            problems["construct"] = _("only a Likert item or a number belongs to a construct")
        elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", question.construct):
            problems["construct"] = _("a construct name is letters, digits and _")
    if question.reverse and question.kind != "likert":
        problems["reverse"] = _("only a Likert item is reverse-coded")
    missing = [code for code in re.split(r"[,\s]+", question.missing) if code]
    if question.kind in {"integer", "decimal", "money", "likert"}:
        pattern = r"-?\d+" if question.kind in {"integer", "likert"} else r"-?\d+(\.\d+)?"
        wrong = [code for code in missing if not re.fullmatch(pattern, code)]
        if wrong:
            problems["missing"] = _("a missing code of a number is a number, not %(code)s") % {
                "code": wrong[0]
            }
    if question.household:
        if question.kind not in {"integer", "text"}:
            problems["household"] = _("the household id is a whole number or a text")
        others = [
            row.get("name")
            for row in _rows(definition)
            if str(row.get(COLUMN + "household", "")).lower() in YES and row.get("name") != original
        ]
        if others:
            problems["household"] = _("the question %(name)s carries the household id already") % {
                "name": others[0]
            }
    if question.household_income:
        if question.kind != "money":
            problems["household_income"] = _("the household income is an amount of money")
        others = [
            row.get("name")
            for row in _rows(definition)
            if str(row.get(COLUMN + "income", "")).lower() in YES and row.get("name") != original
        ]
        if others and "household_income" not in problems:
            problems["household_income"] = _(
                "the question %(name)s asks the household income already"
            ) % {"name": others[0]}
    if question.kind == "money":
        year = question.money_year
        if year is None:
            problems["money_year"] = _("an amount of money needs the year of its prices")
        elif not 1949 <= year <= 2100:
            problems["money_year"] = _("the price year %(year)s is not a year") % {"year": year}
    if question.kind == "likert":
        low, high = question.scale_min, question.scale_max
        if low is None:
            problems["scale_min"] = _("a Likert scale needs its minimum")
        if high is None:
            problems["scale_max"] = _("a Likert scale needs its maximum")
        if low is not None and high is not None:
            if low >= high:
                problems["scale_min"] = _(
                    "the scale minimum (%(min)s) must be below its maximum (%(max)s)"
                ) % {"min": low, "max": high}
            elif high - low + 1 > MAX_SCALE_POINTS:
                problems["scale_max"] = _("a Likert scale has at most %(n)s points") % {
                    "n": MAX_SCALE_POINTS
                }
            else:
                problems |= _check_scale(question, low, high, missing)
    if question.kind == "single":
        codes = [code for code, _zh, _en in question.choices]
        if len(codes) < 2:
            problems["choices"] = _("a single choice needs at least two choices")
        elif len(set(codes)) != len(codes):
            problems["choices"] = _("two choices have the same code")
        elif any(not re.fullmatch(r"[A-Za-z0-9_.\-]+", code) for code in codes):
            problems["choices"] = _("a choice code is letters, digits, _, - or .")
        else:
            absent = [code for code in missing if code not in codes]
            if absent:
                problems["missing"] = _("the missing code %(code)s is not one of the choices") % {
                    "code": absent[0]
                }
    return problems


def _check_scale(
    question: EditedQuestion, low: int, high: int, missing: list[str]
) -> dict[str, str]:
    codes = [code for code, _zh, _en in question.choices]
    if len(set(codes)) != len(codes):
        return {"choices": _("two scale points have the same code")}
    allowed = {str(point) for point in range(low, high + 1)} | set(missing)
    stray = [code for code in codes if code not in allowed]
    if stray:
        return {
            "choices": _("%(code)s is neither a point of the scale nor a missing code")
            % {"code": stray[0]}
        }
    absent = [str(p) for p in range(low, high + 1) if str(p) not in codes]
    absent += [code for code in missing if code not in codes]
    if absent:
        return {"choices": _("the scale point %(code)s has no label") % {"code": absent[0]}}
    return {}


def _group_end(rows: list[dict[str, Any]], begin: int) -> int:
    depth = 0
    for index in range(begin, len(rows)):
        kind = str(rows[index].get("type", "")).strip()
        if kind in GROUP_BEGIN:
            depth += 1
        elif kind in GROUP_END:
            depth -= 1
            if depth == 0:
                return index
    return len(rows)


def _list_in_use(definition: dict[str, Any], list_name: str) -> bool:
    return any(_list(row) == list_name for row in _rows(definition))


def _drop_list(definition: dict[str, Any], list_name: str) -> None:
    if list_name and not _list_in_use(definition, list_name):
        choices = definition.get("choices", {})
        choices["rows"] = [r for r in choices.get("rows", []) if r.get("list_name") != list_name]


def _free_list_name(definition: dict[str, Any], name: str) -> str:
    used = {row.get("list_name") for row in definition.get("choices", {}).get("rows", [])}
    candidate, number = name, 1
    while candidate in used:
        number += 1
        candidate = f"{name}_{number}"
    return candidate


def _row(question: EditedQuestion, old: dict[str, Any], list_name: str) -> dict[str, Any]:
    row = {key: value for key, value in old.items() if key not in MANAGED}
    base = {
        "likert": f"select_one {list_name}",
        "single": f"select_one {list_name}",
        "money": "decimal",
    }.get(question.kind, question.kind)
    cells = {
        "type": base,
        "name": question.name,
        ZH: question.label_zh.strip(),
        EN: question.label_en.strip(),
        "required": "yes" if question.required else "",
        COLUMN + "construct": question.construct,
        COLUMN + "reverse": "yes" if question.reverse else "",
        COLUMN + "missing": " ".join(c for c in re.split(r"[,\s]+", question.missing) if c),
        COLUMN + "household": "yes" if question.household else "",
        COLUMN + "income": "yes" if question.household_income else "",
    }
    if question.kind == "likert":
        cells[COLUMN + "scale_min"] = str(question.scale_min)
        cells[COLUMN + "scale_max"] = str(question.scale_max)
    if question.kind == "money":
        cells[COLUMN + "money"] = str(question.money_year)
    # Empty cells are left out, as a workbook read back leaves them out.
    row.update({key: value for key, value in cells.items() if value})
    return row


def put_question(
    definition: dict[str, Any], question: EditedQuestion, original: str | None = None
) -> dict[str, Any]:
    """The definition with the question added (original None) or the question `original`
    changed; a new question, or one moved to another section, goes last in its section."""
    definition = copy.deepcopy(definition)
    problems = _validate(definition, question, original)
    if problems:
        raise EditorError(problems)
    survey = _sheet(definition, "survey", SURVEY_COLUMNS)
    choices = _sheet(definition, "choices", CHOICE_COLUMNS)
    rows = survey["rows"]
    old: dict[str, Any] = {}
    keep_place = None
    if original is not None:
        index = _index(definition, original)
        if question_kind(definition, rows[index]) is None:
            raise EditorError({"name": _("the editor does not edit a %(type)s row") % rows[index]})
        old = rows.pop(index)
        if _section_at(rows, index) == question.section:
            keep_place = index
        _drop_list(definition, _list(old))
    list_name = ""
    if question.kind in {"likert", "single"}:
        list_name = _free_list_name(definition, question.name)
        choices["rows"] += [
            {"list_name": list_name, "name": code, ZH: zh, EN: en}
            if en
            else {"list_name": list_name, "name": code, ZH: zh}
            for code, zh, en in question.choices
        ]
    row = _row(question, old, list_name)
    if keep_place is not None:
        rows.insert(keep_place, row)
    elif question.section:
        rows.insert(_group_end(rows, _index(definition, question.section)), row)
    else:
        rows.append(row)
    return definition


def add_section(
    definition: dict[str, Any], name: str, label_zh: str, label_en: str = ""
) -> dict[str, Any]:
    definition = copy.deepcopy(definition)
    problems = check_name(name)
    if not problems and any(row.get("name") == name for row in _rows(definition)):
        problems["name"] = _("another question or section is named %(name)s") % {"name": name}
    if not label_zh.strip():
        problems["label_zh"] = _("the Chinese label is required")
    if problems:
        raise EditorError(problems)
    survey = _sheet(definition, "survey", SURVEY_COLUMNS)
    begin = {"type": "begin_group", "name": name, ZH: label_zh.strip()}
    if label_en.strip():
        begin[EN] = label_en.strip()
    survey["rows"] += [begin, {"type": "end_group"}]
    return definition


def move(definition: dict[str, Any], name: str, step: int) -> dict[str, Any]:
    """A question one place up (step -1) or down (+1) within its section."""
    definition = copy.deepcopy(definition)
    rows = _rows(definition)
    index = _index(definition, name)
    other = index + step
    while 0 <= other < len(rows) and not str(rows[other].get("type", "")).strip():
        other += step
    kind = str(rows[other].get("type", "")).strip() if 0 <= other < len(rows) else ""
    if not kind or kind in GROUP_BEGIN or kind in GROUP_END:
        where = _("first") if step < 0 else _("last")
        raise EditorError(
            {"name": _("%(name)s is %(where)s in its section") % {"name": name, "where": where}}
        )
    if str(rows[index].get("type", "")).strip() in GROUP_BEGIN:
        raise EditorError({"name": _("a section is not moved")})
    rows[index], rows[other] = rows[other], rows[index]
    return definition


def remove(definition: dict[str, Any], name: str) -> dict[str, Any]:
    """The definition without the question (its choices with it), or without an empty
    section."""
    definition = copy.deepcopy(definition)
    rows = _rows(definition)
    index = _index(definition, name)
    if str(rows[index].get("type", "")).strip() in GROUP_BEGIN:
        end = _group_end(rows, index)
        if any(str(row.get("type", "")).strip() for row in rows[index + 1 : end]):
            raise EditorError(
                {"name": _("the section %(name)s still has questions") % {"name": name}}
            )
        del rows[index : end + 1]
        return definition
    old = rows.pop(index)
    _drop_list(definition, _list(old))
    return definition


def question_count(definition: dict[str, Any]) -> int:
    return sum(
        1
        for row in _rows(definition)
        if str(row.get("type", "")).strip()
        and str(row.get("type", "")).strip() not in GROUP_BEGIN | GROUP_END
    )
