"""Storing a new check-in together with its audit event: both or neither.

On PostgreSQL that is one INSERT … RETURNING inside a WITH, a single statement and so a single implicit
transaction: one round trip where BEGIN, two INSERTs and COMMIT took four. Other databases use the ORM in
a transaction. A repeated (link, idempotency key) raises IntegrityError either way.
"""

from __future__ import annotations

import json
from contextlib import nullcontext

from django.db import connection, transaction

from mesosafe.audit.models import AuditEvent
from mesosafe.audit.services import record
from mesosafe.checkins.models import CheckIn

_COLUMNS = (
    "treatment_id", "link_id", "idempotency_key", "submitted_at", "days_since_treatment", "answers",
    "disposition", "disposition_rank", "reasons", "explanation", "next_session_ok", "kb_version",
    "review_note",
)  # fmt: skip
_JSON = {"answers", "reasons", "explanation"}

_SQL = f"""
WITH stored AS (
    INSERT INTO "{CheckIn._meta.db_table}" ({", ".join(f'"{c}"' for c in _COLUMNS)})
    VALUES ({", ".join("%s::jsonb" if c in _JSON else "%s" for c in _COLUMNS)})
    RETURNING id
)
INSERT INTO "{AuditEvent._meta.db_table}"
    ("at", "clinic_id", "user_id", "actor", "action", "object_type", "object_id", "patient_id")
SELECT %s, %s, NULL, 'patient', 'create', 'checkin', stored.id::text, %s FROM stored
RETURNING object_id
"""


def insert(checkin: CheckIn, clinic_id: int, patient_id: int) -> None:
    """Store `checkin` (unsaved) and the patient's audit event for it; sets checkin.id."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            checkin.save(force_insert=True)
            record(clinic_id, None, "create", "checkin", [checkin.id], patient_id, "patient")
        return
    values = [json.dumps(getattr(checkin, c)) if c in _JSON else getattr(checkin, c) for c in _COLUMNS]
    # Inside an outer transaction (tests, or a caller's atomic block) a savepoint keeps a duplicate-key
    # error from aborting it; on its own the statement is its own transaction.
    outer = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with outer, connection.cursor() as cursor:
        cursor.execute(_SQL, [*values, checkin.submitted_at, clinic_id, patient_id])
        (checkin_id,) = cursor.fetchone()
    checkin.id = int(checkin_id)
    checkin._state.adding = False
    checkin._state.db = connection.alias
