"""A request's JSON body: read with each key once per object, and places in it named as every field error
names them ('symptoms[0].code', `errors.field_path`).

Python's json keeps the last of repeated keys, so {"symptoms": [<a red flag>], "symptoms": []} was read,
triaged and stored as no symptoms at all. Documents are walked with a stack, not recursion: a body nested
as deep as the JSON parser allows is walked all the same."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from mesosafe.errors import field_path

# Where a value sits, innermost step first: (where its parent sits, its key or index); None is the body
Trail: TypeAlias = "tuple[Trail, int | str] | None"


class RepeatedKey(ValueError):
    """A key given twice in one object; `field` is its path, e.g. 'symptoms[0].code'."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class LongNumber(ValueError):
    """A whole number written with more digits than Python converts (`DIGITS`, 4300): no field needs a
    tenth of them. `field` is where it is, e.g. 'age'."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def digits() -> int:
    """How many digits a whole number may have: Python's limit (0 is none)."""
    return sys.get_int_max_str_digits()


# What a LongNumber's field is told, after its name
LONG_NUMBER = f"is a number with more than {digits()} digits: no answer needs that many"


def loads(text: str) -> Any:
    """The JSON document; RepeatedKey naming the first object (in document order) that repeats a key, or
    LongNumber the first whole number too long to read (Python's own error for it speaks of
    sys.set_int_max_str_digits(), which tells a person nothing)."""
    try:
        return json.loads(text, object_pairs_hook=_once_each)
    except _KeyTwice:
        pass
    except json.JSONDecodeError:
        raise
    except ValueError:  # Python's limit on a whole number's digits
        if not digits():
            raise
    # Refused bodies only: read again, marking the objects with a repeat and the numbers too long to read,
    # to find where the first one is
    marked = json.loads(text, object_pairs_hook=_marking_repeats, parse_int=_marking_long)
    raise _first_refusal(marked)


def walk(value: Any) -> Iterator[tuple[Trail, Any]]:
    """Every value of a JSON document with its trail, a parent before its children, first field first."""
    todo: list[tuple[Trail, Any]] = [(None, value)]
    while todo:
        trail, item = todo.pop()
        yield trail, item
        if isinstance(item, dict):
            todo.extend(((trail, key), child) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            todo.extend(((trail, index), item[index]) for index in range(len(item) - 1, -1, -1))


def name(trail: Trail) -> str:
    """The field a trail leads to, e.g. 'symptoms[0].code'; '(body)' for the body itself."""
    parts: list[int | str] = []
    while trail is not None:
        trail, part = trail
        parts.append(part)
    return field_path(reversed(parts)) or "(body)"


class _KeyTwice(ValueError):
    pass


class _Long:
    """A whole number with more digits than Python converts."""


_LONG = _Long()


def _marking_long(written: str) -> int | _Long:
    return _LONG if len(written.lstrip("-")) > digits() else int(written)


class _Repeats(dict[str, Any]):
    """An object that names `key` more than once."""

    key = ""


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        raise _KeyTwice
    return found


def _marking_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    marked = _Repeats(found)
    marked.key = _first_twice(key for key, _ in pairs)
    return marked


def _first_twice(keys: Iterable[str]) -> str:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return ""


def _first_refusal(document: Any) -> RepeatedKey | LongNumber:
    for trail, item in walk(document):
        if isinstance(item, _Repeats):
            return RepeatedKey(name((trail, item.key)))
        if item is _LONG:
            return LongNumber(name(trail))
    raise AssertionError("not reached: the first reading found one or the other")
