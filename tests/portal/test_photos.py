"""Photo checks (type, size, metadata removed) and serving only to the link holder."""

from __future__ import annotations

import errno
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mesosafe.checkins import photos
from mesosafe.checkins.models import CheckIn, Photo
from tests.pages_fixtures import Case
from tests.photo_samples import (
    NOT_PHOTOS,
    SCRIPT,
    half_then,
    has_gps,
    image,
    jpeg_with_gps,
    png_with_script,
)


def upload(data: bytes, name: str = "skin.jpg", kind: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=kind)


def test_sample_really_has_gps() -> None:
    assert has_gps(jpeg_with_gps())


def test_clean_photo_strips_exif_and_keeps_orientation() -> None:
    data, ext = photos.clean_photo(upload(jpeg_with_gps(64, 48)))
    assert ext == "jpg" and not has_gps(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (48, 64)  # the orientation tag was applied before it was dropped


def test_png_is_accepted_and_reencoded() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, "PNG")
    data, ext = photos.clean_photo(upload(out.getvalue(), "a.png", "image/png"))
    assert ext == "png" and data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 not an image", b"", b"\xff\xd8\xff\xe0 truncated jpeg", b"GIF89a" + b"\x00" * 20],
)
def test_not_a_photo_is_refused(data: bytes) -> None:
    with pytest.raises(photos.PhotoError):
        photos.clean_photo(upload(data))


def test_gif_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(photos.PhotoError, match="JPEG, PNG or WebP"):
        photos.clean_photo(upload(out.getvalue(), "a.gif", "image/gif"))


@pytest.mark.parametrize(("kind", "ext"), [("PNG", "png"), ("WEBP", "webp"), ("JPEG", "jpg"), ("MPO", "jpg")])
def test_what_a_photo_is_comes_from_its_bytes_not_its_name(kind: str, ext: str) -> None:
    """Named skin.jpg and sent as image/jpeg, it is stored as what it decodes as; a phone's multi-picture
    JPEG (MPO) is a JPEG, kept as its first picture."""
    data, stored_ext = photos.clean_photo(upload(image(kind), "skin.jpg", "image/jpeg"))
    assert stored_ext == ext
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[ext]
        assert decoded.size == (16, 12) and getattr(decoded, "n_frames", 1) == 1


@pytest.mark.parametrize("name", sorted(NOT_PHOTOS))
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused_whatever_its_name(name: str) -> None:
    with pytest.raises(photos.PhotoError, match="JPEG, PNG or WebP"):
        photos.clean_photo(upload(NOT_PHOTOS[name](), "skin.jpg", "image/jpeg"))


def test_no_other_image_reader_runs_on_an_upload(monkeypatch: pytest.MonkeyPatch) -> None:
    """A GIF, TIFF … is refused without Pillow's reader for it ever being called."""
    from PIL import GifImagePlugin, TiffImagePlugin

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_open", lambda self: pytest.fail("GIF read"))
    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "_open", lambda self: pytest.fail("TIFF read"))
    for kind in ("GIF", "TIFF"):
        with pytest.raises(photos.PhotoError):
            photos.clean_photo(upload(image(kind)))


@pytest.mark.parametrize(
    ("data", "ext"), [(image("JPEG") + b"<html>" + SCRIPT + b"</html>", "jpg"), (png_with_script(), "png")]
)
def test_a_polyglot_keeps_only_its_pixels(data: bytes, ext: str) -> None:
    """A real image that also carries HTML (after its end, in a text chunk) is stored re-encoded: the pixels
    and nothing else."""
    cleaned, stored_ext = photos.clean_photo(upload(data))
    assert stored_ext == ext and SCRIPT in data and b"script" not in cleaned


