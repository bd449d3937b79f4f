import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_api_tokens"),
        ("stations", "0001_station"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="station",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="operator_memberships",
                to="stations.station",
                verbose_name="village service station",
            ),
        ),
    ]
