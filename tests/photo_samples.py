"""Sample uploads for the photo tests: a JPEG carrying EXIF with GPS coordinates; small files of each kind a
photo upload may really be, whatever its name says (`image`, `NOT_PHOTOS`)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
SCRIPT = b"<script>alert(document.cookie)</script>"


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


def image(kind: str, size: tuple[int, int] = (16, 12), **options: Any) -> bytes:
    """A small real image in Pillow's format `kind` (JPEG, PNG, WEBP, GIF, BMP, TIFF, MPO …)."""
    out = io.BytesIO()
    first = Image.new("RGB", size, (200, 80, 80))
    if kind == "MPO":  # a JPEG with a second picture after the first, as many phone cameras write
        options = {"save_all": True, "append_images": [Image.new("RGB", size, (0, 0, 255))], **options}
    first.save(out, kind, **options)
    return out.getvalue()


def png_with_script() -> bytes:
    """A valid PNG whose text chunk carries HTML: a polyglot a browser sniffing the bytes might run."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    return image("PNG", pnginfo=info)


def truncated_jpeg() -> bytes:
    """The first half of a real (noisy, so not tiny) JPEG: its header reads, its pixels do not."""
    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, "JPEG")
    data = out.getvalue()
    return data[: len(data) // 2]


# Files that are not a photo we take, whatever they are named: other image formats, documents a browser
# would render or run, and broken images
NOT_PHOTOS: dict[str, Any] = {
    "gif": lambda: image("GIF"),
    "bmp": lambda: image("BMP"),
    "tiff": lambda: image("TIFF"),
    "html": lambda: b"<!doctype html><html><body>" + SCRIPT + b"</body></html>",
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + SCRIPT + b"</svg>",
    "pdf": lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "html_named_gif": lambda: b"GIF89a" + SCRIPT,
    "truncated_jpeg": truncated_jpeg,
    "truncated_png": lambda: image("PNG")[:-20],
    "empty": lambda: b"",
}
