"""One way to scope a query to a clinic: every model holding a clinic's data has a queryset with
`for_clinic(clinic)`, which knows the path from the model to its clinic. Staff see only their clinic's rows
because every query the API and the clinic pages make starts there (tests/test_tenancy.py checks it)."""

from __future__ import annotations

from typing import Any, ClassVar, Self, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


class ClinicQuerySet(models.QuerySet[M]):
    """A queryset that can narrow itself to one clinic; `clinic_path` leads from the model to its clinic
    ("treatment__patient__clinic")."""

    clinic_path: ClassVar[str] = "clinic"

    def for_clinic(self, clinic: Any) -> Self:
        """The rows of `clinic` (a Clinic or its id) and no others."""
        clinic_id = clinic.pk if isinstance(clinic, models.Model) else clinic
        return self.filter(**{f"{self.clinic_path}_id": clinic_id})
