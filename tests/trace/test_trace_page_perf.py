"""The trace page under scan bursts: one database round trip per scan on PostgreSQL and a cached
page, yet every scan counted and no record changed behind the application's back ever served
from the cache as authentic."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from countyhub.trace import services
from countyhub.trace.models import Batch, EventKind, Scan, SerialisedUnit, TraceEvent
from tests.conftest import requires_postgres
from tests.factories.trace import make_batch
from tests.trace.conftest import record_history
from tests.trace.test_trace_page import path_of

EVENTS = TraceEvent._meta.db_table


def _sql(statement, params):
    # Straight to the database, as someone with database access would, bypassing the models.
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verdict(client, url):
    html = client.get(url).content.decode()
    assert ('id="authentic"' in html) != ('id="unverified"' in html)
    return "authentic" if 'id="authentic"' in html else "unverified"


@pytest.fixture
def serial_batch(world, seller_user):
    return record_history(
        make_batch(seller_user, world.product, lot="SER-1", serial_count=2), seller_user
    )


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda event: _sql(
                f"UPDATE {EVENTS} SET document = %s WHERE id = %s",
                [
                    json.dumps({**event.document, "eventTime": "2020-01-01T00:00:00+08:00"}),
                    event.pk,
                ],
            ),
            id="document",
        ),
        pytest.param(
            lambda event: _sql(
                f"UPDATE {EVENTS} SET event_hash = %s WHERE id = %s", ["ni:///sha-256;0", event.pk]
            ),
            id="event-hash",
        ),
        pytest.param(
            lambda event: _sql(f"DELETE FROM {EVENTS} WHERE id = %s", [event.pk]), id="deleted"
        ),
    ],
)
def test_event_changed_in_the_database_is_never_served_from_cache_as_authentic(
    client, serial_batch, tamper, events_open_to_tampering
):
    serial = serial_batch.units.values_list("serial", flat=True)[0]
    urls = ["/" + path_of(serial_batch), "/" + path_of(serial_batch, serial=serial)]
    views = [(url, language) for url in urls for language in ("", "?lang=en")]
    for url, language in views * 2:  # the second round comes from the cache
        assert _verdict(client, url + language) == "authentic"
    tamper(serial_batch.events.get(kind=EventKind.PACKING))
    for url, language in views:
        assert _verdict(client, url + language) == "unverified"
        assert _verdict(Client(), url + language) == "unverified"


def test_restored_record_verifies_again(client, traced_batch, events_open_to_tampering):
    url = "/" + path_of(traced_batch)
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    original = json.dumps(harvest.document)
    assert _verdict(client, url) == "authentic"
    _sql(
        f"UPDATE {EVENTS} SET document = %s WHERE id = %s",
        [json.dumps({**harvest.document, "eventTime": "2020-01-01T00:00:00+08:00"}), harvest.pk],
    )
    assert _verdict(client, url) == "unverified"
    _sql(f"UPDATE {EVENTS} SET document = %s WHERE id = %s", [original, harvest.pk])
    assert _verdict(client, url) == "authentic"


def test_every_page_served_counts_one_scan(client, serial_batch):
    lot_url = "/" + path_of(serial_batch)
    serial = serial_batch.units.values_list("serial", flat=True)[0]
    served = [
        client.get(url)
        for url in (
            lot_url,  # builds and caches the page
            lot_url,  # from the cache
            lot_url + "?lang=en",
            lot_url + "?lat=26.64721&lon=106.63029",
            "/" + path_of(serial_batch, serial=serial),
            "/" + path_of(serial_batch, serial=serial),
        )
    ]
    assert [response.status_code for response in served] == [200] * 6
    assert Scan.objects.filter(batch=serial_batch).count() == 6
    located = Scan.objects.filter(batch=serial_batch, latitude__isnull=False).get()
    assert (str(located.latitude), str(located.longitude)) == ("26.6", "106.6")
    unknown_lot = lot_url.rsplit("/10/", 1)[0] + "/10/NOPE"
    unknown_serial = lot_url.rsplit("/10/", 1)[0] + "/21/999999"
    assert client.get(unknown_lot).status_code == 404
    assert client.get(unknown_serial).status_code == 404
    assert client.get(lot_url.rsplit("/10/", 1)[0]).status_code == 302  # product link
    assert client.get("/01/09520123456789/10/ABC").status_code == 400
    assert Scan.objects.count() == 6


def test_record_link_scan_names_the_batch_and_a_version_that_follows_its_events(
    traced_batch, seller_user
):
    from countyhub.gs1 import cbv

    first = services.record_link_scan(gtin=traced_batch.gtin, lot=traced_batch.lot)
    again = services.record_link_scan(gtin=traced_batch.gtin, lot=traced_batch.lot)
    assert first is not None and first.batch_id == traced_batch.pk
    assert again == first  # a scan itself changes nothing the page shows
    report = cbv.AttachedDocument(
        kind="lab_report", uri="urn:x:report:7", result=cbv.DocumentResult.PASS
    )
    services.record_inspection(actor=seller_user, batch=traced_batch, documents=[report])
    after = services.record_link_scan(gtin=traced_batch.gtin, lot=traced_batch.lot)
    assert after is not None and after.version != first.version
    assert services.record_link_scan(gtin=traced_batch.gtin, lot="NOPE") is None
    assert Scan.objects.filter(batch=traced_batch).count() == 3


def test_a_serial_repeated_in_another_batch_resolves_to_the_newest(client, world, serial_batch):
    newer = make_batch(world.users["seller_staff"], world.product, lot="SER-2")
    serial = serial_batch.units.values_list("serial", flat=True)[0]
    SerialisedUnit.objects.create(batch=newer, serial=serial)
    html = client.get("/" + path_of(serial_batch, serial=serial)).content.decode()
    assert '<dd id="lot">SER-2' in html
    assert Scan.objects.filter(batch=newer).count() == 1
    assert Scan.objects.filter(batch=serial_batch).count() == 0


def test_signed_in_visitor_keeps_csrf_protected_forms(client, world, traced_batch):
    client.force_login(world.users["buyer"])
    html = client.get("/" + path_of(traced_batch)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html  # the log-out form posts
    assert '<form method="get" class="lang">' in html


def test_cached_page_costs_one_statement_on_postgresql_two_elsewhere(client, traced_batch):
    from django.test.utils import CaptureQueriesContext

    url = "/" + path_of(traced_batch)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # On PostgreSQL the one statement (scan and version) is prepared, outside Django's log.
    assert len(queries) == (0 if connection.vendor == "postgresql" else 2)
    assert Scan.objects.filter(batch=traced_batch).count() == 2


@requires_postgres
def test_scan_statement_is_prepared_once_per_connection(traced_batch):
    for _ in range(3):
        services.record_link_scan(gtin=traced_batch.gtin, lot=traced_batch.lot)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%b.lot = $2%INSERT INTO {Scan._meta.db_table}%"],
        )
        assert cursor.fetchone()[0] == 1
    assert Scan.objects.filter(batch=traced_batch).count() == 3


@requires_postgres
def test_edit_of_the_batch_row_shows_at_once_on_postgresql(client, traced_batch):
    url = "/" + path_of(traced_batch)
    assert "新的地块" not in client.get(url).content.decode()
    Batch.objects.filter(pk=traced_batch.pk).update(plot="新的地块")
    assert "新的地块" in client.get(url).content.decode()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_scans_on_postgresql_counts_every_scan(world):
    assert connection.vendor == "postgresql"
    seller = world.users["seller_staff"]
    batch = record_history(make_batch(seller, world.product, lot="BURST"), seller)
    url = "/" + path_of(batch)
    start = threading.Event()

    def scan_many(_worker):
        start.wait()
        visitor = Client()
        try:
            return [visitor.get(url).status_code for _ in range(25)]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(scan_many, worker) for worker in range(16)]
        start.set()
        statuses = [status for future in futures for status in future.result()]
    assert statuses == [200] * 400
    assert Scan.objects.filter(batch=batch).count() == 400
