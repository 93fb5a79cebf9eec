from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesosafe.audit.models import AuditEvent
from mesosafe.checkins import photos
from tests.pages_fixtures import Case, ClinicSite
from tests.photo_samples import jpeg_with_gps


def test_staff_see_their_patients_photo_others_get_404(
    case: Case, site_b: ClinicSite, staff_client: Client
) -> None:
    stored = case.checkin([{"code": "redness"}])
    photo = photos.store(stored, *photos.clean_photo(SimpleUploadedFile("a.jpg", jpeg_with_gps())))
    response = staff_client.get(f"/clinic/photos/{photo.id}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.get(object_type="photo", action="read").method == "GET"
    other = Client()
    other.force_login(site_b.user)
    assert other.get(f"/clinic/photos/{photo.id}").status_code == 404
    assert Client().get(f"/clinic/photos/{photo.id}").status_code == 302
