"""The demo's household survey: the questionnaire, two waves of a panel linked to the register,
answers with the study's structure, and the enumerator's OpenRosa access."""

import base64

import numpy as np

from countyhub.demo import DEMO_PASSWORD
from countyhub.surveys.models import Questionnaire, Submission, Survey
from countyhub.surveys.selectors import paired_waves, questionnaire_constructs, wave_frame


def test_the_demo_survey_has_two_waves_of_a_linked_panel(demo_county, db):
    survey = Survey.objects.get(county=demo_county)
    first, second = survey.waves.order_by("year")
    assert (first.year, second.year) == (2020, 2022) and second.collecting and not first.collecting
    assert first.questionnaire.version != second.questionnaire.version
    constructs = questionnaire_constructs(second.questionnaire)
    assert list(constructs) == ["EC", "CB", "SV", "IM"] and constructs["SV"] == [
        "sv1",
        "sv2",
        "sv3",
    ]
    paired = paired_waves(first, second, ["family_income"])
    assert len(paired) >= 62
    linked = Submission.objects.filter(wave=second, household__isnull=False)
    assert linked.filter(household__registered_poor=True).count() >= 10
    assert Submission.objects.filter(wave=second, household__isnull=True).count() == 2
    complete = paired.dropna()
    assert (complete["family_income_after"] > complete["family_income_before"]).mean() > 0.8


def test_the_demo_answers_have_the_study_structure(demo_county, db):
    wave = Survey.objects.get(county=demo_county).waves.get(year=2022)
    frame = wave_frame(wave)
    assert frame["sv3"].isna().sum() < 10 and set(frame["sv3"].dropna()) <= {1, 2, 3, 4, 5}
    means = frame[["ec1", "ec2", "ec3", "sv1", "sv2", "sv3"]].mean(axis=1)
    # The reverse item, reversed, correlates with its construct's other items.
    assert np.corrcoef(frame["sv3"].fillna(3), frame["sv1"].fillna(3))[0, 1] > 0.2
    assert np.corrcoef(frame[["ec1", "ec2"]].mean(axis=1).fillna(3), means.fillna(3))[0, 1] > 0.3
    assert (frame["attention"] != 4).sum() >= 1  # someone failed the instructed item


def test_the_enumerator_gets_the_form_list(demo_county, db, client):
    token = base64.b64encode(f"enumerator:{DEMO_PASSWORD}".encode()).decode()
    response = client.get(
        f"/openrosa/{demo_county.slug}/formList", HTTP_AUTHORIZATION=f"Basic {token}"
    )
    assert response.status_code == 200
    form = Questionnaire.objects.get(county=demo_county, waves__collecting=True)
    assert f"<formID>{form.form_id}</formID>" in response.content.decode()
