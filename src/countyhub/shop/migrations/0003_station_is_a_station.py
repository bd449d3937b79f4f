import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Orders and buyer profiles point at stations. The moved stations kept their village's
    number, so the columns' values stay as they are; only the foreign keys change table."""

    dependencies = [
        ("shop", "0002_order_placed_for_villager"),
        ("stations", "0002_move_stations_from_villages"),
    ]

    operations = [
        migrations.AlterField(
            model_name="buyerprofile",
            name="station",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="stations.station",
                verbose_name="default village service station",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="station",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="stations.station",
                verbose_name="village service station",
            ),
        ),
    ]
