"""A check-in photo for the clinic's staff."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from mesosafe.checkins.models import Photo
from mesosafe.clinics.models import Staff
from mesosafe.clinicui.access import audit_read, staff_required
from mesosafe.portal.views.photos import photo_response


@staff_required
def photo(request: HttpRequest, staff: Staff, pk: int) -> FileResponse:
    found = (
        Photo.objects.select_related("checkin__treatment")
        .filter(pk=pk, checkin__treatment__patient__clinic_id=staff.clinic_id)
        .first()
    )
    if found is None:
        raise Http404
    audit_read(staff, "photo", [found.id], found.checkin.treatment.patient_id)
    return photo_response(found)
