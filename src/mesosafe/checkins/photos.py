"""Check-in photos: accept only real JPEG/PNG/WebP images of sane size, re-encode them without metadata (EXIF,
GPS), and store them under MEDIA_ROOT (never a public URL). Used by the patient pages and the API."""

from __future__ import annotations

import errno
import io
import logging
import math
import secrets
import warnings
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from mesosafe.audit.services import record
from mesosafe.checkins.models import CheckIn, Photo
from mesosafe.errors import Code, DomainError, conflict
from mesosafe.knowledge import Lang
from mesosafe.lib.files import private_file
from mesosafe.lib.numbers import arabic_digits
from mesosafe.treatments.models import Treatment

MAX_BYTES = 8 * 1024 * 1024
# Read from the header, before any decoding: decoding and re-encoding cost about 15 bytes of memory a pixel
# (a 6300x6300 PNG of 116 KB took 600 MB). 25 MP takes the largest photo an ordinary phone camera saves
# (24 MP, 5712x4284; 12 MP is the usual) and caps one upload at about 375 MB.
MAX_PIXELS = 25_000_000
MAX_PER_CHECKIN = 5
# A treatment's photos in any 24 hours: three check-ins of 5 photos (the morning, when it changes, the
# evening) is more than a worried patient sends; it caps what one link can store at 120 MB a day.
MAX_PER_DAY = 15
DAY = timedelta(hours=24)
# What a photo is comes from its bytes, never its name or the Content-Type it was sent with: Pillow is let
# try only these formats' readers (no other parser, GIF, SVG, PDF, TIFF …, ever runs on an upload), and the
# photo is stored re-encoded in the format it decoded as, named and served by that (`content_type`).
READERS = ["JPEG", "PNG", "WEBP"]
# Pillow's format: the extension stored. MPO is a JPEG with more pictures after the first (depth maps, the
# previews many phone cameras add): it is a JPEG, and only its first picture is kept.
FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
ENCODERS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)  # the disk or the service's quota is full

log = logging.getLogger(__name__)


class PhotoError(ValueError):
    """An upload that is not an acceptable photo; the message is in the active language."""


class PhotoNotSaved(Exception):
    """The storage could not write a photo (a full disk, a read-only or failing volume). Nothing of it is
    kept: no row, no file. `full` tells a lack of room from any other failure."""

    def __init__(self, cause: OSError) -> None:
        self.full = cause.errno in NO_ROOM
        super().__init__(f"photo not saved: {cause}")


def clean_photo(upload: UploadedFile[bytes]) -> tuple[bytes, str]:
    """Check the upload and return it re-encoded (no EXIF, GPS or other metadata) with its extension, both
    decided by what its bytes decode as (a PNG named x.jpg is stored as a PNG); anything that does not decode
    whole as a JPEG, PNG or WebP (another format, a truncated file) is a PhotoError. Re-encoding keeps only
    the pixels, so whatever else a polyglot file carries (a script after the image, text chunks) is gone."""
    if upload.size is None or upload.size > MAX_BYTES:
        raise PhotoError(_("The photo is too large (at most 8 MB)."))
    data = upload.read()
    _strict_decoding()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=READERS) as probe:  # reads the header only
                kind = probe.format or ""
                _check_pixels(probe)
                probe.verify()
            if kind not in FORMATS:
                raise PhotoError(_("Please send a JPEG, PNG or WebP photo."))
            with Image.open(io.BytesIO(data), formats=READERS) as image:
                upright = ImageOps.exif_transpose(image)  # decodes it all: a truncated file fails here
                ext = FORMATS[kind]
                return _encode(upright, ENCODERS[ext]), ext
    except PhotoError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise PhotoError(
            _("This file is not a photo we can read. Please send a JPEG, PNG or WebP photo.")
        ) from None


def _strict_decoding() -> None:
    """With ImageFile.LOAD_TRUNCATED_IMAGES on, Pillow pads out a truncated JPEG with grey instead of failing,
    and WeasyPrint (the aftercare sheets) turns it on for the whole process when it is imported: turn it off
    again before each upload is decoded, so a truncated photo is refused, not stored half grey. (The sheets
    draw only the service's own images, which are whole.)"""
    ImageFile.LOAD_TRUNCATED_IMAGES = False


def _check_pixels(image: Image.Image) -> None:
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError(
            _(
                "The photo has too many pixels (at most %(megapixels)d megapixels). "
                "Please send a smaller photo."
            )
            % {"megapixels": MAX_PIXELS // 1_000_000}
        )


def _encode(image: Image.Image, kind: str) -> bytes:
    """Copy only the pixels into a fresh image, so no metadata (EXIF, XMP, ICC text chunks) survives."""
    mode = "RGB" if kind == "JPEG" else ("RGBA" if "A" in image.getbands() else "RGB")
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=88)
    else:
        clean.save(out, kind)
    return out.getvalue()


