"""A county collecting the test household form: its questionnaire, a survey and a wave."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import translation

from countyhub.catalog.models import Household
from countyhub.surveys import services
from tests.factories.core import VillageFactory

FORMS = Path(__file__).parent / "forms"
PASSWORD = "pass-word-123"  # tests.factories.core.UserFactory's


def form_bytes(name: str = "household.md") -> bytes:
    return (FORMS / name).read_bytes()


def basic(user: object) -> dict[str, str]:
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {
        "HTTP_AUTHORIZATION": f"Basic {token}",
        "HTTP_X_OPENROSA_VERSION": "1.0",
        "HTTP_ACCEPT_LANGUAGE": "en",
    }


def instance_xml(
    instance_id: str,
    *,
    household: str = "",
    ec1: str = "4",
    ec2: str = "5",
    ec3: str = "2",
    end: str = "09:25",
    income: str = "32000",
    photos: tuple[str, ...] = ("", ""),
    deprecated: str = "",
    form_id: str = "hh_test",
    version: str = "2022010101",
) -> bytes:
    deprecated_xml = f"<deprecatedID>{deprecated}</deprecatedID>" if deprecated else ""
    return (
        f'<?xml version="1.0"?><data id="{form_id}" version="{version}">'
        "<start>2022-05-01T09:00:00+08:00</start>"
        f"<end>2022-05-01T{end}:00+08:00</end>"
        f"<household>{household}</household>"
        f"<ec><ec1>{ec1}</ec1><ec2>{ec2}</ec2><ec3>{ec3}</ec3></ec>"
        f"<income>{income}</income><photo1>{photos[0]}</photo1><photo2>{photos[1]}</photo2>"
        f"<meta><instanceID>{instance_id}</instanceID>{deprecated_xml}</meta></data>"
    ).encode()


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English; the site's default language is Chinese.
    with translation.override("en"):
        yield


@dataclass
class Field:
    world: object
    questionnaire: object
    survey: object
    wave: object
    household: object
    enumerator: object


@pytest.fixture
def field(world) -> Field:
    admin = world.users["county_admin"]
    questionnaire = services.import_questionnaire(
        actor=admin, county=world.county, content=form_bytes(), filename="household.md"
    )
    survey = services.create_survey(actor=admin, county=world.county, name="农户调查")
    wave = services.add_wave(
        actor=admin,
        survey=survey,
        label="2022",
        year=2022,
        questionnaire=questionnaire,
        collecting=True,
    )
    village = VillageFactory(township__county=world.county)
    household = Household.objects.create(
        county=world.county, village=village, head_name="张三", registered_poor=True
    )
    return Field(world, questionnaire, survey, wave, household, world.users["enumerator"])
