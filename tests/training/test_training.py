"""Enrollment with a waiting list, attendance, certificates (PDF + QR + public page), outcomes."""

import datetime
import subprocess
from decimal import Decimal

import pytest
import time_machine

from countyhub.catalog.models import HouseholdMember, SellerHousehold
from countyhub.training.errors import TrainingError
from countyhub.training.models import EnrollmentStatus
from countyhub.training.outcomes import training_outcomes
from countyhub.training.services import cancel_enrollment, enroll_trainee, record_attendance
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import UserFactory
from tests.factories.programs import make_order
from tests.factories.training import SessionFactory


@pytest.fixture
def session(world):
    return SessionFactory(course__county=world.county, trainer=world.users["trainer"], capacity=2)


def member_of(county, registered_poor=False):
    household = HouseholdFactory(county=county, registered_poor=registered_poor)
    return HouseholdMember.objects.create(household=household, name=f"{household.head_name}之子")


def test_a_full_session_puts_people_on_the_waiting_list_and_a_cancel_moves_them_up(world, session):
    admin = world.users["county_admin"]
    first = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    second = enroll_trainee(session=session, member=member_of(world.county), actor=admin)
    third = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    fourth = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    assert [e.status for e in (first, second, third, fourth)] == [
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.WAITING,
        EnrollmentStatus.WAITING,
    ]
    promoted = cancel_enrollment(enrollment=second, actor=admin)
    assert promoted == third
    third.refresh_from_db()
    assert third.status == EnrollmentStatus.ENROLLED
    assert cancel_enrollment(enrollment=fourth, actor=admin) is None  # frees no seat
    with pytest.raises(TrainingError, match="Already enrolled"):
        enroll_trainee(session=session, user=first.user, full_name="张伟", actor=admin)


def test_enrolling_a_member_of_another_county_is_refused(world, session):
    other = member_of(HouseholdFactory().county)
    with pytest.raises(TrainingError) as error:
        enroll_trainee(session=session, member=other, actor=world.users["county_admin"])
    assert error.value.field == "member"


def test_attendance_certifies_who_came(world, session):
    admin = world.users["county_admin"]
    came = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    absent = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    [certificate] = record_attendance(session=session, present_ids=[came.pk], actor=admin)
    absent.refresh_from_db()
    assert absent.attended is False
    assert certificate.enrollment == came
    assert certificate.issued_on > session.date  # issued once the day is over
    # Saving the same attendance again issues nothing twice.
    assert record_attendance(session=session, present_ids=[came.pk], actor=admin) == []
    with pytest.raises(TrainingError) as error:
        record_attendance(session=session, present_ids=[999999], actor=admin)
    assert error.value.field == "present"


def test_trainer_records_attendance_on_the_page_and_others_may_not(world, client, session):
    admin = world.users["county_admin"]
    enrollment = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    url = f"/c/{world.county.slug}/training/sessions/{session.pk}/attendance/"
    for role in ("seller_staff", "buyer", "other_county_admin"):
        client.force_login(world.users[role])
        assert client.post(url, {"present": [enrollment.pk]}).status_code == 403
    other_trainer = UserFactory()
    world.users["trainer"].memberships.model.objects.create(
        user=other_trainer, county=world.county, role="trainer"
    )
    client.force_login(other_trainer)
    assert client.post(url, {"present": [enrollment.pk]}).status_code == 403
    client.force_login(world.users["trainer"])
    client.post(url, {"present": [enrollment.pk]})
    enrollment.refresh_from_db()
    assert enrollment.attended is True
    assert enrollment.certificate.number


def decode_qr_of_pdf(pdf: bytes, tmp_path) -> str:
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "c.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def test_certificate_pdf_has_a_qr_that_verifies_on_the_public_page(
    world, client, session, tmp_path
):
    trainee = UserFactory()
    admin = world.users["county_admin"]
    enrollment = enroll_trainee(session=session, user=trainee, full_name="张伟", actor=admin)
    [certificate] = record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    url = f"/training/certificates/{certificate.code}.pdf"
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403  # not the trainee's
    client.force_login(trainee)
    assert certificate.code in client.get("/training/certificates/").content.decode()
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert b"WenQuanYiZenHei" in pdf or b"STSong-Light" in pdf
    scanned = decode_qr_of_pdf(pdf, tmp_path)
    assert scanned == f"http://testserver/verify/certificate/{certificate.code}/"
    client.logout()
    page = client.get(scanned.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert certificate.number in page.content.decode()
    assert 'id="verdict"' in page.content.decode()
    assert client.get("/verify/certificate/not-a-code/").status_code == 404


def test_outcomes_compare_trainees_with_the_untrained(world):
    admin = world.users["county_admin"]
    session = SessionFactory(course__county=world.county, date=datetime.date(2025, 1, 10))
    member = member_of(world.county)
    SellerHousehold.objects.create(
        seller=world.seller, household=member.household, link=SellerHousehold.Link.EMPLOYS
    )
    enrollment = enroll_trainee(session=session, member=member, actor=admin)
    with time_machine.travel(datetime.datetime(2025, 1, 11, 2, tzinfo=datetime.UTC), tick=False):
        record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    make_order(world.seller, day=datetime.date(2025, 1, 9), total="999.00")  # before the course
    make_order(world.seller, day=datetime.date(2025, 3, 1), total="100.00")
    make_order(world.seller, day=datetime.date(2025, 9, 1), total="50.00")
    make_order(world.other_seller, day=datetime.date(2025, 2, 1), total="40.00")
    make_order(world.other_seller, day=datetime.date(2025, 12, 1), total="20.00")
    result = training_outcomes(county=world.county, today=datetime.date(2026, 6, 1))
    [trainee] = result.trainees
    assert trainee.sells_online
    assert trainee.sales_6_months == Decimal("100.00")
    assert trainee.sales_12_months == Decimal("150.00")
    assert result.untrained.people == 1
    assert result.untrained.mean_sales_6_months == Decimal("40.00")
    assert result.untrained.mean_sales_12_months == Decimal("60.00")


@pytest.mark.parametrize(
    ("role", "status"),
    [("county_admin", 200), ("trainer", 200), ("analyst", 200), ("seller_staff", 403)],
)
def test_outcomes_page_permissions(world, client, role, status):
    client.force_login(world.users[role])
    assert client.get(f"/c/{world.county.slug}/training/outcomes/").status_code == status


def test_enroll_form_names_the_field(world, client, session):
    client.force_login(world.users["trainer"])
    url = f"/c/{world.county.slug}/training/sessions/{session.pk}/"
    response = client.post(url, {"username": "nobody-here"})
    assert response.status_code == 400
    assert "username" in response.context["form"].errors
    client.post(url, {"username": world.users["seller_staff"].username, "full_name": "张伟"})
    assert session.enrollments.get().user == world.users["seller_staff"]
