"""Counties (the tenant), townships and villages, roles as per-county memberships, audit log."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from countyhub.core.documents import private_storage
from countyhub.core.errors import CoreErrorCode, RecordKeptError


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def refuse_deletion(model: type[models.Model]) -> RecordKeptError:
    return RecordKeptError(
        CoreErrorCode.RECORD_KEPT,
        gettext("%(records)s are kept for good: they cannot be deleted.")
        % {"records": str(model._meta.verbose_name_plural).capitalize()},
    )


class KeptQuerySet(models.QuerySet):
    """No bulk delete: `Model.objects.filter(...).delete()` refuses like `record.delete()`."""

    def delete(self) -> tuple[int, dict[str, int]]:
        raise refuse_deletion(self.model)

    delete.queryset_only = True  # type: ignore[attr-defined]


class KeptForGood(models.Model):
    """A record no code path deletes, superusers' included: the manager's and the record's
    delete() refuse with a RecordKeptError, and on PostgreSQL a trigger refuses the row's DELETE
    (see the apps' `*_kept_for_good` migrations). Deleting a parent that CASCADEs to it is
    refused by the trigger, so such parents are kept too (an order is cancelled)."""

    objects = KeptQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise refuse_deletion(type(self))


class Province(TimestampedModel):
    """A province whose officials compare its counties (aggregates only, nothing personal)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    # The first two digits of the GB/T 2260 administrative division code, e.g. 52 for Guizhou.
    code = models.CharField(_("division code"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def validate_time_zone(value: str) -> None:
    """An IANA time zone name that zoneinfo knows, such as Asia/Shanghai."""
    if value not in available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone name such as Asia/Shanghai."),
            params={"value": value},
        )


class County(TimestampedModel):
    """The tenant: every other record belongs to exactly one county."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), unique=True)
    service_center = models.CharField(_("e-commerce public service center"), max_length=200)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counties",
        verbose_name=_("province"),
    )
    # Drawn to one size by catalog.images.set_county_banner; empty: the storefront shows none.
    banner = models.ImageField(_("banner"), upload_to="counties/", blank=True)
    # Pages, order numbers and exports show the county's local time, whatever the server's.
    time_zone = models.CharField(
        _("time zone"), max_length=60, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    # County policy for parcels to village service stations: free (0) or one flat fee per
    # order, for sellers who set no station rate of their own.
    station_delivery_fee = models.DecimalField(
        _("station delivery fee (CNY)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("0 makes pick-up at a village service station free."),
    )

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(station_delivery_fee__gte=0),
                name="county_station_delivery_fee_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class CountyScoped(TimestampedModel):
    county = models.ForeignKey(County, on_delete=models.PROTECT, verbose_name=_("county"))

    class Meta:
        abstract = True


class Township(CountyScoped):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="township_unique_per_county")
        ]

    def __str__(self) -> str:
        return self.name


class Village(CountyScoped):
    """An administrative village; its service station, if any, is `village.station`."""

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    name = models.CharField(_("name"), max_length=100)
    # Remoteness: the one randomized study of village e-commerce found its gains in remote
    # villages, so the impact report splits every effect by it (by road, as villagers travel).
    distance_to_seat_km = models.DecimalField(
        _("distance to the county seat (km)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("By road, in kilometres; blank if not known."),
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"], name="village_unique_per_township"
            ),
            models.CheckConstraint(
                condition=Q(distance_to_seat_km__isnull=True) | Q(distance_to_seat_km__gte=0),
                name="village_distance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("county administrator")
    SELLER_STAFF = "seller_staff", _("seller staff")
    STATION_OPERATOR = "station_operator", _("village service station operator")
    TRAINER = "trainer", _("trainer")
    ANALYST = "analyst", _("analyst")
    BUYER = "buyer", _("buyer")
    # Interviews households for the county's surveys, in the villages assigned to them.
    ENUMERATOR = "enumerator", _("enumerator")
    # A person of a declaring agent (报关行): sees and downloads the county's export
    # declarations, documents and customs messages and imports customs' receipts; nothing
    # else of the sellers, and no household.
    CUSTOMS_BROKER = "customs_broker", pgettext_lazy("role", "customs broker")  # a person


class Membership(TimestampedModel):
    """A user's role in one county; a person may hold several roles, in several counties."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("county")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # Only for station operators: the station they run (a station may have several).
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operator_memberships",
        verbose_name=_("village service station"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "county", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(station__isnull=True) | Q(role="station_operator"),
                name="membership_station_only_for_operators",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.county}"

    def clean(self) -> None:
        # The database refuses a station on another role; this says so on the admin's form.
        if self.station_id is None:
            return
        if self.role != Role.STATION_OPERATOR:
            raise ValidationError({"station": _("Only a station operator's role names a station.")})
        if self.station.county_id != self.county_id:
            raise ValidationError({"station": _("This station is in another county.")})


class AuditEntry(KeptForGood):
    """Who changed what and when, for money, stock, prices, orders and roles."""

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("county")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class ProvinceOfficial(TimestampedModel):
    """The province-level role: sees its province's counties side by side, and nothing else of
    theirs (a county role is a Membership)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="province_roles",
        verbose_name=_("user"),
    )
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="officials", verbose_name=_("province")
    )

    class Meta:
        verbose_name = _("province official")
        verbose_name_plural = _("province officials")
        constraints = [
            models.UniqueConstraint(fields=["user", "province"], name="province_official_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.province}"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, so that its owner can tell tokens apart in a list.
    prefix = models.CharField(_("starts with"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_because = models.CharField(_("revoked because"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}… · {self.created_at:%Y-%m-%d}"

    def is_usable(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class EmailAddress(models.Model):
    """The address a buyer signed up with, and when they proved it theirs. Accounts made by staff
    (in the admin, by `grant_role`, in the demo) have none: their address was given by staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_address",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("e-mail"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")

    def __str__(self) -> str:
        return self.email


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


def job_output_path(job: Job, filename: str) -> str:
    # A folder of the job's own: a retry clears it first, so an attempt that saved its file
    # and then lost the database leaves nothing behind.
    return f"jobs/out/{job.pk}/{filename}"


class Job(TimestampedModel):
    """A piece of work run in the background (see countyhub.core.jobs): what it is, how far it
    got, and what came of it. The worker beats ``heartbeat`` while it runs, so a job whose worker
    died is seen as failed instead of running for ever."""

    FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

    kind = models.CharField(_("kind"), max_length=60)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    heartbeat = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    # Attempts started so far (a transient failure puts the job back in the queue).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The county whose work it is: its administrators see the job's failure. None for work of
    # no one county (only superusers see those).
    county = models.ForeignKey(
        County,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The request that queued it, so the worker's log lines join that request's.
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # The language of the page that queued it: the job's messages are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    # The file the user handed in (an import) and the file the job made (labels, a report):
    # county records, so in the private storage, handed out by the job's page to its user only.
    # Both are deleted COUNTYHUB_JOB_FILES_DAYS after the job ended.
    input_file = models.FileField(
        _("input file"), upload_to="jobs/in/%Y/%m/", blank=True, storage=private_storage
    )
    output_file = models.FileField(
        _("output file"), upload_to=job_output_path, blank=True, storage=private_storage
    )
    output_name = models.CharField(_("output file name"), max_length=200, blank=True)
    output_type = models.CharField(_("output content type"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="job_done_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class FailedJob(Job):
    """The admin's page of recent failures (a view of Job, no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("failed job")
        verbose_name_plural = _("recent failed jobs")


class PeriodicRun(models.Model):
    """One period's run of a periodic task (countyhub.core.periodic): the row is the claim that
    keeps a second host from running the same period."""

    task = models.CharField(_("task"), max_length=60)
    period = models.CharField(_("period"), max_length=20)
    host = models.CharField(_("host"), max_length=100)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="periodic_run_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.period}"


class ErrorRecord(models.Model):
    """An error the site logged (an unhandled exception, a failed job, a disk full): the last
    ones, for the administrators' page of recent errors (``ERROR_RECORDS_KEPT``), beside the logs
    a collector keeps. Written by ``countyhub.core.observability.ErrorRecordHandler``."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    level = models.CharField(_("level"), max_length=10)
    logger = models.CharField(pgettext_lazy("log", "logger"), max_length=100)
    message = models.TextField(_("message"))
    exception = models.CharField(_("exception"), max_length=200, blank=True)
    traceback = models.TextField(_("traceback"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    method = models.CharField(pgettext_lazy("http", "method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    username = models.CharField(_("user"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("error")
        verbose_name_plural = _("recent errors")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.exception or self.level} {self.path}"
