"""Photos on check-ins: uploaded through the patient's link, read by the clinic's staff only."""

from __future__ import annotations

import errno
import io
import stat
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from mesosafe.checkins.models import Photo
from mesosafe.checkins.photos import MAX_PER_CHECKIN, MAX_PER_DAY, check_daily_limit, store
from mesosafe.checkins.services import submit
from mesosafe.errors import DomainError
from mesosafe.patients.models import Patient
from tests.concurrent import all_at_once
from tests.photo_samples import NOT_PHOTOS, half_then, image
from tests.service_fixtures import API, Site, link_headers

ARABIC_FULL = "الحد الأقصى لعدد الصور في المتابعة الواحدة هو ٥."


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_and_staff_download(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    site, other = make_site(), make_site()
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    url = f"{API}/patient/checkins/{checkin.id}/photos"

    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    response = client.post(url, {"photo": upload}, **link_headers(token))
    assert response.status_code == 201, response.content
    photo_id = response.json()["id"]

    fake = SimpleUploadedFile("skin.png", b"not an image", content_type="image/png")
    refused = client.post(url, {"photo": fake}, **link_headers(token))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "photo"

    fetched = client.get(f"{API}/checkins/{checkin.id}", **site.headers()).json()
    assert fetched["photo_ids"] == [photo_id]
    image = client.get(f"{API}/checkins/{checkin.id}/photos/{photo_id}", **site.headers())
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    served = Image.open(io.BytesIO(b"".join(image.streaming_content)))  # type: ignore[attr-defined]
    assert served.getpixel((0, 0)) == (200, 80, 80)
    assert client.get(f"{API}/checkins/{checkin.id}/photos/{photo_id}", **other.headers()).status_code == 404


@pytest.mark.parametrize("name", ["gif", "svg", "html", "pdf", "truncated_jpeg", "truncated_png"])
def test_a_file_that_is_not_a_photo_is_a_problem_naming_photo(
    name: str,
    client: Client,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    """Named skin.jpg and sent as image/jpeg, what the bytes are decides: 422 problem+json naming `photo`."""
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    upload = SimpleUploadedFile("skin.jpg", NOT_PHOTOS[name](), content_type="image/jpeg")
    refused = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error["field"] == "photo" and "Please send a JPEG, PNG or WebP photo." in error["message"]
    assert not Photo.objects.exists()


def test_a_webp_named_jpg_is_stored_and_served_as_webp(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    upload = SimpleUploadedFile("skin.jpg", image("WEBP"), content_type="image/jpeg")
    response = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert response.status_code == 201, response.content
    assert Photo.objects.get().image.name.endswith(".webp")
    served = client.get(f"{API}/checkins/{checkin.id}/photos/{response.json()['id']}", **site.headers())
    assert served["Content-Type"] == "image/webp" and served["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "WEBP"  # type: ignore[attr-defined]


def test_a_stored_photo_is_readable_by_the_servers_user_only(
    client: Client,
    make_site: Callable[..., Site],
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
) -> None:
    site = make_site()
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    response = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert response.status_code == 201, response.content
    path = Path(Photo.objects.get().image.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # health data, whatever the process's umask
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_location_is_stripped_from_uploads(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    exif = Image.Exif()
    exif[0x8825] = {2: (25.0, 12.0, 0.0)}  # GPSInfo: a latitude
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 30)).save(buffer, format="JPEG", exif=exif)
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif().get(0x8825) is not None
    upload = SimpleUploadedFile("skin.jpg", buffer.getvalue(), content_type="image/jpeg")
    response = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert response.status_code == 201, response.content
    image = client.get(f"{API}/checkins/{checkin.id}/photos/{response.json()['id']}", **site.headers())
    served = Image.open(io.BytesIO(b"".join(image.streaming_content)))  # type: ignore[attr-defined]
    assert not served.getexif()


def test_photos_only_for_the_links_own_checkins(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site))
    other_treatment, _ = make_treatment(site, make_patient(site, name="Other"))
    others, _ = submit(other_treatment.link, {"symptoms": []})
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    response = client.post(
        f"{API}/patient/checkins/{others.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_keep_the_photo_limit(
    live_server: Any,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    settings: Any,
) -> None:
    """Ten uploads at once to one check-in: exactly MAX_PER_CHECKIN are stored, the rest are 409s."""
    settings.MESOSAFE_PATIENT_RATE = 10_000
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    url = f"{live_server.url}{API}/patient/checkins/{checkin.id}/photos"

    def upload(_: int) -> int:
        answer = requests.post(
            url,
            files={"photo": ("skin.png", png(), "image/png")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return answer.status_code

    statuses = all_at_once(10, upload)

    assert sorted(statuses) == [201] * MAX_PER_CHECKIN + [409] * (10 - MAX_PER_CHECKIN)
    assert Photo.objects.filter(checkin=checkin).count() == MAX_PER_CHECKIN


def _fill_the_day(treatment: Any, count: int) -> None:
    """`count` photos on the treatment's check-ins (5 each) in the last 24 hours."""
    for n in range(0, count, MAX_PER_CHECKIN):
        answers = {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]}
        checkin, _ = submit(treatment.link, answers, f"fill-{n}")
        for _ in range(min(MAX_PER_CHECKIN, count - n)):
            store(checkin, png(), "png")


def test_a_link_may_send_a_days_worth_of_photos_and_no_more(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Past MAX_PER_DAY photos in 24 hours on one treatment (whatever its check-ins), an upload is refused
    before it is read: 429 naming `photo`, with Retry-After; a check-in itself is still taken."""
    treatment, token = make_treatment(site, make_patient(site))
    _fill_the_day(treatment, MAX_PER_DAY)
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "chest_pain"}]}, "emergency")
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    refused = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "photo"
    assert 0 < int(refused["Retry-After"]) <= 24 * 3600
    assert Photo.objects.filter(checkin__treatment=treatment).count() == MAX_PER_DAY
    Photo.objects.filter(checkin__treatment=treatment).update(
        uploaded_at=timezone.now() - timedelta(hours=25)
    )
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    again = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert again.status_code == 201  # the photos of yesterday no longer count


def test_the_days_limit_is_said_in_the_patients_language_and_digits(
    site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, _ = make_treatment(site, make_patient(site))
    _fill_the_day(treatment, MAX_PER_DAY)
    with translation.override("ar"), pytest.raises(DomainError) as refused:
        check_daily_limit(treatment.id)
    assert refused.value.message == "يمكن إرسال ١٥ صورة كحد أقصى خلال ٢٤ ساعة. يُرجى المحاولة لاحقًا."


def test_a_full_check_in_refuses_one_more_photo_in_the_patients_language(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """One photo past MAX_PER_CHECKIN is a 409 naming `photo`, said to an Arabic patient in Arabic."""
    treatment, token = make_treatment(site, make_patient(site, lang="ar"))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    for _ in range(MAX_PER_CHECKIN):
        store(checkin, png(), "png")
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    refused = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert refused.status_code == 409
    error = refused.json()["errors"][0]
    assert (error["field"], error["message"]) == ("photo", ARABIC_FULL)


def test_two_photos_in_one_upload_are_refused_not_one_dropped(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, token = make_treatment(site, make_patient(site, lang="ar"))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    url = f"{API}/patient/checkins/{checkin.id}/photos"
    two = [SimpleUploadedFile(f"skin{n}.png", png(), content_type="image/png") for n in (1, 2)]
    refused = client.post(url, {"photo": two}, **link_headers(token))
    assert refused.status_code == 422 and not checkin.photos.exists()
    error = refused.json()["errors"][0]
    assert (error["field"], error["message"]) == ("photo", "يُرجى إرسال صورة واحدة في كل مرة.")


def test_too_many_pixels_is_refused_from_the_header(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A small file of a huge image (a PNG of one colour compresses to almost nothing) is refused from its
    header, before decoding: 422 naming `photo`, quickly."""
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    buffer = io.BytesIO()
    Image.new("1", (5100, 5000)).save(buffer, format="PNG")  # 25.5 megapixels, a few kB
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    started = time.monotonic()
    refused = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos", {"photo": upload}, **link_headers(token)
    )
    assert time.monotonic() - started < 1
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "photo"
    assert "megapixels" in refused.json()["errors"][0]["message"]
    assert not Photo.objects.exists()


@pytest.mark.parametrize(("error", "status"), [(errno.ENOSPC, 507), (errno.EDQUOT, 507), (errno.EIO, 503)])
def test_a_photo_the_disk_cannot_take_is_a_problem_naming_photo_and_nothing_else_is_lost(
    client: Client,
    site: Site,
    make_patient: Callable[..., Patient],
    make_treatment: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: int,
    status: int,
) -> None:
    """Review finding F5: a full disk was a 500 "unexpected server error" and left a partial file. Now it is
    507 (503 for another storage failure) problem+json naming `photo`, in the patient's language; the
    check-in stays, no file or row is left, and the same upload succeeds once there is room."""
    settings.MEDIA_ROOT = str(tmp_path)
    treatment, token = make_treatment(site, make_patient(site, lang="ar"))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "fever"}], "temperature_c": 39.5})
    url = f"{API}/patient/checkins/{checkin.id}/photos"
    monkeypatch.setattr(FileSystemStorage, "_save", half_then(error))
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    refused = client.post(url, {"photo": upload}, **link_headers(token))
    assert refused.status_code == status and refused["Content-Type"] == "application/problem+json"
    [problem] = refused.json()["errors"]
    assert problem["field"] == "photo" and "تعذّر حفظ الصورة" in problem["message"]
    assert not Photo.objects.exists() and not [p for p in tmp_path.rglob("*") if p.is_file()]
    me = client.get(f"{API}/patient/me", **link_headers(token)).json()
    assert [c["id"] for c in me["checkins"]] == [checkin.id]
    monkeypatch.undo()
    upload = SimpleUploadedFile("skin.png", png(), content_type="image/png")
    assert client.post(url, {"photo": upload}, **link_headers(token)).status_code == 201
