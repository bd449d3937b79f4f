from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from countyhub.catalog import services
from countyhub.catalog.models import (
    Brand,
    Category,
    Certification,
    Household,
    HouseholdMember,
    Product,
    Seller,
    SellerHousehold,
    Stock,
)
from countyhub.core.admin_tools import CountyScopedAdmin, export_as_csv


class SellerHouseholdInline(admin.TabularInline):
    model = SellerHousehold
    extra = 0
    autocomplete_fields = ("household",)


@admin.register(Seller)
class SellerAdmin(CountyScopedAdmin):
    list_display = ("name", "kind", "village", "contact_name", "phone", "county")
    list_filter = ("kind", "county", "village")
    search_fields = ("name", "name_en", "contact_name", "phone")
    filter_horizontal = ("staff",)
    inlines = (SellerHouseholdInline,)
    actions = (export_as_csv,)


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    extra = 0


@admin.register(Household)
class HouseholdAdmin(CountyScopedAdmin):
    """Personal data: only county administrators reach this admin."""

    list_display = ("head_name", "village", "registered_poor", "poverty_exit_year", "county")
    list_filter = ("registered_poor", "poverty_exit_year", "county", "village")
    search_fields = ("head_name", "phone", "village__name")
    inlines = (HouseholdMemberInline,)
    actions = (export_as_csv,)


@admin.register(Brand)
class BrandAdmin(CountyScopedAdmin):
    list_display = ("name", "name_en", "parent", "slug", "county")
    list_filter = ("county",)
    search_fields = ("name", "name_en")


@admin.register(Category)
class CategoryAdmin(CountyScopedAdmin):
    list_display = ("name", "name_en", "slug", "county")
    list_filter = ("county",)
    search_fields = ("name", "name_en")


class ProductForm(forms.ModelForm):
    stock_quantity = forms.DecimalField(
        label=_("in stock"), min_value=Decimal(0), max_digits=12, decimal_places=3
    )

    class Meta:
        model = Product
        fields = (
            "seller",
            "brand",
            "category",
            "name",
            "name_en",
            "description",
            "description_en",
            "unit",
            "net_content",
            "price",
            "gtin",
            "gs1_company_prefix_length",
            "image",
            "active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stock = Stock.objects.filter(product_id=self.instance.pk).first()
        self.fields["stock_quantity"].initial = stock.quantity if stock else Decimal(0)


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0
    exclude = ("county",)


@admin.register(Product)
class ProductAdmin(CountyScopedAdmin):
    form = ProductForm
    list_display = ("name", "seller", "brand", "category", "price", "stock_level", "active")
    list_filter = ("active", "category", "brand", "seller", "unit", "county")
    search_fields = ("name", "name_en", "gtin", "seller__name")
    list_select_related = ("seller", "brand", "category", "stock")
    inlines = (CertificationInline,)
    actions = ("put_on_sale", "take_off_sale", export_as_csv)

    @admin.display(description=_("in stock"))
    def stock_level(self, product: Product) -> Decimal:
        return product.stock.quantity if hasattr(product, "stock") else Decimal(0)

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        stock_quantity = form.cleaned_data["stock_quantity"]
        if not change:
            obj.county = obj.seller.county
            fields = {
                f.name: getattr(obj, f.name)
                for f in Product._meta.concrete_fields
                if f.name not in ("id", "created_at", "updated_at")
            }
            created = services.create_product(
                actor=request.user, stock_quantity=stock_quantity, **fields
            )
            obj.pk = created.pk
            return
        before = Product.objects.get(pk=obj.pk)
        price, active = obj.price, obj.active
        obj.price, obj.active = before.price, before.active
        super().save_model(request, obj, form, change)
        # Price, stock and on-sale changes go through the service, which audits them.
        services.update_product(
            product=obj,
            actor=request.user,
            price=price,
            stock_quantity=stock_quantity,
            active=active,
        )

    def save_inline(self, request: HttpRequest, parent: Any, obj: Any, county: Any) -> None:
        obj.county_id = parent.county_id
        super().save_inline(request, parent, obj, county)

    @admin.action(description=_("Put selected products on sale"))
    def put_on_sale(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._set_active(request, queryset, active=True)

    @admin.action(description=_("Take selected products off sale"))
    def take_off_sale(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._set_active(request, queryset, active=False)

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet[Product], *, active: bool
    ) -> None:
        for product in queryset:
            services.update_product(product=product, actor=request.user, active=active)
        self.message_user(request, _("%(n)d products updated.") % {"n": len(queryset)})


class CertificationValidFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "valid"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("valid today")), ("no", _("expired or not yet valid"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        valid = {"valid_from__lte": today, "valid_until__gte": today}
        if self.value() == "yes":
            return queryset.filter(**valid)
        if self.value() == "no":
            return queryset.exclude(**valid)
        return queryset


@admin.register(Certification)
class CertificationAdmin(CountyScopedAdmin):
    list_display = ("product", "kind", "number", "issuer", "valid_from", "valid_until")
    list_filter = (CertificationValidFilter, "kind", "county")
    search_fields = ("number", "product__name", "issuer")
    actions = (export_as_csv,)

    def save_model(self, request: HttpRequest, obj: Certification, form: Any, change: bool) -> None:
        obj.county_id = obj.product.county_id
        super().save_model(request, obj, form, change)
        messages.info(
            request, _("Expired certificates disappear from product pages by themselves.")
        )
