"""The demo county's brands (1+N), categories, sellers with the households they buy from,
products with their stock, and certificates."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from stdnum import ean

from countyhub.catalog.models import (
    Brand,
    Category,
    Certification,
    CertificationKind,
    Household,
    Seller,
    SellerHousehold,
)
from countyhub.catalog.services import create_product
from countyhub.core.audit import save_with_audit
from countyhub.demo import data

Link = SellerHousehold.Link


def gtin(index: int) -> str:
    body = f"690123{index:06d}"
    return body + ean.calc_check_digit(body)


def build_catalog(
    county: Any, villages: dict[str, Any], households: list[Any], admin: Any
) -> list[Any]:
    """What county staff enter in the admin (brands, categories, sellers and the households
    they buy from, certificates) and the products sellers put on sale with their stock."""

    def save(instance: Any) -> Any:
        return save_with_audit(actor=admin, instance=instance, county=county)

    def brand(name: str, slug: str, story: str, parent: Any = None) -> Any:
        name_en, story_en = data.BRANDS_EN[slug]
        fields = {"name": name, "name_en": name_en, "story": story, "story_en": story_en}
        return save(Brand(county=county, slug=slug, parent=parent, **fields))

    public = brand(*data.PUBLIC_BRAND)
    brands = {public.slug: public}
    for name, slug, story in data.PRODUCT_BRANDS:
        brands[slug] = brand(name, slug, story, parent=public)
    categories = {
        slug: save(Category(county=county, name=name, name_en=english, slug=slug))
        for name, english, slug in data.CATEGORIES
    }
    sellers = []
    for index, (name, kind, village, story) in enumerate(data.SELLERS):
        name_en, story_en = data.SELLERS_EN[name]
        seller = Seller(
            county=county,
            name=name,
            name_en=name_en,
            kind=kind,
            village=villages[village],
            contact_name="负责人",
            phone=f"1390000{index:04d}",
            story=story,
            story_en=story_en,
            bank_name="青山农商银行",
            bank_account_name=name,
            bank_account_number=f"62210000{index:08d}",
        )
        save(seller)
        for household in households[index :: len(data.SELLERS)]:
            save(SellerHousehold(seller=seller, household=household, link=Link.BUYS_FROM))
        sellers.append(seller)
    products = []
    for index, row in enumerate(data.PRODUCTS):
        name, name_en, category, brand, seller, unit, net, price, stock = row
        product = create_product(
            actor=admin,
            stock_quantity=Decimal(stock),
            county=county,
            seller=sellers[seller],
            brand=brands[brand],
            category=categories[category],
            name=name,
            name_en=name_en,
            description=f"{name}，产自{sellers[seller].village.name}。{brands[brand].story}",
            description_en=f"{name_en}, from {sellers[seller].name_en}. {brands[brand].story_en}",
            unit=unit,
            net_content=net,
            price=Decimal(price),
            gtin=gtin(index + 1),
        )
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
        certification = Certification(
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
        save(certification)
    return products


def employ_poor_households(county: Any, admin: Any) -> None:
    """Three sellers employ registered poor households (who then earn the logistics subsidy)."""
    sellers = list(Seller.objects.filter(county=county).order_by("pk")[:3])
    poor = Household.objects.filter(county=county, registered_poor=True).order_by("pk")
    for index, household in enumerate(poor[:9]):
        link = SellerHousehold(seller=sellers[index % 3], household=household, link=Link.EMPLOYS)
        save_with_audit(actor=admin, instance=link, county=county)
