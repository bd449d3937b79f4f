from django.db import migrations


class Migration(migrations.Migration):
    """Service stations moved to `stations.Station`."""

    dependencies = [
        ("programs", "0002_station_opened_on"),
        ("stations", "0002_move_stations_from_villages"),
    ]

    operations = [
        migrations.DeleteModel(name="ServiceStation"),
    ]
