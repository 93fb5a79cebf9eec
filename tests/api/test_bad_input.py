"""Input a database would refuse is refused first, as a 4xx naming the field — never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client

from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.services import submit
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def test_nul_characters_are_refused(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    _, token = make_treatment(site, patient)
    cases = [
        (f"{API}/patients", {"name": "a\x00b", "date_of_birth": "1990-01-01"}, site.key, "name"),
        (
            f"{API}/patients/{patient.id}/screenings",
            {"age": 30, "allergies": ["x\x00"]},
            site.key,
            "allergies[0]",
        ),
        (f"{API}/patient/checkins", {"symptoms": [{"code": "pa\x00in"}]}, token, "symptoms[0].code"),
    ]
    for url, body, secret, field in cases:
        response = client.post(url, body, content_type="application/json", **link_headers(secret))
        assert response.status_code == 422, (url, response.content)
        assert response.json()["errors"][0]["field"] == field


def test_nul_characters_are_refused_whatever_the_content_type(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """django-ninja reads a body as JSON whatever its Content-Type says: a NUL sent as text/plain reached
    PostgreSQL (a 500) and was stored on SQLite."""
    body = b'{"name": "x\\u0000y", "date_of_birth": "1990-01-01"}'
    for content_type in ("text/plain", "application/merge-patch+json", "application/octet-stream"):
        response = client.post(f"{API}/patients", body, content_type=content_type, **site.headers())
        assert response.status_code == 422, (content_type, response.content)
        assert response.json()["errors"] == [{"field": "name", "message": "must not contain NUL characters"}]
    assert not Patient.objects.filter(name__contains="y").exists()


def test_a_nul_deep_inside_a_body_is_refused_not_a_500(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site))
    too_deep = b"[" * 100_000 + b'"\\u0000"' + b"]" * 100_000
    deep = b'{"symptoms": ' + b"[" * 200 + b'"a\\u0000"' + b"]" * 200 + b"}"
    for body, status, field in ((too_deep, 400, "(body)"), (deep, 422, "symptoms" + "[0]" * 200)):
        response = client.post(
            f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token)
        )
        assert response.status_code == status, response.content[:300]
        assert response.json()["errors"][0]["field"] == field


def test_json_in_utf16_is_400_not_read(client: Client, site: Site) -> None:
    """JSON travels as UTF-8 (RFC 8259); Python would guess UTF-16, where the NUL check saw no escape."""
    body = '{"name": "x\\u0000y", "date_of_birth": "1990-01-01"}'.encode("utf-16")
    response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "(body)"
    assert not Patient.objects.exists()


def test_a_json_body_over_the_memory_cap_is_413_problem_json(client: Client, site: Site) -> None:
    body = b'{"name": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert response.status_code == 413, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "(body)", "message": "is larger than 10 MB"}]


def test_a_form_without_its_boundary_is_400_problem_json(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    treatment, token = make_treatment(site, make_patient(site))
    checkin, _ = submit(treatment.link, {"symptoms": [{"code": "lump", "severity": "mild", "trend": "same"}]})
    response = client.post(
        f"{API}/patient/checkins/{checkin.id}/photos",
        b"--x\r\n",
        content_type="multipart/form-data",
        **link_headers(token),
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "(body)"


def test_a_method_a_path_does_not_take_is_405_problem_json(client: Client, site: Site) -> None:
    for method, path in (
        ("delete", "/patients/1"),
        ("get", "/checkins/1/acknowledge"),
        ("put", "/patients"),
        ("post", "/openapi.json"),  # the schema and its page answered any method with 200
        ("delete", "/docs"),
    ):
        response = getattr(client, method)(f"{API}{path}", **site.headers())
        assert response.status_code == 405, (method, path, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response["Allow"] and response["Allow"] in response.json()["detail"]


def test_huge_ids_and_strange_paths_are_404(client: Client, site: Site) -> None:
    for path in (f"{API}/patients/{2**70}", f"{API}/treatments/0", f"{API}/batches/%C2%A0/recipients"):
        response = client.get(path, **site.headers())
        assert response.status_code in (404, 422), (path, response.content)


def test_an_id_in_a_path_is_digits_as_written(client: Client, site: Site, make_patient: Any) -> None:
    """'1_0' was read as patient 10, '+1', '1.0' and ' 1' as patient 1."""
    patient = make_patient(site)
    assert client.get(f"{API}/patients/{patient.id}", **site.headers()).status_code == 200
    for written in (f"+{patient.id}", f"{patient.id}.0", f"%20{patient.id}", f"0_{patient.id}", "١"):
        response = client.get(f"{API}/patients/{written}", **site.headers())
        assert response.status_code == 404, (written, response.content)
        assert response["Content-Type"] == "application/problem+json"


def test_a_query_parameter_given_twice_is_400_naming_it(client: Client, site: Site) -> None:
    response = client.get(f"{API}/patients?limit=5&limit=500", **site.headers())
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "limit"
    assert client.get(f"{API}/patients?limit=5", **site.headers()).status_code == 200


def test_wrong_body_types_are_422(client: Client, site: Site) -> None:
    for body in ([], "text", 3, {"name": 5, "date_of_birth": []}):
        response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
        assert response.status_code in (400, 422), (body, response.content)
        assert response["Content-Type"] == "application/problem+json"


def test_a_body_that_is_not_json_is_400_naming_the_body(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site))
    for body in (b'{"symptoms": [', b'{"symptoms":[{"code":"\xff\xfe"}]}', b"[" * 100_000 + b"]" * 100_000):
        response = client.post(
            f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token)
        )
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"] == [
            {"field": "(body)", "message": "is not valid JSON: send a UTF-8 JSON object"}
        ]


def test_a_key_given_twice_is_400_naming_it(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """The last of two "symptoms" would have won: an emergency read, triaged and stored as no symptoms."""
    _, token = make_treatment(site, make_patient(site))
    bodies = {
        "symptoms": b'{"symptoms": [{"code": "breathing_difficulty"}], "symptoms": []}',
        "symptoms[0].code": b'{"symptoms": [{"code": "breathing_difficulty", "code": "bruising"}]}',
    }
    for key, body in bodies.items():
        response = client.post(
            f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token)
        )
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        problem = {"field": key, "message": "is given twice: send each field once"}
        assert response.json()["errors"] == [problem]
    assert not CheckIn.objects.exists()


def test_a_key_given_twice_deep_in_a_body_is_named_by_its_path(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site))
    deep = b'{"symptoms": ' + b"[" * 200 + b'{"k": 1, "k": 2}' + b"]" * 200 + b"}"
    bodies = {
        "symptoms[1].trend": b'{"symptoms": [{"code": "pain"}, {"code": "lump", "trend": 1, "trend": 2}]}',
        "symptoms[0].x.a[1].b": b'{"symptoms": [{"code": "pain", "x": {"a": [{}, {"b": 1, "b": 2}]}}]}',
        "symptoms" + "[0]" * 200 + ".k": deep,
        # the first object in the body that repeats a key, outer before inner
        "symptoms": b'{"symptoms": [{"code": "a", "code": "b"}], "symptoms": []}',
        "[1].code": b'[{"code": "a"}, {"code": "a", "code": "b"}]',
    }
    for field, body in bodies.items():
        response = client.post(
            f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token)
        )
        assert response.status_code == 400, (field, response.content[:300])
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"] == [
            {"field": field, "message": "is given twice: send each field once"}
        ]
    assert not CheckIn.objects.exists()


def test_out_of_range_moments_are_422(
    client: Client, site: Site, make_patient: Callable[..., Patient]
) -> None:
    patient = make_patient(site)
    # the year as stored, in UTC: 2000-01-01T00:00+23:59 is 1999-12-31 in the database
    for moment in (
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "2999-01-01T00:00:00Z",
        "2000-01-01T00:00+23:59",
    ):
        body = {"practitioner_id": site.staff.id, "performed_at": moment}
        response = client.post(
            f"{API}/patients/{patient.id}/treatments", body, content_type="application/json", **site.headers()
        )
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "performed_at"


def test_a_number_too_long_to_read_is_422_naming_it(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A whole number of more than 4300 digits: Python's error told of sys.set_int_max_str_digits()."""
    patient = make_patient(site)
    _, token = make_treatment(site, patient)
    long = b"9" * 5001
    cases = [
        (f"{API}/patients/{patient.id}/screenings", b'{"age": ' + long + b"}", site.key, "age"),
        (f"{API}/patient/checkins", b'{"temperature_c": -' + long + b"}", token, "temperature_c"),
        (
            f"{API}/patient/checkins",
            b'{"symptoms": [{"code": "pain", "severity": ' + long + b"}]}",
            token,
            "symptoms[0].severity",
        ),
    ]
    for url, body, secret, field in cases:
        response = client.post(url, body, content_type="application/json", **link_headers(secret))
        assert response.status_code == 422, (url, response.content[:300])
        assert response["Content-Type"] == "application/problem+json"
        message = "is a number with more than 4300 digits: no answer needs that many"
        assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not CheckIn.objects.exists()


def test_a_body_that_is_no_object_or_holds_half_a_character_is_named_in_plain_words(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """pydantic's words named a class of ours: "Input should be a valid dictionary or instance of
    CheckInBody"."""
    _, token = make_treatment(site, make_patient(site))
    half = "must be text (it holds half of a character: an unpaired \\ud800 to \\udfff escape)"
    cases = [
        (b"null", "(body)", "must be a JSON object"),
        (b"[]", "(body)", "must be a JSON object"),
        (b'{"symptoms": [7]}', "symptoms[0]", "must be a JSON object"),
        (b'{"symptoms": [{"code": "\\ud800"}]}', "symptoms[0].code", half),
    ]
    for body, field, message in cases:
        response = client.post(
            f"{API}/patient/checkins", body, content_type="application/json", **link_headers(token)
        )
        assert response.status_code == 422, response.content
        assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not CheckIn.objects.exists()
