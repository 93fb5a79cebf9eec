from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import mesosafe.portal
from mesosafe.knowledge import Disposition, load
from tests.pages_fixtures import Case

CSS = Path(mesosafe.portal.__file__).parent / "static" / "mesosafe" / "css" / "site.css"


def test_home_shows_next_checkin_and_links(case: Case, client: Client) -> None:
    page = client.get(case.url()).content.decode()
    assert "Hello <bdi>Amal</bdi>" in page
    assert "Next check-in" in page and "Due " in page
    assert f'href="/p/{case.token}/checkin/"' in page
    assert 'href="tel:998"' in page  # the emergency number is on every patient page


def test_home_links_the_latest_checkin(case: Case, client: Client) -> None:
    stored = case.checkin([{"code": "redness"}])
    page = client.get(case.url()).content.decode()
    assert f"/p/{case.token}/checkin/{stored.id}/" in page


@pytest.mark.parametrize(
    ("symptoms", "level"),
    [
        ([{"code": "breathing_difficulty"}], "emergency"),
        ([{"code": "pus"}], "urgent"),
        ([{"code": "redness", "trend": "worse"}], "contact_clinic"),
        ([{"code": "redness"}], "self_care"),
    ],
)
def test_the_last_checkin_shows_its_result(
    case: Case, client: Client, symptoms: list[dict[str, Any]], level: str
) -> None:
    stored = case.checkin(symptoms)
    assert stored.disposition == level
    page = client.get(case.url()).content.decode()
    card = page[page.index('id="last-checkin"') :]
    card = card[: card.index("</section>")]
    label = next(d.label.en for d in load().triage.dispositions if d.code.value == level)
    assert f'<span class="badge {level}">{label}</span>' in card
    assert f'class="card level-{level}"' in page


def test_each_result_has_its_colour() -> None:
    """The card's level classes have rules, in the colours of the verdicts and the badges."""
    css = CSS.read_text(encoding="utf-8")
    colours = {"emergency": "--emergency", "urgent": "--urgent", "contact_clinic": "--contact"}
    colours["self_care"] = "--selfcare"
    for level in Disposition:
        colour = colours[level.value]
        assert re.search(
            rf"\.card\.level-{level.value} \{{[^}}]*border-inline-start: 6px solid var\({colour}\)", css
        )
        assert re.search(rf"\.badge\.{level.value} \{{ background: var\({colour}\)", css)
        assert re.search(rf"\.level-{level.value}\.verdict[^{{]*\{{ background: var\({colour}\)", css)


def test_the_last_checkin_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    case.checkin([{"code": "pus"}])
    page = client.get(case.url()).content.decode()
    label = next(d.label.ar for d in load().triage.dispositions if d.code.value == "urgent")
    assert f'<span class="badge urgent">{label}</span>' in page
