"""Queries of surveys, and the data frames the analysis reads: one row per current answer,
reverse-coded items reversed and declared missing codes turned into NaN in this one place."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet

from countyhub.core.models import County
from countyhub.surveys.instances import flatten
from countyhub.surveys.models import Question, Questionnaire, Submission, Wave

NUMERIC_TYPES = {"integer", "decimal", "range"}
# Columns of a wave frame that are not questions.
HOUSEHOLD_COLUMN = "household_id"


def collecting_questionnaires(county: County) -> QuerySet[Questionnaire]:
    """The versions the county's collecting waves are fielding (what the form list offers)."""
    return (
        Questionnaire.objects.filter(county=county, waves__collecting=True)
        .distinct()
        .order_by("form_id", "version")
    )


def questionnaire_of(county: County, form_id: str, version: str) -> Questionnaire | None:
    return Questionnaire.objects.filter(county=county, form_id=form_id, version=version).first()


def current_submissions(**filters: Any) -> QuerySet[Submission]:
    """Answers not superseded by an edit."""
    return Submission.objects.filter(superseded_by__isnull=True, **filters)


def household_key(submission: Submission) -> str:
    """What pairs answers across waves: the registered household, else the id as typed."""
    return str(submission.household_id) if submission.household_id else submission.household_ref


