"""The frames the analysis reads: one row per current answer, reverse-coded items reversed and
declared missing codes as NaN; pairing across waves by household id."""

from __future__ import annotations

import math

import pytest

from countyhub.surveys import services
from countyhub.surveys.selectors import paired_waves, wave_frame
from countyhub.surveys.services import receive_submission
from tests.surveys.conftest import form_bytes, instance_xml

pytestmark = pytest.mark.django_db


def _answer(field, instance_id, **values):
    receive_submission(
        county=field.world.county,
        enumerator=field.enumerator,
        xml=instance_xml(instance_id, **values),
    )


def test_the_wave_frame_reverses_and_drops_missing_codes(field):
    _answer(field, "uuid:a", household=str(field.household.pk), ec1="-99", income="-99")
    _answer(field, "uuid:b", household="777", ec1="5", income="12000.5")
    frame = wave_frame(field.wave)
    assert list(frame.index) == ["uuid:a", "uuid:b"]
    assert list(frame.columns[:4]) == ["household_id", "start", "end", "household"]
    assert math.isnan(frame.loc["uuid:a", "ec1"]) and math.isnan(frame.loc["uuid:a", "income"])
    assert frame.loc["uuid:b", "ec1"] == 5.0 and frame.loc["uuid:b", "income"] == 12000.5
    assert frame.loc["uuid:a", "ec3"] == 4.0  # answered 2 on a reverse-coded 1..5 item
    assert frame.loc["uuid:a", "household_id"] == str(field.household.pk)
    assert frame.loc["uuid:b", "household_id"] == "777"  # kept, not linked


def test_an_edited_answer_is_one_row(field):
    _answer(field, "uuid:c", income="100")
    _answer(field, "uuid:c2", income="200", deprecated="uuid:c")
    frame = wave_frame(field.wave)
    assert list(frame.index) == ["uuid:c2"] and frame.loc["uuid:c2", "income"] == 200


def test_waves_pair_by_household(field):
    admin = field.world.users["county_admin"]
    content = form_bytes().decode().replace("2022010101", "2024010101").encode()
    later = services.import_questionnaire(
        actor=admin, county=field.world.county, content=content, filename="v2.md"
    )
    second = services.add_wave(
        actor=admin,
        survey=field.survey,
        label="2024",
        year=2024,
        questionnaire=later,
        collecting=True,
    )
    _answer(field, "uuid:1", household=str(field.household.pk), income="10000")
    _answer(field, "uuid:2", household="55", income="8000")  # not found again
    for instance_id, household, income in [
        ("uuid:3", str(field.household.pk), "13000"),
        ("uuid:4", "66", "1"),
    ]:
        receive_submission(
            county=field.world.county,
            enumerator=field.enumerator,
            xml=instance_xml(instance_id, household=household, income=income, version="2024010101"),
        )
    paired = paired_waves(field.wave, second, ["income"])
    assert paired.to_dict("records") == [
        {"household_id": str(field.household.pk), "income_before": 10000.0, "income_after": 13000.0}
    ]
