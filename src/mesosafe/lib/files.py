"""Private files (check-in photos) sent to the one person allowed to see them."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file(file: FieldFile, content_type: str) -> FileResponse:
    """The file, never cached by the browser or a proxy; a 404 if it is gone from storage."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
