import datetime
from decimal import Decimal

from countyhub.trace import services
from countyhub.trace.models import TraceProfile


def trace_profile(county, division_code="520123"):
    profile, _created = TraceProfile.objects.get_or_create(
        county=county, defaults={"division_code": division_code}
    )
    return profile


def make_batch(actor, product, lot="L2026-01", quantity="100", **extra):
    trace_profile(product.county)
    values = {
        "plot": "桃花村3号地",
        "production_date": None,
        "expiry_date": datetime.date(2027, 1, 31),
        "latitude": Decimal("26.64720"),
        "longitude": Decimal("106.63020"),
    }
    values.update(extra)
    return services.create_batch(
        actor=actor, product=product, lot=lot, quantity=Decimal(quantity), **values
    )
