"""Product search by words, not characters.

Chinese has no spaces, so a substring search for 米 (rice) also finds 八百米 (800 metres) in an
apple orchard's story. jieba segments every text into words (its search mode adds the shorter
dictionary words inside a long one: 红富士 gives 富士 too) and each product keeps its words in
`ProductSearch`: those of its name (weight A), of its brand, seller and category (B) and of the
stories (C), both languages. A query matches products that have each of its words:

- PostgreSQL: a tsvector of the words ('simple' configuration: no stemming, no stop words) under
  a GIN index, queried with the query's words and ranked by `ts_rank`, so a name match ranks
  above a story match;
- SQLite: whole-word matching on the space-delimited words, ranked by where each word matched
  (name 3, brand/seller/category 2, story 1).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import jieba
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.signals import post_save

from countyhub.catalog.models import Brand, Category, Product, ProductSearch, Seller

# jieba announces building its dictionary at DEBUG level on stderr; that is not for our users.
jieba.setLogLevel(logging.WARNING)

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 20
BATCH = 500

_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

VECTOR = (
    SearchVector("names", weight="A", config="simple")
    + SearchVector("labels", weight="B", config="simple")
    + SearchVector("stories", weight="C", config="simple")
)


def _normal(word: str) -> str:
    word = word.strip().lower()
    # An English plural matches its singular (apples, apple); the 'simple' configuration does
    # not stem, and both databases must agree, so text and query are normalised here alike.
    if word.isascii() and word.isalpha() and len(word) > 3 and word[-1] == "s" and word[-2] != "s":
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """jieba's search-mode words of `text`, lower-cased, without spaces and punctuation."""
    return [_normal(word) for word in jieba.cut_for_search(text) if _LETTER_OR_DIGIT.search(word)]


def name_words(text: str) -> list[str]:
    """The words of a product name and, for each Chinese compound in it, its last character:
    a Chinese compound is right-headed (大米 is a kind of 米, 红茶 of 茶), so 米 finds 富硒大米.
    Only names get this: in a story 八百米 (800 metres) must not become 米."""
    found = words(text)
    return found + [word[-1] for word in found if len(word) > 1 and _HAN.fullmatch(word[-1])]


def _text(found: Iterable[str]) -> str:
    return " " + " ".join(dict.fromkeys(found)) + " "


def _join(*texts: str) -> str:
    return "\n".join(text for text in texts if text)


def texts_of(product: Any) -> tuple[str, str, str]:
    """The words of a product's name, of its brand, seller and category, and of its stories.
    Reads attributes only, so the migration that creates the index can call it too."""
    brand, seller, category = product.brand, product.seller, product.category
    names = name_words(product.name) + words(product.name_en)
    labels = words(
        _join(
            brand.name, brand.name_en, seller.name, seller.name_en, category.name, category.name_en
        )
    )
    stories = words(
        _join(
            product.description,
            product.description_en,
            seller.story,
            seller.story_en,
            brand.story,
            brand.story_en,
        )
    )
    return _text(names), _text(labels), _text(stories)


def index_products(
    products: QuerySet[Any], *, search_model: type[Any] = ProductSearch, vendor: str = ""
) -> int:
    """Write the search words of `products`; returns how many. `search_model` and `vendor` let
    the migration pass its historical model and schema editor's database."""
    count = 0
    batch: list[Any] = []
    for product in products.select_related("brand", "seller", "category").iterator(BATCH):
        names, labels, stories = texts_of(product)
        batch.append(
            search_model(product_id=product.pk, names=names, labels=labels, stories=stories)
        )
        if len(batch) == BATCH:
            count += _write(batch, search_model, vendor or connection.vendor)
            batch = []
    return count + _write(batch, search_model, vendor or connection.vendor)


def _write(rows: list[Any], search_model: type[Any], vendor: str) -> int:
    if not rows:
        return 0
    search_model.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["product"],
        update_fields=["names", "labels", "stories"],
    )
    if vendor == "postgresql":
        pks = [row.product_id for row in rows]
        search_model.objects.filter(pk__in=pks).update(document=VECTOR)
    return len(rows)


def query_words(q: str) -> list[str]:
    """The distinct words of a query, at most MAX_QUERY_WORDS of its first MAX_QUERY_CHARS."""
    return list(dict.fromkeys(words(q[:MAX_QUERY_CHARS])))[:MAX_QUERY_WORDS]


def _is_latin(word: str) -> bool:
    return word.isascii() and word.isalnum()


def search(queryset: QuerySet[Product], q: str) -> QuerySet[Product]:
    """The products of `queryset` that have every word of `q`, best first (then by name). A
    query without a word (only punctuation, say) finds nothing. The storefront searches as the
    buyer types, so a last word in Latin letters also matches longer words (hon: honey); a
    Chinese word arrives whole from the input method."""
    terms = query_words(q)
    if not terms:
        return queryset.none()
    prefix = terms.pop() if _is_latin(terms[-1]) else ""
    if connection.vendor == "postgresql":
        query = SearchQuery(" ".join(terms), config="simple", search_type="plain")
        if prefix:
            # Only ASCII letters and digits: nothing in it can be tsquery syntax.
            typed = SearchQuery(f"{prefix}:*", config="simple", search_type="raw")
            query = query & typed if terms else typed
        ranked = queryset.filter(search_words__document=query).annotate(
            search_rank=SearchRank(F("search_words__document"), query)
        )
        return ranked.order_by("-search_rank", "name", "pk")
    score: Any = Value(0)
    needles = [f" {term} " for term in terms] + ([f" {prefix}"] if prefix else [])
    for needle in needles:
        in_name = Q(search_words__names__contains=needle)
        in_label = Q(search_words__labels__contains=needle)
        in_story = Q(search_words__stories__contains=needle)
        queryset = queryset.filter(in_name | in_label | in_story)
        score += Case(
            When(in_name, then=Value(3)),
            When(in_label, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(search_rank=score).order_by("-search_rank", "name", "pk")


# What changes a product's words: its own texts, or those of its brand, seller or category.
_TEXT_FIELDS: dict[type[Any], set[str]] = {
    Product: {"name", "name_en", "description", "description_en", "brand", "seller", "category"},
    Brand: {"name", "name_en", "story", "story_en"},
    Seller: {"name", "name_en", "story", "story_en"},
    Category: {"name", "name_en"},
}
_PRODUCTS_OF = {Brand: "brand", Seller: "seller", Category: "category"}


def _reindex_on_save(
    sender: type[Any],
    instance: Any,
    raw: bool = False,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    if raw:  # loaddata: the fixture's related rows may not be there yet
        return
    if update_fields is not None and not _TEXT_FIELDS[sender] & set(update_fields):
        return  # a price, stock or on-sale change: the words stay
    if sender is Product:
        index_products(Product.objects.filter(pk=instance.pk))
    else:
        index_products(Product.objects.filter(**{_PRODUCTS_OF[sender]: instance}))


def connect() -> None:
    """Keep the words on every save, whichever path saves (services, admin, importer, demo):
    brands, sellers and categories are edited in the admin, not through a catalog service."""
    for model in _TEXT_FIELDS:
        post_save.connect(
            _reindex_on_save, sender=model, dispatch_uid=f"catalog.search.{model.__name__}"
        )
