"""The route box names its places: a numbered list of place names with what happened there, and
a plain drawn map with the names beside the dots; tiles only from a configured tile server,
drawn by a static script (no inline script)."""

import json
import re
from decimal import Decimal
from pathlib import Path

from django.test import override_settings

import countyhub.trace
from countyhub.trace import services
from tests.trace.conftest import days_ago
from tests.trace.test_trace_page import path_of


def _page(client, batch):
    return client.get("/" + path_of(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def _packed_at_the_packhouse(batch, actor):
    services.record_harvest(actor=actor, batch=batch, quantity_kg=50.0, event_time=days_ago(5))
    services.record_packing(
        actor=actor,
        batch=batch,
        packed_quantity=batch.quantity,
        harvest_used_kg=Decimal("50"),
        event_time=days_ago(4),
        packhouse="青山县农产品分拣中心",
        packhouse_position=(Decimal("26.70010"), Decimal("106.70020")),
    )
    return batch


def test_the_route_lists_place_names_and_draws_them_on_the_map(client, batch, seller_user):
    # On main the box showed numbered dots with no names.
    html = _page(client, _packed_at_the_packhouse(batch, seller_user))
    places = html.split('id="route-places"')[1].split("</ol>")[0]
    names = re.findall(r"<strong>([^<]+)</strong>", places)
    assert names == ["桃花村3号地", "青山县农产品分拣中心"]
    assert "harvest" in places.lower() and "packing" in places.lower()
    svg = html.split('id="route-map"')[1].split("</svg>")[0]
    assert re.findall(r'<text class="place"[^>]*>([^<]+)</text>', svg) == names
    assert "<polyline" in svg
    # No tile server configured: nothing is fetched from anywhere, and no script.
    assert "data-tiles" not in html and "route-map.js" not in html


def test_places_without_coordinates_are_listed_without_a_map(client, world, seller_user):
    from tests.factories.trace import make_batch

    batch = make_batch(seller_user, world.product, latitude=None, longitude=None)
    services.record_harvest(actor=seller_user, batch=batch, quantity_kg=5.0, event_time=days_ago(2))
    html = _page(client, batch)
    assert 'id="route-map"' not in html and "<svg" not in html.split('id="route-places"')[0][-400:]


@override_settings(COUNTYHUB_MAP_TILES="https://tiles.example.cn/{z}/{x}/{y}.png")
def test_a_configured_tile_server_is_used_by_a_static_script(client, batch, seller_user):
    html = _page(client, _packed_at_the_packhouse(batch, seller_user))
    assert 'data-tiles="https://tiles.example.cn/{z}/{x}/{y}.png"' in html
    assert re.search(r'<script src="[^"]*trace/route-map\.js" defer></script>', html)
    points = json.loads(html.split('id="route-points" type="application/json">')[1].split("<")[0])
    assert points == [
        [1, 26.6472, 106.6302, "桃花村3号地"],
        [2, 26.7001, 106.7002, "青山县农产品分拣中心"],
    ]
    article = html.split('id="trace-page"')[1].split("</article>")[0]
    inline = [s for s in re.findall(r"<script([^>]*)>", article) if "src=" not in s]
    assert all('type="application/json"' in attributes for attributes in inline)
    script = Path(countyhub.trace.__file__).parent / "static" / "trace" / "route-map.js"
    assert "{z}" in script.read_text() and "route-points" in script.read_text()
