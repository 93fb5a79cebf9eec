"""What every API module shares: declared error responses, paging, tenant-scoped lookups, read audits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Header

from mesosafe.api.auth import staff_of
from mesosafe.api.schemas import PageQuery, Problem
from mesosafe.audit.services import record
from mesosafe.lib.problems import not_found

M = TypeVar("M", bound=Model)
T = TypeVar("T")

# Every operation declares every error it can answer, all as problem+json.
ERRORS: dict[int, Any] = {status: Problem for status in (400, 401, 404, 409, 422, 429)}
MAX_ID = 2**63 - 1

# The Idempotency-Key header's rules, for every endpoint that takes one: at most 200 characters, visible
# ASCII without a comma (two Idempotency-Key headers arrive joined by one, "a, b": a key that no retry of
# either would send again), else a 422 naming the header.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "alias": "Idempotency-Key",
    "default": None,
    "max_length": 200,
    "pattern": r"^[!-+\--~]+$",
}
CREATE_ONCE = (
    "At most 200 characters of visible ASCII without a comma. A retry with the same key and the same body "
    "answers 201 with the record the first send created, and creates, sends and queues nothing; the same key "
    "with another body is a 422 naming `Idempotency-Key`. Keys are the clinic's own: another clinic's same "
    "key is another record."
)
StaffIdempotencyKey = Annotated[str | None, Header(**IDEMPOTENCY_KEY, description=CREATE_ONCE)]


def responses(success: dict[int, Any]) -> dict[int, Any]:
    return {**success, **ERRORS}


def get_or_404(queryset: QuerySet[M], object_id: int, **filters: Any) -> M:
    """The object with this id among the caller's clinic's objects, or 404 (also for other clinics')."""
    if not 0 < object_id <= MAX_ID:
        raise not_found()
    found = queryset.filter(id=object_id, **filters).first()
    if found is None:
        raise not_found()
    return found


def page(items: QuerySet[Any] | Sequence[T], query: PageQuery, convert: Callable[[T], Any]) -> dict[str, Any]:
    count = items.count() if isinstance(items, QuerySet) else len(items)
    window = items[query.offset : query.offset + query.limit]
    return {"items": [convert(item) for item in window], "count": count}


def audit_read(request: HttpRequest, kind: str, ids: list[Any], patient_id: int | None) -> None:
    """A staff member read these records (changes are audited by the services that make them)."""
    staff = staff_of(request)
    record(staff.clinic_id, staff.user, "read", kind, ids, patient_id)
