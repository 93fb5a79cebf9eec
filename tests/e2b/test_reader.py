"""The reader takes other senders' files: several cases and versions per batch, prefixes, partial dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from mesosafe.e2b import Case, E2BError, latest_versions, read, write
from mesosafe.e2b.codes import DrugRole, Outcome, SenderType, Seriousness, Sex
from tests.e2b.conftest import HEADER
from tests.e2b.mutations import MUTATIONS, Mutation

OTHER_SENDER = (Path(__file__).parent / "fixtures" / "other_sender_batch.xml").read_bytes()


def test_every_message_of_a_batch_is_a_case_in_file_order() -> None:
    cases = read(OTHER_SENDER)
    assert [(c.safety_report_id, c.most_recent) for c in cases] == [
        ("DE-ACME-2026-001", date(2026, 10, 1)),
        ("DE-ACME-2026-001", date(2026, 10, 15)),
    ]


def test_latest_versions_keeps_the_newest_c15() -> None:
    (latest,) = latest_versions(read(OTHER_SENDER))
    assert latest.most_recent == date(2026, 10, 15)
    assert latest.reactions[0].outcome is Outcome.RECOVERED
    assert latest_versions(list(reversed(read(OTHER_SENDER))))[0].most_recent == date(2026, 10, 15)


def test_what_the_first_version_says() -> None:
    first = read(OTHER_SENDER)[0]
    assert first.sender.organisation == "ACME Pharma GmbH"
    assert first.sender.sender_type is SenderType.PHARMACEUTICAL_COMPANY and first.sender.country == "DE"
    assert first.patient.initials is None and first.patient.sex is Sex.MALE
    assert first.patient.birth_date is None  # '1985' is less precise than a day: absent, not 1 January
    (reaction,) = first.reactions
    assert (reaction.meddra_code, reaction.meddra_version, reaction.language) == ("10022045", "27.0", "deu")
    assert reaction.reported_term == "Abszess an der Einstichstelle"
    assert reaction.seriousness == {Seriousness.HOSPITALISATION} and reaction.onset is None
    assert reaction.outcome is Outcome.UNKNOWN  # no E.i.7 sent: the code list's own 'unknown'
    (drug,) = first.drugs
    assert (drug.name, drug.role, drug.route, drug.lot) == (
        "Lipolysis Cocktail X",
        DrugRole.SUSPECT,
        "058",
        None,
    )
    assert first.worldwide_id == ""  # the same as C.1.1


def test_a_reaction_with_a_code_and_no_term_is_kept() -> None:
    second = read(OTHER_SENDER)[1]
    assert second.reactions[0].meddra_code == "10022045" and second.reactions[0].reported_term == ""
    assert second.first_received == date(2026, 10, 15)  # no C.1.4: the version's date stands in


def test_a_bare_message_without_batch_is_read() -> None:
    text = OTHER_SENDER.decode()
    start, end = text.index("<hl7:PORR_IN049016UV>"), text.index("</hl7:PORR_IN049016UV>")
    bare = text[start:end].replace(
        "<hl7:PORR_IN049016UV>",
        '<hl7:PORR_IN049016UV xmlns:hl7="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        1,
    )
    assert len(read(bare + "</hl7:PORR_IN049016UV>")) == 1


@pytest.mark.parametrize(
    ("xml", "named"),
    [
        (b"<not xml", "not well-formed"),
        (b"<foo/>", "no PORR_IN049016UV"),
        (OTHER_SENDER.replace(b'<hl7:availabilityTime value="20261001"/>', b""), "C.1.5"),
        (OTHER_SENDER.replace(b'extension="DE-ACME-2026-001"', b""), "C.1.1"),
        (OTHER_SENDER.replace(b"<hl7:name>Lipolysis Cocktail X</hl7:name>", b"", 1), "G.k.2.2"),
    ],
)
def test_what_no_case_can_lack_is_an_error_naming_the_element(xml: bytes, named: str) -> None:
    with pytest.raises(E2BError, match=named):
        read(xml)


def test_entities_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(E2BError, match="well-formed"):
        read(bomb)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_a_value_its_rules_reject_is_an_error_never_a_default(case: Case, mutation: Mutation) -> None:
    """A role 7 is not a suspect drug, nor outcome 9 unknown, nor 30 February an absent date."""
    with pytest.raises(E2BError, match=rf"C.1.1 AE-MESOSAFE-1-17\): .*{re.escape(mutation.element)} "):
        read(mutation.apply(write(case, HEADER).decode()))


def test_a_product_without_its_role_is_an_error(case: Case) -> None:
    xml = re.sub(
        r'<component typeCode="COMP">\s*<causalityAssessment[^>]*>\s*<code code="20".*?</component>',
        "",
        write(case, HEADER).decode(),
        count=1,
        flags=re.S,
    )
    with pytest.raises(E2BError, match=r"product 1 \(NCTF 135 HA\): G.k.1 \(drug role\) is missing"):
        read(xml)
