"""Sample uploads for the photo tests: a JPEG carrying EXIF with GPS coordinates."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from PIL import Image

GPS_IFD = 0x8825


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    image = Image.new("RGB", (width, height), (200, 80, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # orientation: rotate 90° to display upright
    exif[GPS_IFD] = {1: "N", 2: (25.0, 12.0, 3.0), 3: "E", 4: (55.0, 16.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or bool(dict(exif)) or "exif" in image.info


def half_then(error: int) -> Any:
    """A storage save that writes half the file and then fails as a full (or broken) disk does."""

    def save(storage: FileSystemStorage, name: str, content: Any) -> str:
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.read()
        path.write_bytes(data[: len(data) // 2])
        raise OSError(error, os.strerror(error))

    return save
