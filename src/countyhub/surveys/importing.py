"""Answers from a KoboToolbox or SurveyCTO export (CSV in UTF-8 or GB18030, or XLSX), taken all
or nothing: every bad cell is named by row and column and nothing is saved while one is left.
Each row becomes the instance XML an ODK client would have sent and goes through
receive_submission, so a file imported twice makes each answer once (by instanceID)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.tabular import Limits, TableError, read_table
from countyhub.surveys.errors import SurveyError, SurveyErrorCode
from countyhub.surveys.instances import render_instance
from countyhub.surveys.models import Question, Questionnaire
from countyhub.surveys.services import receive_submission

MAX_ROWS = 5_000
# Columns that carry the instanceID, best first: Kobo's meta/instanceID, SurveyCTO's KEY;
# Kobo's _uuid is the same id without its "uuid:" prefix.
INSTANCE_COLUMNS = ("meta/instanceID", "instanceID", "KEY", "_uuid")
# The platforms' own columns (submission time, status, review...), not answers: left out.
PLATFORM_COLUMNS = frozenset(
    {
        "_id",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "_tags",
        "_index",
        "__version__",
        "_version_",
        "_xform_id_string",
        "_attachments",
        "_geolocation",
        "_media_count",
        "_total_media",
        "_media_all_received",
        "_date_modified",
        "meta/deprecatedID",
        "SubmissionDate",
        "CompletionDate",
        "formdef_version",
        "review_status",
        "review_comments",
        "review_corrections",
        "review_quality",
        "instanceName",
        "duration",
        "username",
        "deviceid",
    }
)
INTEGER = re.compile(r"-?\d+(\.0+)?")


@dataclass
class ImportResult:
    created: int = 0
    repeated: int = 0


class AnswersImportError(SurveyError):
    """The file's bad cells, each {"row", "column", "message"} (row 1 is the header)."""

    def __init__(self, problems: list[dict[str, Any]], filename: str) -> None:
        super().__init__(
            SurveyErrorCode.BAD_ANSWERS_FILE,
            _("Nothing was imported from %(file)s: %(count)s problems.")
            % {"file": filename, "count": len(problems)},
            field="file",
        )
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems}


def _column_keys(question: Question) -> set[str]:
    """The headers an export gives a question: its name, or its path inside the form with
    Kobo's "/" or SurveyCTO's "-" between groups."""
    inside = question.path.strip("/").split("/")[1:]
    return {question.name, "/".join(inside), "-".join(inside)}


def _check(question: Question, value: str) -> tuple[str, str | None]:
    """The value as the XML carries it, and what is wrong with it (None: nothing)."""
    if value == "" or value in question.missing_codes:
        return value, None
    scaled = question.scale_min is not None and question.scale_max is not None
    if scaled or question.type in {"integer", "decimal", "range"}:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value, _("%(value)s is not a number") % {"value": value}
        if scaled or question.type == "integer":
            if not INTEGER.fullmatch(value):
                return value, _("%(value)s is not a whole number") % {"value": value}
            value = str(int(number))  # spreadsheets write 4 as "4.0"
        if scaled and not question.scale_min <= int(value) <= question.scale_max:  # type: ignore[operator]
            return value, _("%(value)s is outside the scale %(low)s–%(high)s") % {
                "value": value,
                "low": question.scale_min,
                "high": question.scale_max,
            }
        return value, None
    names = {c["name"] for c in question.choices}
    if question.type == "select_one" and names and value not in names:
        return value, _("%(value)s is not one of the choices") % {"value": value}
    return value, None


