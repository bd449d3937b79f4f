"""Runs on survey waves: PLS-SEM on one wave, before/after on two waves paired by household;
computed in the test's transaction (``execute(heartbeat=False)``, as the demo builder does)."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from django.urls import reverse

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind, AnalysisRun
from countyhub.analyses.sources import SurveyWave
from countyhub.catalog.models import Household
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, JobStatus, Role
from countyhub.demo.analyses import STUDY_PATHS
from countyhub.demo.surveys import build_surveys_demo
from countyhub.surveys.models import Question, Wave
from countyhub.surveys.selectors import paired_waves, questionnaire_constructs
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PLS_OPTIONS = {"weighting": "path", "missing": "listwise", "resamples": 100, "p_min": 0.2}


@pytest.fixture
def waves(world) -> tuple[Wave, Wave]:
    """The demo study's questionnaire, survey and two waves of 72 households (names, phones)."""
    MembershipFactory(
        user=UserFactory(username="enumerator"), county=world.county, role=Role.ENUMERATOR
    )
    build_surveys_demo(world.county, world.users["county_admin"], random.Random(7))
    before, after = Wave.objects.filter(survey__county=world.county).order_by("year")
    return before, after


def computed(run: AnalysisRun) -> AnalysisRun:
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    return run


def model(wave: Wave) -> str:
    constructs = questionnaire_constructs(wave.questionnaire)
    return "".join(f"{c} =~ {' + '.join(items)}\n" for c, items in constructs.items()) + STUDY_PATHS


def no_personal_data(run: AnalysisRun, county) -> None:
    stored = json.dumps(run.results, ensure_ascii=False) + run.report_html + run.diagram_svg
    households = Household.objects.filter(county=county)
    assert households.count() >= 72
    for head_name, phone in households.values_list("head_name", "phone"):
        assert head_name not in stored
        assert not phone or phone not in stored


def test_a_pls_sem_on_a_wave_stores_the_wave_and_hash_and_repeats_to_the_digit(world, waves):
    _before, after = waves
    analyst = world.users["analyst"]
    run = computed(
        services.start_run(
            county=world.county,
            actor=analyst,
            wave=after,
            kind=AnalysisKind.PLS_SEM,
            model_syntax=model(after),
            options=PLS_OPTIONS,
            seed=11,
        )
    )
    assert run.wave == after and run.dataset is None and run.wave_after is None
    assert run.data_sha256 == SurveyWave(after).load().sha256
    assert run.results["n"] > 50
    again = computed(services.repeat_run(run=run, actor=analyst))
    assert again.data_sha256 == run.data_sha256 and again.seed == run.seed
    # Everything but the time it was computed.
    assert again.results["provenance"].pop("created") and run.results["provenance"].pop("created")
    assert again.results == run.results
    no_personal_data(run, world.county)


