"""The training pages in the reader's language (issue 12): a course's English title where one
was entered, its Chinese one otherwise."""

import datetime

from countyhub.training.services import enroll_trainee, record_attendance
from tests.factories.core import UserFactory
from tests.factories.training import SessionFactory


def test_outcomes_name_the_course_in_the_page_language(world, client):
    session = SessionFactory(
        course__county=world.county,
        course__title="电商运营入门",
        course__title_en="Getting started in online selling",
        trainer=world.users["trainer"],
        date=datetime.date(2026, 3, 10),
    )
    admin = world.users["county_admin"]
    enrollment = enroll_trainee(session=session, user=UserFactory(), full_name="张伟", actor=admin)
    record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    client.force_login(world.users["trainer"])
    url = f"/c/{world.county.slug}/training/outcomes/"
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "Getting started in online selling" in english
    assert "电商运营入门" not in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url).content.decode()
    assert "电商运营入门" in chinese
    assert "Getting started in online selling" not in chinese
