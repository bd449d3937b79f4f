"""Programs in the JSON API: payouts per seller, KPIs, payout runs; the roles matrix."""

from decimal import Decimal

import pytest

from countyhub.programs.models import LedgerEntry


def test_admin_evaluates_and_approves_through_the_api(world, api_as, january):
    api = api_as(world.users["county_admin"])
    base = f"/api/programs/counties/{world.county.slug}/payout-runs"
    bad = api.post(base, {"period": "2025-13"})
    assert (bad.status_code, bad.json()["field"]) == (422, "period")
    created = api.post(base, {"period": "2025-01"})
    assert created.status_code == 201
    run = created.json()
    [line] = run["lines"]
    assert line["facts"]["order_ids"] == [o.pk for o in january]
    assert (line["entitlement"], line["amount"]) == ("4.00", "3.00")  # budget 3.00
    assert "exhausted" in run["notes"][0]
    approved = api.post(f"{base}/{run['id']}/approve")
    assert approved.json()["status"] == "approved"
    again = api.post(f"{base}/{run['id']}/approve")
    assert again.status_code == 409
    assert LedgerEntry.objects.get().amount == Decimal("3.00")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("seller_staff", 403),
        ("trainer", 403),
        ("analyst", 403),
        ("other_county_admin", 403),
        ("county_admin", 201),
    ],
)
def test_only_county_staff_run_payouts(world, api_as, january, role, status):
    response = api_as(world.users[role]).post(
        f"/api/programs/counties/{world.county.slug}/payout-runs", {"period": "2025-01"}
    )
    assert response.status_code == status


def test_a_seller_reads_only_its_own_payouts(world, api_as, january):
    admin = api_as(world.users["county_admin"])
    run = admin.post(
        f"/api/programs/counties/{world.county.slug}/payout-runs", {"period": "2025-01"}
    ).json()
    admin.post(f"/api/programs/counties/{world.county.slug}/payout-runs/{run['id']}/approve")
    mine = api_as(world.users["seller_staff"]).get("/api/programs/payouts").json()
    assert [(e["amount"], e["seller_id"]) for e in mine] == [("3.00", world.seller.pk)]
    assert api_as(world.users["other_seller_staff"]).get("/api/programs/payouts").json() == []
    assert api_as(world.users["buyer"]).get("/api/programs/payouts").status_code == 403
    assert api_as().get("/api/programs/payouts").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [("analyst", 200), ("county_admin", 200), ("seller_staff", 403), ("other_county_admin", 403)],
)
def test_kpis_for_staff_and_analysts(world, api_as, role, status):
    response = api_as(world.users[role]).get(f"/api/programs/counties/{world.county.slug}/kpis")
    assert response.status_code == status
    if status == 200:
        coverage = next(k for k in response.json() if k["kpi"] == "village_coverage")
        assert coverage["target"] == "50"
