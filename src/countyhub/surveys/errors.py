"""Errors of the survey services; each has a code and names the place at fault."""

from __future__ import annotations

from typing import Any

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class SurveyErrorCode(ErrorCode):
    BAD_XLSFORM = ("bad_xlsform", ErrorKind.INVALID)
    VERSION_EXISTS = ("version_exists", ErrorKind.CONFLICT)
    FORM_OF_OTHER_COUNTY = ("form_of_other_county", ErrorKind.CONFLICT)
    VERSION_HAS_ANSWERS = ("version_has_answers", ErrorKind.CONFLICT)
    BAD_SUBMISSION = ("bad_submission", ErrorKind.INVALID)
    UNKNOWN_FORM = ("unknown_form", ErrorKind.NOT_FOUND)
    DIFFERENT_XML = ("different_xml", ErrorKind.CONFLICT)
    UNKNOWN_DEPRECATED = ("unknown_deprecated", ErrorKind.CONFLICT)
    ALREADY_SUPERSEDED = ("already_superseded", ErrorKind.CONFLICT)
    OTHER_COUNTY = ("other_county", ErrorKind.INVALID)
    VILLAGE_NOT_ASSIGNED = ("village_not_assigned", ErrorKind.FORBIDDEN)
    BAD_ANSWERS_FILE = ("bad_answers_file", ErrorKind.INVALID)
    BAD_QUESTION = ("bad_question", ErrorKind.INVALID)
    FORM_EXISTS = ("form_exists", ErrorKind.CONFLICT)
    EMPTY_DRAFT = ("empty_draft", ErrorKind.INVALID)


class SurveyError(DomainError):
    code: SurveyErrorCode


class XLSFormError(SurveyError):
    """An XLSForm that cannot be taken: every problem names its sheet, row and column."""

    def __init__(self, problems: list[dict[str, Any]], message: str) -> None:
        super().__init__(SurveyErrorCode.BAD_XLSFORM, message, field="file")
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems}
