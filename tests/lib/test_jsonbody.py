"""A JSON body is read with each key once per object; a repeat is named by its path, however deep."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mesosafe.lib.jsonbody import LongNumber, RepeatedKey, loads, name, walk


def test_a_body_without_repeats_reads_as_json() -> None:
    text = '{"symptoms": [{"code": "pain", "severity": "mild"}], "temperature_c": 37.5, "note": null}'
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"a": 1, "a": 2}', "a"),
        ('{"symptoms": [{"code": "a", "code": "b"}]}', "symptoms[0].code"),
        ('{"a": {"b": [0, {"c": {"d": 1, "d": 2}}]}}', "a.b[1].c.d"),
        ('[[{"x": 1}], [{"x": 1, "y": 2, "y": 3, "x": 4}]]', "[1][0].y"),
        ('{"a": [{"b": 1, "b": 2}], "c": {"d": 1, "d": 2}}', "a[0].b"),
        ('{"a": {"b": 1, "b": 2}, "a": 3}', "a"),
    ],
)
def test_a_repeated_key_is_named_by_its_path(text: str, field: str) -> None:
    with pytest.raises(RepeatedKey) as refused:
        loads(text)
    assert refused.value.field == field


LONG = "9" * 4301  # one digit more than Python converts to a whole number


@pytest.mark.parametrize(
    ("text", "refusal", "field"),
    [
        ('{"age": ' + LONG + "}", LongNumber, "age"),
        ('{"a": [1, {"b": -' + LONG + "}]}", LongNumber, "a[1].b"),
        (LONG, LongNumber, "(body)"),
        # the first refusal in the body is named, an object before what it holds
        ('{"a": 1, "b": ' + LONG + ', "a": 2}', RepeatedKey, "a"),
        ('{"a": ' + LONG + ', "b": {"c": 1, "c": 2}}', LongNumber, "a"),
    ],
)
def test_a_whole_number_too_long_to_read_is_named_by_its_path(text: str, refusal: type, field: str) -> None:
    """Python's own error for it ('use sys.set_int_max_str_digits()') is for a developer."""
    with pytest.raises(refusal) as refused:
        loads(text)
    assert refused.value.field == field


def test_the_longest_whole_number_and_any_long_decimal_are_read() -> None:
    assert loads('{"n": ' + "9" * 4300 + "}")["n"] == 10**4300 - 1
    assert loads('{"n": 1.' + "0" * 5000 + "}")["n"] == 1.0


def test_a_repeat_after_which_the_body_is_broken_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        loads('{"a": {"b": 1, "b": 2}, ')


def test_walk_names_every_value_first_field_first() -> None:
    found = [(name(trail), item) for trail, item in walk({"a": [1, {"b": "x"}], "c": None})]
    assert found == [
        ("(body)", {"a": [1, {"b": "x"}], "c": None}),
        ("a", [1, {"b": "x"}]),
        ("a[0]", 1),
        ("a[1]", {"b": "x"}),
        ("a[1].b", "x"),
        ("c", None),
    ]


def test_walk_goes_deeper_than_python_recurses() -> None:
    body: Any = {"k": 1}
    for _ in range(50_000):
        body = [body]
    *_, (trail, innermost) = walk(body)
    assert innermost == 1 and name(trail) == "[0]" * 50_000 + ".k"
