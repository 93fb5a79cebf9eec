"""A check-in photo for the clinic's staff."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404

from mesosafe.checkins import photos
from mesosafe.checkins.models import Photo
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, staff_required


@staff_required
def photo(request: HttpRequest, staff: Staff, pk: int) -> FileResponse:
    found = get_object_or_404(
        Photo.objects.for_clinic(staff.clinic_id).select_related("checkin__treatment"), pk=pk
    )
    audit_read(staff, "photo", [found.id], found.checkin.treatment.patient_id)
    return photos.response(found)
