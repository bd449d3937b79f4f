"""The sellers' channel pages: channels overview, one channel (listings, what it may sell,
order import queued as a background job whose page names the bad rows, feed and stock files),
and the channel's stock push, which only county administrators see and set. County
administrators see every seller's; a seller only its own. A channel a user may not see is 404."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from countyhub.catalog.models import Product
from countyhub.channels import (
    feeds,
    import_job,
    policies,
    procurement,
    selectors,
    services,
    stock_push,
)
from countyhub.channels.errors import ChannelError
from countyhub.channels.forms import ListingForm, StockPushForm
from countyhub.channels.models import (
    Channel,
    ChannelKind,
    FeedFormat,
    Listing,
    StockSync,
    StockSyncVia,
)
from countyhub.core import import_jobs
from countyhub.core.local_time import local_date
from countyhub.core.models import County
from countyhub.core.permissions import is_county_admin
from countyhub.core.spreadsheets import SafeCsvWriter


def _channel(request: HttpRequest, county_slug: str, code: str) -> Channel:
    channel = (
        policies.visible_channels(request.user)
        .filter(county__slug=county_slug, code=code)
        .select_related("county")
        .first()
    )
    if channel is None:
        raise Http404
    return channel


@login_required
def index(request: HttpRequest, county_slug: str) -> HttpResponse:
    channels = list(
        policies.visible_channels(request.user)
        .filter(county__slug=county_slug)
        .select_related("county")
    )
    if not channels:
        raise Http404
    rows = []
    for channel in channels:
        products = policies.own_products(request.user, channel)
        rows.append(
            {
                "channel": channel,
                "listings": Listing.objects.filter(channel=channel, product__in=products).count(),
                "orders": selectors.channel_orders(channel=channel, products=products).count(),
            }
        )
    county = channels[0].county
    products = policies.county_products(request.user, county.pk)
    sales = selectors.sales_by_channel(county=county, products=products)
    other: dict[tuple[str, str], Decimal] = {}
    for row in selectors.sales_in_other_currencies(county=county, products=products):
        other[row.channel, row.currency] = other.get((row.channel, row.currency), 0) + row.sales
    by_channel: dict[str, list[Decimal]] = {}
    for row in sales:
        totals = by_channel.setdefault(row.channel, [Decimal(0), Decimal(0)])
        totals[0] += row.sales
        totals[1] += row.poor_linked
    context = {
        "county": county,
        "rows": rows,
        "sales": [
            {"channel": code, "sales": total, "poor_share": poor / total if total else None}
            for code, (total, poor) in sorted(by_channel.items())
        ],
        "outside_share": selectors.outside_storefront_share(sales),
        "other_currencies": [
            {"channel": code, "currency": currency, "sales": total}
            for (code, currency), total in sorted(other.items())
        ],
    }
    return render(request, "channels/index.html", context)


@login_required
def sales_csv(request: HttpRequest, county_slug: str) -> HttpResponse:
    """Sales by channel, month and product with the registered-poor households' share."""
    if not policies.visible_channels(request.user).filter(county__slug=county_slug).exists():
        raise Http404
    county = County.objects.get(slug=county_slug)
    products = policies.county_products(request.user, county.pk)
    # Yuan rows first (foreign-currency orders at their frozen rates), then the sales that had no
    # rate in their own currency: the currency column says which.
    rows = selectors.sales_by_channel(
        county=county, products=products
    ) + selectors.sales_in_other_currencies(county=county, products=products)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sales-by-channel.csv"'
    response.write("\ufeff")  # Excel and WPS read UTF-8 only after a byte-order mark
    writer = SafeCsvWriter(response)
    writer.writerow(
        [
            "channel",
            "month",
            "product_id",
            "product",
            "currency",
            "sales",
            "poor_linked_sales",
            "poor_share",
        ]
    )
    for row in rows:
        share = f"{row.poor_linked / row.sales:.4f}" if row.sales else ""
        writer.writerow(
            [
                row.channel,
                row.month,
                row.product_id,
                row.product_name,
                row.currency,
                f"{row.sales:.2f}",
                f"{row.poor_linked:.2f}",
                share,
            ]
        )
    return response