def import_answers(
    *,
    actor: Any,
    questionnaire: Questionnaire,
    upload: IO[bytes],
    filename: str,
    progress: Callable[[int, int], None] | None = None,
    applied: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import every row of the export or none (AnswersImportError lists each bad cell).

    The rows are checked first, outside any transaction, calling `progress(done, total)` as
    they go (a job's cancel stops it there); then written in one transaction, which ends with
    `applied(result)` so what it writes (a job's "applied" mark) is committed with the answers
    or not at all."""
    try:
        rows = read_table(upload, filename, Limits(rows=MAX_ROWS + 1, columns=500))
    except TableError as error:
        raise AnswersImportError(
            [{"row": error.row, "column": error.column, "message": error.message}], filename
        ) from error
    if not rows:
        raise AnswersImportError(
            [{"row": 0, "column": "", "message": _("The file is empty.")}], filename
        )
    header, body = rows[0], rows[1:]
    questions = list(questionnaire.questions.order_by("position"))
    by_header = {key: q for q in questions for key in _column_keys(q)}
    problems: list[dict[str, Any]] = []

    def problem(row: int, column: str, message: str) -> None:
        problems.append({"row": row, "column": column, "message": message})

    columns: dict[int, Question] = {}
    id_column = next((header.index(c) for c in INSTANCE_COLUMNS if c in header), None)
    for index, name in enumerate(header):
        if not name:
            continue  # a spreadsheet's unused columns
        if name in by_header:
            columns[index] = by_header[name]
        elif name not in PLATFORM_COLUMNS and name not in INSTANCE_COLUMNS:
            problem(
                1, name, _("no question of %(form)s is called so") % {"form": questionnaire.form_id}
            )
    if id_column is None:
        problem(1, "", _("the file has no instanceID column (meta/instanceID, KEY or _uuid)"))
    seen: dict[str, int] = {}
    instances: list[tuple[int, str, dict[str, str]]] = []
    for number, row in enumerate(body, start=2):
        if progress is not None:
            progress(number - 1, len(body))
        if not any(row):
            continue
        instance_id = ""
        if id_column is not None:
            instance_id = row[id_column] if id_column < len(row) else ""
            if header[id_column] == "_uuid" and instance_id:
                instance_id = f"uuid:{instance_id}"
            if not instance_id:
                problem(number, header[id_column], _("the instanceID is empty"))
            elif instance_id in seen:
                problem(
                    number,
                    header[id_column],
                    _("the instanceID %(id)s is on row %(row)s already")
                    % {"id": instance_id, "row": seen[instance_id]},
                )
            else:
                seen[instance_id] = number
        values = {q.path: "" for q in questions}
        for index, question in columns.items():
            value, wrong = _check(question, row[index].strip() if index < len(row) else "")
            if wrong:
                problem(number, header[index], wrong)
            values[question.path] = value
        instances.append((number, instance_id, values))
    if problems:
        raise AnswersImportError(problems, filename)
    with transaction.atomic():
        result = _write(actor, questionnaire, instances, header, id_column, problem)
        if problems:
            raise AnswersImportError(problems, filename)  # and nothing is kept
        record_audit(
            actor=actor,
            action="submissions.imported",
            target=questionnaire,
            county=questionnaire.county,
            changes={"file": filename, "created": result.created, "repeated": result.repeated},
        )
        if applied is not None:
            applied(result)
    return result


def _write(
    actor: Any,
    questionnaire: Questionnaire,
    instances: list[tuple[int, str, dict[str, str]]],
    header: list[str],
    id_column: int | None,
    problem: Callable[[int, str, str], None],
) -> ImportResult:
    """Receive each checked row as a submission; a row refused names its problem."""
    result = ImportResult()
    for number, instance_id, values in instances:
        xml = render_instance(
            form_id=questionnaire.form_id,
            version=questionnaire.version,
            values=values,
            instance_id=instance_id,
        )
        try:
            # A savepoint per row: a refused row is named, the others still checked.
            with transaction.atomic():
                _answer, created = receive_submission(
                    county=questionnaire.county, enumerator=actor, xml=xml
                )
        except SurveyError as error:
            problem(number, header[id_column] if id_column is not None else "", error.message)
            continue
        if created:
            result.created += 1
        else:
            result.repeated += 1
    return result
