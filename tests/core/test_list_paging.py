"""Lists that grow are paged with counts and page links, in both languages (issue 11): the
station's households, trace batches, closed cases and pallets, the budget's spendings, payout
runs, work tasks (grouped by department within a page), courses and a course's sessions.
Every record is on some page, once."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from countyhub.programs.models import PayoutRun, Spending, Task
from countyhub.trace.services import LotQuantity, pack_case
from tests.factories.catalog import HouseholdFactory
from tests.factories.programs import BudgetLineFactory, ProgramFactory
from tests.factories.trace import make_batch
from tests.factories.training import CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db

COUNT = 27  # more than one page of 25


def _households(world):
    for i in range(COUNT):
        HouseholdFactory(
            county=world.county, village=world.station.village, head_name=f"户主{i:02d}"
        )
    return "station_operator", reverse("catalog:station_households"), r"<td>(户主\d+)</td>"


def _batches(world):
    actor = world.users["seller_staff"]
    for i in range(COUNT):
        make_batch(actor, world.product, lot=f"LOT-{i:02d}")
    return "seller_staff", reverse("trace:batches"), r">(LOT-\d+)</a>"


def _containers(world):
    actor = world.users["seller_staff"]
    batch = make_batch(actor, world.product, lot="LOT-C", quantity=str(COUNT))
    for _i in range(COUNT):
        pack_case(actor=actor, lots=[LotQuantity(batch, Decimal(1))])
    return "seller_staff", reverse("trace:containers"), r">(\d{18})</a>"


def _spendings(world):
    line = BudgetLineFactory(program__county=world.county)
    for i in range(COUNT):
        Spending.objects.create(
            budget_line=line,
            date=datetime.date(2025, 2, 1),
            payee=f"收款方{i:02d}",
            amount=Decimal("1.00"),
            evidence=SimpleUploadedFile("invoice.pdf", b"%PDF-1.4"),
            recorded_by=world.users["county_admin"],
        )
    return "county_admin", reverse("programs:budget", args=[world.county.slug]), r"<td>(收款方\d+)<"


def _runs(world):
    for i in range(COUNT):
        start = datetime.date(2023 + i // 12, i % 12 + 1, 1)
        PayoutRun.objects.create(county=world.county, period_start=start, period_end=start)
    return (
        "county_admin",
        reverse("programs:payouts", args=[world.county.slug]),
        r"(\d{4}-\d\d #\d+)</a>",
    )


def _tasks(world):
    program = ProgramFactory(county=world.county)
    for i in range(COUNT):
        Task.objects.create(
            program=program,
            title=f"任务{i:02d}",
            department="商务局" if i % 2 else "农业农村局",
            owner=world.users["county_admin"],
            deadline=datetime.date(2025, 6, 1) + datetime.timedelta(i),
        )
    url = reverse("programs:tasks", args=[world.county.slug]) + "?by=department"
    return "county_admin", url, r">(任务\d+)</a>"


def _courses(world):
    for i in range(COUNT):
        CourseFactory(county=world.county, title=f"课程{i:02d}", title_en=f"Course {i:02d}")
    return (
        "county_admin",
        reverse("training:courses", args=[world.county.slug]),
        r">(?:Course |课程)(\d+)</a>",
    )


def _sessions(world):
    course = CourseFactory(county=world.county)
    for i in range(COUNT):
        SessionFactory(course=course, date=datetime.date(2025, 1, 1) + datetime.timedelta(i))
    url = reverse("training:course", args=[world.county.slug, course.pk])
    return "county_admin", url, r">(\d{4}-\d\d-\d\d)</a></td>"


@pytest.mark.parametrize(
    "make",
    [_households, _batches, _containers, _spendings, _runs, _tasks, _courses, _sessions],
    ids=lambda f: f.__name__,
)
def test_every_record_is_on_some_page_once(client, world, settings, tmp_path, make):
    settings.MEDIA_ROOT = tmp_path
    role, url, pattern = make(world)
    client.force_login(world.users[role])
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    query = url.partition("?")[2]
    next_page = f"?{query}&amp;page=2" if query else "?page=2"
    page_2 = url + ("&" if query else "?") + "page=2"
    second = client.get(page_2, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{COUNT} items · page 1 of 2" in first and f'rel="next" href="{next_page}"' in first
    assert f"共 {COUNT} 件 · 第 2 / 2 页" in second
    shown = re.findall(pattern, first) + re.findall(pattern, second)
    assert len(shown) == COUNT and len(set(shown)) == COUNT, shown
