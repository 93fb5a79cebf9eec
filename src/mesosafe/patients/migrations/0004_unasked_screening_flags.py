"""Screenings a patient made before 7 Dec 2026 store four questions their form never asked as "no" (false):
`sunburn_at_site`, `keloid_history`, `previous_anaphylaxis`, `previous_mesotherapy_reaction`. They become
null, "not asked", as a question left out is stored now. A "yes" (true) was given, through the patient API,
and stays; a "no" given through that API becomes "not asked" too: unknown is the safe side of a made-up "no".
Screenings made by staff are left as they are: their API could send every flag."""

from typing import Any

from django.db import migrations

NEVER_ASKED = ("sunburn_at_site", "keloid_history", "previous_anaphylaxis", "previous_mesotherapy_reaction")


def unasked(apps: Any, schema_editor: Any) -> None:
    screening = apps.get_model("patients", "Screening")
    changed = []
    for row in (
        screening.objects.filter(created_by__isnull=True).only("id", "answers").iterator(chunk_size=500)
    ):
        flags = [name for name in NEVER_ASKED if row.answers.get(name) is False]
        if flags:
            row.answers.update(dict.fromkeys(flags))
            changed.append(row)
        if len(changed) >= 500:
            screening.objects.bulk_update(changed, ["answers"])
            changed = []
    screening.objects.bulk_update(changed, ["answers"])


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_patient_idempotency_key")]

    operations = [migrations.RunPython(unasked, migrations.RunPython.noop)]
