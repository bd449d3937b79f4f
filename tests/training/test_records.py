"""Training records an auditor can trust (issue 12): attendance no earlier than the session's
day in the county, certificates dated when issued and only once the day is over, and a
certificate page a first-time scanner can switch to English."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from countyhub.catalog.models import HouseholdMember
from countyhub.training.errors import TrainingError, TrainingErrorCode
from countyhub.training.services import enroll_trainee, record_attendance
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import UserFactory
from tests.factories.training import SessionFactory

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def session(world):
    return SessionFactory(
        course__county=world.county,
        trainer=world.users["trainer"],
        date=datetime.date(2026, 3, 10),
    )


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=BEIJING)


def test_a_future_session_takes_no_attendance_and_issues_no_certificate(world, session):
    admin = world.users["county_admin"]
    with time_machine.travel(at(1, 10), tick=False):
        enrollment = enroll_trainee(
            session=session, user=UserFactory(), full_name="张伟", actor=admin
        )
    with time_machine.travel(at(9, 23), tick=False), pytest.raises(TrainingError) as error:
        record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    assert error.value.code == TrainingErrorCode.NOT_HELD_YET
    assert error.value.field == "present"
    enrollment.refresh_from_db()
    assert enrollment.attended is None
    assert not hasattr(enrollment, "certificate")


def test_the_county_date_decides_not_the_servers(world, session):
    admin = world.users["county_admin"]
    with time_machine.travel(at(1, 10), tick=False):
        enrollment = enroll_trainee(
            session=session, user=UserFactory(), full_name="张伟", actor=admin
        )
    # 23:30 UTC on the 9th is already 07:30 on the 10th in Beijing: attendance may be taken.
    utc_evening = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    with time_machine.travel(utc_evening, tick=False):
        assert record_attendance(session=session, present_ids=[enrollment.pk], actor=admin) == []
    enrollment.refresh_from_db()
    assert enrollment.attended is True


def test_certificates_come_after_the_day_dated_when_issued_and_only_for_who_came(world, session):
    admin = world.users["county_admin"]
    with time_machine.travel(at(1, 10), tick=False):
        came = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
        absent = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    with time_machine.travel(at(10, 17), tick=False):
        # Taken on the day: recorded, but the session is not over yet.
        assert record_attendance(session=session, present_ids=[came.pk], actor=admin) == []
    with time_machine.travel(at(12, 9), tick=False):
        [certificate] = record_attendance(session=session, present_ids=[came.pk], actor=admin)
    assert certificate.enrollment == came
    assert certificate.issued_on == datetime.date(2026, 3, 12)
    absent.refresh_from_db()
    assert absent.attended is False
    assert not hasattr(absent, "certificate")


def test_the_verify_page_switches_language_with_a_get_link_and_no_cookie(world, client, session):
    admin = world.users["county_admin"]
    enrollment = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    [certificate] = record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    url = f"/verify/certificate/{certificate.code}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # No form posts to set_language (a first-time scanner has no CSRF cookie: 403).
    assert "/i18n/setlang/" not in page
    assert 'method="post"' not in page
    assert 'name="lang" value="en"' in page
    english = client.get(url, {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.status_code == 200
    assert "This certificate is genuine." in english.content.decode()
    chinese = client.get(url, {"lang": "zh-hans"}).content.decode()
    assert "This certificate is genuine." not in chinese


def test_a_user_is_enrolled_under_a_full_name_which_the_certificate_prints(world, session):
    admin = world.users["county_admin"]
    nameless = UserFactory(username="wang88")
    with pytest.raises(TrainingError) as error:
        enroll_trainee(session=session, user=nameless, actor=admin)
    assert error.value.code == TrainingErrorCode.FULL_NAME_REQUIRED
    assert error.value.field == "full_name"
    enrollment = enroll_trainee(session=session, user=nameless, full_name=" 王  军 ", actor=admin)
    [certificate] = record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    assert certificate.trainee_name == "王 军"
    assert "wang88" not in str(certificate.enrollment)


def test_the_enroll_page_asks_a_full_name_and_shows_household_and_village(world, client, session):
    household = HouseholdFactory(county=world.county, head_name="王建国")
    HouseholdMember.objects.create(household=household, name="王军", relation="儿子")
    namesake = HouseholdFactory(county=world.county, head_name="李德明")
    HouseholdMember.objects.create(household=namesake, name="王军")
    client.force_login(world.users["trainer"])
    url = f"/c/{world.county.slug}/training/sessions/{session.pk}/"
    page = client.get(url)
    labels = [label for _value, label in page.context["form"].fields["member"].choices][1:]
    assert f"王军（儿子） · household of 王建国 · {household.village.name}" in labels
    assert f"王军 · household of 李德明 · {namesake.village.name}" in labels
    nameless = UserFactory()
    response = client.post(url, {"username": nameless.username})
    assert response.status_code == 400
    assert "full_name" in response.context["form"].errors
    client.post(url, {"username": nameless.username, "full_name": "张晓红"})
    assert session.enrollments.get(user=nameless).full_name == "张晓红"
    member = household.members.get()
    client.post(url, {"member": member.pk})
    page = client.get(url).content.decode()
    assert f'王军 <span class="muted">· household of 王建国 · {household.village.name}' in page
