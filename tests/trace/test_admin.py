"""The trace admin: a county's staff set its division code and see its own records only."""

import pytest

from countyhub.trace.models import TraceProfile
from tests.factories.catalog import ProductFactory
from tests.factories.trace import make_batch, trace_profile


@pytest.fixture
def county_admin(world):
    user = world.users["county_admin"]
    user.is_staff = True
    user.save()
    return user


def test_county_staff_see_their_own_counties_trace_records_only(client, world, county_admin):
    from countyhub.core.models import Membership

    mine = make_batch(world.users["seller_staff"], world.product, lot="MINE-1")
    outsider = world.users["other_county_admin"]
    far_county = Membership.objects.get(user=outsider).county
    theirs = trace_profile(far_county, division_code="110101")
    foreign = make_batch(outsider, ProductFactory(county=far_county), lot="FOREIGN-1")
    client.force_login(county_admin)
    batches = client.get("/admin/trace/batch/").content.decode()
    assert mine.lot in batches and foreign.lot not in batches
    assert client.get(f"/admin/trace/batch/{foreign.pk}/change/").status_code == 302
    assert client.get("/admin/trace/traceprofile/").status_code == 200
    assert client.get(f"/admin/trace/traceprofile/{theirs.pk}/change/").status_code == 302
    for model in ("traceevent", "scan", "batchshipment", "container"):
        assert client.get(f"/admin/trace/{model}/").status_code == 200
    assert client.get(f"/admin/trace/batch/{mine.pk}/delete/").status_code == 403


def test_county_staff_set_their_division_code_but_not_the_counters(client, world, county_admin):
    profile = TraceProfile.objects.create(county=world.county, division_code="520123")
    client.force_login(county_admin)
    url = f"/admin/trace/traceprofile/{profile.pk}/change/"
    response = client.post(
        url, {"county": world.county.pk, "division_code": "520124", "next_item_number": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert profile.division_code == "520124"
    assert "next_item_number" not in client.get(url).context["adminform"].form.fields
