"""Courses and sessions are made and changed through the training services, and audited."""

import datetime

import pytest

from countyhub.core.models import AuditEntry
from countyhub.training import services
from countyhub.training.errors import TrainingError
from countyhub.training.models import Course, Session
from tests.factories.core import UserFactory
from tests.factories.training import SessionFactory


def test_pages_create_courses_and_sessions_through_the_services(world, client):
    trainer = world.users["trainer"]
    client.force_login(trainer)
    url = f"/c/{world.county.slug}/training/"
    response = client.post(url, {"title": "直播带货", "syllabus": "选品、话术", "hours": "8"})
    course = Course.objects.get(title="直播带货")
    assert response.status_code == 302 and course.county == world.county
    response = client.post(
        f"{url}courses/{course.pk}/",
        {"date": "2025-05-10", "place": "县电商中心", "trainer": trainer.pk, "capacity": "30"},
    )
    session = Session.objects.get(course=course)
    assert response.status_code == 302
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "object_id", "actor"))
    assert actions == [
        ("course.created", str(course.pk), trainer.pk),
        ("session.created", str(session.pk), trainer.pk),
    ]


def test_a_session_keeps_a_seat_for_each_enrolled_trainee(world):
    session = SessionFactory(course__county=world.county, capacity=2)
    admin = world.users["county_admin"]
    for name in ("seller_staff", "buyer"):
        services.enroll_trainee(
            session=session, actor=admin, user=world.users[name], full_name=name
        )
    values = {"date": session.date, "place": session.place, "trainer": session.trainer}
    with pytest.raises(TrainingError) as refused:
        services.update_session(actor=admin, session=session, capacity=1, **values)
    assert refused.value.field == "capacity"
    moved = services.update_session(
        actor=admin, session=session, capacity=2, **{**values, "date": datetime.date(2025, 4, 1)}
    )
    assert moved.date == datetime.date(2025, 4, 1)
    entry = AuditEntry.objects.get(action="session.changed")
    assert entry.changes == {"date": ["2025-03-10", "2025-04-01"]}


def test_the_admin_refuses_fewer_seats_than_trainees(world, client):
    session = SessionFactory(course__county=world.county, capacity=2)
    admin = world.users["county_admin"]
    for name in ("seller_staff", "buyer"):
        services.enroll_trainee(
            session=session, actor=admin, user=world.users[name], full_name=name
        )
    course = session.course
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    form = {
        "title": course.title,
        "title_en": course.title_en,
        "syllabus": course.syllabus,
        "hours": course.hours,
        "sessions-TOTAL_FORMS": "1",
        "sessions-INITIAL_FORMS": "1",
        "sessions-0-id": session.pk,
        "sessions-0-course": course.pk,
        "sessions-0-date": "2025-03-10",
        "sessions-0-place": session.place,
        "sessions-0-trainer": session.trainer_id,
        "sessions-0-capacity": "1",
        "_save": "Save",
    }
    url = f"/admin/training/course/{course.pk}/change/"
    response = client.post(url, form)
    assert response.status_code == 200
    assert "capacity" in response.context["inline_admin_formsets"][0].formset.errors[0]
    session.refresh_from_db()
    assert session.capacity == 2
    assert client.post(url, {**form, "sessions-0-capacity": "3"}).status_code == 302
    session.refresh_from_db()
    assert session.capacity == 3
    assert AuditEntry.objects.get(action="session.changed").changes == {"capacity": [2, 3]}
