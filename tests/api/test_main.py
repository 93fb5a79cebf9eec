"""What every answer of the API carries, whatever its route: `Cache-Control: private, no-store`, so no
browser or client HTTP cache keeps patient data on disk."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers


def test_every_api_answer_is_private_and_not_stored(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    patient = make_patient(site)
    treatment, token = make_treatment(site, patient)
    answers = {
        "staff read": client.get(f"{API}/patients/{patient.id}", **site.headers()),
        "staff list": client.get(f"{API}/patients?limit=5", **site.headers()),
        "staff HEAD": client.head(f"{API}/treatments/{treatment.id}", **site.headers()),
        "patient read": client.get(f"{API}/patient/me", **link_headers(token)),
        "FHIR bundle": client.get(f"{API}/patients/{patient.id}/fhir", **site.headers()),
        "not found": client.get(f"{API}/patients/999999", **site.headers()),
        "no key": client.get(f"{API}/patients/{patient.id}"),
        "refused body": client.post(f"{API}/patients", "{", "application/json", **site.headers()),
        "wrong method": client.delete(f"{API}/patient/me", **link_headers(token)),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "staff read": 200,
        "staff list": 200,
        "staff HEAD": 200,
        "patient read": 200,
        "FHIR bundle": 200,
        "not found": 404,
        "no key": 401,
        "refused body": 400,
        "wrong method": 405,
    }
    caching = {name: answer.get("Cache-Control") for name, answer in answers.items()}
    assert caching == dict.fromkeys(answers, "private, no-store")


def _refusal(answer: Any) -> tuple[int, str, str]:
    error = answer.json()["errors"][0]
    return answer.status_code, error["field"], error["message"]


def test_a_read_refuses_a_query_parameter_it_does_not_take_naming_it(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A misspelt filter was ignored, and the answer held every record as if it had been applied."""
    patient = make_patient(site)
    make_treatment(site, patient)
    lot = site.batch.lot_number
    typo = client.get(f"{API}/patients?clinc=2", **site.headers())
    assert typo["Content-Type"] == "application/problem+json"
    assert _refusal(typo) == (400, "clinc", "is not a parameter of this endpoint (it takes: limit, offset)")
    filter_typo = client.get(f"{API}/batches/{lot}/recall/patients?reachd=false", **site.headers())
    assert _refusal(filter_typo)[:2] == (400, "reachd")
    assert "reached" in _refusal(filter_typo)[2]
    one = client.get(f"{API}/patients/{patient.id}?expand=all", **site.headers())
    assert _refusal(one) == (400, "expand", "is not a parameter of this endpoint (it takes: none)")
    head = client.head(f"{API}/patients?clinc=2", **site.headers())
    assert head.status_code == 400 and head.content == b""


def test_a_query_parameter_without_a_name_is_named_as_the_query(client: Client, site: Site) -> None:
    """`?=x` was refused naming an empty field (detail ": is not a parameter …")."""
    unnamed = client.get(f"{API}/patients?=x", **site.headers())
    message = "is not a parameter of this endpoint (it takes: limit, offset)"
    assert _refusal(unnamed) == (400, "(query)", message)
    assert unnamed.json()["detail"].startswith("(query): ")
    assert client.get(f"{API}/patients?&limit=1&", **site.headers()).status_code == 200  # empty pairs: none


def test_the_parameters_a_read_takes_are_let_through(client: Client, site: Site) -> None:
    lot = site.batch.lot_number
    assert client.get(f"{API}/patients?limit=5&offset=0", **site.headers()).status_code == 200
    recall = client.get(f"{API}/batches/{lot}/recall/patients?reached=false&limit=5", **site.headers())
    assert recall.status_code == 200
    assert client.get(f"{API}/openapi.json?x=1").status_code == 200  # the schema is no record's read


def test_a_write_is_not_refused_for_a_query_parameter(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """A check-in is never refused for something it does not read (what a write takes is in its body)."""
    _, token = make_treatment(site, make_patient(site))
    url = f"{API}/patient/checkins?v=2"
    sent = client.post(url, {"symptoms": []}, "application/json", **link_headers(token))
    assert sent.status_code == 201


def _sample(parameter: dict[str, Any]) -> str:
    """A value of a documented query parameter's type."""
    kinds = {option.get("type") for option in [parameter["schema"], *parameter["schema"].get("anyOf", [])]}
    return "false" if "boolean" in kinds else "1"


def test_every_read_in_the_schema_takes_its_documented_parameters_and_refuses_others(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    """Walks the OpenAPI document: each GET's documented query parameters are let through (an answer that is
    no 400 naming one), and any other is refused naming it, on every read, not only those tried above. The
    query is judged once the caller is authenticated: a patient's reads with a link token."""
    _, token = make_treatment(site, make_patient(site))
    schema = client.get(f"{API}/openapi.json").json()
    reads = {path: ops["get"] for path, ops in schema["paths"].items() if "get" in ops}
    assert len(reads) > 15
    for template, operation in reads.items():
        url = API + re.sub(r"\{[^}]+\}", "1", template.removeprefix("/api/v1"))
        headers = link_headers(token) if template.startswith("/api/v1/patient/") else site.headers()
        documented = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        query = "&".join(f"{p['name']}={_sample(p)}" for p in documented)
        taken = client.get(f"{url}?{query}" if query else url, **headers)
        if taken.status_code == 400:
            fields = {e["field"] for e in taken.json()["errors"]}
            assert not fields & {p["name"] for p in documented}, (template, taken.json())
        refused = client.get(f"{url}?not_a_parameter=1", **headers)
        assert refused.status_code == 400, template
        assert refused.json()["errors"][0]["field"] == "not_a_parameter", template


def test_a_client_without_credentials_gets_401_whatever_its_query(client: Client, site: Site) -> None:
    """A bad query was judged first: a client without a key got 400 listing the parameters a read takes."""
    many = "&".join(f"a{i}=1" for i in range(1001))
    queries = ["clinc=2", "limit=1&limit=2", "limit=1%00", "=x", many]
    for query in queries:
        for method in (client.get, client.head):
            answer = method(f"{API}/patients?{query}")
            assert answer.status_code == 401, (query[:20], method)
            assert answer["WWW-Authenticate"] == "Bearer"
    wrong_key = client.get(f"{API}/patients?clinc=2", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong_key.status_code == 401
    assert client.get(f"{API}/patient/me?x=1", HTTP_AUTHORIZATION="Bearer nope").status_code == 404  # a link
    authenticated = client.get(f"{API}/patients?limit=1&limit=2", **site.headers())
    assert _refusal(authenticated) == (400, "limit", "is given twice: send each parameter once")
    assert client.get(f"{API}/openapi.json?x=1&x=2").status_code == 400  # no credentials asked there
