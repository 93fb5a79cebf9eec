"""A product's lot numbers are unique whatever their case ('dxb-24-001' beside 'DXB-24-001' is one lot).

A database that already holds such a pair stops here with the pairs named: they are one lot recorded twice,
and which record to keep (treatments point at both) is the clinic's decision, not a migration's."""

from typing import Any

from django.db import migrations, models
from django.db.models.functions import Lower


def refuse_lots_differing_in_case(apps: Any, schema_editor: Any) -> None:
    batch = apps.get_model("clinics", "Batch")
    twice = (
        batch.objects.annotate(lot=Lower("lot_number"))
        .values("product_id", "lot")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    pairs = [f"product {row['product_id']}, lot {row['lot']!r}" for row in twice]
    if pairs:
        raise RuntimeError(
            "These lots are recorded more than once, differing only in case; merge or rename them before "
            "migrating: " + "; ".join(pairs)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0004_login_counter"),
    ]

    operations = [
        migrations.RunPython(refuse_lots_differing_in_case, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="batch", name="unique_lot_per_product"),
        migrations.AddConstraint(
            model_name="batch",
            constraint=models.UniqueConstraint(
                models.F("product"), Lower("lot_number"), name="unique_lot_per_product_any_case"
            ),
        ),
    ]
