"""Record who read or changed a patient's data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mesosafe.audit.models import AuditEvent


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
    AuditEvent.objects.bulk_create(
        AuditEvent(
            clinic_id=clinic_id,
            user=user,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            patient_id=patient_id,
            detail=detail,
        )
        for object_id in object_ids
    )
