from decimal import Decimal

import pytest
from django.urls import reverse

from countyhub.aftersales import services
from countyhub.aftersales.models import AfterSaleRequest, RequestStatus
from tests.aftersales.conftest import line_of, photo, place_paid


@pytest.fixture
def order(world, pears):
    return place_paid(world, pears)


def test_the_buyer_asks_from_the_order_page_with_a_photo(world, pears, order, client):
    client.force_login(world.users["buyer"])
    page = client.get(reverse("shop:order", args=[order.number])).content.decode()
    new_url = reverse("aftersales:new", args=[order.number])
    assert new_url in page
    pear_line = line_of(order, pears)
    response = client.post(
        new_url,
        {
            "kind": "return_and_refund",
            "goods_received": "yes",
            "reason": "damaged",
            "description": "两箱压坏了",
            f"line_{pear_line.pk}": "2",
            "photos": [photo("a.png"), photo("b.jpg", "JPEG")],
        },
    )
    created = AfterSaleRequest.objects.get()
    assert response.headers["Location"] == reverse("aftersales:detail", args=[created.pk])
    assert created.amount == Decimal("25.00")
    assert created.photos.count() == 2
    page = client.get(response.headers["Location"]).content.decode()
    assert "¥25.00" in page
    assert "两箱压坏了" in page


def test_a_refusal_of_the_service_shows_on_the_field(world, pears, order, client):
    client.force_login(world.users["buyer"])
    response = client.post(
        reverse("aftersales:new", args=[order.number]),
        {
            "kind": "refund_only",
            "goods_received": "yes",
            "reason": "damaged",
            f"line_{line_of(order, pears).pk}": "1",
            "photos": [photo("x.gif", "GIF")],
        },
    )
    assert response.status_code == 200
    assert "JPEG, PNG or WebP" in str(response.context["form"].errors["photos"])
    assert not AfterSaleRequest.objects.exists()


def test_another_buyer_cannot_see_nor_ask_on_the_order(world, order, client):
    client.force_login(world.users["analyst"])
    assert client.get(reverse("aftersales:new", args=[order.number])).status_code == 404


def request_of(world, order, pears):
    return services.request_aftersale(
        order=order,
        actor=world.users["buyer"],
        kind="return_and_refund",
        goods_received=True,
        reason="damaged",
        quantities={line_of(order, pears).pk: Decimal(1)},
    )


def test_another_seller_cannot_see_nor_act_on_a_request(world, pears, order, client):
    request = request_of(world, order, pears)
    client.force_login(world.users["other_seller_staff"])
    assert client.get(reverse("aftersales:detail", args=[request.pk])).status_code == 404
    url = reverse("aftersales:action", args=[request.pk, "agree"])
    assert client.post(url).status_code == 404
    assert client.get(reverse("aftersales:list")).context["requests"].__len__() == 0
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_the_buyer_cannot_answer_for_the_seller(world, pears, order, client):
    request = request_of(world, order, pears)
    client.force_login(world.users["buyer"])
    client.post(reverse("aftersales:action", args=[request.pk, "agree"]))
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_seller_asks_return_and_county_sees_disputes(world, pears, order, client):
    request = request_of(world, order, pears)
    client.force_login(world.users["seller_staff"])
    page = client.get(reverse("aftersales:detail", args=[request.pk])).content.decode()
    assert 'id="ask-return"' in page and 'id="agree"' in page
    client.post(reverse("aftersales:action", args=[request.pk, "refuse"]), {"note": "完好"})
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    client.force_login(world.users["buyer"])
    client.post(reverse("aftersales:action", args=[request.pk, "escalate"]))
    client.force_login(world.users["county_admin"])
    disputes = client.get(reverse("aftersales:list") + "?show=disputes")
    assert [r.pk for r in disputes.context["requests"]] == [request.pk]
    client.post(
        reverse("aftersales:action", args=[request.pk, "decide"]),
        {"refund": "yes", "note": "照片可见破损"},
    )
    client.post(reverse("aftersales:action", args=[request.pk, "pay-refund"]), {"reference": "B1"})
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUNDED
    order.refresh_from_db()
    assert order.refunded_total == Decimal("12.50")


def test_a_refused_step_shows_on_its_field(world, pears, order, client):
    request = request_of(world, order, pears)
    client.force_login(world.users["seller_staff"])
    url = reverse("aftersales:action", args=[request.pk, "agree"])
    assert client.post(url).status_code == 302
    client.force_login(world.users["county_admin"])
    response = client.post(
        reverse("aftersales:action", args=[request.pk, "pay-refund"]), {"reference": ""}
    )
    assert response.status_code == 200
    assert "reference of the bank transfer" in str(response.context["refund_form"].errors)
    request.refresh_from_db()
    assert request.status == RequestStatus.AGREED


def test_asking_again_leads_to_the_request_in_progress(world, pears, order, client):
    request = request_of(world, order, pears)
    client.force_login(world.users["buyer"])
    response = client.get(reverse("aftersales:new", args=[order.number]))
    assert response.headers["Location"] == reverse("aftersales:detail", args=[request.pk])
