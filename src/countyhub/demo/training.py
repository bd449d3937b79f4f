"""The demo county's courses: two sessions each, trainees from the households, attendance and
certificates."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from countyhub.catalog.models import HouseholdMember, SellerHousehold
from countyhub.core.months import add_months
from countyhub.demo import data
from countyhub.demo.clock import on_day, pinned
from countyhub.training.services import (
    create_course,
    enroll_trainee,
    record_attendance,
    schedule_session,
)


def build_training(
    county: Any, trainer: Any, admin: Any, seller_user: Any, rng: random.Random
) -> int:
    """Five courses of two sessions; trainees come from the households that sell first."""
    today = timezone.localdate()
    linked = set(SellerHousehold.objects.values_list("household_id", flat=True))
    members = list(HouseholdMember.objects.filter(household__county=county).order_by("pk"))
    # People from households that sell or work for sellers first, so outcomes have something.
    members.sort(key=lambda m: (m.household_id not in linked, m.pk))
    certificates = 0
    member_index = 0
    for course_index, (title, title_en, hours, syllabus) in enumerate(data.COURSES):
        with pinned(on_day(add_months(today, -24), 10)):
            course = create_course(
                actor=admin,
                county=county,
                title=title,
                title_en=title_en,
                hours=hours,
                syllabus=syllabus,
            )
        for session_index in range(2):
            date = add_months(today, -22 + course_index * 3 + session_index * 9)
            trainees = members[member_index : member_index + 10]
            member_index = (member_index + 7) % max(len(members) - 10, 1)
            # Scheduled and filled a month ahead, attendance taken at the end of the day.
            with pinned(on_day(date - datetime.timedelta(days=30), 10)):
                session = schedule_session(
                    actor=admin,
                    course=course,
                    date=date,
                    place="县电子商务公共服务中心培训室",
                    trainer=trainer,
                    capacity=8,
                )
                enrollments = []
                if course_index == 0 and session_index == 0:
                    enrollments.append(
                        enroll_trainee(
                            session=session, user=seller_user, full_name="刘晓燕", actor=admin
                        )
                    )
                enrollments += [
                    enroll_trainee(session=session, member=member, actor=admin)
                    for member in trainees
                ]
            if date <= today:
                # Seller staff always come (the demo's `seller` account has a certificate).
                present = [
                    e.pk
                    for e in enrollments
                    if e.status == "enrolled" and (e.user_id or rng.random() < 0.85)
                ]
                with pinned(on_day(date, 17)):
                    record_attendance(session=session, present_ids=present, actor=admin)
            if date < today:
                # The session's day is over: saving the attendance again certifies who came.
                with pinned(on_day(date + datetime.timedelta(days=1), 9)):
                    certificates += len(
                        record_attendance(session=session, present_ids=present, actor=admin)
                    )
    return certificates
