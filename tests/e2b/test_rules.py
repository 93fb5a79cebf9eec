"""The implementation guide's element rules catch a broken file (ICH's XSDs are not available: see README)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mesosafe.e2b import Case, write
from mesosafe.e2b.rules import check
from tests.e2b.conftest import HEADER, make_case
from tests.e2b.mutations import MUTATIONS, Mutation


def _without(xml: str, pattern: str) -> str:
    changed, count = re.subn(pattern, "", xml, count=1, flags=re.S)
    assert count == 1, pattern
    return changed


@pytest.mark.parametrize(
    ("pattern", "element"),
    [
        (r'(?<=<investigationEvent classCode="INVSTG" moodCode="EVN">)\s*<id [^>]*/>', "C.1.1"),
        (r"<availabilityTime [^>]*/>", "C.1.5"),
        (r"<creationTime [^>]*/>", "N.1.5"),
        (r"<originalText language=\"eng\">Lump under the skin</originalText>", "E.i.1.1a"),
        (r"<text>.*?</text>", "H.1"),
        (r"<name>NCTF 135 HA</name>", "G.k.2.2"),
        (
            r'(?<=tel:\+97143334444" />)\s*<representedOrganization[^>]*>\s*'
            r"<name>Jumeirah Skin Clinic</name>\s*</representedOrganization>",
            "C.3.2",
        ),
        (r"<outboundRelationship typeCode=\"SPRT\">.*?</outboundRelationship>", "C.2.r"),
    ],
)
def test_a_missing_required_element_is_caught(case: Case, pattern: str, element: str) -> None:
    broken = _without(write(case, HEADER).decode(), pattern)
    assert element in {v.element for v in check(broken)}


@pytest.mark.parametrize(
    ("old", "new", "element"),
    [
        (
            'code="2" codeSystem="2.16.840.1.113883.3.989.2.1.1.11"',
            'code="9" codeSystem="2.16.840.1.113883.3.989.2.1.1.11"',
            "E.i.7",
        ),
        ('code="023"', 'code="999"', "G.k.4.r.10.2b"),
        (
            'code="3" codeSystem="2.16.840.1.113883.3.989.2.1.1.7"',
            'code="8" codeSystem="2.16.840.1.113883.3.989.2.1.1.7"',
            "C.3.1",
        ),
        ('<availabilityTime value="20261103"', '<availabilityTime value="2026"', "C.1.5"),
    ],
)
def test_a_value_outside_its_code_list_or_precision_is_caught(
    case: Case, old: str, new: str, element: str
) -> None:
    xml = write(case, HEADER).decode()
    assert old in xml
    assert element in {v.element for v in check(xml.replace(old, new))}


def test_a_second_c11_is_a_cardinality_violation(case: Case) -> None:
    xml = write(case, HEADER).decode()
    twice = xml.replace(
        '<code code="PAT_ADV_EVNT"',
        '<id extension="X" root="2.16.840.1.113883.3.989.2.1.3.1" /><code code="PAT_ADV_EVNT"',
        1,
    )
    assert any(v.element == "C.1.1" and "at most 1" in v.message for v in check(twice))


def test_causality_must_point_at_a_reaction_and_a_product(case: Case) -> None:
    broken = re.sub(
        r'(<adverseEffectReference[^>]*>\s*<id root=")r-1', r"\1r-404", write(case, HEADER).decode()
    )
    assert "G.k.9.i.1" in {v.element for v in check(broken)}


def test_the_other_senders_fixture_passes_what_it_holds() -> None:
    xml = (Path(__file__).parent / "fixtures" / "other_sender_batch.xml").read_bytes()
    elements = {v.element for v in check(xml)}
    assert "C.1.5" not in elements and "G.k.2.2" not in elements
    assert {"C.2.r", "E.i.7"} <= elements  # it sends no primary source, and its first reaction no outcome


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_a_value_the_reader_refuses_is_a_violation_naming_its_element(case: Case, mutation: Mutation) -> None:
    assert mutation.element in {v.element for v in check(mutation.apply(write(case, HEADER).decode()))}


def test_an_impossible_birth_date_says_it_is_no_day() -> None:
    xml = (
        write(make_case(), HEADER)
        .decode()
        .replace('<birthTime value="19900402"', '<birthTime value="19870230"')
    )
    (violation,) = check(xml)
    assert violation.element == "D.2.1" and "'19870230' is not on the calendar" in violation.message


def test_partial_dates_are_no_violation() -> None:
    xml = write(make_case(), HEADER).decode()
    assert check(xml.replace('<low value="20261019"', '<low value="202610"')) == []
