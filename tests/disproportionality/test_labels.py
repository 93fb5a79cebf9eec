from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesosafe.disproportionality.labels import is_blank, label_codes, normalise


@pytest.mark.parametrize(
    ("written", "name"),
    [
        (" A ", "a"),
        ("Vitamin\tC  Serum", "vitamin c serum"),
        ("cre\u0300me", "crème"),  # decomposed è becomes the composed one
        ("ACIDE\u00a0HYALURONIQUE", "acide hyaluronique"),  # a no-break space is white space
        ("حمض الهيالورونيك", "حمض الهيالورونيك"),  # no case: unchanged
    ],
)
def test_normalise(written: str, name: str) -> None:
    assert normalise(written) == name


@given(st.text())
def test_normalising_twice_changes_nothing_and_gives_nfc(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once and unicodedata.is_normalized("NFC", once)


def test_blank() -> None:
    assert is_blank(None) and is_blank("") and is_blank(" \t\u00a0") and not is_blank(" x ")


def test_codes_follow_the_sorted_names_and_spellings_share_them() -> None:
    codes = label_codes(["b", " B", "a"])
    assert codes.names.to_pydict() == {"code": [1, 2], "name": ["a", "b"]}
    assert codes.codes.to_pydict() == {"label": ["b", " B", "a"], "code": [2, 2, 1]}
    as_written = label_codes(["b", " B", "a"], "as-written")
    assert as_written.names.column("name").to_pylist() == [" B", "a", "b"]
