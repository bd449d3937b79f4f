"""Use cases of surveys: import a questionnaire version, set up a survey and its waves, assign
enumerators to villages, receive a submission the way ODK Central does, link an answer to a
household. Every change is audited."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import Household
from countyhub.core.audit import record_audit, save_with_audit
from countyhub.core.models import County, Village
from countyhub.surveys import editor
from countyhub.surveys.errors import SurveyError, SurveyErrorCode, XLSFormError
from countyhub.surveys.instances import Instance, flatten, parse_instance
from countyhub.surveys.models import (
    Attachment,
    EnumeratorVillage,
    Question,
    Questionnaire,
    QuestionnaireDraft,
    Submission,
    Survey,
    Wave,
)
from countyhub.surveys.xlsform import XLSFormReadError, describe, export_xlsx, parse_xlsform


@transaction.atomic
def import_questionnaire(
    *, actor: Any, county: County, content: bytes, filename: str
) -> Questionnaire:
    """A new questionnaire version from an XLSForm; the same file again is the same version."""
    try:
        parsed = parse_xlsform(content, filename)
    except XLSFormReadError as problems:
        raise XLSFormError(
            problems.problems,
            _("The XLSForm %(file)s cannot be used: %(problems)s")
            % {"file": filename, "problems": "; ".join(describe(p) for p in problems.problems)},
        ) from problems
    owner = Questionnaire.objects.filter(form_id=parsed.form_id).exclude(county=county).first()
    if owner is not None:
        raise SurveyError(
            SurveyErrorCode.FORM_OF_OTHER_COUNTY,
            _("The form id %(form)s belongs to another county: choose another form_id.")
            % {"form": parsed.form_id},
            field="file",
        )
    existing = Questionnaire.objects.filter(form_id=parsed.form_id, version=parsed.version).first()
    if existing is not None:
        if existing.source_sha256 == parsed.sha256:
            return existing
        raise SurveyError(
            SurveyErrorCode.VERSION_EXISTS,
            _(
                "Version %(version)s of %(form)s exists already and a version never changes: "
                "raise the version in the settings sheet."
            )
            % {"version": parsed.version, "form": parsed.form_id},
            field="file",
        )
    questionnaire = Questionnaire.objects.create(
        county=county,
        form_id=parsed.form_id,
        version=parsed.version,
        title=parsed.title,
        source_name=filename,
        source=content,
        source_sha256=parsed.sha256,
        xform_xml=parsed.xform_xml,
        definition=parsed.definition,
        warnings=parsed.warnings,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Question.objects.bulk_create(
        Question(questionnaire=questionnaire, **vars(question)) for question in parsed.questions
    )
    record_audit(
        actor=actor,
        action="questionnaire.imported",
        target=questionnaire,
        county=county,
        changes={
            "form_id": parsed.form_id,
            "version": parsed.version,
            "sha256": parsed.sha256,
            "questions": len(parsed.questions),
        },
    )
    return questionnaire


@transaction.atomic
def create_survey(*, actor: Any, county: County, name: str, name_en: str = "") -> Survey:
    return save_with_audit(
        actor=actor, instance=Survey(county=county, name=name, name_en=name_en), county=county
    )


@transaction.atomic
def add_wave(
    *,
    actor: Any,
    survey: Survey,
    label: str,
    year: int,
    questionnaire: Questionnaire,
    collecting: bool = False,
) -> Wave:
    if questionnaire.county_id != survey.county_id:
        raise SurveyError(
            SurveyErrorCode.OTHER_COUNTY,
            _("The questionnaire is of another county."),
            field="questionnaire",
        )
    if collecting:
        # One collecting wave per version: new answers to it have one place to go.
        for other in Wave.objects.select_for_update().filter(
            questionnaire=questionnaire, collecting=True
        ):
            other.collecting = False
            save_with_audit(actor=actor, instance=other, county=survey.county)
    wave = Wave(
        survey=survey, label=label, year=year, questionnaire=questionnaire, collecting=collecting
    )
    return save_with_audit(actor=actor, instance=wave, county=survey.county)


@transaction.atomic
def assign_villages(*, actor: Any, user: Any, villages: Iterable[Village]) -> int:
    """Assign an enumerator to villages (added to those they have); returns how many are new."""
    added = 0
    for village in villages:
        assignment, created = EnumeratorVillage.objects.get_or_create(user=user, village=village)
        if created:
            added += 1
            record_audit(
                actor=actor,
                action="enumerator.village_assigned",
                target=assignment,
                county=village.county,
                changes={"user": user.pk, "village": village.pk},
            )
    return added


def _questionnaire_for(county: County, instance: Instance) -> Questionnaire:
    questionnaire = (
        Questionnaire.objects.filter(
            county=county, form_id=instance.form_id, version=instance.version
        )
        .order_by("-pk")
        .first()
    )
    if questionnaire is None:
        raise SurveyError(
            SurveyErrorCode.UNKNOWN_FORM,
            _("This county has no form %(form)s version %(version)s.")
            % {"form": instance.form_id, "version": instance.version or "-"},
        )
    return questionnaire


def _household(
    county: County, questionnaire: Questionnaire, answers: dict[str, Any]
) -> tuple[Household | None, str]:
    """The household the answer names by the household question, if it is registered."""
    question = questionnaire.questions.filter(household=True).first()
    if question is None:
        return None, ""
    typed = str(flatten(answers).get(question.name) or "").strip()
    if not typed.isdigit():
        return None, typed[:60]
    return Household.objects.filter(county=county, pk=int(typed)).first(), typed


def _lock(form_id: str, instance_id: str) -> Submission | None:
    return (
        Submission.objects.select_for_update()
        .filter(form_id=form_id, instance_id=instance_id)
        .first()
    )


def _merge_media(submission: Submission, xml: str, media: Iterable[UploadedFile]) -> list[str]:
    """Attach the files the XML names and the submission has not got yet (a split post
    repeats the XML with the next files); others are ignored, as ODK Central does."""
    have = set(submission.attachments.values_list("name", flat=True))
    added = []
    for upload in media:
        name = upload.name or ""
        if not name or name in have or f">{name}<" not in xml:
            continue
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = Attachment(
            submission=submission,
            name=name,
            content_type=upload.content_type or "",
            size=upload.size or 0,
            sha256=digest.hexdigest(),
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        have.add(name)
        added.append(name)
    return added


@transaction.atomic
def receive_submission(
    *, county: County, enumerator: Any, xml: bytes, media: Iterable[UploadedFile] = ()
) -> tuple[Submission, bool]:
    """Take an OpenRosa submission; returns it and whether it is new. Same instanceID and the
    same bytes: success again, new media merged. Same instanceID, other bytes: conflict. A
    meta/deprecatedID: an edit that supersedes the named answer, which is kept."""
    instance = parse_instance(xml)
    media = list(media)
    existing = _lock(instance.form_id, instance.instance_id)
    created = False
    if existing is None:
        questionnaire = _questionnaire_for(county, instance)
        previous = None
        if instance.deprecated_id:
            previous = _lock(instance.form_id, instance.deprecated_id)
            if previous is None or previous.county_id != county.pk:
                raise SurveyError(
                    SurveyErrorCode.UNKNOWN_DEPRECATED,
                    _("The edited answer %(id)s is not here.") % {"id": instance.deprecated_id},
                )
            if previous.superseded_by_id is not None:
                raise SurveyError(
                    SurveyErrorCode.ALREADY_SUPERSEDED,
                    _("The answer %(id)s was edited already: edit its latest version.")
                    % {"id": instance.deprecated_id},
                )
        household, typed = _household(county, questionnaire, instance.answers)
        wave = (
            previous.wave
            if previous is not None
            else Wave.objects.filter(questionnaire=questionnaire, collecting=True).first()
        )
        try:
            # A savepoint: the same answer posted at the same moment makes one row; the
            # loser of the race finds the winner's below.
            with transaction.atomic():
                submission = Submission.objects.create(
                    county=county,
                    questionnaire=questionnaire,
                    form_id=instance.form_id,
                    instance_id=instance.instance_id,
                    deprecated_id=instance.deprecated_id,
                    xml=instance.xml,
                    xml_sha256=instance.sha256,
                    answers=instance.answers,
                    wave=wave,
                    household=household,
                    household_ref=typed,
                    enumerator=enumerator
                    if getattr(enumerator, "is_authenticated", False)
                    else None,
                )
            created = True
        except IntegrityError:
            existing = _lock(instance.form_id, instance.instance_id)
            if existing is None:
                raise
        else:
            if previous is not None:
                previous.superseded_by = submission
                previous.save(update_fields=["superseded_by", "updated_at"])
            added = _merge_media(submission, instance.xml, media)
            record_audit(
                actor=enumerator,
                action="submission.received",
                target=submission,
                county=county,
                changes={
                    "form_id": instance.form_id,
                    "instance_id": instance.instance_id,
                    "supersedes": previous.pk if previous else None,
                    "media": added,
                },
            )
            return submission, created
    if existing.county_id != county.pk or existing.xml_sha256 != instance.sha256:
        raise SurveyError(
            SurveyErrorCode.DIFFERENT_XML,
            _("An answer with the instanceID %(id)s was received already with other content.")
            % {"id": instance.instance_id},
        )
    added = _merge_media(existing, instance.xml, media)
    if added:
        record_audit(
            actor=enumerator,
            action="submission.media_added",
            target=existing,
            county=county,
            changes={"media": added},
        )
    return existing, False


def assigned_village_ids(user: Any, county: County) -> set[int]:
    """The villages of the county the enumerator is assigned to; empty: not limited."""
    return set(
        EnumeratorVillage.objects.filter(user=user, village__county=county).values_list(
            "village_id", flat=True
        )
    )


@transaction.atomic
def receive_enumerator_submission(
    *, county: County, enumerator: Any, xml: bytes
) -> tuple[Submission, bool]:
    """An answer from countyhub's own phone page: the OpenRosa contract (receive_submission),
    and an enumerator with assigned villages answers only for households of those villages."""
    instance = parse_instance(xml)
    villages = assigned_village_ids(enumerator, county)
    questionnaire = Questionnaire.objects.filter(
        county=county, form_id=instance.form_id, version=instance.version
    ).first()
    if villages and questionnaire is not None:
        household, _typed = _household(county, questionnaire, instance.answers)
        if household is not None and household.village_id not in villages:
            raise SurveyError(
                SurveyErrorCode.VILLAGE_NOT_ASSIGNED,
                _("Household %(id)s is not in a village you are assigned to.")
                % {"id": household.pk},
                field="household",
            )
    return receive_submission(county=county, enumerator=enumerator, xml=xml)


@transaction.atomic
def link_household(*, actor: Any, submission: Submission, household: Household) -> Submission:
    """Link a kept answer to a household registered since."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if household.county_id != submission.county_id:
        raise SurveyError(
            SurveyErrorCode.OTHER_COUNTY,
            _("The household is of another county."),
            field="household",
        )
    previous = submission.household_id
    submission.household = household
    submission.save(update_fields=["household", "updated_at"])
    record_audit(
        actor=actor,
        action="submission.household_linked",
        target=submission,
        county=submission.county,
        changes={"household": [previous, household.pk]},
    )
    return submission


