"""Covariates in the web DiD: the panel's candidate covariates (fixed within a village), a run
with them equal to `countyhub analyze did` on the downloaded panel with the command the run page
shows, the choice in the report, and covariates the DiD cannot use refused by name."""

from __future__ import annotations

import json
import math
import shlex

import pytest
from django.urls import reverse

from countyhub.core import jobs
from countyhub.core.models import JobStatus, Role, Village
from countyhub.impact.models import EvaluationRun
from countyhub.impact.panel_runs import (
    EvaluationInputError,
    check_covariates,
    panel_frame,
    start_evaluation,
)
from countyhub.impact.panels import analyze_command, build_panel
from countyhub.impact.report import impact_report
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import CountyFactory, MembershipFactory
from tests.impact.panel_support import staggered_villages
from tests.test_cli import run_cli

pytestmark = pytest.mark.django_db

CHOICES = {"level": "village", "rollout": "station", "outcome": "platform_sales"}


@pytest.fixture
def eight(world):
    """A county of its own (one township, eight villages, no households) the analyst works in."""
    county = CountyFactory()
    MembershipFactory(user=world.users["analyst"], county=county, role=Role.ANALYST)
    staggered_villages(county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    return county


@pytest.fixture
def twelve(world):
    """Twelve villages, cohorts interleaved (2020, 2022, never), with 1-4 households each."""
    villages = staggered_villages(world.county, [2020, 2022, None] * 4)
    for v, village in enumerate(villages):
        for h in range((5 * v) % 4 + 1):
            HouseholdFactory(county=world.county, village=village, registered_poor=h == 0)
    return world


def _run(world, county=None, **choices) -> EvaluationRun:
    run = start_evaluation(
        county=county or world.county, actor=world.users["analyst"], **{**CHOICES, **choices}
    )
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    run.job.refresh_from_db()
    return run


def test_the_village_panel_has_covariates_fixed_within_each_village(world, eight):
    for v, village in enumerate(Village.objects.filter(county=eight).order_by("name")):
        for h in range((5 * v) % 4 + 1):
            HouseholdFactory(county=eight, village=village, registered_poor=h == 0)
    built = build_panel(eight, level="village", rollout="station")
    assert list(built.covariates) == [
        "households", "poor_share", "township", "base_platform_sales",
        "base_poor_platform_income", "base_poor_households", "base_trained_people",
    ]  # fmt: skip
    assert built.covariates["township"] == ()  # one township: no indicator
    first = [row for row in built.rows if row["village"] == "试点村1"]
    assert {row["households"] for row in first} == {2}  # (5 * 1) % 4 + 1
    assert {str(row["poor_share"]) for row in first} == {"0.500000"}
    assert {row["base_platform_sales"] for row in first} == {first[0]["platform_sales"]}
    assert first[0]["year"] == 2019 and first[-1]["platform_sales"] != first[0]["platform_sales"]


def test_a_web_run_with_covariates_equals_the_command_line_on_its_panel(client, twelve, tmp_path):
    county = twelve.county
    client.force_login(twelve.users["analyst"])
    client.cookies["django_language"] = "en"
    form = client.get(reverse("impact:evaluations", args=[county.slug])).content.decode()
    assert 'value="households"' in form and 'value="base_gdp_production"' in form
    started = client.post(
        reverse("impact:evaluations", args=[county.slug]),
        {**CHOICES, "control": "notyet", "covariates": ["households", "base_platform_sales"]},
    )
    assert started.status_code == 302, started.content.decode()
    run = EvaluationRun.objects.get(county=county)
    assert run.covariates == ["households", "base_platform_sales"] and run.method == "dr"
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    assert run.results["covariates"] == ["households", "base_platform_sales"]

    html = client.get(started["Location"]).content.decode()
    assert "Number of households (as recorded now)" in html and "doubly robust" in html
    command = html.split('id="analyze-command">')[1].split("</code>")[0]
    panel = client.get(reverse("impact:evaluation_panel", args=[county.slug, run.pk]))
    path = tmp_path / "panel.csv"
    path.write_bytes(panel.content)
    words = shlex.split(command.replace("&quot;", '"').replace("&#x27;", "'"))
    assert words[:3] == ["countyhub", "analyze", "did"]
    assert "--covariates" in words and words[-2:] == ["--seed", str(run.seed)]
    words[3] = str(path)
    result = tmp_path / "did.json"
    did = run_cli(*words[1:], "--json", str(result))
    assert did.returncode == 0, did.stderr
    cli = json.loads(result.read_text())
    web = run.results
    assert cli["covariates"] == web["covariates"] and cli["method"] == "dr"
    pairs = [(cli["simple"], web["simple"])]
    pairs += [(cli[k][e], web[k][e]) for k in ("event_time", "group") for e in web[k]]
    assert len(pairs) > 5
    for ours, theirs in pairs:
        for key in ("att", "std_error"):
            if theirs[key] is None:  # NaN in the CLI's JSON; null in PostgreSQL's jsonb
                assert math.isnan(ours[key]), (key, ours)
            else:
                assert ours[key] == pytest.approx(theirs[key], abs=1e-10), (key, ours, theirs)

    report = impact_report(county, 2023)
    section = next(s for s in report.sections if s.key == "evaluation")
    assert any(
        "conditioned on Number of households (as recorded now); Platform sales in the panel's "
        "first year (yuan) (doubly robust, base-period values)" in sentence
        for sentence in section.sentences
    ), section.sentences


def test_the_method_is_kept_and_given_to_the_engine(twelve):
    run = _run(twelve, control="notyet", covariates=["base_platform_sales"], method="reg")
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    assert run.method == "reg" and run.results["method"] == "reg"
    plain = _run(twelve, control="notyet", method="ipw")
    assert plain.method == "dr"  # without covariates every method is the same estimate


def test_a_covariate_the_same_in_every_village_is_refused_by_name(client, world, eight):
    client.force_login(world.users["analyst"])
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("impact:evaluations", args=[eight.slug]),
        {**CHOICES, "control": "notyet", "covariates": ["households"]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The covariate “Number of households (as recorded now)” is the same for every" in page
    with pytest.raises(EvaluationInputError) as refused:
        start_evaluation(
            county=eight, actor=world.users["analyst"], control="notyet",
            covariates=["township"], **CHOICES,
        )  # fmt: skip
    assert refused.value.field == "covariates"
    assert refused.value.message.startswith("The covariate “Township (an indicator for each")
    assert not EvaluationRun.objects.exists()


def test_a_missing_or_foreign_covariate_is_refused_by_name(world, eight):
    village = Village.objects.get(county=eight, name="试点村3")
    HouseholdFactory(county=eight, village=village)
    for covariates, words in (
        (["poor_share"], "“Share of households ever on the poverty register” is missing for 7 "
         "of 8 units (e.g. 试点村0)"),
        (["base_gdp_production"], "is not a covariate of the chosen panel"),
    ):  # fmt: skip
        with pytest.raises(EvaluationInputError) as refused:
            start_evaluation(
                county=eight, actor=world.users["analyst"], control="notyet",
                covariates=covariates, **CHOICES,
            )  # fmt: skip
        assert refused.value.field == "covariates" and words in refused.value.message


def test_a_covariate_that_changes_within_a_village_is_refused_by_name(eight):
    built = build_panel(eight, level="village", rollout="station")
    frame = panel_frame(built.csv_bytes().decode(), "panel")
    with pytest.raises(EvaluationInputError) as refused:
        check_covariates(
            frame,
            unit="village_id",
            label="village",
            chosen={"platform_sales": ("platform_sales",)},
        )
    assert refused.value.message.startswith(
        "The covariate “platform_sales” changes over time within a unit (e.g. 试点村0)"
    )


def test_too_few_units_for_the_covariate_regression_fail_the_run_with_the_reason(
    client, world, eight
):
    # Outcome regression: the doubly robust estimator would first find the cohort separated.
    run = _run(world, eight, control="notyet", covariates=["base_platform_sales"], method="reg")
    assert run.job.status == JobStatus.FAILED
    assert run.job.error.startswith(
        "cohort 2020, period 2022: only 2 comparison units for 1 covariate(s)"
    )
    assert run.job.error.endswith("(covariates: Platform sales in the panel's first year (yuan))")
    client.force_login(world.users["analyst"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("impact:evaluation", args=[eight.slug, run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="run-error"' in html and "comparison units for 1 covariate(s)" in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    "role", ["seller_staff", "station_operator", "buyer", "other_county_admin"]
)
def test_only_the_countys_analysts_and_administrators_start_a_run_with_covariates(
    client, twelve, role
):
    client.force_login(twelve.users[role])
    response = client.post(
        reverse("impact:evaluations", args=[twelve.county.slug]),
        {**CHOICES, "control": "notyet", "covariates": ["households"]},
    )
    assert response.status_code == 403
    assert not EvaluationRun.objects.exists()


def test_the_command_of_a_county_run_reads_the_unbalanced_panel_with_its_covariates():
    assert analyze_command(
        "panel.csv", level="county", outcome="retail_sales", control="never",
        covariates=["base_gdp_production", "base_population"], method="ipw", seed=3,
    ) == (
        "countyhub analyze did panel.csv --unit county_id --time year --outcome retail_sales "
        "--treated-from treated_from --control never --covariates "
        "base_gdp_production,base_population --method ipw --layout unbalanced --seed 3"
    )  # fmt: skip
