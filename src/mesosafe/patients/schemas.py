"""What staff send to add a patient or change their details (the API and the clinic pages alike)."""

from __future__ import annotations

from mesosafe.knowledge import Lang
from mesosafe.lib.fields import BirthDate, Email, In, Name, Phone


class PatientIn(In):
    name: Name
    date_of_birth: BirthDate
    email: Email = ""
    phone: Phone = ""
    preferred_language: Lang | None = None
