"""A product's GS1 company prefix length: the model, the back-office form and the import."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from countyhub.catalog.importer import ImportRejectedError, import_products, read_rows
from countyhub.catalog.models import Product

GTIN = "6901234567892"  # GS1 China, prefix 690


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rows_from_csv(text):
    return read_rows(io.BytesIO(text.encode("utf-8-sig")), "products.csv")


def test_the_model_checks_the_length_against_the_gtin(world):
    product = world.product
    product.gtin, product.gs1_company_prefix_length = GTIN, 9
    product.full_clean()
    product.gs1_company_prefix_length = 13
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "gs1_company_prefix_length" in error.value.message_dict
    product.gtin, product.gs1_company_prefix_length = "", 7
    with pytest.raises(ValidationError, match="Only a product with a GTIN"):
        product.full_clean()
    product.gtin, product.gs1_company_prefix_length = "2000000000008", 7
    with pytest.raises(ValidationError, match="Restricted Circulation"):
        product.full_clean()


def test_the_database_refuses_a_length_outside_6_to_12(world):
    with transaction.atomic(), pytest.raises(IntegrityError):
        Product.objects.filter(pk=world.product.pk).update(gs1_company_prefix_length=5)


@pytest.fixture
def county_admin(world):
    user = world.users["county_admin"]
    user.is_staff = True
    user.save()
    return user


def admin_form(product, **changes):
    form = {
        "seller": product.seller_id,
        "brand": product.brand_id,
        "category": product.category_id,
        "name": product.name,
        "name_en": product.name_en,
        "unit": product.unit,
        "price": str(product.price),
        "active": "on",
        "stock_quantity": "10",
        "certifications-TOTAL_FORMS": "0",
        "certifications-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    form.update(changes)
    return form


def test_editable_in_the_back_office(world, client, county_admin):
    client.force_login(county_admin)
    client.cookies["django_language"] = "en"
    url = f"/admin/catalog/product/{world.product.pk}/change/"
    assert 'name="gs1_company_prefix_length"' in client.get(url).content.decode()
    response = client.post(url, admin_form(world.product, gtin=GTIN, gs1_company_prefix_length=9))
    assert response.status_code == 302, response.content.decode()[:2000]
    world.product.refresh_from_db()
    assert world.product.gs1_company_prefix_length == 9
    bad = client.post(
        url, admin_form(world.product, gtin="012345678905", gs1_company_prefix_length=6)
    )
    assert bad.status_code == 200
    assert "GTIN-12 (U.P.C.)" in bad.content.decode()
    world.product.refresh_from_db()
    assert (world.product.gtin, world.product.gs1_company_prefix_length) == (GTIN, 9)


HEADER = "id,name,category,brand,unit,price,gtin,gs1_company_prefix_length\n"


def test_the_import_sets_it_and_names_row_and_column(world):
    category, brand = world.product.category.slug, world.product.brand.slug
    text = (
        HEADER
        + f",新品,{category},{brand},kg,10,{GTIN},9\n"
        + f"{world.product.pk},,,,,,{GTIN},8\n"
    )
    import_products(
        county=world.county, actor=None, sellers=[world.seller], rows=rows_from_csv(text)
    )
    assert Product.objects.get(name="新品").gs1_company_prefix_length == 9
    world.product.refresh_from_db()
    assert world.product.gs1_company_prefix_length == 8

    bad = (
        HEADER
        + f",无条码,{category},{brand},kg,10,,7\n"
        + f",太长,{category},{brand},kg,10,{GTIN},13\n"
        + f",美国,{category},{brand},kg,10,012345678905,6\n"
        # The stored length 8 does not fit a restricted circulation number as the new GTIN.
        + f"{world.product.pk},,,,,,2000000000008,\n"
    )
    with pytest.raises(ImportRejectedError) as rejected:
        import_products(
            county=world.county, actor=None, sellers=[world.seller], rows=rows_from_csv(bad)
        )
    errors = {(e.row, e.column): e.message for e in rejected.value.errors}
    assert set(errors) == {
        (2, "gs1_company_prefix_length"),
        (3, "gs1_company_prefix_length"),
        (4, "gs1_company_prefix_length"),
        (5, "gtin"),
    }
    assert "Only a product with a GTIN" in errors[2, "gs1_company_prefix_length"]
    assert "6 to 12" in errors[3, "gs1_company_prefix_length"]
    assert "GTIN-12 (U.P.C.)" in errors[4, "gs1_company_prefix_length"]
