"""Record who read or changed a patient's data, and with which HTTP method when it was during a request."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mesosafe.audit.models import AuditEvent

# The method of the request being answered ("" outside one: the CLI, the workers), set by `during_request`
_method: ContextVar[str] = ContextVar("audit_method", default="")
METHOD_LENGTH = AuditEvent._meta.get_field("method").max_length or 0


@contextmanager
def during_request(method: str) -> Iterator[None]:
    """Every audit row written inside is marked with this HTTP method (cut to the column's length: a client
    may send any token as its method)."""
    token = _method.set(method[:METHOD_LENGTH])
    try:
        yield
    finally:
        _method.reset(token)


def event_fields(
    clinic_id: int,
    user_id: int | None,
    action: str,
    object_type: str,
    patient_id: int | None = None,
    actor: str = "staff",
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit row's values but its object id and time (field attnames): the one definition of a row both
    `record` and the check-in's own SQL (checkins.store, the row written in the check-in's statement) write,
    so a column added here is written by both."""
    return {
        "clinic_id": clinic_id,
        "user_id": user_id,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "patient_id": patient_id,
        "detail": detail,
        "method": _method.get(),
    }


def record(
    clinic_id: int,
    user: Any,
    action: str,
    object_type: str,
    object_ids: Iterable[object] = ("",),
    patient_id: int | None = None,
    actor: str = "staff",
    detail: dict[str, Any] | None = None,
) -> None:
    fields = event_fields(
        clinic_id, None if user is None else user.pk, action, object_type, patient_id, actor, detail
    )
    AuditEvent.objects.bulk_create(AuditEvent(object_id=str(object_id), **fields) for object_id in object_ids)
