"""One station per village that had one in any of the three old places: the village flag (with
its address), `programs.ServiceStation`, or a reference (an order, a buyer's default, a received
container, an operator's membership). A moved station keeps its village's number, so the
foreign keys of orders, buyer profiles and containers stay valid when they change table; the
operators' memberships name the station instead of the village.

Forward only: going back would need stations opened after the move to have a village number.
"""

from django.core.management.color import no_style
from django.db import migrations
from django.db.models import F

OPERATOR = "station_operator"


def _referenced_villages(apps) -> set[int]:
    references = [
        apps.get_model("shop", "Order").objects.values_list("station_id", flat=True),
        apps.get_model("shop", "BuyerProfile").objects.values_list("station_id", flat=True),
        apps.get_model("trace", "Container").objects.values_list("received_station_id", flat=True),
        apps.get_model("core", "Membership")
        .objects.filter(role=OPERATOR)
        .values_list("village_id", flat=True),
    ]
    return {pk for query in references for pk in query.distinct() if pk is not None}


def move_stations(apps, schema_editor) -> None:
    Village = apps.get_model("core", "Village")
    Membership = apps.get_model("core", "Membership")
    Station = apps.get_model("stations", "Station")
    ServiceStation = apps.get_model("programs", "ServiceStation")

    kept = {station.village_id: station for station in ServiceStation.objects.all()}
    flagged = set(Village.objects.filter(has_service_station=True).values_list("pk", flat=True))
    village_ids = flagged | kept.keys() | _referenced_villages(apps)
    stations = []
    for village in Village.objects.filter(pk__in=village_ids).order_by("pk"):
        old = kept.get(village.pk)
        stations.append(
            Station(
                pk=village.pk,
                county_id=village.county_id,
                village_id=village.pk,
                operator_name=old.operator_name if old else "",
                address=(old.address if old else "") or village.station_address,
                opening_hours=old.opening_hours if old else "",
                services=old.services if old else [],
                latitude=old.latitude if old else None,
                longitude=old.longitude if old else None,
                opened_on=old.opened_on if old else None,
                # The coverage KPI counted a village with either mark; so does `active` now.
                active=village.pk in flagged or bool(old and old.active),
            )
        )
    Station.objects.bulk_create(stations, batch_size=500)
    # Explicit keys leave PostgreSQL's sequence behind; SQLite needs nothing.
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), [Station]):
        schema_editor.execute(sql)

    Membership.objects.filter(role=OPERATOR, village__isnull=False).update(
        station_id=F("village_id")
    )
    # A station's operator account becomes an operator membership, unless that person already
    # runs another station of the county (one per person and county).
    for old in kept.values():
        if old.operator_id is None:
            continue
        membership, _created = Membership.objects.get_or_create(
            user_id=old.operator_id,
            county_id=old.county_id,
            role=OPERATOR,
            defaults={"station_id": old.village_id},
        )
        if membership.station_id is None:
            membership.station_id = old.village_id
            membership.save(update_fields=["station"])


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0001_station"),
        ("core", "0003_membership_station"),
        ("programs", "0002_station_opened_on"),
        ("shop", "0002_order_placed_for_villager"),
        ("trace", "0007_division_code_unique"),
    ]

    operations = [migrations.RunPython(move_stations, elidable=False)]
