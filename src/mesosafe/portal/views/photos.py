"""A check-in photo, served only to the holder of the link it was sent through."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from mesosafe.checkins import photos
from mesosafe.checkins.models import Photo
from mesosafe.portal.access import Visit, with_link


@with_link
def photo(request: HttpRequest, visit: Visit, pk: int) -> FileResponse:
    found = Photo.objects.filter(pk=pk, checkin__treatment=visit.treatment).first()
    if found is None:
        raise Http404
    return photos.response(found)
