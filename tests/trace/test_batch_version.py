"""Batch.version, the key the trace page is cached under: every append moves it forward through
the one write path (append_events), and the database moves it on any write made outside the
application, never back, so that a record edited in the database is never served from the
cache as authentic."""

import ast
import datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

import countyhub
from countyhub.gs1 import cbv, coldchain
from countyhub.shop import services as shop
from countyhub.trace import services
from countyhub.trace.exchange import import_document
from countyhub.trace.models import Batch, Container, EventKind, TraceEvent
from countyhub.trace.selectors import export_document
from countyhub.trace.services import LotQuantity
from tests.trace.conftest import days_ago
from tests.trace.test_api_and_import import _reset
from tests.trace.test_orders_and_cli import place
from tests.trace.test_trace_page import path_of
from tests.trace.test_trace_page_perf import EVENTS, _sql, _verdict

BATCHES = Batch._meta.db_table


def _version(batch):
    return Batch.objects.values_list("version", flat=True).get(pk=batch.pk)


def _views(batch):
    return ["/" + path_of(batch), "/" + path_of(batch) + "?lang=en"]


def _cached_as_authentic(client, batch):
    for url in _views(batch) * 2:  # the second round comes from the cache
        assert _verdict(client, url) == "authentic"


def test_every_append_moves_the_version_forward(world, seller_user, batch):
    """Each use case that writes events, in turn: the version only ever grows."""
    report = cbv.AttachedDocument(
        kind="lab_report", uri="urn:x:r:1", result=cbv.DocumentResult.PASS
    )
    readings = [
        coldchain.Reading(timezone.localtime() - datetime.timedelta(hours=h), 4.0) for h in (3, 2)
    ]
    versions = [_version(batch)]

    def then(write):
        write()
        versions.append(_version(batch))

    then(
        lambda: services.record_farming_step(
            actor=seller_user,
            batch=batch,
            step=cbv.FarmingStep.PLANTING,
            details=cbv.Planting(crop="猕猴桃", variety=None, area_mu=2.0),
            event_time=days_ago(30),
        )
    )
    then(
        lambda: services.record_harvest(
            actor=seller_user, batch=batch, quantity_kg=50.0, event_time=days_ago(3)
        )
    )
    then(lambda: services.record_inspection(actor=seller_user, batch=batch, documents=[report]))
    then(
        lambda: services.record_packing(
            actor=seller_user,
            batch=batch,
            packed_quantity=Decimal(10),
            harvest_used_kg=Decimal(20),
            event_time=days_ago(2),
        )
    )
    planting = batch.events.get(kind=EventKind.PLANTING)
    then(
        lambda: services.record_farming_step(
            actor=seller_user,
            batch=batch,
            step=cbv.FarmingStep.PLANTING,
            details=cbv.Planting(crop="猕猴桃", variety="贵长", area_mu=2.0),
            event_time=days_ago(30),
            corrects=planting,
        )
    )
    then(
        lambda: services.record_cold_chain(
            actor=seller_user, batch=batch, logger="L-1", readings=readings
        )
    )
    case = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(5))])
    versions.append(_version(batch))
    pallet = services.pack_pallet(actor=seller_user, cases=[case])
    versions.append(_version(batch))
    then(
        lambda: services.receive_at_station(
            actor=world.users["county_admin"], container=pallet, station=world.station
        )
    )
    then(lambda: services.unpack(actor=seller_user, container=Container.objects.get(pk=pallet.pk)))
    then(lambda: shop.pack_order(order=place(world, "2"), actor=seller_user))
    assert batch.events.filter(kind=EventKind.SHIPPING).exists()
    assert versions == sorted(set(versions)), versions
    assert len(versions) == 12


def test_an_import_moves_the_version_once_per_appended_event(
    seller_user, traced_batch, events_open_to_tampering
):
    """Imported events go through append_events, one move per event, the case shared with
    other batches too; the database's guard does not count these inserts again."""
    services.pack_case(actor=seller_user, lots=[LotQuantity(traced_batch, Decimal(5))])
    document = export_document(list(traced_batch.events.all()))
    _reset(traced_batch)
    before = _version(traced_batch)
    rows = import_document(actor=seller_user, county_id=traced_batch.county_id, document=document)
    assert [row.kind for row in rows][-1] == EventKind.CASE_PACKING and len(rows) == 7
    assert _version(traced_batch) == before + 7


def test_only_append_events_writes_event_rows():
    """The version is right only if every event goes through append_events: no other code
    creates, updates or deletes TraceEvent rows (events are append-only)."""
    root = Path(countyhub.__file__).parent
    writes = {"create", "bulk_create", "update", "bulk_update", "get_or_create", "delete"}
    found = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            text = ast.unparse(node.func)
            constructs = text == "TraceEvent"
            manager_write = text.split(".")[-1] in writes and (
                text.startswith("TraceEvent.objects.") or ".events." in f".{text}"
            )
            if constructs or manager_write:
                found.append((path.relative_to(root).as_posix(), node.lineno, text))
    assert found
    assert {path for path, _line, _text in found} == {"trace/services/events.py"}, found


def test_a_forged_event_inserted_in_the_database_is_not_served_as_authentic(client, traced_batch):
    _cached_as_authentic(client, traced_batch)
    packing = traced_batch.events.get(kind=EventKind.PACKING)
    columns = (
        "county_id, batch_id, sequence, kind, event_id, event_time, document, namespaces, "
        "event_hash, chain_hash, recorded_at"
    )
    copied = columns.replace("sequence", "sequence + 100")
    before = _version(traced_batch)
    _sql(
        f"INSERT INTO {EVENTS} ({columns}) SELECT {copied} FROM {EVENTS} WHERE id = %s",
        [packing.pk],
    )
    assert _version(traced_batch) > before
    for url in _views(traced_batch):
        assert _verdict(client, url) == "unverified"


def test_an_event_edited_in_the_database_moves_the_version(traced_batch, events_open_to_tampering):
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    before = _version(traced_batch)
    _sql(f"UPDATE {EVENTS} SET kind = kind WHERE id = %s", [harvest.pk])  # even a no-op write
    assert _version(traced_batch) > before


def test_the_batch_row_edited_in_the_database_is_not_served_as_authentic(client, traced_batch):
    _cached_as_authentic(client, traced_batch)
    before = _version(traced_batch)
    _sql(f"UPDATE {BATCHES} SET chain_head = %s WHERE id = %s", ["0" * 64, traced_batch.pk])
    assert _version(traced_batch) > before
    for url in _views(traced_batch):
        assert _verdict(client, url) == "unverified"


def test_the_version_set_back_by_hand_still_moves_forward(
    client, traced_batch, events_open_to_tampering
):
    """Whoever edits an event and then writes the old version back does not get the page that
    was cached under it."""
    _cached_as_authentic(client, traced_batch)
    cached_under = _version(traced_batch)
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    _sql(f"UPDATE {EVENTS} SET event_hash = %s WHERE id = %s", ["ni:///sha-256;0", harvest.pk])
    _sql(f"UPDATE {BATCHES} SET version = %s WHERE id = %s", [cached_under, traced_batch.pk])
    assert _version(traced_batch) > cached_under + 1
    for url in _views(traced_batch):
        assert _verdict(client, url) == "unverified"
    assert TraceEvent.objects.filter(batch=traced_batch).count() == traced_batch.event_count
