"""Courses, sessions, enrollments (with a waiting list), attendance and certificates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import HouseholdMember
from countyhub.core.models import CountyScoped, TimestampedModel


class Course(CountyScoped):
    """E.g. "E-Commerce Operation", live-stream selling, product photography..."""

    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    syllabus = models.TextField(_("syllabus"))
    hours = models.PositiveSmallIntegerField(_("hours"))

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive")
        ]

    def __str__(self) -> str:
        return self.title


class Session(TimestampedModel):
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course")
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("trainer"),
    )
    capacity = models.PositiveIntegerField(_("capacity"))

    class Meta:
        verbose_name = pgettext_lazy("training", "session")
        verbose_name_plural = pgettext_lazy("training", "sessions")
        ordering = ["-date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="session_capacity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.date}"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("enrolled")
    WAITING = "waiting", _("on the waiting list")
    CANCELLED = "cancelled", _("cancelled")


class Enrollment(TimestampedModel):
    """A household member or a seller's staff member (a user) on a session."""

    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=pgettext_lazy("training", "session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("seller staff"),
    )
    member = models.ForeignKey(
        HouseholdMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollments",
        verbose_name=_("household member"),
    )
    # The name the certificate prints: a person's real name, never a user name.
    full_name = models.CharField(_("full name"), max_length=100)
    # Only training.services assigns these.
    status = models.CharField(_("status"), max_length=20, choices=EnrollmentStatus.choices)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, member__isnull=True)
                | Q(user__isnull=True, member__isnull=False),
                name="enrollment_one_trainee",
            ),
            models.CheckConstraint(condition=~Q(full_name=""), name="enrollment_full_name_given"),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(user__isnull=False) & ~Q(status="cancelled"),
                name="enrollment_user_once",
            ),
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(member__isnull=False) & ~Q(status="cancelled"),
                name="enrollment_member_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee_name} · {self.session}"

    @property
    def trainee_name(self) -> str:
        return self.full_name

    @property
    def trainee_key(self) -> str:
        return f"member:{self.member_id}" if self.member_id else f"user:{self.user_id}"


class Certificate(TimestampedModel):
    """Completion of a course; its QR code opens the public verification page."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    trainee_name = models.CharField(_("trainee"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "pk"]

    def __str__(self) -> str:
        return self.number
