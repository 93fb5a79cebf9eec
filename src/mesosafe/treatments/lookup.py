"""Finding a treatment link by its token hash: the first step of every patient request.

On PostgreSQL this is one hand-written query that fills the link, its treatment, the patient and the clinic
(`Model.from_db`, the way the ORM itself builds instances): compiling the equivalent select_related query
cost more CPU than everything else on the check-in path. Fields whose database value needs converting in
Python (JSON: the treatment's areas and aftercare plan) are left deferred and load on first use, so no
value is ever handed over unconverted. Other databases use the ORM query.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import connection
from django.db.models import Model

from mesosafe.clinics.models import Clinic
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, Treatment


def _fields(model: type[Model]) -> list[tuple[str, str]]:
    """(attribute, column) of the model's concrete fields that PostgreSQL hands back ready to use."""
    fields = model._meta.concrete_fields
    return [(f.attname, str(f.column)) for f in fields if not hasattr(f, "from_db_value")]


_PARTS: list[tuple[type[Model], str, list[tuple[str, str]]]] = [
    (model, alias, _fields(model))
    for model, alias in ((CheckinLink, "l"), (Treatment, "t"), (Patient, "p"), (Clinic, "c"))
]
_SQL = (
    "SELECT "
    + ", ".join(f'{alias}."{column}"' for _, alias, fields in _PARTS for _, column in fields)
    + f' FROM "{CheckinLink._meta.db_table}" l'
    + f' JOIN "{Treatment._meta.db_table}" t ON t.id = l.treatment_id'
    + f' JOIN "{Patient._meta.db_table}" p ON p.id = t.patient_id'
    + f' JOIN "{Clinic._meta.db_table}" c ON c.id = p.clinic_id'
    + " WHERE l.token_hash = %s"
)


def checkin_link(token_hash: str) -> CheckinLink | None:
    """The link with this token hash, with treatment, patient and clinic loaded; None if there is none."""
    if connection.vendor != "postgresql":
        return (
            CheckinLink.objects.select_related("treatment__patient__clinic")
            .defer("treatment__aftercare")
            .filter(token_hash=token_hash)
            .first()
        )
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [token_hash])
        row = cursor.fetchone()
    return None if row is None else _instances(row)


def _instances(row: tuple[Any, ...]) -> CheckinLink:
    values = iter(row)
    link, treatment, patient, clinic = (
        model.from_db(connection.alias, [name for name, _ in fields], [next(values) for _ in fields])
        for model, _, fields in _PARTS
    )
    # as select_related fills them: the related object cached, its id already loaded
    Patient.clinic.field.set_cached_value(patient, clinic)
    Treatment.patient.field.set_cached_value(treatment, patient)
    CheckinLink.treatment.field.set_cached_value(link, treatment)
    return cast(CheckinLink, link)
