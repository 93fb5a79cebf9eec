"""Photos a patient attaches to a check-in: checked to be real images, kept under MEDIA_ROOT (not public)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import ImageField

from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.lib.problems import conflict, field_problem

MAX_BYTES = 8 * 1024 * 1024
MAX_PER_CHECKIN = 5
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heif"}


def attach(checkin: CheckIn, upload: UploadedFile[Any]) -> Photo:
    if upload.size is None or upload.size > MAX_BYTES:
        raise field_problem("photo", f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB")
    try:
        image = ImageField().clean(upload)
    except ValidationError as exc:
        raise field_problem("photo", " ".join(exc.messages)) from None
    kind = getattr(getattr(image, "image", None), "format", None)
    if kind not in CONTENT_TYPES:
        raise field_problem("photo", "send a JPEG, PNG, WebP or HEIF image")
    if checkin.photos.count() >= MAX_PER_CHECKIN:
        raise conflict("photo", f"a check-in holds at most {MAX_PER_CHECKIN} photos")
    image.name = f"photo.{kind.lower()}"
    return Photo.objects.create(checkin=checkin, image=image)


def content_type(photo: Photo) -> str:
    suffix = (photo.image.name or "").rsplit(".", 1)[-1].upper()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")
