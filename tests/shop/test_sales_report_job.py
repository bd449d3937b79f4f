"""The sales report's CSV is made by a background job (issue 19): the report's page posts it,
the job makes the file the page used to send, and only its user downloads it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from countyhub.core.models import AuditEntry, Job, JobStatus
from tests.shop.test_seller_sales import county_time, report_job, run, sold

pytestmark = pytest.mark.django_db


def _download(client, job: Job) -> bytes:
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{job.output_name}"'
    return b"".join(response.streaming_content)


def test_the_file_is_the_report_of_the_year_asked_for(client, world):
    sold(world, at=county_time(2025, 3, 1, 12), name="茶叶", total="4.00")
    sold(world, at=county_time(2025, 11, 30, 23, 30), name="=Rice", total="3.00")
    job = run(report_job(client, world, year="2025"))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.inputs == {
        "sellers": [world.seller.pk],
        "months": [f"2025-{month:02}-01" for month in range(1, 13)],
        "year": 2025,
    }
    assert (job.output_name, job.output_type) == ("sales-2025.csv", "text/csv; charset=utf-8")
    assert job.result["url"] == reverse("shop:sales_report") + "?year=2025"
    months = [f"2025-{month:02}" for month in range(1, 13)]

    def line(name: str, amounts: dict[str, str], total: str) -> str:
        return ",".join([name, *(amounts.get(month, "0.00") for month in months), total])

    expected = "\r\n".join(
        [
            ",".join(["product", *months, "total"]),
            line("茶叶", {"2025-03": "4.00"}, "4.00"),
            line("'=Rice", {"2025-11": "3.00"}, "3.00"),  # never a formula
            line("total", {"2025-03": "4.00", "2025-11": "3.00"}, "7.00"),
            "",
        ]
    )
    assert _download(client, job) == ("\ufeff" + expected).encode("utf-8")


def test_the_last_12_months_name_the_file_by_their_first_and_last(client, world):
    sold(world, at=county_time(2026, 1, 2, 12), name="茶叶", total="6.00")
    job = run(report_job(client, world))
    assert job.inputs["year"] is None and job.output_name == "sales-2026-01-2026-12.csv"
    assert job.result["url"] == reverse("shop:sales_report")
    assert "茶叶,6.00," in _download(client, job).decode("utf-8-sig")


def test_the_start_is_audited_and_the_page_offers_the_csv(client, world):
    job = report_job(client, world, year="2025")
    audit = AuditEntry.objects.get(action="shop.sales_report_csv.started")
    assert audit.actor == world.users["seller_staff"] and audit.county == world.county
    assert audit.object_id == str(job.pk) and audit.changes == job.inputs
    assert (job.created_by, job.county) == (world.users["seller_staff"], world.county)
    html = client.get("/seller/sales/?year=2025").content.decode()
    assert 'id="sales-csv"' in html and reverse("shop:sales_report_csv") in html
    assert 'name="year" value="2025"' in html and "csrfmiddlewaretoken" in html


def test_a_get_starts_nothing(client, world):
    client.force_login(world.users["seller_staff"])
    page = client.get("/seller/sales/", {"format": "csv"})  # the old link: now only the page
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert client.get(reverse("shop:sales_report_csv")).status_code == 405
    assert not Job.objects.exists()


def test_a_user_who_left_the_seller_gets_a_failed_job(client, world):
    sold(world, at=county_time(2026, 5, 1, 12), name="茶叶", total="1.00")
    job = report_job(client, world)
    world.seller.staff.remove(world.users["seller_staff"])
    job = run(job)
    assert job.status == JobStatus.FAILED and not job.output_file
    assert job.error == "You are no longer on the staff of the sellers of this report."
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_another_seller_gets_neither_the_job_nor_these_sales(client, world):
    sold(world, at=county_time(2026, 5, 1, 12), name="茶叶", total="1.00")
    job = run(report_job(client, world))
    for other in ("other_seller_staff", "county_admin", "other_county_admin", "buyer"):
        client.force_login(world.users[other])
        for name in ("job", "job_file", "job_progress"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    theirs = run(report_job(client, world, user="other_seller_staff"))
    assert theirs.inputs["sellers"] == [world.other_seller.pk]
    assert "茶叶" not in _download(client, theirs).decode("utf-8-sig")
    client.force_login(world.users["buyer"])
    assert client.post(reverse("shop:sales_report_csv")).status_code == 403
    assert Job.objects.count() == 2
