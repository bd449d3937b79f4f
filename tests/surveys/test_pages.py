"""The survey pages: waves with responses by village and registered-poor share, and each
wave's data quality (missing shares, straight-lining, rushed interviews), for the county's
analysts and administrators only."""

from __future__ import annotations

import pytest

from countyhub.surveys.selectors import wave_quality, wave_responses
from countyhub.surveys.services import receive_submission
from tests.factories.core import CountyFactory
from tests.surveys.conftest import instance_xml

pytestmark = pytest.mark.django_db


def _answer(field, instance_id, **values):
    receive_submission(
        county=field.world.county,
        enumerator=field.enumerator,
        xml=instance_xml(instance_id, **values),
    )


def test_quality_flags_straight_lining_rushing_and_missing(field):
    household = str(field.household.pk)
    _answer(field, "uuid:ok", household=household)
    # 4, 4 and a reverse-coded 4: the same box ticked three times (reversed it reads 2).
    _answer(field, "uuid:same", ec1="4", ec2="4", ec3="4", end="09:04")
    _answer(field, "uuid:gaps", ec1="-99", income="")
    quality = wave_quality(field.wave)
    assert quality.responses == 3
    assert quality.straight_lined == {"uuid:same": ["EC"]}
    assert quality.rushed == ["uuid:same"] and quality.minutes["uuid:ok"] == 25
    assert quality.item_missing["ec1"] == pytest.approx(1 / 3)
    assert quality.respondent_missing["uuid:gaps"] == pytest.approx(2 / 4)
    summary = wave_responses(field.wave)
    assert summary["linked"] == 1 and summary["unlinked"] == 2
    assert summary["registered_poor_share"] == 1.0
    assert summary["completion"] == pytest.approx(2 / 3)


def test_analysts_see_the_waves_and_their_quality(client, field):
    _answer(field, "uuid:same", household=str(field.household.pk), ec1="4", ec2="4", ec3="4")
    client.force_login(field.world.users["analyst"])
    slug = field.world.county.slug
    listing = client.get(f"/c/{slug}/surveys/")
    assert listing.status_code == 200 and "2022" in listing.content.decode()
    page = client.get(f"/c/{slug}/surveys/waves/{field.wave.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "uuid:same" in body and field.household.village.name in body


def test_other_roles_and_counties_are_refused(client, field):
    slug = field.world.county.slug
    for role in ("buyer", "enumerator", "seller_staff", "other_county_admin"):
        client.force_login(field.world.users[role])
        assert client.get(f"/c/{slug}/surveys/").status_code == 403, role
        assert client.get(f"/c/{slug}/surveys/waves/{field.wave.pk}/").status_code == 403, role
    other = CountyFactory()
    client.force_login(field.world.users["other_county_admin"])
    assert client.get(f"/c/{other.slug}/surveys/waves/{field.wave.pk}/").status_code in (403, 404)
