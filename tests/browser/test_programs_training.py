"""A trainer records attendance; the trainee downloads the certificate and its QR verifies."""

import subprocess

import pytest

from countyhub.training.services import enroll_trainee
from tests.browser.programs_support import log_in, page  # noqa: F401  (fixture)
from tests.factories.core import UserFactory
from tests.factories.training import SessionFactory

pytestmark = pytest.mark.browser


def test_trainer_records_attendance_and_the_trainee_certificate_verifies(
    world,
    live_server,
    page,  # noqa: F811
    tmp_path,
):
    base = live_server.url.replace("127.0.0.1", "localhost")
    session = SessionFactory(course__county=world.county, trainer=world.users["trainer"])
    trainee = UserFactory(username="trainee")
    came = enroll_trainee(
        session=session, user=trainee, full_name="张伟", actor=world.users["county_admin"]
    )
    absent = enroll_trainee(
        session=session, user=UserFactory(), full_name="张伟", actor=world.users["trainer"]
    )

    log_in(page, base, world.users["trainer"].username)
    page.goto(f"{base}/c/{world.county.slug}/training/sessions/{session.pk}/")
    page.check(f"#enrollment-{came.pk} input[name=present]")
    page.click("#save-attendance")
    page.wait_for_load_state()
    assert "1 certificate(s) issued" in page.content()
    came.refresh_from_db()
    absent.refresh_from_db()
    assert (came.attended, absent.attended) == (True, False)
    page.click("header form.inline button.link")  # log out
    page.wait_for_load_state()

    log_in(page, base, "trainee")
    page.goto(f"{base}/training/certificates/")
    with page.expect_download() as download_info:
        page.click("#certificates a.download")
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert scanned == f"{base}/verify/certificate/{came.certificate.code}/"

    page.goto(scanned)
    assert page.locator("#verdict").inner_text().endswith("This certificate is genuine.")
    assert page.locator("#number").inner_text() == came.certificate.number
