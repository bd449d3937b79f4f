"""Use cases of training: courses and their sessions, enroll (waiting list when full), cancel,
record attendance, certify. Every change is audited."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import HouseholdMember
from countyhub.core.audit import record_audit, save_with_audit
from countyhub.core.local_time import local_date
from countyhub.core.models import County
from countyhub.training.errors import TrainingError, TrainingErrorCode
from countyhub.training.models import (
    Certificate,
    Course,
    Enrollment,
    EnrollmentStatus,
    Session,
)


def _lock_session(session: Session) -> Session:
    return Session.objects.select_for_update().select_related("course__county").get(pk=session.pk)


@transaction.atomic
def create_course(
    *, actor: Any, county: County, title: str, title_en: str = "", syllabus: str, hours: int
) -> Course:
    course = Course(county=county, title=title, title_en=title_en, syllabus=syllabus, hours=hours)
    return save_with_audit(actor=actor, instance=course, county=county)


@transaction.atomic
def update_course(
    *, actor: Any, course: Course, title: str, title_en: str = "", syllabus: str, hours: int
) -> Course:
    course = Course.objects.select_for_update().select_related("county").get(pk=course.pk)
    course.title, course.title_en, course.syllabus, course.hours = title, title_en, syllabus, hours
    return save_with_audit(actor=actor, instance=course, county=course.county)


@transaction.atomic
def schedule_session(
    *, actor: Any, course: Course, date: datetime.date, place: str, trainer: Any, capacity: int
) -> Session:
    """A session of the course: when, where, who teaches and how many seats."""
    session = Session(course=course, date=date, place=place, trainer=trainer, capacity=capacity)
    return save_with_audit(actor=actor, instance=session, county=course.county)


def check_session_change(*, session: Session, capacity: int) -> None:
    """Refuse fewer seats than the trainees already enrolled (the waiting list has no seat)."""
    enrolled = Enrollment.objects.filter(session=session, status=EnrollmentStatus.ENROLLED).count()
    if capacity < enrolled:
        raise TrainingError(
            TrainingErrorCode.SEATS_TAKEN,
            _("%(count)s trainees are enrolled: the session needs at least as many seats.")
            % {"count": enrolled},
            field="capacity",
        )


@transaction.atomic
def update_session(
    *, actor: Any, session: Session, date: datetime.date, place: str, trainer: Any, capacity: int
) -> Session:
    """Move a session or change its trainer or seats; never fewer seats than trainees enrolled."""
    session = _lock_session(session)
    check_session_change(session=session, capacity=capacity)
    session.date, session.place, session.trainer, session.capacity = date, place, trainer, capacity
    return save_with_audit(actor=actor, instance=session, county=session.course.county)


@transaction.atomic
def enroll_trainee(
    *,
    session: Session,
    actor: Any,
    user: Any | None = None,
    member: HouseholdMember | None = None,
    full_name: str = "",
) -> Enrollment:
    """Enroll a seller's staff member or a household member under their full name (printed on
    the certificate; a household member's registered name, a user's name on the account, unless
    given); a full session puts them on the waiting list. The session row is locked so two
    enrollments cannot both take the last seat."""
    if (user is None) == (member is None):
        raise TrainingError(
            TrainingErrorCode.ONE_TRAINEE,
            _("Choose one trainee: a person or a household member."),
            field="user",
        )
    full_name = " ".join(full_name.split()) or (
        member.name if member is not None else user.get_full_name().strip()
    )
    if not full_name:
        raise TrainingError(
            TrainingErrorCode.FULL_NAME_REQUIRED,
            _("Give the trainee's full name: the certificate prints it."),
            field="full_name",
        )
    locked = _lock_session(session)
    if member is not None and member.household.county_id != locked.course.county_id:
        raise TrainingError(
            TrainingErrorCode.OTHER_COUNTY,
            _("Choose a household member of this county."),
            field="member",
        )
    existing = Enrollment.objects.filter(session=locked).exclude(status=EnrollmentStatus.CANCELLED)
    if existing.filter(user=user, member=member).exists():
        raise TrainingError(
            TrainingErrorCode.ALREADY_ENROLLED, _("Already enrolled in this session."), field="user"
        )
    taken = existing.filter(status=EnrollmentStatus.ENROLLED).count()
    status = EnrollmentStatus.ENROLLED if taken < locked.capacity else EnrollmentStatus.WAITING
    enrollment = Enrollment.objects.create(
        session=locked, user=user, member=member, full_name=full_name, status=status
    )
    record_audit(
        actor=actor,
        action=f"training.{status}",
        target=enrollment,
        county=locked.course.county,
        changes={"session": locked.pk},
    )
    return enrollment


@transaction.atomic
def cancel_enrollment(*, enrollment: Enrollment, actor: Any) -> Enrollment | None:
    """Cancel; the first on the waiting list takes the seat. Returns whoever moved up."""
    session = _lock_session(enrollment.session)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == EnrollmentStatus.CANCELLED:
        raise TrainingError(
            TrainingErrorCode.INVALID_TRANSITION,
            _("This enrollment is already cancelled."),
            field="status",
        )
    if Certificate.objects.filter(enrollment=enrollment).exists():
        raise TrainingError(
            TrainingErrorCode.INVALID_TRANSITION,
            _("A certified enrollment cannot be cancelled."),
            field="status",
        )
    freed_seat = enrollment.status == EnrollmentStatus.ENROLLED
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor, action="training.cancelled", target=enrollment, county=session.course.county
    )
    if not freed_seat:
        return None
    waiting = (
        Enrollment.objects.filter(session=session, status=EnrollmentStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if waiting is not None:
        waiting.status = EnrollmentStatus.ENROLLED
        waiting.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=actor, action="training.promoted", target=waiting, county=session.course.county
        )
    return waiting


@transaction.atomic
def record_attendance(
    *, session: Session, present_ids: Iterable[int], actor: Any
) -> list[Certificate]:
    """Mark who came (every enrolled trainee not listed was absent) and certify who came.

    Attendance is taken on or after the session's day (the county's calendar) and a certificate
    only once that day is over: recording attendance again afterwards issues those still due."""
    locked = _lock_session(session)
    county = locked.course.county
    today = local_date(timezone.now(), county)
    if today < locked.date:
        raise TrainingError(
            TrainingErrorCode.NOT_HELD_YET,
            _("The session is on %(date)s: attendance is taken on or after that day.")
            % {"date": locked.date.isoformat()},
            field="present",
        )
    present = set(present_ids)
    enrolled = list(
        Enrollment.objects.filter(session=locked, status=EnrollmentStatus.ENROLLED).select_related(
            "user", "member"
        )
    )
    unknown = present - {e.pk for e in enrolled}
    if unknown:
        raise TrainingError(
            TrainingErrorCode.NOT_ENROLLED,
            _("Not enrolled in this session: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))},
            field="present",
        )
    issued = []
    for enrollment in enrolled:
        attended = enrollment.pk in present
        if enrollment.attended != attended:
            enrollment.attended = attended
            enrollment.save(update_fields=["attended", "updated_at"])
        if attended and today > locked.date and not hasattr(enrollment, "certificate"):
            issued.append(_issue_certificate(enrollment, locked, today))
    record_audit(
        actor=actor,
        action="training.attendance",
        target=locked,
        county=locked.course.county,
        changes={"present": sorted(present), "certified": [c.number for c in issued]},
    )
    return issued


def _issue_certificate(
    enrollment: Enrollment, session: Session, today: datetime.date
) -> Certificate:
    county = session.course.county
    count = Certificate.objects.filter(enrollment__session__course__county=county).count()
    return Certificate.objects.create(
        enrollment=enrollment,
        code=secrets.token_urlsafe(12),
        number=f"{county.slug.upper()[:8]}-{today:%Y}-{count + 1:05d}-{enrollment.pk}",
        trainee_name=enrollment.trainee_name,
        issued_on=today,
    )


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, actor: Any) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    certificate.revoked = True
    certificate.save(update_fields=["revoked", "updated_at"])
    record_audit(
        actor=actor,
        action="training.certificate_revoked",
        target=certificate,
        county=certificate.enrollment.session.course.county,
    )
    return certificate
