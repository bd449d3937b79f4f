"""The demo in English and its search by words (issue 11)."""

from django.urls import reverse

from countyhub.catalog import selectors
from countyhub.catalog.models import Brand, Product, Seller


def test_every_demo_brand_seller_and_product_has_its_english(demo_county, db):
    for brand in Brand.objects.filter(county=demo_county):
        assert brand.name_en and brand.story_en, brand
    for seller in Seller.objects.filter(county=demo_county):
        assert seller.name_en and seller.story_en, seller
    for product in Product.objects.filter(county=demo_county):
        assert product.name_en and product.description_en, product


def test_the_english_demo_product_page_has_no_chinese_left_but_the_village(demo_county, db, client):
    fuji = Product.objects.get(county=demo_county, name="青山红富士苹果")
    url = reverse("catalog:product", args=[demo_county.slug, fuji.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Qingshan Red Apple Cooperative" in html
    assert "Hillside orchards 800 metres up" in html
    assert "青山红苹果专业合作社" not in html and "海拔八百米" not in html
    assert 'lang="zh-hans"' not in html


def test_demo_search_by_words(demo_county, db):
    def names(q):
        return {p.name for p in selectors.storefront_products(county=demo_county, q=q)}

    rice = names("米")
    assert "富硒大米" in rice
    # the apples' story says 海拔八百米 (800 metres up): a word, not the 米 of rice
    assert not any("苹果" in name for name in rice)
    assert "青山红富士苹果" in names("苹果")
    assert {"百花土蜂蜜", "槐花蜜", "枣花蜜"} <= names("honey")
