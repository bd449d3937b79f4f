"""A kiwi lot's way from planting to the shop, as the county records it (shared by the tests)."""

from datetime import datetime, timedelta, timezone

from countyhub.gs1 import cbv, keys
from countyhub.gs1.builders import farming_event, harvest_event, inspection_event
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.epcis import (
    BizTransaction,
    Event,
    EventType,
    Location,
    QuantityElement,
    SourceDestination,
)

SHANGHAI = timezone(timedelta(hours=8))
DOMAIN = "trace.xiuwen.example.cn"
VOCABULARY = cbv.CountyVocabulary("https://countyhub.example/voc/")
NAMESPACES = VOCABULARY.context()


def gln_uri(body: str) -> str:
    """A GLN (12 digits + check digit) as a Digital Link."""
    return f"https://id.gs1.org/414/{body}{keys.check_digit(body)}"


FARM = gln_uri("690123400001")
STATION = gln_uri("690123400002")
PACKHOUSE = gln_uri("690123400003")
HARVESTED = DigitalLink.product(keys.internal_gtin("520123", 1), lot="K2026-10", domain=DOMAIN)
PACKED_GTIN = keys.internal_gtin("520123", 2)
PACKED = DigitalLink.product(PACKED_GTIN, lot="P2026-10A", domain=DOMAIN)
_SSCC = "0" + keys.internal_company_prefix("520123") + "00000001"  # extension digit + prefix + ref
PALLET = f"https://{DOMAIN}/00/{_SSCC}{keys.check_digit(_SSCC)}"


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, 30, tzinfo=SHANGHAI)


def county_events() -> list[Event]:
    lot = HARVESTED.uri
    units = [DigitalLink.product(PACKED_GTIN, serial=str(n), domain=DOMAIN).uri for n in (1, 2)]
    return [
        farming_event(
            cbv.FarmingStep.PLANTING,
            cbv.Planting(crop="猕猴桃", variety="贵长", area_mu=12.5),
            subject=lot,
            event_time=datetime(2026, 3, 1, 8, 0, tzinfo=SHANGHAI),
            plot=FARM,
            vocabulary=VOCABULARY,
        ),
        farming_event(
            cbv.FarmingStep.FERTILISING,
            cbv.Fertilising(product="有机肥 A", dose=150.0, dose_unit="KGM", per_area_mu=1.0),
            subject=lot,
            event_time=datetime(2026, 5, 2, 8, 0, tzinfo=SHANGHAI),
            plot=FARM,
            vocabulary=VOCABULARY,
        ),
        farming_event(
            cbv.FarmingStep.SPRAYING,
            cbv.Spraying(product="苦参碱", pre_harvest_interval_days=10, dose=0.5, dose_unit="LTR"),
            subject=lot,
            event_time=datetime(2026, 8, 20, 7, 0, tzinfo=SHANGHAI),
            plot=FARM,
            vocabulary=VOCABULARY,
        ),
        farming_event(
            cbv.FarmingStep.IRRIGATION,
            cbv.Irrigation(volume_m3=30.0, method="drip"),
            subject=lot,
            event_time=datetime(2026, 9, 1, 6, 0, tzinfo=SHANGHAI),
            plot=FARM,
            vocabulary=VOCABULARY,
        ),
        harvest_event(lot_uri=lot, quantity_kg=1200.0, event_time=at(1), farm=FARM),
        inspection_event(
            subject=lot,
            event_time=at(2),
            location=FARM,
            documents=[
                cbv.AttachedDocument(
                    "certificate",
                    "https://certs.example.cn/green-food/LB-45-2026",
                    cbv.DocumentResult.PASS,
                    issuer="中国绿色食品发展中心",
                ),
                cbv.AttachedDocument(
                    "lab_report",
                    "https://lab.example.cn/reports/2026-1001",
                    cbv.DocumentResult.PASS,
                    title="农药残留检测",
                ),
            ],
        ),
        Event(
            type=EventType.TRANSFORMATION,
            event_time=at(3),
            event_time_zone_offset="+08:00",
            biz_step="commissioning",
            disposition="active",
            input_quantity_list=(QuantityElement(lot, 1200.0, "KGM"),),
            output_epc_list=tuple(units),
            output_quantity_list=(QuantityElement(PACKED.uri, 1150.0, "KGM"),),
            read_point=Location(PACKHOUSE),
            ilmd={"county:bestBefore": "2027-01-31"},
        ),
        Event(
            type=EventType.AGGREGATION,
            event_time=at(3, 15),
            event_time_zone_offset="+08:00",
            action="ADD",
            parent_id=PALLET,
            child_epcs=tuple(units),
            biz_step="packing",
            disposition="container_closed",
        ),
        Event(
            type=EventType.OBJECT,
            event_time=at(4),
            event_time_zone_offset="+08:00",
            action="OBSERVE",
            epc_list=(PALLET,),
            biz_step="shipping",
            disposition="in_transit",
            biz_transactions=(BizTransaction("https://shop.example.cn/po/1001", "po"),),
            sources=(SourceDestination("owning_party", FARM),),
            destinations=(SourceDestination("location", STATION),),
        ),
        Event(
            type=EventType.OBJECT,
            event_time=at(5),
            event_time_zone_offset="+08:00",
            action="OBSERVE",
            epc_list=(PALLET,),
            biz_step="receiving",
            disposition="sellable_accessible",
            biz_location=Location(STATION),
        ),
        Event(
            type=EventType.OBJECT,
            event_time=at(6),
            event_time_zone_offset="+08:00",
            action="OBSERVE",
            epc_list=(units[0],),
            biz_step="retail_selling",
            disposition="retail_sold",
            biz_location=Location(STATION),
        ),
    ]
