"""The OpenAPI document says the rules the server enforces, so a client generated from it does not send what
the server refuses; and where a person would not mean a number (a date), a number is refused."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.service_fixtures import API, Site


@pytest.fixture
def schema(client: Client, db: Any) -> dict[str, Any]:
    document: dict[str, Any] = client.get(f"{API}/openapi.json").json()
    return document


@pytest.mark.parametrize("value", [0, 1_700_000_000, 12.5, True])
def test_a_number_is_not_a_date_of_birth(client: Client, site: Site, value: Any) -> None:
    body = json.dumps({"name": "Amal", "date_of_birth": value})
    response = client.post(f"{API}/patients", body, content_type="application/json", **site.headers())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date_of_birth"


def _strings(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "string":
            found.append((path, node))
        for key, child in node.items():
            found += _strings(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _strings(child, f"{path}[{index}]")
    return found


def _request_components(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema["components"]["schemas"]
    text = json.dumps([op.get("requestBody", {}) for ops in schema["paths"].values() for op in ops.values()])
    names = set(re.findall(r"#/components/schemas/(\w+)", text))
    grown = True
    while grown:
        more = {
            n
            for name in names
            for n in re.findall(r"#/components/schemas/(\w+)", json.dumps(components[name]))
        }
        grown = not more <= names
        names |= more
    return {name: components[name] for name in names}


def test_every_text_a_client_sends_is_said_to_be_free_of_nul(schema: dict[str, Any]) -> None:
    sent = _request_components(schema)
    assert {"PatientIn", "TreatmentIn", "CheckInBody"} <= set(sent)
    for path, node in _strings(sent, "components"):
        if {"enum", "format", "const"} & node.keys():
            continue
        pattern = node.get("pattern")
        assert pattern, f"{path} takes any text, NUL included"
        assert not re.search(pattern.replace("\\u0000", "\\x00"), "a\x00b"), path
        assert re.search(pattern.replace("\\u0000", "\\x00"), "Amal"), path


def test_dates_amounts_and_date_rules_are_in_the_schema(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    birth = components["PatientIn"]["properties"]["date_of_birth"]
    assert (
        birth["type"] == "string"
        and birth["format"] == "date"
        and "not in the future" in birth["description"]
    )
    volume = components["ProductLineIn"]["properties"]["volume_ml"]
    assert volume["type"] == "number" and volume["minimum"] == 0.01 and volume["maximum"] == 50
    performed = components["TreatmentIn"]["properties"]["performed_at"]
    assert performed["format"] == "date-time" and "2000" in performed["description"]


def test_every_get_is_declared_for_head_too(schema: dict[str, Any]) -> None:
    """The API answers HEAD wherever it answers GET (test_head): the document says so, without a body."""
    heads = 0
    for template, operations in schema["paths"].items():
        if "get" not in operations:
            assert "head" not in operations, template
            continue
        get, head = operations["get"], operations["head"]
        heads += 1
        assert list(operations).index("head") == list(operations).index("get") + 1, template
        assert head.get("parameters") == get.get("parameters") and head.get("security") == get.get("security")
        assert head["responses"].keys() == get["responses"].keys(), template
        assert all("content" not in response for response in head["responses"].values()), template
        assert head["operationId"] != get["operationId"]
    assert heads > 20
    ids = [
        operation["operationId"]
        for operations in schema["paths"].values()
        for operation in operations.values()
    ]
    assert len(ids) == len(set(ids))
