"""Storing a new check-in together with its audit event, and for an escalated one its staff alert: all or
none. An alert queued after the commit could be lost for good: its check-in was stored, the client's retry
found it stored, and nothing queued the alert again.

At most one alert task waits per treatment and priority: a check-in whose treatment has one waiting to
start at its alert's priority or higher is named by it (the task alerts every check-in of its treatment
not yet alerted), so one link sending thousands of escalated check-ins queues a handful of tasks, not
thousands ahead of other clinics' alerts; an emergency behind a waiting urgent alert queues its own, which
runs first. The waiting
task's row is locked (FOR KEY SHARE) while the check-in is stored: a worker starting it meanwhile either
waits for the check-in's commit (and then sees it) or has started it first, and the check-in then queues
a task of its own.

On PostgreSQL with the database task backend that is one INSERT … RETURNING inside a WITH, a single
statement and so a single implicit transaction: one round trip where BEGIN, the INSERTs and COMMIT took
four or five. Otherwise the ORM in a transaction (the alert through the task backend). A repeated (link,
idempotency key) raises IntegrityError either way.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Q, QuerySet
from django.db.models.functions import Now
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from mesosafe.audit.models import AuditEvent
from mesosafe.audit.services import event_fields, record
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import Alert, for_treatment
from mesosafe.lib.dbclock import db_now

_COLUMNS = (
    "treatment_id", "link_id", "idempotency_key", "submitted_at", "days_since_treatment", "answers",
    "disposition", "disposition_rank", "reasons", "explanation", "next_session_ok", "kb_version",
    "review_note",
)  # fmt: skip
_JSON = {"answers", "reasons", "explanation"}
_PLACEHOLDERS = {"submitted_at": "statement_timestamp()", **{c: "%s::jsonb" for c in _JSON}}

# `submitted_at` is the database's time of the statement, not the web server's: the alert sweep, the late
# alerts' count and the failing alerts (against their tasks' claims) judge it by the database's clock.
_STORED = f"""
WITH stored AS (
    INSERT INTO "{CheckIn._meta.db_table}" ({", ".join(f'"{c}"' for c in _COLUMNS)})
    VALUES ({", ".join(_PLACEHOLDERS.get(c, "%s") for c in _COLUMNS)})
    RETURNING id, submitted_at
)"""
_EVENT = ("create", "checkin")  # the check-in's audit row's action and object type, on either path
_ACTOR = "patient"
# The alert task of the same treatment waiting to start now (not held for later) at the alert's priority or
# higher, if any. "Now" is the database's (statement_timestamp(), the clock `run_after` is set and claimed by:
# lib.queueing), not the web server's `submitted_at`: a web server ten minutes ahead took a retry due in
# four minutes for one waiting now, and the escalated check-in's alert waited for it.
_WAITING = f"""
waiting AS (
    SELECT t.id FROM "{DBTaskResult._meta.db_table}" t
    JOIN "{CheckIn._meta.db_table}" c ON c.id = (t.args_kwargs -> 'args' ->> 0)::bigint
    WHERE t.status = %s AND t.task_path = %s AND (t.run_after = %s OR t.run_after <= statement_timestamp())
        AND t.priority >= %s AND c.treatment_id = %s
    FOR KEY SHARE OF t
)"""
# The task's arguments as django-tasks-db stores them ({"args": [...], "kwargs": {...}}), made in SQL
# because the check-in's id is known only inside the statement.
_ALERT_ARGS = "jsonb_build_object('args', jsonb_build_array(stored.id), 'kwargs', '{}'::jsonb)"


def insert(checkin: CheckIn, clinic_id: int, patient_id: int, alert: Alert | None = None) -> None:
    """Store `checkin` (unsaved), the patient's audit event for it and, with `alert` (`tasks.alert_task`),
    that task queued for it at its priority; sets checkin.id."""
    if connection.vendor != "postgresql" or (alert and not isinstance(alert.get_backend(), DatabaseBackend)):
        with transaction.atomic():
            checkin.submitted_at = db_now()  # as the one statement stamps it
            checkin.save(force_insert=True)
            record(clinic_id, None, *_EVENT, [checkin.id], patient_id, _ACTOR)
            if alert and not _waiting(alert, checkin).exists():
                alert.enqueue(checkin.id)
        return
    # Arabic as UTF-8, not \u escapes: under half the bytes for PostgreSQL to parse
    stamped = [c for c in _COLUMNS if c != "submitted_at"]
    values = [_json(getattr(checkin, c)) if c in _JSON else getattr(checkin, c) for c in stamped]
    sql, alert_values = _STORED, list[Any]()
    if alert:
        alert_sql, alert_values = _task_row(alert)
        waiting = [TaskResultStatus.READY, alert.module_path, get_date_max()]
        alert_values = [*waiting, alert.priority, checkin.treatment_id, *alert_values]
        sql += f",{_WAITING},\nalert AS ({alert_sql} WHERE NOT EXISTS (SELECT FROM waiting))"
    # Inside an outer transaction (tests, or a caller's atomic block) a savepoint keeps a duplicate-key
    # error from aborting it; on its own the statement is its own transaction.
    outer = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with outer, connection.cursor() as cursor:
        audit_sql, audit_values = _audit_row(clinic_id, patient_id)
        cursor.execute(sql + audit_sql, [*values, *alert_values, *audit_values])
        checkin_id, checkin.submitted_at = cursor.fetchone()
    checkin.id = int(checkin_id)
    checkin._state.adding = False
    checkin._state.db = connection.alias


def _audit_row(clinic_id: int, patient_id: int) -> tuple[str, list[Any]]:
    """INSERT … SELECT of the audit row `record` writes on the ORM path (`event_fields`, the one definition
    both use: every column it gives, as the model prepares it), its object id the stored check-in's id and
    its time the check-in's; returns both."""
    fields = event_fields(clinic_id, None, *_EVENT, patient_id, _ACTOR)
    values = [_column(name).get_db_prep_save(value, connection) for name, value in fields.items()]
    return _audit_sql(tuple(fields)), values


@cache
def _audit_sql(names: tuple[str, ...]) -> str:
    fields = [_column(name) for name in names]
    columns = ", ".join(['"at"', '"object_id"', *(f'"{field.column}"' for field in fields)])
    selected = ", ".join(
        ["stored.submitted_at", "stored.id::text", *(f"%s::{field.db_type(connection)}" for field in fields)]
    )
    return f"""
INSERT INTO "{AuditEvent._meta.db_table}" ({columns})
SELECT {selected} FROM stored
RETURNING object_id, at
"""


def _column(name: str) -> Field[Any, Any]:
    field = AuditEvent._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _waiting(alert: Alert, checkin: CheckIn) -> QuerySet[DBTaskResult[..., Any]]:
    """`_WAITING` through the ORM (nothing waits in a backend that is not the database's); due by the
    database's clock."""
    if not isinstance(alert.get_backend(), DatabaseBackend):
        return DBTaskResult.objects.none()
    due = Q(run_after=get_date_max()) | Q(run_after__lte=Now())
    tasks = DBTaskResult.objects.filter(due, status=TaskResultStatus.READY, task_path=alert.module_path)
    return for_treatment(tasks.filter(priority__gte=alert.priority), checkin.treatment_id)


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
        if field.name == "enqueued_at":  # the database's clock, as on the ORM path (lib.queueing)
            selected.append("statement_timestamp()")
            continue
        selected.append(f"%s::{field.db_type(connection)}")
        values.append(field.get_db_prep_save(field.pre_save(row, add=True), connection))
    table = DBTaskResult._meta.db_table
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(selected)} FROM stored'
    return sql, values
