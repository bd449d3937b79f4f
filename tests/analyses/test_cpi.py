"""The county's own CPI tables: entered typed or as a CSV (UTF-8 or GB18030) / XLSX, all or
nothing with bad cells named; chosen for a before/after run, which then equals the CLI given the
same table as a file, and says which CPI it used."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind, AnalysisRun, CPISeries
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, JobStatus
from tests.analyses.support import dataset_input, paired_frame
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# Index levels, 2015 = 100 (a county's yearbook would print such a table).
LEVELS = {2010: "88.4", 2011: "93.5", 2012: "95.8", 2013: "98.1", 2014: "99.2"} | {
    2015: "100",
    2016: "101.9",
    2017: "103.3",
    2018: "105.6",
    2019: "109.2",
    2020: "111.8",
}
LEVELS_TEXT = "\n".join(f"{year}: {value}" for year, value in LEVELS.items())


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def login(client, user) -> None:
    """Logged in, with the pages in English (the site's default language is Chinese)."""
    client.force_login(user)
    client.cookies["django_language"] = "en"


def cpi_url(county, series=None) -> str:
    if series is None:
        return reverse("analyses:cpi_list", args=[county.slug])
    return reverse("analyses:cpi", args=[county.slug, series.pk])


def entry(**fields) -> services.CPIInput:
    base = {
        "name": "县CPI",
        "definition": "levels",
        "base": "2015 = 100",
        "source": "县统计年鉴 2021",
        "values_text": LEVELS_TEXT,
    }
    return services.CPIInput(**(base | fields))


def values_of(series: CPISeries) -> dict[int, str]:
    return {v.year: f"{v.index.normalize():f}" for v in series.values.all()}


def test_an_analyst_types_a_cpi_table_and_it_is_saved_and_audited(client, world):
    login(client, world.users["analyst"])
    response = client.post(
        cpi_url(world.county),
        {
            "name": "县农村CPI",
            "definition": "levels",
            "base": "2015 = 100",
            "source": "县统计年鉴 2021",
            "values": LEVELS_TEXT,
        },
    )
    series = CPISeries.objects.get(county=world.county)
    assert response.status_code == 302 and response.url == cpi_url(world.county, series)
    assert values_of(series) == LEVELS
    audit = AuditEntry.objects.get(action="analyses.cpi.created")
    assert (
        audit.changes["values"]["2019"] == "109.2" and audit.changes["source"] == "县统计年鉴 2021"
    )
    page = client.get(cpi_url(world.county, series))
    assert page.status_code == 200
    assert "109.2" in page.content.decode() and "2015 = 100" in page.content.decode()
    listing = client.get(cpi_url(world.county)).content.decode()
    assert "县农村CPI" in listing and "2010–2020" in listing


def test_a_gb18030_csv_and_an_xlsx_are_read(client, world):
    login(client, world.users["county_admin"])
    text = "年份,指数,说明\n" + "".join(f"{y},{v},县统计局\n" for y, v in LEVELS.items())
    upload = SimpleUploadedFile("cpi.csv", text.encode("gb18030"), "text/csv")
    response = client.post(
        cpi_url(world.county),
        {"name": "GB", "definition": "levels", "source": "县统计局", "file": upload},
    )
    assert response.status_code == 302
    assert values_of(CPISeries.objects.get(name="GB")) == LEVELS

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["year", "cpi"])
    for year, value in LEVELS.items():
        sheet.append([year, float(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("cpi.xlsx", buffer.getvalue())
    response = client.post(
        cpi_url(world.county),
        {"name": "XLSX", "definition": "levels", "source": "yearbook", "file": upload},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert values_of(CPISeries.objects.get(name="XLSX")) == LEVELS


def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_saved(client, world):
    login(client, world.users["analyst"])
    series = services.save_cpi_series(
        county=world.county, actor=world.users["analyst"], entry=entry()
    )
    before = values_of(series)
    bad = "year,cpi\n2015,100\n2016,101.9\n2017,abc\n2018,105.6\n"  # row 4: abc
    response = client.post(
        cpi_url(world.county, series),
        {
            "name": "县CPI",
            "definition": "levels",
            "source": "again",
            "file": SimpleUploadedFile("cpi.csv", bad.encode()),
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert errors == [
        "cpi.csv: row 4, column 2 (cpi): abc is not a positive index with at most 4 decimals."
    ]
    series.refresh_from_db()
    assert values_of(series) == before and series.source == "县统计年鉴 2021"
    # Typed values: the line is named; a year twice, a negative index.
    for text, message in (
        ("2015: 100\n2015: 101", "Values, line 2: the year 2015 is given twice."),
        ("2015: 100\n2016: -3", "Values, line 2: write YEAR: INDEX"),
        ("2015: 100", "at least 2 years"),
    ):
        with pytest.raises(services.AnalysisInputError, match=message):
            services.save_cpi_series(
                county=world.county,
                actor=world.users["analyst"],
                entry=entry(name="other", values_text=text),
            )
    with pytest.raises(services.AnalysisInputError, match="2016 is followed by 2018"):
        services.save_cpi_series(
            county=world.county,
            actor=world.users["analyst"],
            entry=entry(
                name="chained", definition="previous_year_100", values_text="2016: 102\n2018: 103"
            ),
        )
    assert CPISeries.objects.count() == 1
    assert not AuditEntry.objects.filter(action="analyses.cpi.replaced").exists()


def test_other_roles_and_counties_cannot_read_or_change_the_tables(client, world):
    series = services.save_cpi_series(
        county=world.county, actor=world.users["analyst"], entry=entry()
    )
    for name in ("seller_staff", "buyer", "other_county_admin"):
        login(client, world.users[name])
        assert client.get(cpi_url(world.county)).status_code == 403
        assert client.get(cpi_url(world.county, series)).status_code == 403
        assert client.post(cpi_url(world.county, series), {"name": "x"}).status_code == 403
    other = CountyFactory()
    analyst = UserFactory()
    MembershipFactory(user=analyst, county=other, role="analyst")
    login(client, analyst)
    assert client.get(cpi_url(other)).status_code == 200
    # Another county's table is not found under this analyst's county, nor offered to a run.
    assert client.get(reverse("analyses:cpi", args=[other.slug, series.pk])).status_code == 404
    with pytest.raises(services.AnalysisInputError, match="CPI table of this county"):
        services.resolve_cpi(other, {"cpi": f"county:{series.pk}"})
    series.refresh_from_db()
    assert series.name == "县CPI"


def _before_after(world, dataset, cpi: str):
    run = services.start_run(
        county=world.county,
        actor=world.users["analyst"],
        dataset=dataset,
        kind=AnalysisKind.BEFORE_AFTER,
        options={
            "id": "household",
            "pairs": {"income": ["income_2020", "income_2022"]},
            "money": ["income"],
            "year_before": 2018,
            "year_after": 2020,
            "base_year": 2018,
            "poverty": "income",
            "poverty_line": "cpi_indexed",
            "cpi": cpi,
            "confidence": 0.95,
        },
        seed=0,
    )
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    return run


@pytest.mark.parametrize("definition", ["levels", "previous_year_100"])
def test_a_run_with_the_county_cpi_equals_the_cli_with_the_same_cpi_file(
    world, tmp_path, definition
):
    """The CLI reads `year,cpi` as levels and `year,cpi_prev_year_100` as chained indices."""
    frame = paired_frame()
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    dataset = services.upload_dataset(
        county=world.county,
        actor=world.users["analyst"],
        upload=dataset_input(path.read_bytes(), "panel.csv", constructs=""),
    )
    values = (
        LEVELS
        if definition == "levels"
        else {2010: "103.6", 2011: "105.8", 2012: "102.5", 2013: "102.8", 2014: "101.8"}
        | {2015: "101.3", 2016: "101.9", 2017: "101.3", 2018: "102.1", 2019: "103.2"}
        | {2020: "103.0"}
    )
    series = services.save_cpi_series(
        county=world.county,
        actor=world.users["analyst"],
        entry=entry(
            definition=definition,
            values_text="\n".join(f"{y}: {v}" for y, v in values.items()),
        ),
    )
    run = _before_after(world, dataset, f"county:{series.pk}")
    assert run.options["cpi"] == "county" and run.options["cpi_table"]["series"] == series.pk
    column = "cpi" if definition == "levels" else "cpi_prev_year_100"
    cpi_file = tmp_path / "county_cpi.csv"
    cpi_file.write_text(f"year,{column}\n" + "".join(f"{y},{v}\n" for y, v in values.items()))
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
            "household",
            "--pair",
            "income=income_2020:income_2022",
            "--money",
            "income",
            "--year-before",
            "2018",
            "--year-after",
            "2020",
            "--base-year",
            "2018",
            "--poverty",
            "income",
            "--poverty-line",
            "cpi-indexed",
            "--cpi",
            str(cpi_file),
            "--na",
            "-99",
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
    # Which CPI it was: the county's table by its name and source, the CLI's by its file.
    assert web["cpi"].pop("name") == "county CPI: 县CPI, 2015 = 100"
    assert web["cpi"].pop("source") == "县统计年鉴 2021"
    assert expected["cpi"].pop("name") == "CPI from county_cpi.csv"
    assert expected["cpi"].pop("source") == str(cpi_file)
    # The CPI-indexed line says which CPI indexed it, by the same names.
    for key in ("line_before_source", "line_after_source"):
        assert web["poverty"][key] == expected["poverty"][key].replace(
            "CPI from county_cpi.csv", "county CPI: 县CPI, 2015 = 100"
        )
        web["poverty"].pop(key)
        expected["poverty"].pop(key)
    web["meta"].pop("source")
    expected["meta"].pop("source")
    expected.pop("provenance")
    web.pop("provenance", None)
    assert web == expected
    assert "county CPI: 县CPI" in run.report_html

    # The national rural CPI is the other choice, labelled as such; it gives other numbers.
    national = _before_after(world, dataset, "national_rural")
    assert national.results["cpi"]["name"].startswith("national rural CPI")
    assert national.results["measures"] != run.results["measures"]

    # Replacing the table later never changes the stored run: a repeat uses its copy.
    services.save_cpi_series(
        county=world.county,
        actor=world.users["analyst"],
        series=series,
        entry=entry(values_text="2015: 100\n2020: 150"),
    )
    again = services.repeat_run(run=run, actor=world.users["analyst"])
    jobs.execute(again.job_id, heartbeat=False)
    again.refresh_from_db()
    assert again.results["measures"] == run.results["measures"]


def test_the_set_up_page_offers_the_county_tables_and_the_run_page_names_the_cpi(client, world):
    series = services.save_cpi_series(
        county=world.county, actor=world.users["analyst"], entry=entry()
    )
    frame = paired_frame()
    dataset = services.upload_dataset(
        county=world.county,
        actor=world.users["analyst"],
        upload=dataset_input(frame.to_csv(index=False).encode(), "panel.csv", constructs=""),
    )
    login(client, world.users["analyst"])
    url = reverse("analyses:before_after_setup", args=[world.county.slug, dataset.pk])
    page = client.get(url)
    choices = dict(page.context["form"].fields["cpi"].choices)
    assert choices[f"county:{series.pk}"] == "county CPI: 县CPI"
    assert "national_rural" in choices
    response = client.post(
        url,
        {
            "id_column": "household",
            "pairs": "income=income_2020:income_2022",
            "money": "income",
            "year_before": "2016",
            "year_after": "2019",
            "base_year": "2019",
            "poverty_line": "official",
            "cpi": f"county:{series.pk}",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    run = AnalysisRun.objects.get(dataset=dataset)
    jobs.execute(run.job_id, heartbeat=False)
    shown = client.get(reverse("analyses:run", args=[world.county.slug, run.pk])).content.decode()
    assert (
        "Deflated with: county CPI: 县CPI, 2015 = 100 (index levels); source: 县统计年鉴 2021"
        in shown
    )
