"""What the programs pages say (issue 12): a payout line's facts in words of the reader's
language, not the keys they are stored under; each role's sub-menu offers only pages it may
open."""

import pytest

from countyhub.core.models import Role
from tests.factories.core import MembershipFactory, UserFactory
from tests.programs.test_views import budget, paid_january  # noqa: F401 (a fixture, a helper)

RAW_KEYS = ("order_ids", "order_numbers", "parcels:", "amount_per_parcel")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Parcels: 1", "Amount per parcel: ¥2.50", "Orders: "]),
        ("zh-hans", ["包裹数: 1", "每件包裹奖励: ¥2.50", "订单号: "]),
    ],
)
def test_payout_facts_are_labelled_in_the_page_language(world, client, budget, language, words):  # noqa: F811
    run, order = paid_january(world, budget)
    client.force_login(world.users["county_admin"])
    client.cookies["django_language"] = language
    page = client.get(f"/c/{world.county.slug}/programs/payouts/{run.pk}/").content.decode()
    for text in words:
        assert text in page
    assert f"{words[2]}{order.number}" in page
    for key in RAW_KEYS:
        assert key not in page


def test_each_role_is_offered_only_the_programs_pages_it_may_open(world, client):
    slug = world.county.slug
    analyst = UserFactory()
    MembershipFactory(user=analyst, county=world.county, role=Role.ANALYST)
    client.force_login(analyst)
    client.cookies["django_language"] = "en"
    page = client.get(f"/c/{slug}/programs/").content.decode()
    assert f"/c/{slug}/programs/budget/" not in page
    assert f"/c/{slug}/programs/targets/" not in page
    assert f"/c/{slug}/training/outcomes/" in page
    assert client.get(f"/c/{slug}/training/outcomes/").status_code == 200
    client.force_login(world.users["trainer"])
    page = client.get(f"/c/{slug}/training/outcomes/").content.decode()
    assert f"/c/{slug}/programs/" not in page
    assert f"/c/{slug}/training/" in page
    client.force_login(world.users["county_admin"])
    page = client.get(f"/c/{slug}/programs/").content.decode()
    for place in ("budget/", "tasks/", "rules/", "payouts/", "stations/", "targets/"):
        assert f"/c/{slug}/programs/{place}" in page
