"""Every role against every API call. Orders a role may not see are 404, never 403."""

import pytest

from countyhub.core.models import Job, Role
from countyhub.shop.models import DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.trace.import_job import JOB_KIND
from tests.factories.core import MembershipFactory, UserFactory
from tests.factories.stations import StationFactory

ROLES = [
    "anonymous",
    "buyer",
    "seller_staff",
    "other_seller_staff",
    "county_admin",
    "other_county_admin",
    "station_operator",
    "other_station_operator",
    "trainer",
    "analyst",
]


def expect(**codes):
    return [codes[role] for role in ROLES]


MATRIX = {
    "read order": expect(
        anonymous=401,
        buyer=200,
        seller_staff=200,
        other_seller_staff=404,
        county_admin=200,
        other_county_admin=404,
        station_operator=200,
        other_station_operator=404,
        trainer=404,
        analyst=404,
    ),
    "ship order": expect(
        anonymous=401,
        buyer=403,
        seller_staff=200,
        other_seller_staff=404,
        county_admin=200,
        other_county_admin=404,
        station_operator=403,
        other_station_operator=404,
        trainer=404,
        analyst=404,
    ),
    "cancel order": expect(
        anonymous=401,
        buyer=200,
        seller_staff=200,
        other_seller_staff=404,
        county_admin=200,
        other_county_admin=404,
        station_operator=403,
        other_station_operator=404,
        trainer=404,
        analyst=404,
    ),
    "change product": expect(
        anonymous=401,
        buyer=403,
        seller_staff=200,
        other_seller_staff=403,
        county_admin=200,
        other_county_admin=403,
        station_operator=403,
        other_station_operator=403,
        trainer=403,
        analyst=403,
    ),
    "read inactive product": expect(
        anonymous=404,
        buyer=404,
        seller_staff=200,
        other_seller_staff=404,
        county_admin=200,
        other_county_admin=404,
        station_operator=404,
        other_station_operator=404,
        trainer=404,
        analyst=404,
    ),
    "list households": expect(
        anonymous=401,
        buyer=403,
        seller_staff=403,
        other_seller_staff=403,
        county_admin=200,
        other_county_admin=403,
        station_operator=403,
        other_station_operator=403,
        trainer=403,
        analyst=200,
    ),
    "list products": expect(**dict.fromkeys(ROLES, 200)),
    # A background job (here an EPCIS capture of the seller's staff) is its starter's only.
    "read job": expect(**{**dict.fromkeys(ROLES, 404), "anonymous": 401, "seller_staff": 200}),
    "read capture job": expect(
        **{**dict.fromkeys(ROLES, 404), "anonymous": 401, "seller_staff": 200}
    ),
    "place order": expect(**{**dict.fromkeys(ROLES, 201), "anonymous": 401}),
}


@pytest.fixture(autouse=True)
def _other_station_operator(world):
    """The operator of another station of the same county: the order is not theirs."""
    other = StationFactory(village__township__county=world.county)
    user = UserFactory(username="other-station-operator")
    MembershipFactory(user=user, county=world.county, role=Role.STATION_OPERATOR, station=other)
    world.users["other_station_operator"] = user


def call(action, api, world, order):
    if action == "read order":
        return api.get(f"/api/orders/{order.pk}")
    if action == "ship order":
        return api.post(f"/api/orders/{order.pk}/ship", {"carrier": "邮政", "tracking_number": "1"})
    if action == "cancel order":
        return api.post(f"/api/orders/{order.pk}/cancel")
    if action == "change product":
        return api.patch(f"/api/products/{world.product.pk}", {"price": "30"})
    if action == "read inactive product":
        world.product.active = False
        world.product.save()
        return api.get(f"/api/products/{world.product.pk}")
    if action == "list households":
        return api.get(f"/api/counties/{world.county.slug}/households")
    if action == "list products":
        return api.get("/api/products")
    if action in ("read job", "read capture job"):
        job = Job.objects.create(
            kind=JOB_KIND, created_by=world.users["seller_staff"], county=world.county
        )
        return api.get(f"/api/{'jobs' if action == 'read job' else 'trace/capture'}/{job.pk}")
    body = {
        "lines": [{"product_id": world.product.pk, "quantity": "1"}],
        "delivery": {"method": "station", "station_id": world.station.pk},
    }
    return api.post("/api/orders", body)


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_permission_matrix(world, api_as, action, role_index):
    role = ROLES[role_index]
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "138"),
    ).orders[0]
    api = api_as(world.users[role])
    response = call(action, api, world, order)
    assert response.status_code == MATRIX[action][role_index], response.content
    if response.status_code in (401, 403, 404):
        body = response.json()
        assert set(body) == {"code", "message", "field"}
        assert (
            body["code"]
            == {401: "unauthenticated", 403: "forbidden", 404: "not_found"}[response.status_code]
        )
        assert order.number not in response.content.decode()