def check_daily_limit(treatment_id: int) -> None:
    """Refuse (DomainError on `photo`, limited, with the seconds until one more is allowed) once the treatment
    has MAX_PER_DAY photos from the last 24 hours."""
    since = timezone.now() - DAY
    recent = Photo.objects.filter(checkin__treatment_id=treatment_id, uploaded_at__gt=since)
    times = list(recent.order_by("-uploaded_at").values_list("uploaded_at", flat=True)[:MAX_PER_DAY])
    if len(times) >= MAX_PER_DAY:
        retry_after = max(1, math.ceil((times[-1] - since).total_seconds()))
        message = _("At most %(count)s photos can be sent in %(hours)s hours. Please try again later.")
        raise DomainError(
            "photo",
            message % {"count": _count(MAX_PER_DAY), "hours": _count(24)},
            Code.LIMITED,
            context={"limit": MAX_PER_DAY, "retry_after": retry_after},
        )


def store(checkin: CheckIn, data: bytes, ext: str) -> Photo:
    """Store a cleaned photo (`clean_photo`'s answer) with the check-in, audited as the patient's; refused
    (a conflict on `photo`) once the check-in holds MAX_PER_CHECKIN, and (limited) past MAX_PER_DAY. A
    storage failure (a full disk) raises PhotoNotSaved, with nothing of the photo kept."""
    patient = checkin.treatment.patient
    with transaction.atomic():
        # The treatment's row lock makes parallel uploads count one after another (count-then-insert
        # would let each see room for one more), across its check-ins for the daily limit.
        _lock(checkin.treatment_id)
        if Photo.objects.filter(checkin_id=checkin.pk).count() >= MAX_PER_CHECKIN:
            message = _("A check-in can hold at most %(count)s photos.")
            raise conflict("photo", message % {"count": _count(MAX_PER_CHECKIN)})
        check_daily_limit(checkin.treatment_id)
        photo = Photo(checkin=checkin)
        _write(photo, f"{secrets.token_hex(16)}.{ext}", data)
        photo.save()
        record(patient.clinic_id, None, "create", "photo", [photo.id], patient.id, actor="patient")
    return photo


def store_sent_with(checkin: CheckIn, cleaned: list[tuple[bytes, str]]) -> None:
    """Store the photos sent with the check-in's own form, in order, unless it holds photos already: the
    same form sent twice (a double tap) stores them once, and sent again after its photos could not be
    stored, stores them then. Stops at the first one refused (DomainError) or not written (PhotoNotSaved),
    raising that once the photos before it are kept."""
    refused: DomainError | PhotoNotSaved | None = None
    with transaction.atomic():
        _lock(checkin.treatment_id)  # two sendings of the form store one after the other
        if Photo.objects.filter(checkin_id=checkin.pk).exists():
            return
        for data, ext in cleaned:
            try:
                store(checkin, data, ext)  # its own savepoint: a refusal undoes only that photo
            except (DomainError, PhotoNotSaved) as exc:
                refused = exc
                break
    if refused is not None:
        raise refused


def _lock(treatment_id: int) -> None:
    Treatment.objects.select_for_update().filter(pk=treatment_id).values_list("pk").get()


def _write(photo: Photo, filename: str, data: bytes) -> None:
    """Write the photo's file; if the storage fails (OSError: ENOSPC, EDQUOT, EIO, EROFS …), remove what
    part of it was written and raise PhotoNotSaved."""
    # The name the storage writes to: random, so no other file has it (and nothing else is removed)
    name = photo.image.field.generate_filename(photo, filename)
    try:
        photo.image.save(filename, ContentFile(data), save=False)
    except OSError as exc:
        log.error("photo for check-in #%s not saved (%s: %s)", photo.checkin_id, type(exc).__name__, exc)
        _remove(photo, name)
        raise PhotoNotSaved(exc) from exc


def _remove(photo: Photo, name: str) -> None:
    """Remove a partly written file (the storage ignores one that was never created)."""
    try:
        photo.image.storage.delete(name)
    except OSError as exc:
        log.error("partial photo file %s could not be removed (%s: %s)", name, type(exc).__name__, exc)


def _count(number: int) -> str:
    """A number as the patient's text writes it: Arabic-Indic digits in Arabic (docs/pages.md)."""
    return arabic_digits(str(number)) if get_language() == Lang.AR.value else str(number)


def content_type(photo: Photo) -> str:
    name = photo.image.name or ""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def response(photo: Photo) -> FileResponse:
    """The photo for the one person allowed to see it: never cached, a 404 if its file is gone."""
    return private_file(photo.image, content_type(photo))


def attach(checkin: CheckIn, upload: UploadedFile[bytes]) -> Photo:
    """The API's upload: clean and store it, or raise a DomainError naming the `photo` field (PhotoNotSaved
    when the storage fails). Past the daily limit it is refused before it is read."""
    check_daily_limit(checkin.treatment_id)
    try:
        data, ext = clean_photo(upload)
    except PhotoError as exc:
        raise DomainError("photo", str(exc)) from None
    return store(checkin, data, ext)
