"""Storing a new check-in together with its audit event, and for an escalated one its staff alert: all or
none. An alert queued after the commit could be lost for good: its check-in was stored, the client's retry
found it stored, and nothing queued the alert again.

On PostgreSQL with the database task backend that is one INSERT … RETURNING inside a WITH, a single
statement and so a single implicit transaction: one round trip where BEGIN, the INSERTs and COMMIT took
four or five. Otherwise the ORM in a transaction (the alert through the task backend). A repeated (link,
idempotency key) raises IntegrityError either way.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from mesosafe.audit.models import AuditEvent
from mesosafe.audit.services import record
from mesosafe.checkins.models import CheckIn

Alert = Task[[int], int]  # a task taking the check-in's id

_COLUMNS = (
    "treatment_id", "link_id", "idempotency_key", "submitted_at", "days_since_treatment", "answers",
    "disposition", "disposition_rank", "reasons", "explanation", "next_session_ok", "kb_version",
    "review_note",
)  # fmt: skip
_JSON = {"answers", "reasons", "explanation"}

_STORED = f"""
WITH stored AS (
    INSERT INTO "{CheckIn._meta.db_table}" ({", ".join(f'"{c}"' for c in _COLUMNS)})
    VALUES ({", ".join("%s::jsonb" if c in _JSON else "%s" for c in _COLUMNS)})
    RETURNING id
)"""
_AUDIT = f"""
INSERT INTO "{AuditEvent._meta.db_table}"
    ("at", "clinic_id", "user_id", "actor", "action", "object_type", "object_id", "patient_id")
SELECT %s, %s, NULL, 'patient', 'create', 'checkin', stored.id::text, %s FROM stored
RETURNING object_id
"""
# The task's arguments as django-tasks-db stores them ({"args": [...], "kwargs": {...}}), made in SQL
# because the check-in's id is known only inside the statement.
_ALERT_ARGS = "jsonb_build_object('args', jsonb_build_array(stored.id), 'kwargs', '{}'::jsonb)"


def insert(checkin: CheckIn, clinic_id: int, patient_id: int, alert: Alert | None = None) -> None:
    """Store `checkin` (unsaved), the patient's audit event for it and, with `alert`, that task queued for
    it; sets checkin.id."""
    if connection.vendor != "postgresql" or (alert and not isinstance(alert.get_backend(), DatabaseBackend)):
        with transaction.atomic():
            checkin.save(force_insert=True)
            record(clinic_id, None, "create", "checkin", [checkin.id], patient_id, "patient")
            if alert:
                alert.enqueue(checkin.id)
        return
    # Arabic as UTF-8, not \u escapes: under half the bytes for PostgreSQL to parse
    values = [_json(getattr(checkin, c)) if c in _JSON else getattr(checkin, c) for c in _COLUMNS]
    sql, alert_values = _STORED, list[Any]()
    if alert:
        alert_sql, alert_values = _task_row(alert)
        sql += f",\nalert AS ({alert_sql})"
    # Inside an outer transaction (tests, or a caller's atomic block) a savepoint keeps a duplicate-key
    # error from aborting it; on its own the statement is its own transaction.
    outer = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with outer, connection.cursor() as cursor:
        cursor.execute(sql + _AUDIT, [*values, *alert_values, checkin.submitted_at, clinic_id, patient_id])
        (checkin_id,) = cursor.fetchone()
    checkin.id = int(checkin_id)
    checkin._state.adding = False
    checkin._state.db = connection.alias


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _task_row(task: Alert) -> tuple[str, list[Any]]:
    """INSERT … SELECT of the row django-tasks-db's enqueue would write for `task` (every column its model
    gives, as the model prepares it), the arguments being the stored check-in's id."""
    backend = task.get_backend()
    assert isinstance(backend, DatabaseBackend)
    row: DBTaskResult[[int], int] = DBTaskResult(
        id=backend._get_id(),
        args_kwargs={},
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(),
        backend_name=backend.alias,
    )
    columns, selected, values = [], [], []
    for field in DBTaskResult._meta.concrete_fields:
        columns.append(f'"{field.column}"')
        if field.name == "args_kwargs":
            selected.append(_ALERT_ARGS)
            continue
        selected.append(f"%s::{field.db_type(connection)}")
        values.append(field.get_db_prep_save(field.pre_save(row, add=True), connection))
    table = DBTaskResult._meta.db_table
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(selected)} FROM stored'
    return sql, values
