from django.db import migrations, models


class Migration(migrations.Migration):
    """The village flag, its address and the operator's village now live in `stations`."""

    dependencies = [
        ("core", "0003_membership_station"),
        ("stations", "0002_move_stations_from_villages"),
    ]

    operations = [
        migrations.RemoveField(model_name="membership", name="village"),
        migrations.RemoveField(model_name="village", name="has_service_station"),
        migrations.RemoveField(model_name="village", name="station_address"),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("station__isnull", True), ("role", "station_operator"), _connector="OR"
                ),
                name="membership_station_only_for_operators",
            ),
        ),
    ]
