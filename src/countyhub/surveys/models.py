"""Questionnaires (XLSForm versions), their questions, surveys fielded in waves, and the answers
(OpenRosa submissions) with their media. A submission is identified by its form and
`meta/instanceID`; an edit is a new submission that supersedes the old one, which is kept."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countyhub.catalog.models import Household
from countyhub.core.documents import private_storage
from countyhub.core.models import County, CountyScoped, TimestampedModel, Village

# The columns of a questionnaire that its answers were given against: frozen once it has any
# (the file itself through its hash).
FROZEN_FIELDS = ("form_id", "version", "source_sha256", "xform_xml", "definition")


class Questionnaire(CountyScoped):
    """One version of an XLSForm: the file as uploaded, the XForm pyxform made of it (what ODK
    clients download) and the parsed sheets (what countyhub reads)."""

    form_id = models.CharField(_("form id"), max_length=100)
    version = models.CharField(_("version"), max_length=40)
    title = models.CharField(_("questionnaire title"), max_length=200)
    source_name = models.CharField(_("file name"), max_length=200)
    source = models.BinaryField(_("XLSForm file"))
    source_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    xform_xml = models.TextField(_("XForm XML"))
    # {"survey": [...], "choices": [...], "settings": [...]}: the sheets' rows as dicts.
    definition = models.JSONField(_("parsed sheets"), default=dict)
    warnings = models.JSONField(_("pyxform warnings"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("imported by"),
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["form_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["form_id", "version"], name="questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.form_id} v{self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every answer keeps the version it was filled in: that version must stay as it was.
        if self.pk is not None and self.submissions.exists():
            stored = Questionnaire.objects.filter(pk=self.pk).values(*FROZEN_FIELDS).first()
            if stored and any(value != getattr(self, key) for key, value in stored.items()):
                raise ValidationError(
                    _("This version has answers: import a new version instead of changing it.")
                )
        super().save(*args, **kwargs)


class QuestionnaireDraft(CountyScoped):
    """A questionnaire being written in the web editor: the same sheets an import keeps
    (`Questionnaire.definition`). Publishing exports them to a workbook and imports it as a new
    version, so that a published version never changes; the draft stays for the next one."""

    form_id = models.CharField(_("form id"), max_length=100)
    title = models.CharField(_("questionnaire title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    definition = models.JSONField(_("sheets"), default=dict)
    # The version it was started from or last published as.
    based_on = models.ForeignKey(
        Questionnaire,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drafts",
        verbose_name=_("based on"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("questionnaire draft")
        verbose_name_plural = _("questionnaire drafts")
        ordering = ["form_id"]
        constraints = [models.UniqueConstraint(fields=["form_id"], name="draft_form_id_unique")]

    def __str__(self) -> str:
        return f"{self.title} ({self.form_id})"


class Question(models.Model):
    """A row of the survey sheet, with countyhub's own columns (construct, reverse coding,
    scale bounds, declared missing codes, price year of an amount, the household id)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    # Where the answer sits in a submission, e.g. /data/income/income_2020.
    path = models.CharField(_("path"), max_length=400)
    type = models.CharField(_("type"), max_length=60)
    list_name = models.CharField(_("choice list"), max_length=100, blank=True)
    label_zh = models.TextField(_("label (Chinese)"), blank=True)
    label_en = models.TextField(_("label (English)"), blank=True)
    section = models.CharField(_("section"), max_length=100, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    construct = models.CharField(_("construct"), max_length=60, blank=True)
    reverse = models.BooleanField(_("reverse-coded"), default=False)
    scale_min = models.IntegerField(_("scale minimum"), null=True, blank=True)
    scale_max = models.IntegerField(_("scale maximum"), null=True, blank=True)
    missing_codes = models.JSONField(_("missing codes"), default=list, blank=True)
    money_year = models.PositiveSmallIntegerField(
        _("price year of the amount"), null=True, blank=True
    )
    household = models.BooleanField(_("carries the household id"), default=False)
    # The household's total income of the year `money_year`, in yuan: the household income
    # panel carries it beside the income the platform records (XLSForm `countyhub::income`).
    household_income = models.BooleanField(_("asks the household income"), default=False)
    # An instructed-response item ("for this item choose 'Agree'"): the answer it asks for.
    expected = models.CharField(_("instructed answer"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "name"], name="question_name_unique"),
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True)
                | Q(scale_max__isnull=True)
                | Q(scale_min__lt=models.F("scale_max")),
                name="question_scale_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Survey(CountyScoped):
    """A study fielded in waves (2020 and 2022, or before and after a program)."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="survey_name_per_county")
        ]

    def __str__(self) -> str:
        return self.name


class Wave(TimestampedModel):
    """One round of a survey, fielded with one questionnaire version. New answers to that
    version go to its collecting wave (at most one per version)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="waves")
    label = models.CharField(_("label"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="waves", verbose_name=_("version")
    )
    collecting = models.BooleanField(_("collecting answers"), default=False)

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["survey", "year", "label"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "label"], name="wave_label_per_survey"),
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=Q(collecting=True),
                name="wave_one_collecting_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.label}"


class EnumeratorVillage(TimestampedModel):
    """A village an enumerator of the county is assigned to interview in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enumerator_villages"
    )
    village = models.ForeignKey(Village, on_delete=models.CASCADE, verbose_name=_("village"))

    class Meta:
        verbose_name = _("enumerator's village")
        verbose_name_plural = _("enumerators' villages")
        constraints = [
            models.UniqueConstraint(fields=["user", "village"], name="enumerator_village_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.village}"


class Submission(TimestampedModel):
    """One answer as the client sent it (the XML, byte for byte) and as countyhub reads it."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, verbose_name=_("county"))
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="submissions"
    )
    # The questionnaire's form id, repeated so that the database keeps an instanceID unique
    # per form across its versions.
    form_id = models.CharField(_("form id"), max_length=100)
    instance_id = models.CharField(_("instance id"), max_length=100)
    deprecated_id = models.CharField(_("edit of"), max_length=100, blank=True)
    xml = models.TextField(_("XML"))
    xml_sha256 = models.CharField(max_length=64)
    answers = models.JSONField(_("answers"), default=dict)
    wave = models.ForeignKey(
        Wave,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("wave"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_answers",
        verbose_name=_("household"),
    )
    household_ref = models.CharField(_("household id as typed"), max_length=60, blank=True)
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("enumerator"),
    )
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form_id", "instance_id"], name="submission_instance")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.instance_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"surveys/{instance.submission.form_id}/{instance.submission_id}/{filename}"


class Attachment(TimestampedModel):
    """A media file of a submission, named as the XML names it; kept in the private storage."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path, storage=private_storage)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="attachment_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
