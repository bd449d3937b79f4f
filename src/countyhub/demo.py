"""The demo county, built idempotently by `countyhub demo`; the only maker of demo accounts."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from rich.console import Console

DEMO_PASSWORD = "countyhub-demo"
DEMO_USERNAMES = ("admin", "seller", "station", "trainer", "analyst", "buyer")
ORDER_MONTHS = 24
SEED = 2024


@transaction.atomic
def ensure_demo_accounts() -> int:
    """Create the demo accounts that do not exist yet; return how many were created."""
    user_model = get_user_model()
    created = 0
    for username in DEMO_USERNAMES:
        user, was_created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@demo.countyhub.invalid"}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
            created += 1
    return created


def _gtin(index: int) -> str:
    from stdnum import ean

    body = f"690123{index:06d}"
    return body + ean.calc_check_digit(body)


def _build_places(county: Any) -> dict[str, Any]:
    from countyhub import demo_data as data
    from countyhub.core.models import Township, Village

    villages = {}
    for township_name, village_names in data.TOWNSHIPS.items():
        township = Township.objects.create(county=county, name=township_name)
        for name in village_names:
            villages[name] = Village.objects.create(county=county, township=township, name=name)
    return villages


def _build_stations(villages: dict[str, Any]) -> dict[str, Any]:
    """The villages' service stations, opened over the last two years; the last one recently
    took coverage past the 50% mark."""
    from countyhub import demo_data as data
    from countyhub.stations.models import StationService
    from countyhub.stations.services import save_station
    from countyhub.training.outcomes import add_months

    admin = get_user_model().objects.get(username="admin")
    services = StationService.values
    stations = {}
    for index, name in enumerate([*sorted(data.STATION_VILLAGES), data.LAST_STATION_VILLAGE]):
        stations[name] = save_station(
            village=villages[name],
            actor=admin,
            operator_name=f"{data.SURNAMES[index]}站长",
            address=f"{name}村委会一楼",
            opening_hours="08:00-18:00",
            services=services[: 2 + index % 3],
            latitude=Decimal("30.2") + Decimal(index) / 50,
            longitude=Decimal("110.5") + Decimal(index) / 40,
            opened_on=add_months(timezone.localdate(), -22 + index * 3),
        )
    return stations


def _build_households(county: Any, villages: dict[str, Any], rng: random.Random) -> list[Any]:
    from countyhub import demo_data as data
    from countyhub.catalog.models import Household, HouseholdMember

    households = []
    village_list = list(villages.values())
    for index in range(48):
        poor = index % 3 == 0
        household = Household.objects.create(
            county=county,
            head_name=rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES),
            village=village_list[index % len(village_list)],
            registered_poor=poor,
            poverty_exit_year=rng.choice([2017, 2018, 2019, 2020]) if poor else None,
        )
        HouseholdMember.objects.bulk_create(
            HouseholdMember(
                household=household,
                name=household.head_name[0] + rng.choice(data.GIVEN_NAMES),
                relation=relation,
                birth_year=rng.randint(1950, 2015),
            )
            for relation in ["配偶", "子女", "子女"][: rng.randint(1, 3)]
        )
        households.append(household)
    return households


def _build_catalog(county: Any, villages: dict[str, Any], households: list[Any]) -> list[Any]:
    from countyhub import demo_data as data
    from countyhub.catalog.models import (
        Brand,
        Category,
        Certification,
        CertificationKind,
        Product,
        Seller,
        SellerHousehold,
        Stock,
    )

    name, slug, story = data.PUBLIC_BRAND
    public = Brand.objects.create(county=county, name=name, slug=slug, story=story)
    brands = {slug: public}
    for name, slug, story in data.PRODUCT_BRANDS:
        brands[slug] = Brand.objects.create(
            county=county, name=name, slug=slug, story=story, parent=public
        )
    categories = {
        slug: Category.objects.create(county=county, name=name, name_en=english, slug=slug)
        for name, english, slug in data.CATEGORIES
    }
    sellers = []
    for index, (name, kind, village, story) in enumerate(data.SELLERS):
        seller = Seller.objects.create(
            county=county,
            name=name,
            kind=kind,
            village=villages[village],
            contact_name="负责人",
            phone=f"1390000{index:04d}",
            story=story,
            bank_name="青山农商银行",
            bank_account_name=name,
            bank_account_number=f"62210000{index:08d}",
        )
        links = households[index :: len(data.SELLERS)]
        SellerHousehold.objects.bulk_create(
            SellerHousehold(seller=seller, household=h, link=SellerHousehold.Link.BUYS_FROM)
            for h in links
        )
        sellers.append(seller)
    products = []
    for index, row in enumerate(data.PRODUCTS):
        name, name_en, category, brand, seller, unit, net, price, stock = row
        product = Product.objects.create(
            county=county,
            seller=sellers[seller],
            brand=brands[brand],
            category=categories[category],
            name=name,
            name_en=name_en,
            description=f"{name}，产自{sellers[seller].village.name}。{brands[brand].story}",
            unit=unit,
            net_content=net,
            price=Decimal(price),
            gtin=_gtin(index + 1),
        )
        Stock.objects.create(product=product, quantity=Decimal(stock))
        products.append(product)
    today = timezone.localdate()
    kinds = [
        CertificationKind.GREEN_FOOD,
        CertificationKind.GEOGRAPHICAL_INDICATION,
        CertificationKind.ORGANIC,
    ]
    for index, product in enumerate(products[::2]):
        expired = index % 5 == 4  # a few lapsed certificates, which the storefront hides
        until = (
            today - datetime.timedelta(days=30) if expired else today.replace(year=today.year + 2)
        )
        Certification.objects.create(
            county=county,
            product=product,
            kind=kinds[index % len(kinds)],
            number=f"LB-{2024 + index % 2}-{index:05d}",
            issuer=["中国绿色食品发展中心", "国家知识产权局", "南京国环有机产品认证中心"][
                index % 3
            ],
            valid_from=today.replace(year=today.year - 3),
            valid_until=until,
        )
    return products


def _build_order_history(
    county: Any, products: list[Any], buyers: list[Any], rng: random.Random
) -> int:
    """Two years of completed orders, written in bulk (history, not live checkouts)."""
    from countyhub import demo_data as data
    from countyhub.core.money import quantize_cny
    from countyhub.shop.demo import save_past_orders
    from countyhub.shop.models import (
        Checkout,
        DeliveryMethod,
        Order,
        OrderStatus,
        PaymentMethod,
    )
    from countyhub.stations.models import Station

    # The stations that were open through the two years of history.
    stations = list(
        Station.objects.filter(county=county, village__name__in=data.STATION_VILLAGES).order_by(
            "village__name"
        )
    )
    now = timezone.now()
    planned = []
    for day in range(ORDER_MONTHS * 30, 0, -1):
        # More orders in autumn (harvest) and as the storefront grows.
        month = (now - datetime.timedelta(days=day)).month
        base = 1 + (ORDER_MONTHS * 30 - day) / 400 + (1.5 if month in (9, 10, 11, 12) else 0)
        planned.extend(
            now - datetime.timedelta(days=day, minutes=rng.randint(0, 1200))
            for _ in range(rng.randint(0, int(base * 1.5)))
        )
    checkouts = Checkout.objects.bulk_create(
        Checkout(
            county=county,
            buyer=buyers[i % len(buyers)],
            idempotency_key=f"demo-{i}",
            request_fingerprint="demo",
        )
        for i in range(len(planned))
    )
    orders, lines = [], []
    for index, (checkout, placed_at) in enumerate(zip(checkouts, planned, strict=True)):
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 3))
        total = quantize_cny(product.price * quantity)
        station = rng.choice(stations)
        orders.append(
            Order(
                county=county,
                number=f"{placed_at:%Y%m%d}-D{index:05d}",
                checkout=checkout,
                buyer=checkout.buyer,
                seller_id=product.seller_id,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.STATION,
                station=station,
                recipient_name=checkout.buyer.username,
                phone="13800000000",
                payment_method=PaymentMethod.CASH_ON_DELIVERY,
                total=total,
                placed_at=placed_at,
            )
        )
        lines.append((product, quantity, total))
    return save_past_orders(
        orders,
        lines,
        paid_after=datetime.timedelta(days=3),
        history=[
            (OrderStatus.PLACED, datetime.timedelta(0)),
            (OrderStatus.COMPLETED, datetime.timedelta(days=5)),
        ],
    )


ASSISTED_VILLAGERS = (("李大爷", "13907310001"), ("赵奶奶", "13907310002"), ("孙婶", "13907310003"))


def _build_assisted_orders(county: Any, station: Any, products: list[Any]) -> int:
    """A few past orders the 桃花村 station operator placed for villagers without a smartphone."""
    from countyhub.catalog.models import Household
    from countyhub.core.models import Membership, Role
    from countyhub.core.money import quantize_cny
    from countyhub.shop.demo import save_past_orders
    from countyhub.shop.models import (
        Checkout,
        DeliveryMethod,
        Order,
        OrderStatus,
        PaymentMethod,
    )

    # Its own generator, so the rest of the demo stays as it was.
    rng = random.Random(SEED)
    operator = Membership.objects.get(
        county=county, role=Role.STATION_OPERATOR, station=station
    ).user
    households = list(
        Household.objects.filter(county=county, village_id=station.village_id).order_by("pk")[:2]
    )
    now = timezone.now()
    orders, lines = [], []
    for index, (name, phone) in enumerate(ASSISTED_VILLAGERS * 2):
        placed_at = now - datetime.timedelta(days=40 - index * 6, hours=rng.randint(1, 8))
        checkout = Checkout.objects.create(
            county=county,
            buyer=operator,
            idempotency_key=f"demo-assisted-{index}",
            request_fingerprint="demo",
        )
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 2))
        total = quantize_cny(product.price * quantity)
        orders.append(
            Order(
                county=county,
                number=f"{placed_at:%Y%m%d}-S{index:05d}",
                checkout=checkout,
                buyer=operator,
                seller_id=product.seller_id,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.STATION,
                station=station,
                recipient_name=name,
                phone=phone,
                payment_method=PaymentMethod.CASH_ON_DELIVERY,
                total=total,
                placed_at=placed_at,
                placed_for_name=name,
                placed_for_phone=phone,
                placed_for_household=households[index] if index < len(households) else None,
            )
        )
        lines.append((product, quantity, total))
    return save_past_orders(
        orders,
        lines,
        paid_after=datetime.timedelta(days=3),
        history=[
            (OrderStatus.PLACED, datetime.timedelta(0)),
            (OrderStatus.DELIVERED, datetime.timedelta(days=3)),
            (OrderStatus.COMPLETED, datetime.timedelta(days=3)),
        ],
    )


def _grant_demo_roles(county: Any, stations: dict[str, Any]) -> list[Any]:
    from countyhub.catalog.models import Seller
    from countyhub.core.models import Membership, Role
    from countyhub.shop.models import BuyerProfile

    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    roles = {
        "admin": Role.COUNTY_ADMIN,
        "seller": Role.SELLER_STAFF,
        "station": Role.STATION_OPERATOR,
        "trainer": Role.TRAINER,
        "analyst": Role.ANALYST,
        "buyer": Role.BUYER,
    }
    station = stations["桃花村"]
    for username, role in roles.items():
        Membership.objects.get_or_create(
            user=users[username],
            county=county,
            role=role,
            defaults={"station": station if role == Role.STATION_OPERATOR else None},
        )
    Seller.objects.filter(county=county).order_by("pk").first().staff.add(users["seller"])
    BuyerProfile.objects.get_or_create(
        user=users["buyer"],
        defaults={"recipient_name": "王芳", "phone": "13800001111", "station": station},
    )
    return [users["buyer"]]


def build_demo(
    *, console: Console | None = None, progress: Callable[[str], None] | None = None
) -> str:
    """Build the demo county; safe to run again (nothing is duplicated)."""
    from countyhub import demo_data as data
    from countyhub.core.models import County

    created = ensure_demo_accounts()
    report = progress or (lambda _step: None)
    with transaction.atomic():
        county, county_created = County.objects.get_or_create(
            slug=data.COUNTY["slug"], defaults=data.COUNTY
        )
        if not county_created:
            return f"{county.name} already built; {len(DEMO_USERNAMES)} accounts ({created} new)"
        rng = random.Random(SEED)
        report("villages")
        villages = _build_places(county)
        report("households")
        households = _build_households(county, villages, rng)
        report("catalog")
        products = _build_catalog(county, villages, households)
        report("stations")
        stations = _build_stations(villages)
        buyers = _grant_demo_roles(county, stations)
        extra_buyers = [
            get_user_model().objects.create_user(username=f"demo-buyer-{i}", password=None)
            for i in range(1, 9)
        ]
        report("order history")
        orders = _build_order_history(county, products, buyers + extra_buyers, rng)
        orders += _build_assisted_orders(county, stations["桃花村"], products)
        report("traced batches")
        from countyhub.trace.demo import build_traced_batches

        traced = build_traced_batches(county=county, products=products, rng=rng)
        from countyhub.programs.demo import build_programs_demo

        programs = build_programs_demo(county, rng, password=DEMO_PASSWORD, progress=report)
    return (
        f"{county.name}: {len(villages)} villages, {len(households)} households, "
        f"{len(products)} products, {orders} past orders, {traced} traced batches; "
        f"{len(DEMO_USERNAMES)} accounts ({created} new); {programs}"
    )