def test_before_after_of_two_waves_from_the_web_equals_the_cli(world, waves, client, tmp_path):
    before, after = waves
    client.force_login(world.users["analyst"])
    url = reverse("analyses:wave_before_after_setup", args=[world.county.slug, before.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["wave_after"] == after
    response = client.post(
        url, {"wave": before.pk, "wave_after": after.pk, "money": ["family_income"]}
    )
    assert response.status_code == 302, response.context["form"].errors
    run = computed(AnalysisRun.objects.get(wave=before, wave_after=after))
    audit = AuditEntry.objects.get(action="analyses.run.started")
    assert audit.changes["waves"] == [before.pk, after.pk]
    assert audit.changes["sha256"] == run.data_sha256
    assert run.options["year_before"] == 2020 and run.options["year_after"] == 2022
    path = tmp_path / "paired.csv"
    paired_waves(before, after, ["family_income"]).to_csv(path, index=False)
    out = tmp_path / "cli.json"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "countyhub.cli",
            "analyze",
            "before-after",
            str(path),
            "--id",
            "household_id",
            "--pair",
            "family_income=family_income_before:family_income_after",
            "--money",
            "family_income",
            "--year-before",
            "2020",
            "--year-after",
            "2022",
            "--base-year",
            "2022",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(out.read_text())
    web = run.results
    web["meta"].pop("source")
    expected["meta"].pop("source")
    expected.pop("provenance")  # the command line and its time
    assert web == expected
    no_personal_data(run, world.county)


def _cli_json(tmp_path, path, years, *extra):
    out = tmp_path / "cli.json"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "countyhub.cli",
            "analyze",
            "before-after",
            str(path),
            "--id",
            "household_id",
            "--pair",
            "family_income=family_income_before:family_income_after",
            "--money",
            "family_income",
            "--year-before",
            str(years[0]),
            "--year-after",
            str(years[1]),
            "--base-year",
            str(years[1]),
            *extra,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(out.read_text())
    expected["meta"].pop("source")
    expected.pop("provenance")
    return expected


@pytest.mark.parametrize(
    ("line", "years", "flag"),
    [("official", (2018, 2020), "official"), ("cpi_indexed", (2020, 2022), "cpi-indexed")],
)
def test_poverty_of_two_waves_from_the_web_equals_the_cli(
    world, waves, client, tmp_path, line, years, flag
):
    """Shares under the official line of each wave's price year (the table covers 2010-2020:
    the price years are moved back for it), or under the CPI-indexed line, labelled so."""
    before, after = waves
    for wave, year in zip(waves, years, strict=True):
        Question.objects.filter(questionnaire=wave.questionnaire, name="family_income").update(
            money_year=year
        )
    client.force_login(world.users["analyst"])
    url = reverse("analyses:wave_before_after_setup", args=[world.county.slug, before.pk])
    response = client.post(
        url,
        {
            "wave": before.pk,
            "wave_after": after.pk,
            "money": ["family_income"],
            "cpi": "national_rural",
            "poverty": "family_income",
            "poverty_line": line,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    run = computed(AnalysisRun.objects.get(wave=before, wave_after=after))
    assert run.options["poverty"] == "family_income" and run.options["poverty_line"] == line
    path = tmp_path / "paired.csv"
    paired_waves(before, after, ["family_income"]).to_csv(path, index=False)
    expected = _cli_json(
        tmp_path, path, years, "--poverty", "family_income", "--poverty-line", flag
    )
    web = run.results
    web["meta"].pop("source")
    assert web == expected
    poverty = web["poverty"]
    assert (poverty["year_before"], poverty["year_after"]) == years
    if line == "official":
        assert poverty["line_before_current_prices"] == 2995  # the table's 2018
        assert poverty["line_after_current_prices"] == 4000  # and 2020
        assert "official poverty line" in poverty["line_label"]
    else:
        assert "NOT the official line" in poverty["line_label"]
    shown = client.get(reverse("analyses:run", args=[world.county.slug, run.pk])).content
    assert poverty["line_label"].encode() in shown


def test_an_official_line_the_table_lacks_is_refused_on_the_set_up_page(world, waves, client):
    before, after = waves  # price years 2020 and 2022; the official table ends in 2020
    client.force_login(world.users["analyst"])
    url = reverse("analyses:wave_before_after_setup", args=[world.county.slug, before.pk])
    data = {"wave": before.pk, "wave_after": after.pk, "money": ["family_income"]}
    response = client.post(url, {**data, "poverty": "family_income", "poverty_line": "official"})
    assert response.status_code == 400
    (error,) = response.context["form"].errors["poverty_line"]
    assert "no value for 2022" in error and "CPI-indexed" in error
    response = client.post(url, {**data, "money": [], "poverty": "family_income"})
    assert response.status_code == 400
    assert not AnalysisRun.objects.exists()


def test_the_wave_page_links_to_the_set_ups_with_the_wave_preselected(world, waves, client):
    _before, after = waves
    client.force_login(world.users["analyst"])
    page = client.get(reverse("surveys:wave", args=[world.county.slug, after.pk]))
    pls_url = reverse("analyses:wave_pls_setup", args=[world.county.slug, after.pk])
    assert f'href="{pls_url}"' in page.content.decode()
    setup = client.get(pls_url)
    assert setup.status_code == 200
    assert "EC =~ ec1 + ec2 + ec3" in setup.context["form"].initial["model_syntax"]


@pytest.mark.parametrize("name", ["wave_pls_setup", "wave_before_after_setup"])
def test_sellers_and_other_counties_analysts_cannot_analyse_a_wave(world, waves, client, name):
    _before, after = waves
    url = reverse(f"analyses:{name}", args=[world.county.slug, after.pk])
    client.force_login(world.users["seller_staff"])
    assert client.get(url).status_code == 403
    outsider = UserFactory(username="outside-analyst")
    other = CountyFactory()
    MembershipFactory(user=outsider, county=other, role=Role.ANALYST)
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    # Their own county's address with this county's wave: not found there.
    assert client.get(reverse(f"analyses:{name}", args=[other.slug, after.pk])).status_code == 404
    client.force_login(world.users["county_admin"])
    assert client.get(url).status_code == 200
