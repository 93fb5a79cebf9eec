"""Staff pages see only their own clinic: every patient lookup goes through the staff member's clinic."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from mesosafe.audit.services import record
from mesosafe.checkins.models import CheckIn
from mesosafe.clinics.models import Staff
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import Treatment

View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    """Logged-in users with a Staff record; the view receives that Staff as its second argument."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        staff = Staff.objects.select_related("clinic").filter(user=request.user, user__is_active=True).first()
        if staff is None:
            raise PermissionDenied
        response = view(request, staff, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper


def patients(staff: Staff) -> QuerySet[Patient]:
    return Patient.objects.for_clinic(staff.clinic_id)


def patient_or_404(staff: Staff, pk: int) -> Patient:
    return get_object_or_404(patients(staff).select_related("clinic"), pk=pk)


def treatment_or_404(staff: Staff, pk: int) -> Treatment:
    return get_object_or_404(
        Treatment.objects.for_clinic(staff.clinic_id).select_related("patient__clinic"), pk=pk
    )


def checkin_or_404(staff: Staff, pk: int) -> CheckIn:
    return get_object_or_404(
        CheckIn.objects.for_clinic(staff.clinic_id).select_related("treatment__patient"), pk=pk
    )


def audit_read(staff: Staff, kind: str, ids: list[Any], patient_id: int | None) -> None:
    if ids:
        record(staff.clinic_id, staff.user, "read", kind, ids, patient_id)
