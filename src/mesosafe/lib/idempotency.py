"""Creating a record at most once per idempotency key: a clinic system that retries a create after a lost
answer sends the same key, and gets the record its first send made instead of a second one.

The key is kept on the record with a digest of what was sent, under a unique (clinic, key) constraint (NULL
keys are not compared): two sends racing each other cannot both store, and the one that loses the race
answers with the winner's record. The same key with another request is refused (KeyReused, naming the
header): answering with a record made from other details would hide that the new ones were never stored.
The check-ins keep their own rule (`checkins.services`: the key is scoped to the patient's link and a
retry is judged by its stored answers)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import IntegrityError
from django.db.models import Model, QuerySet

from mesosafe.errors import DomainError

HEADER = "Idempotency-Key"

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class KeyReused(DomainError):
    """The idempotency key of an earlier record came with another request."""


def request_digest(sent: dict[str, Any]) -> str:
    """sha256 of the request as the service parsed it (keys sorted): the same details give the same digest
    however the client spaced or ordered its JSON."""
    text = json.dumps(sent, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Once(Generic[M]):
    """One create under an idempotency key (None or "": no key, every send creates). `records` are the
    clinic's records of the kind, among which the key is unique; they have `idempotency_key` and
    `request_digest` fields."""

    records: QuerySet[M]
    key: str | None
    sent: dict[str, Any]
    what: str  # "treatment", "patient": named in the refusal

    @property
    def digest(self) -> str:
        return request_digest(self.sent) if self.key else ""

    def fields(self) -> dict[str, Any]:
        """The values to store with the new record."""
        return {"idempotency_key": self.key or None, "request_digest": self.digest}

    def earlier(self) -> M | None:
        """The record stored under this key from the same request; None if there is none (or no key);
        KeyReused if the key was used for another request."""
        if not self.key:
            return None
        found = self.records.filter(idempotency_key=self.key).values_list("pk", "request_digest").first()
        if found is None:
            return None
        pk, digest = found
        if digest != self.digest:
            raise KeyReused(HEADER, f"already used for a {self.what} with other details")
        return self.records.get(pk=pk)

    def run(self, create: Callable[[], T], again: Callable[[M], T]) -> T:
        """`create()` (which stores the record with `fields()`), unless this key's record exists: then
        `again(record)`, nothing created. So also when `create` fails on the unique key because a send with
        the same key stored it meanwhile (it won the race); another constraint's IntegrityError is raised."""
        earlier = self.earlier()
        if earlier is not None:
            return again(earlier)
        try:
            return create()
        except IntegrityError as error:
            winner = self.earlier()
            if winner is None:
                raise error from None
            return again(winner)
