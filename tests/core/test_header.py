"""Each role's header links to its places (seen on the demo: a county administrator or a trainer
had to type the address of their programs or training pages)."""

import pytest


def _header(client, user):
    client.force_login(user)
    html = client.get("/orders/").content.decode()
    return html.split('<header class="top">')[1].split("</header>")[0]


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("county_admin", ["/programs/", "/admin/"], ["/training/", "/seller/", "/station/"]),
        ("analyst", ["/programs/"], ["/admin/", "/seller/"]),
        ("trainer", ["/training/"], ["/programs/", "/admin/"]),
        ("seller_staff", ["/seller/"], ["/programs/", "/admin/", "/station/"]),
        ("station_operator", ["/station/"], ["/programs/", "/seller/"]),
        ("buyer", ["/orders/"], ["/programs/", "/training/", "/seller/", "/station/", "/admin/"]),
    ],
)
def test_each_role_finds_its_places_in_the_header(world, client, role, present, absent):
    header = _header(client, world.users[role])
    for place in present:
        assert place in header, (role, place)
    for place in absent:
        assert place not in header, (role, place)
    if role in ("county_admin", "analyst"):
        assert f"/c/{world.county.slug}/programs/" in header
