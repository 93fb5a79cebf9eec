"""The one error a service raises when it refuses something a user sent: which field (a path such as
('products', 1, 'batch_id')), a message, and a code saying what kind of refusal it is. It knows nothing of
HTTP or forms: the API turns it into problem+json once (api/main.py), the clinic forms into a field error
once (clinicui/errors.py), the CLI into exit code 2."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

Path = tuple[int | str, ...]


class Code(StrEnum):
    INVALID = "invalid"  # the value itself is wrong (a bad date, an unknown id)
    CONFLICT = "conflict"  # the value is fine but the records forbid it now (an expired lot, a duplicate)
    LIMITED = "limited"  # too many of these for now; `context["retry_after"]` says when to try again


def field_path(path: Iterable[int | str]) -> str:
    """('symptoms', 0, 'code') -> 'symptoms[0].code'"""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class DomainError(ValueError):
    """A refusal naming the field. `kind` and `context` come from a schema's check (pydantic's error type and
    its limits, or a validator's `reason`), so a page can say the same rule in its own language."""

    def __init__(
        self,
        field: str | Path,
        message: str,
        code: Code = Code.INVALID,
        kind: str = "",
        context: dict[str, Any] | None = None,
    ) -> None:
        self.path: Path = (field,) if isinstance(field, str) else tuple(field)
        self.field = field_path(self.path) if self.path != ("",) else ""
        self.message, self.code = message, code
        self.kind, self.context = kind, context or {}
        super().__init__(f"{self.field}: {message}" if self.field else message)


def conflict(field: str | Path, message: str) -> DomainError:
    return DomainError(field, message, Code.CONFLICT)