# The web editor: a draft's sheets edited, then published through the import above.


def _editable(draft: QuestionnaireDraft) -> QuestionnaireDraft:
    return QuestionnaireDraft.objects.select_for_update().get(pk=draft.pk)


def _check_form_id(form_id: str, county: County) -> None:
    problems = editor.check_name(form_id, "form_id")
    if problems:
        raise editor.EditorError(problems)
    owner = Questionnaire.objects.filter(form_id=form_id).first()
    if owner is not None and owner.county_id != county.pk:
        raise editor.EditorError(
            {"form_id": _("the form id %(form)s belongs to another county") % {"form": form_id}}
        )
    if owner is not None:
        raise editor.EditorError(
            {
                "form_id": _("the form %(form)s exists already: open it from the list and edit it")
                % {"form": form_id}
            }
        )
    if QuestionnaireDraft.objects.filter(form_id=form_id).exists():
        raise editor.EditorError(
            {"form_id": _("a draft of the form %(form)s exists already") % {"form": form_id}}
        )


@transaction.atomic
def create_draft(
    *, actor: Any, county: County, form_id: str, title: str, title_en: str = ""
) -> QuestionnaireDraft:
    """A new questionnaire, empty, to be written in the editor."""
    form_id, title = form_id.strip(), title.strip()
    _check_form_id(form_id, county)
    if not title:
        raise editor.EditorError({"title": _("the Chinese title is required")})
    draft = QuestionnaireDraft.objects.create(
        county=county,
        form_id=form_id,
        title=title,
        title_en=title_en.strip(),
        definition=editor.blank_definition(form_id, title),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_audit(
        actor=actor,
        action="questionnaire_draft.created",
        target=draft,
        county=county,
        changes={"form_id": form_id, "title": title},
    )
    return draft


@transaction.atomic
def draft_of(*, actor: Any, questionnaire: Questionnaire) -> QuestionnaireDraft:
    """The form's draft to edit a published version in: the form's draft if there is one,
    else a new one holding that version's sheets."""
    existing = QuestionnaireDraft.objects.filter(form_id=questionnaire.form_id).first()
    if existing is not None:
        return existing
    draft = QuestionnaireDraft.objects.create(
        county=questionnaire.county,
        form_id=questionnaire.form_id,
        title=questionnaire.title,
        definition=copy.deepcopy(questionnaire.definition),
        based_on=questionnaire,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_audit(
        actor=actor,
        action="questionnaire_draft.created",
        target=draft,
        county=questionnaire.county,
        changes={"form_id": draft.form_id, "from_version": questionnaire.version},
    )
    return draft


@transaction.atomic
def retitle_draft(
    *, actor: Any, draft: QuestionnaireDraft, title: str, title_en: str = ""
) -> QuestionnaireDraft:
    """The draft's titles in Chinese (the form_title of its settings sheet) and English."""
    draft = _editable(draft)
    title, title_en = title.strip(), title_en.strip()
    if not title:
        raise editor.EditorError({"title": _("the Chinese title is required")})
    before = [draft.title, draft.title_en]
    settings_sheet = editor._sheet(draft.definition, "settings", editor.SETTINGS_COLUMNS)
    if not settings_sheet["rows"]:
        settings_sheet["rows"].append({"form_id": draft.form_id})
    settings_sheet["rows"][0]["form_title"] = title
    draft.title, draft.title_en = title, title_en
    draft.save(update_fields=["title", "title_en", "definition", "updated_at"])
    record_audit(
        actor=actor,
        action="questionnaire_draft.changed",
        target=draft,
        county=draft.county,
        changes={"titles": [before, [title, title_en]]},
    )
    return draft


def _changed(
    actor: Any, draft: QuestionnaireDraft, definition: dict[str, Any], what: dict[str, Any]
) -> QuestionnaireDraft:
    draft.definition = definition
    draft.save(update_fields=["definition", "updated_at"])
    record_audit(
        actor=actor,
        action="questionnaire_draft.changed",
        target=draft,
        county=draft.county,
        changes=what,
    )
    return draft


@transaction.atomic
def save_question(
    *,
    actor: Any,
    draft: QuestionnaireDraft,
    question: editor.EditedQuestion,
    original: str | None = None,
) -> QuestionnaireDraft:
    """Add a question to the draft (original None) or change the question named original."""
    draft = _editable(draft)
    definition = editor.put_question(draft.definition, question, original)
    change = {"question": question.name, "kind": question.kind}
    if original is not None:
        change["was"] = original
    return _changed(actor, draft, definition, change)


@transaction.atomic
def add_section(
    *, actor: Any, draft: QuestionnaireDraft, name: str, label_zh: str, label_en: str = ""
) -> QuestionnaireDraft:
    draft = _editable(draft)
    definition = editor.add_section(draft.definition, name, label_zh, label_en)
    return _changed(actor, draft, definition, {"section": name})


@transaction.atomic
def move_question(
    *, actor: Any, draft: QuestionnaireDraft, name: str, step: int
) -> QuestionnaireDraft:
    draft = _editable(draft)
    definition = editor.move(draft.definition, name, -1 if step < 0 else 1)
    return _changed(actor, draft, definition, {"moved": name, "step": step})


@transaction.atomic
def delete_question(*, actor: Any, draft: QuestionnaireDraft, name: str) -> QuestionnaireDraft:
    draft = _editable(draft)
    definition = editor.remove(draft.definition, name)
    return _changed(actor, draft, definition, {"deleted": name})


def _next_version(form_id: str) -> str:
    """Today's date and a serial, as the demo's versions are written (2022010101)."""
    day = timezone.localdate().strftime("%Y%m%d")
    taken = set(Questionnaire.objects.filter(form_id=form_id).values_list("version", flat=True))
    serial = 1
    while f"{day}{serial:02d}" in taken:
        serial += 1
    return f"{day}{serial:02d}"


@transaction.atomic
def publish_draft(*, actor: Any, draft: QuestionnaireDraft) -> Questionnaire:
    """The draft as a new questionnaire version: its sheets exported to a workbook and imported
    as any XLSForm is (pyxform checks it, the XForm and the file's hash are kept). Each
    publication is a new version: ODK clients fetch a form again only when its version
    changes, and a version with answers never changes."""
    draft = _editable(draft)
    if not editor.question_count(draft.definition):
        raise SurveyError(
            SurveyErrorCode.EMPTY_DRAFT, _("Add a question before publishing."), field="name"
        )
    definition = copy.deepcopy(draft.definition)
    version = _next_version(draft.form_id)
    settings_sheet = editor._sheet(definition, "settings", editor.SETTINGS_COLUMNS)
    if not settings_sheet["rows"]:
        settings_sheet["rows"].append({})
    settings_sheet["rows"][0].update(
        {"form_id": draft.form_id, "form_title": draft.title, "version": version}
    )
    questionnaire = import_questionnaire(
        actor=actor,
        county=draft.county,
        content=export_xlsx(definition),
        filename=f"{draft.form_id}-{version}.xlsx",
    )
    previous = draft.based_on
    draft.based_on = questionnaire
    draft.definition = definition
    draft.save(update_fields=["based_on", "definition", "updated_at"])
    record_audit(
        actor=actor,
        action="questionnaire_draft.published",
        target=draft,
        county=draft.county,
        changes={
            "version": version,
            "questionnaire": questionnaire.pk,
            "previous": previous.version if previous else None,
        },
    )
    return questionnaire
