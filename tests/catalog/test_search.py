"""Storefront search finds words, not characters (issue 11), ranked name > brand > story, on
SQLite and on PostgreSQL (run with DATABASE_URL=postgres://... for the tsvector path)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from countyhub.catalog import search, selectors
from countyhub.catalog.models import Brand, ProductSearch
from tests.conftest import requires_postgres
from tests.factories.catalog import (
    BrandFactory,
    CategoryFactory,
    ProductFactory,
    SellerFactory,
    public_brand,
)


@pytest.fixture
def shelf(db):
    """Rice, an apple whose story says 八百米 (800 metres), and honey."""
    county = SellerFactory().county
    rice = ProductFactory(county=county, name="富硒大米", name_en="Selenium-rich rice")
    apples = ProductFactory(
        county=county,
        name="红富士苹果",
        name_en="Fuji apples",
        description="海拔八百米的山地果园，昼夜温差大，苹果脆甜。",
    )
    honey = ProductFactory(
        county=county, name="百花土蜂蜜", name_en="Wildflower honey", description="一年只取一次。"
    )
    return county, rice, apples, honey


def found(county, q):
    return list(selectors.storefront_products(county=county, q=q))


def test_rice_is_found_by_mi_but_not_the_apples_whose_story_says_eight_hundred_metres(shelf):
    county, rice, apples, _honey = shelf
    assert "八百米" in apples.description
    assert found(county, "米") == [rice]  # main found the apples too (icontains on the story)
    assert found(county, "大米") == [rice]


def test_apples_by_chinese_and_english_words(shelf):
    county, _rice, apples, _honey = shelf
    assert found(county, "苹果") == [apples]
    assert found(county, "apple") == [apples]  # the plural in the name matches the singular
    assert found(county, "Fuji Apples") == [apples]


def test_english_honey_finds_honey(shelf):
    county, _rice, _apples, honey = shelf
    assert found(county, "honey") == [honey]
    assert found(county, "HONEY") == [honey]


def test_a_last_latin_word_matches_as_typed_but_chinese_words_stay_whole(shelf):
    county, _rice, apples, honey = shelf
    assert found(county, "hon") == [honey]  # the storefront searches as the buyer types
    assert found(county, "fuji app") == [apples]
    assert found(county, "app fuji") == []  # only the last word is being typed
    assert found(county, "苹") == []  # Chinese: no prefix (苹果 is the word)


def test_every_word_of_the_query_must_match(shelf):
    county, rice, _apples, _honey = shelf
    assert found(county, "富硒 大米") == [rice]
    assert found(county, "大米 蜂蜜") == []


def test_a_name_match_ranks_above_a_story_match(db):
    county = SellerFactory().county
    in_story = ProductFactory(county=county, name="土鸡蛋", description="山里的土鸡吃的是蜂蜜渣。")
    in_brand = ProductFactory(
        county=county,
        name="花粉",
        brand=BrandFactory(county=county, name="白云蜂蜜", parent=public_brand(county)),
    )
    in_name = ProductFactory(county=county, name="槐花蜂蜜")
    # by name these would come in_brand (花), in_name (槐), in_story (土): the rank decides
    assert found(county, "蜂蜜") == [in_name, in_brand, in_story]


def test_seller_and_category_words_are_found(db):
    seller = SellerFactory(name="清泉富硒米合作社", name_en="Clear Spring Rice Cooperative")
    category = CategoryFactory(county=seller.county, name="粮油", name_en="Grain and oil")
    product = ProductFactory(county=seller.county, seller=seller, category=category, name="香米")
    assert found(seller.county, "cooperative") == [product]
    assert found(seller.county, "粮油") == [product]
    assert found(seller.county, "grain") == [product]


def test_renaming_a_brand_or_seller_changes_what_finds_its_products(db):
    county = SellerFactory().county
    brand = BrandFactory(county=county, name="青山百花蜜", parent=public_brand(county))
    product = ProductFactory(county=brand.county, brand=brand, name="槐花")
    assert found(brand.county, "rainbow") == []
    brand.name_en = "Rainbow Honey"
    brand.save()
    assert found(brand.county, "rainbow") == [product]
    product.seller.story = "蜂箱放在山坡上"
    product.seller.save()
    assert found(brand.county, "蜂箱") == [product]


def test_a_price_change_does_not_rewrite_the_words(db):
    product = ProductFactory(name="核桃")
    words = ProductSearch.objects.get(product=product)
    ProductSearch.objects.filter(pk=words.pk).update(names=" 改过 ")
    product.price = 30
    product.save(update_fields=["price"])
    assert ProductSearch.objects.get(product=product).names == " 改过 "


@pytest.mark.parametrize("q", ["！！！。。。", "...", "___", "  -- ", "'\"%;"])
def test_a_query_without_words_finds_nothing_and_does_not_fail(shelf, client, q):
    county = shelf[0]
    assert found(county, q) == []
    response = client.get(reverse("catalog:browse", args=[county.slug]), {"q": q})
    assert response.status_code == 200


def test_a_500_character_query_is_handled(shelf, client):
    county, rice, _apples, _honey = shelf
    assert len(search.query_words("大米" * 250)) == 1
    assert found(county, "大米" * 250) == [rice]
    words = search.query_words("苹果 honey 米 茶 " * 50)
    assert len(words) <= search.MAX_QUERY_WORDS
    response = client.get(reverse("catalog:browse", args=[county.slug]), {"q": "米" * 500})
    assert response.status_code == 200


def test_search_results_are_paged_best_first(db, client):
    county = SellerFactory().county
    # by name all 25 story matches (山…) come before the name match (苹…): the rank decides
    ProductFactory.create_batch(25, county=county, name="山地鲜果", description="苹果脆甜")
    best = ProductFactory(county=county, name="苹果")
    url = reverse("catalog:browse", args=[county.slug])
    first = client.get(url, {"q": "苹果"})
    assert first.context["page_obj"].paginator.count == 26
    assert len(first.context["products"]) == 24
    second = client.get(url, {"q": "苹果", "page": 2})
    assert len(second.context["products"]) == 2
    assert first.context["products"][0] == best
    assert best not in second.context["products"]
    assert "q=%E8%8B%B9%E6%9E%9C" in second.content.decode()  # the pages keep the query


def test_the_api_searches_by_words(shelf, client):
    county, rice, _apples, _honey = shelf
    response = client.get("/api/products", {"county": county.slug, "q": "米"})
    assert [item["id"] for item in response.json()["items"]] == [rice.pk]


def test_rebuild_command_writes_every_product(shelf):
    ProductSearch.objects.all().delete()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert ProductSearch.objects.count() == 3
    assert "3" in out.getvalue()
    assert found(shelf[0], "米") == [shelf[1]]


def test_the_words_of_a_product(shelf):
    _county, rice, apples, _honey = shelf
    words = ProductSearch.objects.get(product=apples)
    assert " 苹果 " in words.names and " fuji " in words.names
    assert " 八百米 " in words.stories and " 米 " not in words.stories
    assert " 米 " in ProductSearch.objects.get(product=rice).names


@requires_postgres
def test_postgres_keeps_a_weighted_tsvector_under_a_gin_index(shelf):
    _county, rice, _apples, _honey = shelf
    document = ProductSearch.objects.get(product=rice).document
    assert "'大米':" in document and "A" in document
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_productsearch_document'"
        )
        assert "gin" in cursor.fetchone()[0]


def test_brand_public_brand_filter_still_combines_with_search(shelf):
    county, rice, _apples, _honey = shelf
    public = Brand.objects.get(county=county, parent=None)
    rows = selectors.storefront_products(county=county, brand=public.slug, q="米")
    assert list(rows) == [rice]
