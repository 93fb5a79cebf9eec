"""Photos on check-ins: uploaded through the patient's link, read by the clinic's staff only."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mesosafe.checkins.models import Photo
from mesosafe.checkins.photos import MAX_PER_CHECKIN
from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from tests.concurrent import all_at_once
from tests.service_fixtures import API, Site, link_headers


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