def questionnaire_constructs(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """{construct: [item names]}, in the questionnaire's order."""
    constructs: dict[str, list[str]] = {}
    for name, construct in (
        questionnaire.questions.exclude(construct="")
        .order_by("position")
        .values_list("name", "construct")
    ):
        constructs.setdefault(construct, []).append(name)
    return constructs


def _is_numeric(question: Question) -> bool:
    return question.type in NUMERIC_TYPES or (
        question.scale_min is not None and question.scale_max is not None
    )


def _value(question: Question, raw: Any) -> Any:
    """One answer as analysis reads it: declared missing codes and blanks are NaN, numbers are
    floats, a reverse-coded item is (min + max) - x."""
    if isinstance(raw, list | dict):
        return raw
    text = "" if raw is None else str(raw).strip()
    if text == "" or text in question.missing_codes:
        return np.nan if _is_numeric(question) else None
    if not _is_numeric(question):
        return text
    try:
        number = float(text)
    except ValueError:
        return np.nan
    if question.reverse and question.scale_min is not None and question.scale_max is not None:
        number = question.scale_min + question.scale_max - number
    return number


def wave_frame(wave: Wave) -> pd.DataFrame:
    """One row per current answer of the wave, indexed by instanceID; a column per question of
    the wave's questionnaire (in its order) and `household_id` (the pairing key)."""
    questions = list(wave.questionnaire.questions.order_by("position"))
    rows = []
    index = []
    for submission in current_submissions(wave=wave).order_by("pk"):
        answers = flatten(submission.answers)
        row: dict[str, Any] = {HOUSEHOLD_COLUMN: household_key(submission)}
        for question in questions:
            row[question.name] = _value(question, answers.get(question.name))
        rows.append(row)
        index.append(submission.instance_id)
    columns = [HOUSEHOLD_COLUMN, *(q.name for q in questions)]
    frame = pd.DataFrame(rows, index=pd.Index(index, name="instance_id"), columns=columns)
    for question in questions:
        if _is_numeric(question):
            frame[question.name] = frame[question.name].astype(float)
    return frame


def paired_waves(wave_a: Wave, wave_b: Wave, money_questions: list[str]) -> pd.DataFrame:
    """One row per household answered in both waves (by household id, never by name), with
    `<question>_before` (wave a) and `<question>_after` (wave b) for each money question: the
    layout of `countyhub analyze before-after --id household_id --pair q=q_before:q_after`.
    A household answered twice in a wave (two current answers) keeps its latest."""
    frames = []
    for wave, suffix in ((wave_a, "before"), (wave_b, "after")):
        frame = wave_frame(wave)
        missing = [name for name in money_questions if name not in frame.columns]
        if missing:
            raise KeyError(f"{wave}: no question {', '.join(missing)}")
        frame = frame[frame[HOUSEHOLD_COLUMN] != ""]
        frame = frame.drop_duplicates(HOUSEHOLD_COLUMN, keep="last").set_index(HOUSEHOLD_COLUMN)
        frames.append(frame[money_questions].add_suffix(f"_{suffix}"))
    paired = frames[0].join(frames[1], how="inner")
    return paired.reset_index().sort_values(HOUSEHOLD_COLUMN, ignore_index=True)


@dataclass
class SurveyedIncomes:
    """Households' total annual income as surveyed (yuan), by (household, year): the answer to a
    questionnaire's household income question (`Question.household_income`), of the year its
    `money_year` names. Only current answers linked to a registered household count; of two
    answers for one household and year the latest wins. ``years``: every year any answer of
    the county covers; ``unlinked``: answers with an income but no registered household."""

    amounts: dict[tuple[int, int], Decimal]
    years: set[int]
    unlinked: int


def surveyed_incomes(county: County) -> SurveyedIncomes:
    questions = {
        question.questionnaire_id: question
        for question in Question.objects.filter(
            questionnaire__county=county, household_income=True, money_year__isnull=False
        )
    }
    result = SurveyedIncomes({}, set(), 0)
    for submission in current_submissions(
        county=county, questionnaire_id__in=list(questions)
    ).order_by("created_at", "pk"):
        question = questions[submission.questionnaire_id]
        value = _value(question, flatten(submission.answers).get(question.name))
        if not isinstance(value, float) or np.isnan(value) or value < 0:
            continue  # not answered, a declared missing code, or not an income
        year = cast(int, question.money_year)  # the query keeps questions with a year
        result.years.add(year)
        if submission.household_id is None:
            result.unlinked += 1
            continue
        amount = Decimal(repr(value)).quantize(Decimal("0.01"))
        result.amounts[(submission.household_id, year)] = amount
    return result


def money_years(questionnaire: Questionnaire) -> dict[str, int]:
    """{money question: price year of its amounts}, for deflation."""
    return dict(
        questionnaire.questions.filter(money_year__isnull=False).values_list("name", "money_year")
    )


# An interview shorter than this is flagged as rushed (the study's forms take 15-35 minutes).
SHORT_INTERVIEW_MINUTES = 8.0


@dataclass
class WaveQuality:
    """Data quality of a wave: what is flagged is listed; nothing is excluded here."""

    responses: int
    item_missing: dict[str, float]
    respondent_missing: dict[str, float]
    straight_lined: dict[str, list[str]]  # instanceID -> constructs answered all alike
    minutes: dict[str, float]
    rushed: list[str]
    failed_instructed: list[str]


def wave_quality(wave: Wave) -> WaveQuality:
    questions = list(wave.questionnaire.questions.order_by("position"))
    frame = wave_frame(wave)
    items = [q.name for q in questions if q.construct or q.money_year is not None]
    constructs = questionnaire_constructs(wave.questionnaire)
    missing = frame[items].isna() if items else pd.DataFrame(index=frame.index)
    straight: dict[str, list[str]] = {}
    for construct, names in constructs.items():
        if len(names) < 3:
            continue
        # Raw answers (before reversal): the same box ticked for every item of the block.
        raw = frame[names].copy()
        for name in names:
            question = next(q for q in questions if q.name == name)
            if (
                question.reverse
                and question.scale_min is not None
                and question.scale_max is not None
            ):
                raw[name] = question.scale_min + question.scale_max - raw[name]
        alike = raw.notna().all(axis=1) & (raw.nunique(axis=1) == 1)
        for instance_id in frame.index[alike]:
            straight.setdefault(instance_id, []).append(construct)
    minutes: dict[str, float] = {}
    starts = [q.name for q in questions if q.type == "start"]
    ends = [q.name for q in questions if q.type == "end"]
    if starts and ends:
        start = pd.to_datetime(frame[starts[0]], errors="coerce", utc=True)
        end = pd.to_datetime(frame[ends[0]], errors="coerce", utc=True)
        duration = (end - start).dt.total_seconds() / 60
        minutes = {k: float(v) for k, v in duration.dropna().items()}
    failed: list[str] = []
    for question in questions:
        if question.expected:
            expected = float(question.expected) if _is_numeric(question) else question.expected
            answered = frame[question.name]
            failed += [k for k, v in answered.items() if not pd.isna(v) and v != expected]
    return WaveQuality(
        responses=len(frame),
        item_missing={name: float(missing[name].mean()) for name in items} if len(frame) else {},
        respondent_missing={k: float(v) for k, v in missing.mean(axis=1).items()} if items else {},
        straight_lined=straight,
        minutes=minutes,
        rushed=[k for k, v in minutes.items() if v < SHORT_INTERVIEW_MINUTES],
        failed_instructed=sorted(set(failed)),
    )


def wave_responses(wave: Wave) -> dict[str, Any]:
    """Responses by village, registered-poor share and completion (answers with every
    construct and money item answered)."""
    answers = current_submissions(wave=wave)
    by_village = list(
        answers.filter(household__isnull=False)
        .values("household__village__name")
        .annotate(
            answers=Count("pk"),
            registered_poor=Count("pk", filter=Q(household__registered_poor=True)),
        )
        .order_by("household__village__name")
    )
    linked = sum(row["answers"] for row in by_village)
    poor = sum(row["registered_poor"] for row in by_village)
    quality = wave_quality(wave)
    complete = sum(1 for share in quality.respondent_missing.values() if share == 0)
    return {
        "responses": quality.responses,
        "linked": linked,
        "unlinked": quality.responses - linked,
        "by_village": by_village,
        "registered_poor_share": poor / linked if linked else None,
        "completion": complete / quality.responses if quality.responses else None,
        "quality": quality,
    }


def export_table(wave: Wave, *, household_ids: bool) -> tuple[list[str], list[list[Any]]]:
    """The wave's current answers as collected (codes as typed, nothing reversed), the form
    version in every row. The respondent is the household id for those who may see it, else a
    pseudonym: a keyed hash under a key drawn for this export, so stable within the export and
    unlinkable across exports."""
    questions = list(wave.questionnaire.questions.order_by("position"))
    key = secrets.token_bytes(32)
    header = ["respondent", "form_version", "wave", "instance_id", *(q.name for q in questions)]
    rows = []
    for submission in current_submissions(wave=wave).select_related("questionnaire").order_by("pk"):
        household = household_key(submission)
        if household and not household_ids:
            household = hmac.new(key, household.encode(), hashlib.sha256).hexdigest()[:16]
        answers = flatten(submission.answers)
        instance_id = submission.instance_id if household_ids else ""
        rows.append(
            [
                household,
                submission.questionnaire.version,
                wave.label,
                instance_id,
                *(_cell(answers.get(q.name)) for q in questions),
            ]
        )
    return header, rows


NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _cell(value: Any) -> Any:
    """A number typed as text is a number in the export (`-99` too, not a formula to escape)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return Decimal(value) if NUMBER.match(value) else value
