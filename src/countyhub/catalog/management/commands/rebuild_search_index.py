"""`countyhub manage rebuild_search_index`: write every product's search words again.

Saves keep the words up to date by themselves; run this after a change that bypasses them
(a bulk UPDATE, rows loaded with loaddata, or a new jieba dictionary)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from countyhub.catalog.models import Product
from countyhub.catalog.search import index_products


class Command(BaseCommand):
    help = "Write every product's search words again (jieba segmentation, both languages)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = index_products(Product.objects.order_by("pk"))
        self.stdout.write(f"{count} products indexed.")