@login_required
def channel_page(request: HttpRequest, county_slug: str, code: str) -> HttpResponse:
    channel = _channel(request, county_slug, code)
    products = policies.own_products(request.user, channel)
    context: dict[str, object] = {
        "channel": channel,
        "county": channel.county,
        "is_admin": is_county_admin(request.user, channel.county),
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        problem = import_jobs.table_upload_problem(upload)
        if problem is None:
            job = import_job.start(
                actor=request.user,
                channel=channel,
                upload=upload,
                skip_bad_rows=request.POST.get("skip_bad_rows") == "on",
            )
            return redirect("job", job_id=job.pk)
        context["file_error"] = problem
    context["stock"] = selectors.channel_stock(channel=channel, products=products)
    context["gaps"] = selectors.listing_gaps(
        channel=channel, products=products, day=local_date(timezone.now(), channel.county)
    )
    context["orders"] = list(selectors.channel_orders(channel=channel, products=products)[:20])
    context["last_sync"] = (
        StockSync.objects.filter(
            channel=channel, seller__in=products.values("seller_id"), via=StockSyncVia.FILE
        )
        .order_by("-synced_at")
        .first()
    )
    context["formats"] = FeedFormat.choices
    listings = {
        listing.product_id: listing
        for listing in Listing.objects.filter(channel=channel, product__in=products)
    }
    context["listings"] = [
        (product, listings.get(product.pk)) for product in products.order_by("name", "pk")
    ]
    status = 400 if "file_error" in context else 200
    return render(request, "channels/channel.html", context, status=status)


def _own_product(request: HttpRequest, county_id: int, product_id: int) -> Product:
    """A product whose listings the user manages: its seller's staff and the county's
    administrators. Anyone else's is missing (404)."""
    product = (
        policies.county_products(request.user, county_id)
        .filter(pk=product_id)
        .select_related("seller", "county")
        .first()
    )
    if product is None:
        raise Http404
    return product


@login_required
def product_listings(request: HttpRequest, county_slug: str, product_id: int) -> HttpResponse:
    """One product on every channel of its county: listed or not, at what price, in what state."""
    channels = list(
        policies.visible_channels(request.user)
        .filter(county__slug=county_slug)
        .select_related("county")
    )
    if not channels:
        raise Http404
    product = _own_product(request, channels[0].county_id, product_id)
    listings = {listing.channel_id: listing for listing in product.listings.all()}
    context = {
        "county": product.county,
        "product": product,
        "rows": [(channel, listings.get(channel.pk)) for channel in channels],
    }
    return render(request, "channels/product_listings.html", context)


@login_required
def listing_edit(
    request: HttpRequest, county_slug: str, code: str, product_id: int
) -> HttpResponse:
    """Create or change a product's listing on a channel. On the 832 platform a new price of a
    listed product goes back to review (services.save_listing)."""
    channel = _channel(request, county_slug, code)
    product = _own_product(request, channel.county_id, product_id)
    listing = Listing.objects.filter(channel=channel, product=product).first()
    form = ListingForm(request.POST or None, channel=channel, listing=listing)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_listing(
                actor=request.user,
                channel=channel,
                product=product,
                price=data["price"],
                title=data["title"],
                stock_buffer=data["stock_buffer"],
                external_id=data["external_id"],
                status=data["status"],
                rejection_reason=data["rejection_reason"],
            )
        except ChannelError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if saved.status != data["status"]:
                messages.info(
                    request,
                    _("The price changed: the listing goes back to the platform's review."),
                )
            messages.success(request, _("Listing saved."))
            return redirect("channels:product_listings", channel.county.slug, product.pk)
    context = {
        "county": channel.county,
        "channel": channel,
        "product": product,
        "listing": listing,
        "form": form,
    }
    return render(request, "channels/listing_edit.html", context)


def _form_errors(form: ListingForm, error: ValidationError) -> None:
    """A model's or the 832 rules' refusal on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
def feed(request: HttpRequest, county_slug: str, code: str, fmt: str) -> HttpResponse:
    channel = _channel(request, county_slug, code)
    if fmt not in FeedFormat.values:
        raise Http404
    try:
        data, name = feeds.write_feed(channel, policies.own_products(request.user, channel), fmt)
    except feeds.FeedNotReadyError as error:
        context = {"channel": channel, "county": channel.county, "problems": error.problems}
        return render(request, "channels/feed_problems.html", context, status=409)
    kinds = {
        FeedFormat.GOOGLE: "text/tab-separated-values; charset=utf-8",
        FeedFormat.TAOBAO: "text/csv; charset=gbk",
        FeedFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    response = HttpResponse(data, content_type=kinds[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def stock_file(request: HttpRequest, county_slug: str, code: str) -> HttpResponse:
    """POST: the stock file of one of the user's sellers, recorded as a sync."""
    channel = _channel(request, county_slug, code)
    if request.method != "POST":
        raise Http404
    sellers = policies.own_sellers(request.user, channel)
    seller = sellers.filter(pk=request.POST.get("seller") or 0).first() or sellers.first()
    if seller is None:
        raise Http404
    result = services.sync_stock(channel=channel, seller=seller, actor=request.user)
    response = HttpResponse(result.file, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{channel.code}-stock.csv"'
    return response


@never_cache  # the page may show the secret: no browser or proxy keeps a copy
@login_required
def stock_push_page(request: HttpRequest, county_slug: str, code: str) -> HttpResponse:
    """County administrators: where the channel's stock is pushed, its secret (shown once, when
    made), the last push's outcome, and a push now (a background job). Sellers may not."""
    channel = _channel(request, county_slug, code)
    if not is_county_admin(request.user, channel.county):
        raise PermissionDenied
    action = request.POST.get("action", "save")
    form = StockPushForm(
        request.POST if request.method == "POST" and action == "save" else None,
        initial={"url": channel.stock_push_url},
    )
    secret = error = None
    if request.method == "POST":
        if action == "push" and channel.stock_push_url:
            job = stock_push.start_push(actor=request.user, channel=channel)
            return redirect("job", job_id=job.pk)
        if action == "secret" and channel.stock_push_url:
            secret = stock_push.renew_push_secret(actor=request.user, channel=channel)
        elif action == "save" and form.is_valid():
            secret = stock_push.set_push_url(
                actor=request.user, channel=channel, url=form.cleaned_data["url"]
            )
            if secret is None:
                messages.success(request, _("Stock push saved."))
                return redirect("channels:stock_push", channel.county.slug, channel.code)
        elif action != "save":
            error = _("Set the stock push URL first.")
    context = {
        "channel": channel,
        "county": channel.county,
        "form": form,
        "secret": secret,
        "error": error,
    }
    status = 400 if error or form.errors else 200
    return render(request, "channels/stock_push.html", context, status=status)


@login_required
def gov832_page(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The 832 platform: for county administrators every unit's progress against its reserved
    share and every supplier's sales; for a seller's staff only its own supplier record."""
    county = County.objects.filter(slug=county_slug).first()
    if county is None:
        raise Http404
    sellers = policies.county_sellers(request.user, county.pk)
    is_admin = is_county_admin(request.user, county)
    if not is_admin and not sellers.exists():
        raise Http404
    today = local_date(timezone.now(), county)
    rows = procurement.supplier_sales(
        county=county,
        sellers=sellers,
        year=today.year,
        other_sales=[
            row
            for row in selectors.sales_by_channel(
                county=county, products=policies.county_products(request.user, county.pk)
            )
            if row.channel not in gov832_codes(county)
        ],
    )
    context = {
        "county": county,
        "year": today.year,
        "is_admin": is_admin,
        "units": procurement.progress(county_id=county.pk, year=today.year, today=today)
        if is_admin
        else [],
        "suppliers": [
            {
                "sales": row,
                "qualification": procurement.qualification(row.seller, today),
                "documents": row.seller.gov832_documents.all(),
                "recommendations": row.seller.gov832_recommendations.all(),
            }
            for row in rows
        ],
        "poor_share": procurement.poor_share(rows) if is_admin else None,
    }
    return render(request, "channels/gov832.html", context)


def gov832_codes(county: County) -> set[str]:
    return set(
        Channel.objects.filter(county=county, kind=ChannelKind.GOV832).values_list(
            "code", flat=True
        )
    )
