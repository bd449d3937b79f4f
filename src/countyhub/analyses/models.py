"""Datasets uploaded for analysis and the analysis runs made on them, kept with their inputs
(data hash, model, options, seed, countyhub version) so a run can be repeated to the digit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from countyhub.core.documents import private_storage
from countyhub.core.models import CountyScoped, Job, JobStatus


class Dataset(CountyScoped):
    """A survey table (CSV or XLSX) and what the analyst declared about its columns.

    ``metadata``: ``constructs`` {name: [columns]}, ``reverse`` [columns], ``scale`` [min, max]
    of the Likert items, ``missing_codes`` ["-99", ...], ``money`` {column: price year}.
    """

    name = models.CharField(_("name"), max_length=120)
    file = models.FileField(_("file"), upload_to="analyses/datasets/", storage=private_storage)
    original_name = models.CharField(_("original file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    columns = models.JSONField(_("column names"), default=list)
    numeric_columns = models.JSONField(_("numeric columns"), default=list)
    metadata = models.JSONField(_("metadata"), default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class AnalysisKind(models.TextChoices):
    PLS_SEM = "pls_sem", _("PLS-SEM")
    BEFORE_AFTER = "before_after", _("before/after")


class AnalysisRun(CountyScoped):
    """One analysis: its inputs, the background job computing it, and its stored results.

    The data come from an uploaded dataset, or from a survey wave (PLS-SEM), or from two waves
    paired by household (before/after: ``wave`` before, ``wave_after`` after); ``data_sha256``
    is the file's hash, or the hash of the frame a wave gave, so a repeat refuses changed data.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=AnalysisKind.choices)
    dataset = models.ForeignKey(
        Dataset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("dataset"),
    )
    wave = models.ForeignKey(
        "surveys.Wave",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="analysis_runs",
        verbose_name=_("survey wave"),
    )
    wave_after = models.ForeignKey(
        "surveys.Wave",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="analysis_runs_after",
        verbose_name=_("wave after"),
    )
    model_syntax = models.TextField(_("model"), blank=True)
    options = models.JSONField(_("options"), default=dict)
    seed = models.BigIntegerField(_("seed"))
    data_sha256 = models.CharField(_("data SHA-256"), max_length=64)
    countyhub_version = models.CharField(_("countyhub version"), max_length=40)
    job = models.OneToOneField(
        Job, on_delete=models.PROTECT, related_name="analysis_run", verbose_name=_("job")
    )
    repeats = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeated_by",
        verbose_name=_("repeats run"),
    )
    results = models.JSONField(_("results"), default=dict, blank=True)
    diagram_svg = models.TextField(_("path diagram"), blank=True)
    report_html = models.TextField(_("HTML report"), blank=True)
    report_pdf = models.FileField(
        _("PDF report"), upload_to="analyses/reports/", storage=private_storage, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dataset__isnull=False, wave__isnull=True)
                | models.Q(dataset__isnull=True, wave__isnull=False),
                name="analysis_run_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(wave_after__isnull=True) | models.Q(wave__isnull=False),
                name="analysis_run_after_needs_before",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def source_name(self) -> str:
        """What the data are, as the pages and the PDF name them."""
        if self.dataset is not None:
            return self.dataset.name
        if self.wave_after is not None:
            return f"{self.wave} → {self.wave_after.label}"
        return str(self.wave)

    @property
    def succeeded(self) -> bool:
        return self.job.status == JobStatus.SUCCEEDED
