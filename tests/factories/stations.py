import factory

from countyhub.stations.models import Station
from tests.factories.core import VillageFactory


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    village = factory.SubFactory(VillageFactory)
    county = factory.SelfAttribute("village.county")
    operator_name = factory.Sequence(lambda n: f"站长{n}")
    address = "村委会一楼"
    opening_hours = "08:00-18:00"
    services = factory.LazyFunction(lambda: ["parcels", "assisted_buying"])
