from decimal import Decimal

import factory

from countyhub.catalog.models import (
    Brand,
    Category,
    Household,
    Product,
    Seller,
    SellerKind,
    Stock,
    Unit,
)
from tests.factories.core import CountyFactory, VillageFactory


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"合作社{n}")
    kind = SellerKind.COOPERATIVE
    village = factory.SubFactory(
        VillageFactory, township__county=factory.SelfAttribute("...county")
    )


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    county = factory.SubFactory(CountyFactory)
    head_name = factory.Sequence(lambda n: f"农户{n}")
    village = factory.SubFactory(
        VillageFactory, township__county=factory.SelfAttribute("...county")
    )
    registered_poor = False


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"品牌{n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    parent = None


def public_brand(county):
    """The county's one public brand (the "1" of 1+N)."""
    brand, _created = Brand.objects.get_or_create(
        county=county, parent=None, defaults={"name": f"{county.name}好物", "slug": "public"}
    )
    return brand


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"类别{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    county = factory.SubFactory(CountyFactory)
    seller = factory.SubFactory(SellerFactory, county=factory.SelfAttribute("..county"))
    brand = factory.LazyAttribute(lambda product: public_brand(product.county))
    category = factory.SubFactory(CategoryFactory, county=factory.SelfAttribute("..county"))
    name = factory.Sequence(lambda n: f"苹果{n}")
    name_en = factory.Sequence(lambda n: f"Apples {n}")
    unit = Unit.BOX
    price = Decimal("25.00")
    active = True

    @factory.post_generation
    def stock(self, create, extracted, **kwargs):
        if create:
            Stock.objects.create(product=self, quantity=Decimal(extracted if extracted else 10))
