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


class CPIDefinition(models.TextChoices):
    LEVELS = "levels", _("index levels (any base year)")
    PREVIOUS_YEAR = "previous_year_100", _("previous year = 100 (chained into levels)")


class CPISeries(CountyScoped):
    """The county's own consumer price index, year by year, to deflate money with instead of the
    national rural CPI shipped with countyhub. Its values are :class:`CPIValue` rows; a run copies
    them into its options, so a later change of the table never changes a stored run."""

    name = models.CharField(_("name"), max_length=120)
    definition = models.CharField(
        _("definition"), max_length=20, choices=CPIDefinition.choices, default=CPIDefinition.LEVELS
    )
    base = models.CharField(
        _("base"), max_length=60, blank=True, help_text=_("For index levels, e.g. 2015 = 100.")
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the values come from, e.g. the county statistical yearbook 2023."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("CPI table")
        verbose_name_plural = _("CPI tables")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="cpi_series_name_per_county")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def coverage(self) -> str:
        """First and last year, as "2015–2023" (uses prefetched values when there are)."""
        years = sorted(value.year for value in self.values.all())
        return f"{years[0]}–{years[-1]}" if years else "—"


class CPIValue(models.Model):
    """One year's index of a county CPI table."""

    series = models.ForeignKey(
        CPISeries, on_delete=models.CASCADE, related_name="values", verbose_name=_("CPI table")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    index = models.DecimalField(_("index"), max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("CPI value")
        verbose_name_plural = _("CPI values")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="cpi_value_year_per_series"),
            models.CheckConstraint(condition=models.Q(index__gt=0), name="cpi_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.index}"
