"""A county with one record of each kind, for the walks over the admin and the pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhub.catalog.models import Certification, SellerHousehold
from countyhub.channels.models import Channel, Listing
from countyhub.core.models import Job, Province, Role
from countyhub.core.services import appoint_province_official, issue_api_token
from countyhub.crossborder import services as crossborder_services
from countyhub.notifications.models import StockThreshold
from countyhub.programs import services as programs_services
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.models import Spending, Task
from countyhub.shop import services as shop_services
from countyhub.shop.models import ShippingRate
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.training import services as training_services
from tests.crossborder.setup import export_fields
from tests.crossborder.setup import ready as crossborder_ready
from tests.crossborder.setup import shop_order as crossborder_order
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import MembershipFactory, UserFactory
from tests.factories.programs import RuleFactory, make_order
from tests.factories.stations import StationFactory
from tests.factories.trace import make_batch
from tests.factories.training import SessionFactory


@dataclass
class Site:
    world: Any
    admin: Any
    second_admin: Any
    superuser: Any
    order: Any
    rule: Any
    run: Any
    spending: Any
    task: Any
    session: Any
    enrollment: Any
    certificate: Any
    batch: Any
    other_station: Any
    paid_order: Any = None  # paid by bank transfer and shipped: after-sales may refund it
    export: Any = None  # the export order of a shop order of world.seller (crossborder)


@pytest.fixture
def site(world, settings, tmp_path) -> Site:
    settings.MEDIA_ROOT = tmp_path
    county, admin_user = world.county, world.users["county_admin"]
    second = UserFactory(username="second-admin")
    MembershipFactory(user=second, county=county, role=Role.COUNTY_ADMIN)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "13800000000"),
        payment_method="bank_transfer",
    ).orders[0]
    household = HouseholdFactory(county=county, registered_poor=True, village=world.station.village)
    household.members.create(name="王芳", relation="head")
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    rule = RuleFactory(budget_line__program__county=county)
    make_order(world.seller, day=datetime.date(2025, 1, 5))
    run = evaluate_period(county=county, period=datetime.date(2025, 1, 1), actor=admin_user)
    approve_run(run=run, actor=second)
    budget_line = rule.budget_line
    spending = Spending.objects.create(
        budget_line=budget_line,
        date=datetime.date(2025, 2, 1),
        payee="县物流公司",
        amount=Decimal("10.00"),
        evidence=SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice"),
        recorded_by=second,
    )
    task = Task.objects.create(
        program=budget_line.program,
        title="建设村级服务站",
        department="商务局",
        owner=admin_user,
        deadline=datetime.date(2025, 6, 30),
    )
    programs_services.set_kpi_targets(
        county=county, year=2025, targets={"online_sales": Decimal("100")}, actor=admin_user
    )
    Certification.objects.create(
        county=county,
        product=world.product,
        kind="green_food",
        number="LB-2025-1",
        issuer="中国绿色食品发展中心",
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2028, 1, 1),
    )
    session = SessionFactory(course__county=county, trainer=world.users["trainer"], capacity=5)
    enrollment = training_services.enroll_trainee(
        session=session, actor=admin_user, user=world.users["seller_staff"], full_name="张伟"
    )
    (certificate,) = training_services.record_attendance(
        session=session, present_ids=[enrollment.pk], actor=admin_user
    )
    second_enrollment = training_services.enroll_trainee(
        session=session, actor=admin_user, member=household.members.get()
    )
    batch = make_batch(world.users["seller_staff"], world.product)
    other_station = StationFactory(village__township=world.station.village.township)
    paid_order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "2")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "13800000000"),
        payment_method="bank_transfer",
    ).orders[0]
    shop_services.mark_order_paid(order=paid_order, actor=admin_user, reference="TX-1")
    shop_services.ship_order(
        order=paid_order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="Y1"
    )
    issue_api_token(user=world.users["buyer"])  # for the admin's token list and revoking
    province = Province.objects.create(name="示范省", code="52")
    county.province = province
    county.save()
    appoint_province_official(actor=superuser, user=world.users["analyst"], province=province)
    StockThreshold.objects.create(seller=world.seller, product=world.product, threshold=4)
    ShippingRate.objects.create(
        county=county,
        seller=world.seller,
        delivery_method="home",
        region_code="",
        first_fee=Decimal("8.00"),
    )
    made = crossborder_ready(world)
    export = crossborder_services.create_export_order(
        actor=admin_user,
        order=crossborder_order(world.seller, world.product),
        **export_fields(made),
    )
    taobao = Channel.objects.create(
        county=county, code="taobao", name="淘宝特色馆", kind="marketplace", platform="taobao"
    )
    world.product.seller_sku = str(world.product.pk)
    world.product.save(update_fields=["seller_sku"])
    Listing.objects.create(channel=taobao, product=world.product, price=Decimal("9.90"))
    Job.objects.create(
        kind="analyses.run",
        status="failed",
        error="Unexpected error: MemoryError",
        county=county,
        finished_at=datetime.datetime.now(datetime.UTC),
    )
    return Site(
        world,
        admin_user,
        second,
        superuser,
        order,
        rule,
        run,
        spending,
        task,
        session,
        second_enrollment,
        certificate,
        batch,
        other_station,
        paid_order,
        export,
    )
