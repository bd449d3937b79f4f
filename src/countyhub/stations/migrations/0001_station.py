import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0002_api_tokens"),
    ]

    operations = [
        migrations.CreateModel(
            name="Station",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "operator_name",
                    models.CharField(blank=True, max_length=100, verbose_name="operator"),
                ),
                ("address", models.CharField(blank=True, max_length=200, verbose_name="address")),
                (
                    "opening_hours",
                    models.CharField(blank=True, max_length=100, verbose_name="opening hours"),
                ),
                ("services", models.JSONField(blank=True, default=list, verbose_name="services")),
                (
                    "latitude",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=9,
                        null=True,
                        verbose_name="latitude",
                    ),
                ),
                (
                    "longitude",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=9,
                        null=True,
                        verbose_name="longitude",
                    ),
                ),
                ("opened_on", models.DateField(blank=True, null=True, verbose_name="opened on")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "county",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to="core.county",
                        verbose_name="county",
                    ),
                ),
                (
                    "village",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="station",
                        to="core.village",
                        verbose_name="village",
                    ),
                ),
            ],
            options={
                "verbose_name": "village service station",
                "verbose_name_plural": "village service stations",
                "ordering": ["village__name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("latitude__isnull", True), ("longitude__isnull", True)),
                            models.Q(
                                ("latitude__gte", -90),
                                ("latitude__lte", 90),
                                ("longitude__gte", -180),
                                ("longitude__lte", 180),
                            ),
                            _connector="OR",
                        ),
                        name="station_coordinates_on_earth",
                    )
                ],
            },
        ),
    ]
