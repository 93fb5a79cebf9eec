"""portal/_field.html: every field's help text and error are announced, that is every id that an
aria-describedby names exists on the page and holds that text (issue 15, point 14). The forms of the patient
and the clinic pages all render their fields through this template."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.pages_fixtures import Case


class _Ids(HTMLParser):
    """Each element's id with its text, and each aria-describedby with the element that carries it."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.described: list[tuple[str, list[str]]] = []
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.text.setdefault(str(found["id"]), "")
        if found.get("aria-describedby"):
            self.described.append((str(found.get("id") or tag), str(found["aria-describedby"]).split()))
        if tag not in {"input", "br", "img", "meta", "link"}:
            self._open.append((tag, found.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.text[element_id] += data


def described(html: str) -> dict[str, list[str]]:
    """element → the texts its aria-describedby points at; fails on an id that is not on the page."""
    ids = _Ids()
    ids.feed(html)
    out = {}
    for element, targets in ids.described:
        missing = [t for t in targets if t not in ids.text]
        assert not missing, f"{element}: aria-describedby names {missing}, which are not on the page"
        out[element] = [" ".join(ids.text[t].split()) for t in targets]
    return out


def test_screening_help_texts_are_announced(case: Case, client: Client) -> None:
    page = described(client.get(case.url("screening/")).content.decode())
    assert page["id_allergies"] == ["Separate several with commas."]
    assert page["id_conditions"] == ["Separate several with commas."]


def test_screening_errors_are_announced_beside_the_help(case: Case, client: Client) -> None:
    response = client.post(case.url("screening/"), {"has_allergies": "yes", "allergies": ""})
    page = described(response.content.decode())
    help_text, error = page["id_allergies"]
    assert help_text == "Separate several with commas." and error == "Please write what you are allergic to."
    # a group of choices is described on its fieldset: each question left unanswered says so
    ids = _Ids()
    ids.feed(response.content.decode())
    fieldsets = [targets for element, targets in ids.described if element == "fieldset"]
    assert fieldsets and all(t.endswith("_error") and ids.text[t].strip() for ts in fieldsets for t in ts)


ARABIC_COMMAS = "يُرجى الفصل بين العناصر بفواصل."


def test_arabic_screening_help_is_announced_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    page = described(client.get(case.url("screening/")).content.decode())
    assert page["id_allergies"] == [ARABIC_COMMAS]


@pytest.mark.parametrize(
    ("path", "field", "help_text"),
    [
        ("/clinic/patients/new/", "id_email", "The private links and reminders are sent here."),
        ("/clinic/products/", "id_ingredients", "Separate several with commas."),
        ("/clinic/products/", "id_lot_number", "As printed on the vial."),
    ],
)
def test_clinic_help_texts_are_announced(staff_client: Client, path: str, field: str, help_text: str) -> None:
    page = described(staff_client.get(path).content.decode())
    assert page[field][0] == help_text


def test_treatment_form_help_is_announced(staff_client: Client, case: Case) -> None:
    page = described(staff_client.get(f"/clinic/patients/{case.patient.id}/treatments/new/").content.decode())
    assert page["id_areas"] == ["Separate several with commas."]
