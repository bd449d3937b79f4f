from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from countyhub.catalog import images, services
from countyhub.catalog.models import (
    Brand,
    Category,
    Certification,
    Household,
    HouseholdMember,
    Product,
    ProductImage,
    Seller,
    SellerHousehold,
    Stock,
)
from countyhub.core.admin_tools import (
    CountyScopedAdmin,
    PictureUploadForm,
    export_as_csv,
    is_county_staff,
)
from countyhub.core.audit import save_with_audit


class SellerHouseholdInline(admin.TabularInline):
    model = SellerHousehold
    extra = 0
    autocomplete_fields = ("household",)


class KeptMasterDataAdmin(CountyScopedAdmin):
    """Orders, payouts and trace events point to sellers, households and products: these are
    taken off sale or deactivated, never deleted, by superusers neither."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Seller)
class SellerAdmin(KeptMasterDataAdmin):
    list_display = ("name", "kind", "village", "contact_name", "phone", "county", "active")
    list_filter = ("active", "kind", "county", "village")
    search_fields = ("name", "name_en", "contact_name", "phone")
    filter_horizontal = ("staff",)
    # Changed only by the actions, which take the products off sale with the seller.
    readonly_fields = ("active",)
    inlines = (SellerHouseholdInline,)
    actions = (export_as_csv, "deactivate", "reactivate")

    @admin.action(description=_("Deactivate selected sellers (their products go off sale)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Seller]) -> None:
        for seller in queryset:
            services.set_seller_active(actor=request.user, seller=seller, active=False)
        self.message_user(request, _("%(n)d sellers updated.") % {"n": len(queryset)})

    @admin.action(description=_("Reactivate selected sellers"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Seller]) -> None:
        for seller in queryset:
            services.set_seller_active(actor=request.user, seller=seller, active=True)
        self.message_user(request, _("%(n)d sellers updated.") % {"n": len(queryset)})


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    extra = 0


@admin.register(Household)
class HouseholdAdmin(KeptMasterDataAdmin):
    """Personal data: only county administrators reach this admin."""

    list_display = (
        "head_name",
        "head_birth_year",
        "village",
        "registered_poor",
        "poverty_exit_year",
        "county",
        "active",
    )
    list_filter = ("active", "registered_poor", "poverty_exit_year", "county", "village")
    search_fields = ("head_name", "phone", "village__name")
    readonly_fields = ("active",)
    inlines = (HouseholdMemberInline,)
    actions = (export_as_csv, "deactivate", "reactivate")

    @admin.action(description=_("Deactivate selected households (kept for their records)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Household]) -> None:
        for household in queryset:
            services.set_household_active(actor=request.user, household=household, active=False)
        self.message_user(request, _("%(n)d households updated.") % {"n": len(queryset)})

    @admin.action(description=_("Reactivate selected households"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Household]) -> None:
        for household in queryset:
            services.set_household_active(actor=request.user, household=household, active=True)
        self.message_user(request, _("%(n)d households updated.") % {"n": len(queryset)})


class BrandForm(PictureUploadForm):
    picture_fields = ("logo",)

    class Meta:
        model = Brand
        fields = "__all__"


@admin.register(Brand)
class BrandAdmin(CountyScopedAdmin):
    form = BrandForm
    list_display = ("name", "name_en", "parent", "slug", "county")
    list_filter = ("county",)
    search_fields = ("name", "name_en")

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        """A new logo is redrawn by the service; the rest of the brand is a plain record."""
        upload = form.new_picture("logo")
        super().save_model(request, obj, form, change)
        if upload is not None:
            images.set_brand_logo(actor=request.user, brand=obj, upload=upload)


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
            "shipping_weight",
            "price",
            "gtin",
            "seller_sku",
            "gs1_company_prefix_length",
            "processed_food",
            "food_licence_number",
            "food_filing_number",
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


class ProductImageForm(PictureUploadForm):
    """A new row takes a file (redrawn by the service); an existing one changes its order and
    descriptions only."""

    upload = forms.FileField(label=_("picture"), required=False)
    picture_fields = ("upload",)

    class Meta:
        model = ProductImage
        fields = ("upload", "position", "alt_text", "alt_text_en")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is None and self.has_changed() and not cleaned.get("upload"):
            self.add_error("upload", _("Choose a picture to upload."))
        return cleaned


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    readonly_fields = ("preview",)
    fields = ("preview", "upload", "position", "alt_text", "alt_text_en")

    # County staff work without Django's model permissions (CountyScopedAdmin); removing a
    # picture is no loss of a record, so they may do that too.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_staff(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_staff(request)

    @admin.display(description=_("thumbnail"))
    def preview(self, picture: ProductImage) -> str:
        if not picture.pk:
            return ""
        return format_html('<img src="{}" width="80" height="80" alt="">', picture.thumbnail.url)


@admin.register(Product)
class ProductAdmin(KeptMasterDataAdmin):
    form = ProductForm
    list_display = ("name", "seller", "brand", "category", "price", "stock_level", "active")
    list_filter = ("active", "category", "brand", "seller", "unit", "county")
    search_fields = ("name", "name_en", "gtin", "seller__name")
    list_select_related = ("seller", "brand", "category", "stock")
    inlines = (ProductImageInline, CertificationInline)
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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Pictures go through their services: a new one is checked and drawn in its sizes, a
        removed one takes its files along."""
        if formset.model is not ProductImage:
            super().save_formset(request, form, formset, change)
            return
        product = form.instance
        # The admin's change message reads these, as ModelFormSet.save() would have set them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            if inline in formset.deleted_forms or not inline.has_changed():
                continue
            if inline.instance.pk is None:
                added = images.add_product_image(
                    actor=request.user,
                    product=product,
                    upload=inline.cleaned_data["upload"],
                    alt_text=inline.cleaned_data.get("alt_text", ""),
                    alt_text_en=inline.cleaned_data.get("alt_text_en", ""),
                )
                formset.new_objects.append(added)
            else:
                save_with_audit(actor=request.user, instance=inline.instance, county=product.county)
                formset.changed_objects.append((inline.instance, inline.changed_data))
        for removed in formset.deleted_forms:
            if removed.instance.pk is not None:
                formset.deleted_objects.append(removed.instance)
                images.delete_product_image(actor=request.user, picture=removed.instance)

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
