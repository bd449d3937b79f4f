import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Containers are received at stations. The moved stations kept their village's number, so
    the column's values stay as they are; only the foreign key changes table."""

    dependencies = [
        ("trace", "0008_batch_version"),
        ("stations", "0002_move_stations_from_villages"),
    ]

    operations = [
        migrations.AlterField(
            model_name="container",
            name="received_station",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="stations.station",
                verbose_name="received at station",
            ),
        ),
    ]