def test_a_png_named_jpg_is_served_as_a_png(case: Case, client: Client) -> None:
    """Sent with the check-in form as skin.jpg (image/jpeg), a PNG is stored as .png and served as image/png,
    never sniffed."""
    form = {**URGENT_WITH_PHOTO, "idempotency_key": "png", "photo": upload(image("PNG"), "skin.jpg")}
    assert client.post(case.url("checkin/"), form).status_code == 302
    photo = Photo.objects.get()
    assert photo.image.name.endswith(".png")
    response = client.get(case.url(f"photos/{photo.id}"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["svg", "html", "truncated_jpeg"])
def test_the_form_refuses_a_file_that_is_not_a_photo_on_its_field(
    name: str, case: Case, client: Client
) -> None:
    form = {**URGENT_WITH_PHOTO, "idempotency_key": name, "photo": upload(NOT_PHOTOS[name](), "skin.jpg")}
    response = client.post(case.url("checkin/"), form)
    page = response.content.decode()
    assert response.status_code == 400 and not CheckIn.objects.exists() and not Photo.objects.exists()
    message = "This file is not a photo we can read. Please send a JPEG, PNG or WebP photo."
    assert f'<a href="#id_photo">Photos of the treated area (optional, up to 5) — {message}</a>' in page


def test_too_large_is_refused() -> None:
    with pytest.raises(photos.PhotoError, match="too large"):
        photos.clean_photo(upload(b"\xff" * (photos.MAX_BYTES + 1)))


def test_photo_served_to_the_link_holder_only(case: Case, make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    stored = case.checkin([{"code": "redness"}])
    data, ext = photos.clean_photo(upload(jpeg_with_gps()))
    photo = photos.store(stored, data, ext)
    assert "static" not in photo.image.path and "/media/" in photo.image.path
    response = client.get(case.url(f"photos/{photo.id}"))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert not has_gps(b"".join(response.streaming_content))  # type: ignore[arg-type]
    other = make_case(name="Other")
    assert client.get(other.url(f"photos/{photo.id}")).status_code == 404
    assert client.get(f"/media-not-public/{photo.image.name}").status_code == 404
    assert Photo.objects.count() == 1


def test_too_many_pixels_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few kB of PNG that would decode to 25.5 megapixels: refused from its header, nothing decoded."""
    out = io.BytesIO()
    Image.new("1", (5100, 5000)).save(out, "PNG")
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded"))
    with pytest.raises(photos.PhotoError, match="megapixels"):
        photos.clean_photo(upload(out.getvalue(), "a.png", "image/png"))


def test_an_ordinary_phone_photo_size_is_within_the_pixel_limit() -> None:
    assert 5712 * 4284 <= photos.MAX_PIXELS < 6300 * 6300  # a 24 MP phone photo; the review's 6300x6300 PNG


def test_a_check_in_past_the_days_photos_is_stored_and_says_so(case: Case, client: Client) -> None:
    """The daily photo limit never stops a check-in: it is stored and triaged, and its result page says the
    photo was not saved and why."""
    for _day in range(photos.MAX_PER_DAY // photos.MAX_PER_CHECKIN):
        earlier = case.checkin([{"code": "redness"}])
        for _ in range(photos.MAX_PER_CHECKIN):
            photos.store(earlier, *photos.clean_photo(upload(jpeg_with_gps(8, 8))))
    data = {"idempotency_key": "late", "step": "details", "symptoms": ["fever"], "temperature": "39.5"}
    data["photo"] = upload(jpeg_with_gps(8, 8))
    response = client.post(case.url("checkin/"), data, follow=True)
    stored = CheckIn.objects.filter(idempotency_key="late").get()
    assert stored.disposition == "urgent" and not stored.photos.exists()
    page = response.content.decode()
    assert response.status_code == 200 and "a photo was not saved" in page and "At most 15 photos" in page


def test_a_photo_past_the_check_ins_limit_is_said_in_arabic(
    make_case: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form takes MAX_PER_CHECKIN photos, so only a race (the API filling the check-in first) reaches the
    check-in's own limit: the photo is refused and the Arabic result page says why, in Arabic."""
    stored_now = photos.store

    def raced(checkin: CheckIn, data: bytes, ext: str) -> Photo:
        while checkin.photos.count() < photos.MAX_PER_CHECKIN:
            stored_now(checkin, data, ext)
        return stored_now(checkin, data, ext)

    monkeypatch.setattr(photos, "store", raced)
    case: Case = make_case(lang="ar")
    data: dict[str, Any] = {"idempotency_key": "full", "step": "details", "symptoms": ["fever"]}
    data["temperature"] = "38.5"
    data["photo"] = upload(jpeg_with_gps(8, 8))
    response = client.post(case.url("checkin/"), data, follow=True)
    assert CheckIn.objects.get(idempotency_key="full").photos.count() == photos.MAX_PER_CHECKIN
    reason = "الحد الأقصى لعدد الصور في المتابعة الواحدة هو ٥."
    assert f"أُرسلت متابعتك، ولكن لم تُحفَظ إحدى الصور: {reason}" in response.content.decode()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


URGENT_WITH_PHOTO = {
    "idempotency_key": "disk",
    "step": "details",
    "symptoms": ["fever"],
    "temperature": "39.5",
}


def test_a_full_disk_stores_the_checkin_and_shows_its_result_with_a_notice(
    case: Case, client: Client, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding F5: the urgent check-in was stored and alerted, but the patient got the 500 page and
    a partial file stayed. Now the result is shown, with a notice, and nothing of the photo is left."""
    monkeypatch.setattr(FileSystemStorage, "_save", half_then(errno.ENOSPC))
    response = client.post(case.url("checkin/"), {**URGENT_WITH_PHOTO, "photo": upload(jpeg_with_gps(8, 8))})
    stored = CheckIn.objects.get(idempotency_key="disk")
    assert response.status_code == 302 and response["Location"] == case.url(f"checkin/{stored.id}/")
    page = client.get(response["Location"]).content.decode()
    assert stored.disposition == "urgent" and "Seek medical care today" in page
    assert "Your check-in was sent, but the photo could not be saved. Your clinic can ask you for it." in page
    assert not Photo.objects.exists() and _files(media) == []


def test_the_same_form_sent_again_stores_the_photo_once_there_is_room(
    case: Case, client: Client, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent again (Back, then Send), the stored check-in's result is shown and the photo the first sending
    could not store is stored now; a third sending adds nothing."""
    monkeypatch.setattr(FileSystemStorage, "_save", half_then(errno.EIO))
    first = client.post(case.url("checkin/"), {**URGENT_WITH_PHOTO, "photo": upload(jpeg_with_gps(8, 8))})
    assert "could not be saved" in client.get(first["Location"]).content.decode()
    monkeypatch.undo()
    for _ in range(2):
        again = client.post(case.url("checkin/"), {**URGENT_WITH_PHOTO, "photo": upload(jpeg_with_gps(8, 8))})
        assert again.status_code == 302
    stored = CheckIn.objects.get()
    assert stored.photos.count() == 1 and len(_files(media)) == 1
    assert "could not be saved" not in client.get(again["Location"]).content.decode()


def test_a_full_disk_notice_in_arabic(
    make_case: Any, client: Client, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FileSystemStorage, "_save", half_then(errno.ENOSPC))
    case: Case = make_case(lang="ar")
    data = {**URGENT_WITH_PHOTO, "photo": upload(jpeg_with_gps(8, 8))}
    page = client.post(case.url("checkin/"), data, follow=True).content.decode()
    assert "أُرسلت متابعتك، ولكن تعذّر حفظ الصورة. يمكن لعيادتك أن تطلبها منك." in page


def test_store_removes_the_partial_file_and_keeps_no_row(
    case: Case, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkin = case.checkin([{"code": "redness"}])
    monkeypatch.setattr(FileSystemStorage, "_save", half_then(errno.ENOSPC))
    with pytest.raises(photos.PhotoNotSaved) as caught:
        photos.store(checkin, *photos.clean_photo(upload(jpeg_with_gps(8, 8))))
    assert caught.value.full and not Photo.objects.exists() and _files(media) == []


def test_a_truncated_jpeg_is_refused_after_weasyprint_turned_on_truncated_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported (the sheets import
    it); with it on, Pillow pads a truncated JPEG out with grey, and the photo check accepted it."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(photos.PhotoError, match="not a photo we can read"):
        photos.clean_photo(upload(NOT_PHOTOS["truncated_jpeg"]()))
