"""A check-in photo, served only to the holder of the link it was sent through."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from mesosafe.checkins.models import Photo
from mesosafe.checkins.photos import content_type
from mesosafe.portal.access import Visit, with_link


def photo_response(photo: Photo) -> FileResponse:
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type(photo))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@with_link
def photo(request: HttpRequest, visit: Visit, pk: int) -> FileResponse:
    found = Photo.objects.filter(pk=pk, checkin__treatment=visit.treatment).first()
    if found is None:
        raise Http404
    return photo_response(found)
