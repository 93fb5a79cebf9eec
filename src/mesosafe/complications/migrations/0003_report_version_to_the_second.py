"""A reported complication keeps its report's version (E2B C.1.5) to the second, as the report says it.

The day each older record kept becomes midnight UTC of that day: the time it was sent is not known. The
value is set in Python, not by the database's cast of a date, which would follow the session's time zone.
Back, each keeps the day of its version in UTC."""

from datetime import UTC, datetime, time
from typing import Any

from django.db import migrations, models


def _days_to_midnight_utc(apps: Any, schema_editor: Any) -> None:
    complications = apps.get_model("complications", "Complication").objects
    days = complications.exclude(report_version=None).values_list("report_version", flat=True).distinct()
    for day in list(days):
        moment = datetime.combine(day, time(), UTC)
        complications.filter(report_version=day).update(report_version_at=moment)


def _moments_to_days(apps: Any, schema_editor: Any) -> None:
    complications = apps.get_model("complications", "Complication").objects
    for pk, moment in complications.exclude(report_version_at=None).values_list("pk", "report_version_at"):
        complications.filter(pk=pk).update(report_version=moment.astimezone(UTC).date())


class Migration(migrations.Migration):
    dependencies = [
        ("complications", "0002_icsr_report"),
    ]

    operations = [
        migrations.AddField(
            model_name="complication",
            name="report_version_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(_days_to_midnight_utc, _moments_to_days),
        migrations.RemoveField(model_name="complication", name="report_version"),
        migrations.RenameField(
            model_name="complication", old_name="report_version_at", new_name="report_version"
        ),
    ]
