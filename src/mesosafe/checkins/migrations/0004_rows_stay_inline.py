"""Keep a check-in's row in the table itself, uncompressed, up to PostgreSQL's page size.

A check-in's explanation (every text it showed, in English and Arabic) makes its row about 4 kB, over
PostgreSQL's default 2 kB TOAST threshold: each insert compressed the explanation and wrote it to the TOAST
table and its index, about a sixth of the database's CPU per check-in. Other databases have no TOAST.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "checkins_checkin"


def _alter(sql: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("checkins", "0003_checkin_alerted_at")]

    operations = [
        migrations.RunPython(
            _alter(f'ALTER TABLE "{TABLE}" SET (toast_tuple_target = 8160)'),
            _alter(f'ALTER TABLE "{TABLE}" RESET (toast_tuple_target)'),
        )
    ]
