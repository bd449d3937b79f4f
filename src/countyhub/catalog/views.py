"""Storefront pages of the catalog: home by brand, browse/search, product page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from countyhub.catalog import images, import_job, importer, selectors, services
from countyhub.catalog.cart import SessionCart
from countyhub.catalog.errors import CatalogError, RowError
from countyhub.catalog.forms import HouseholdForm, HouseholdMemberFormSet, ProductPictureForm
from countyhub.catalog.models import Product, ProductImage
from countyhub.core import import_jobs
from countyhub.core.images import ImageError
from countyhub.core.models import County
from countyhub.core.pagecache import cache_for_anonymous

PAGE_SIZE = 24


def _county(slug: str) -> County:
    return get_object_or_404(County, slug=slug)


def root(request: HttpRequest) -> HttpResponse:
    """One county: straight to its storefront; several: let the buyer choose."""
    counties = list(County.objects.all()[:50])
    if len(counties) == 1:
        return redirect("catalog:home", counties[0].slug)
    return render(request, "catalog/counties.html", {"counties": counties})


@cache_for_anonymous
def home(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    brands = list(selectors.county_brands(county=county))
    context = {
        "county": county,
        "public_brand": next((b for b in brands if b.parent_id is None), None),
        "product_brands": [b for b in brands if b.parent_id is not None],
        "categories": selectors.county_categories(county=county),
        "villages": selectors.villages_with_sellers(county=county),
        "featured": selectors.on_sale(county=county).order_by("-pk")[:6],
        "cart_count": SessionCart(request, county).count(),
    }
    return render(request, "catalog/home.html", context)


@cache_for_anonymous
def browse(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    village = request.GET.get("village", "")
    filters = {
        "category": request.GET.get("category", ""),
        "brand": request.GET.get("brand", ""),
        "village": int(village) if village.isdigit() else None,
        "q": request.GET.get("q", "")[:100],
    }
    products = selectors.storefront_products(county=county, **filters)  # best match first
    page_obj = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "county": county,
        "products": page_obj.object_list,
        "page_obj": page_obj,
        "filters": filters,
        "categories": selectors.county_categories(county=county),
        "brands": selectors.county_brands(county=county),
        "villages": selectors.villages_with_sellers(county=county),
        "cart_count": SessionCart(request, county).count(),
    }
    if request.htmx:
        return render(request, "catalog/_product_list.html", context)
    return render(request, "catalog/browse.html", context)


@cache_for_anonymous
def product_detail(request: HttpRequest, county_slug: str, product_id: int) -> HttpResponse:
    county = _county(county_slug)
    product = (
        Product.objects.select_related("seller__village", "brand__parent", "category", "stock")
        .filter(county=county, pk=product_id, active=True)
        .first()
    )
    if product is None:
        raise Http404
    context = {
        "county": county,
        "product": product,
        "pictures": selectors.pictures_of(product),
        "may_change_pictures": images.may_change_pictures(request.user, product),
        "certifications": selectors.current_certifications(product=product),
        "cart_count": SessionCart(request, county).count(),
    }
    return render(request, "catalog/product.html", context)


@login_required
def import_products_page(request: HttpRequest, county_slug: str) -> HttpResponse:
    """Sellers import their own products; county administrators any seller's in their county.
    The file is checked for size and type here and imported by a background job."""
    county = _county(county_slug)
    if not import_job.import_sellers(request.user, county):
        raise PermissionDenied
    context: dict[str, object] = {"county": county, "columns": importer.COLUMNS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        problem = import_jobs.table_upload_problem(upload)
        if problem is None:
            job = import_job.start(actor=request.user, county=county, upload=upload)
            return redirect("job", job_id=job.pk)
        context["errors"] = [RowError(0, "file", problem)]
        return render(request, "catalog/import.html", context, status=400)
    return render(request, "catalog/import.html", context)


@login_required
def product_pictures(request: HttpRequest, county_slug: str, product_id: int) -> HttpResponse:
    """A product's pictures for its seller (and county staff): add one, move one earlier or
    later, remove one. Anybody else is told the page does not exist."""
    county = _county(county_slug)
    product = get_object_or_404(
        Product.objects.select_related("county"), county=county, pk=product_id
    )
    if not images.may_change_pictures(request.user, product):
        raise Http404
    form = ProductPictureForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "add":
            form = ProductPictureForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    images.add_product_image(
                        actor=request.user,
                        product=product,
                        upload=form.cleaned_data["image"],
                        alt_text=form.cleaned_data["alt_text"],
                        alt_text_en=form.cleaned_data["alt_text_en"],
                    )
                except (CatalogError, ImageError) as error:
                    form.add_error("image", error.message)
                else:
                    messages.success(request, _("Picture added."))
                    return redirect("catalog:product_pictures", county.slug, product.pk)
        elif action in ("earlier", "later", "remove"):
            picture_id = request.POST.get("picture", "")
            picture = get_object_or_404(
                ProductImage, product=product, pk=int(picture_id) if picture_id.isdigit() else 0
            )
            if action == "remove":
                images.delete_product_image(actor=request.user, picture=picture)
                messages.success(request, _("Picture removed."))
            else:
                step = -1 if action == "earlier" else 1
                images.move_product_image(actor=request.user, picture=picture, step=step)
            return redirect("catalog:product_pictures", county.slug, product.pk)
        else:
            return HttpResponse(status=400)
    context = {
        "county": county,
        "product": product,
        "pictures": selectors.pictures_of(product),
        "form": form,
    }
    return render(
        request, "catalog/product_pictures.html", context, status=400 if form.errors else 200
    )


@login_required
def station_households(request: HttpRequest) -> HttpResponse:
    """A village station's households: the ones registered in its village, and a form to
    register another. Household data is personal: only the village's operator and county
    staff get here."""
    villages = selectors.household_villages(request.user)
    if not villages.exists():
        raise PermissionDenied
    form = HouseholdForm(request.POST or None, villages=villages)
    member_forms = HouseholdMemberFormSet(request.POST or None, prefix="member")
    if request.method == "POST" and form.is_valid() and member_forms.is_valid():
        data = form.cleaned_data
        members = [
            (member["name"].strip(), member["relation"].strip())
            for member in member_forms.cleaned_data
            if member.get("name", "").strip()
        ]
        try:
            household = services.register_household(
                actor=request.user,
                village=data["village"],
                head_name=data["head_name"],
                phone=data["phone"],
                registered_poor=data["registered_poor"],
                poverty_exit_year=data["poverty_exit_year"],
                head_birth_year=data["head_birth_year"],
                members=members,
            )
        except CatalogError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except ValidationError as error:  # the model's own checks (full_clean)
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("Registered %(name)s.") % {"name": household.head_name})
            return redirect("catalog:station_households")
    page_obj = Paginator(selectors.households_in(villages), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "member_forms": member_forms,
        "households": page_obj.object_list,
        "page_obj": page_obj,
    }
    invalid = bool(form.errors) or (request.method == "POST" and not member_forms.is_valid())
    return render(
        request, "catalog/station_households.html", context, status=400 if invalid else 200
    )
