"""Enrollments record the trainee's full name, which the certificate prints. Existing ones take
the household member's name, or the user's name on the account (the user name only if the
account has none, so no existing enrollment is left without a name)."""

from django.db import migrations, models


def fill_full_names(apps, schema_editor):
    Enrollment = apps.get_model("training", "Enrollment")
    for enrollment in Enrollment.objects.select_related("user", "member").iterator():
        if enrollment.member_id:
            name = enrollment.member.name
        else:
            user = enrollment.user
            name = f"{user.first_name} {user.last_name}".strip() or user.username
        enrollment.full_name = name
        enrollment.save(update_fields=["full_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_courses_sessions_certificates"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="full_name",
            field=models.CharField(default="", max_length=100, verbose_name="full name"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_full_names, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="enrollment",
            constraint=models.CheckConstraint(
                condition=models.Q(("full_name", ""), _negated=True),
                name="enrollment_full_name_given",
            ),
        ),
    ]
