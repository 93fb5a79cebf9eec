"""A complication as an ICH E2B(R3) case (`mesosafe.e2b`), after the regional minimum is checked.

A report a UAE or UK regulator accepts needs an identifiable reporter, an identifiable patient, a reaction
and a suspect product; a complication lacking one is refused with the record's field named, never sent as
an invalid file. The case id (C.1.1) is the clinic's country, the clinic and the complication; its version
(C.1.5) is the moment of the complication's last change, to the second in the clinic's time zone, so an update
makes a new version that sorts after the old one even on the same day; the batch (N.1.2) and message
(N.2.r.1) ids carry that moment too (in UTC), one pair per version.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from mesosafe.complications.models import Complication
from mesosafe.e2b import Case, Causality, Drug, Header, Patient, Reaction, Reporter, Sender, write
from mesosafe.e2b.codes import ROUTE_INTRADERMAL, Outcome, Qualification, Seriousness
from mesosafe.errors import DomainError
from mesosafe.knowledge import KnowledgeBase, load

OUTCOMES = {
    "recovered": Outcome.RECOVERED,
    "recovering": Outcome.RECOVERING,
    "not_recovered": Outcome.NOT_RECOVERED,
    "recovered_with_sequelae": Outcome.RECOVERED_WITH_SEQUELAE,
    "fatal": Outcome.FATAL,
    "unknown": Outcome.UNKNOWN,
}
SERIOUSNESS = {
    "hospitalisation": Seriousness.HOSPITALISATION,
    "disability": Seriousness.DISABILITY,
    "life_threatening": Seriousness.LIFE_THREATENING,
    "disfigurement": Seriousness.OTHER_MEDICALLY_IMPORTANT,  # not an ICH criterion of its own
    "other_medically_important": Seriousness.OTHER_MEDICALLY_IMPORTANT,
}


def seriousness_criteria(complication: Complication) -> frozenset[Seriousness]:
    """The reason given, and death when the outcome was fatal (E.i.3.2a, a criterion of its own)."""
    if not complication.serious:
        return frozenset()
    death = {Seriousness.DEATH} if complication.outcome == "fatal" else set()
    return frozenset({SERIOUSNESS[complication.serious_reason], *death})


RELATEDNESS = {
    "not_related": "not related",
    "unlikely": "unlikely related",
    "possibly": "possibly related",
    "probably": "probably related",
    "definitely": "related",
}


def report_id(complication: Complication) -> str:
    clinic = complication.treatment.patient.clinic
    return f"{clinic.country}-MESOSAFE{clinic.id}-{complication.id}"


def check_minimum(complication: Complication) -> None:
    """The regional minimum; a DomainError names the record's field that is missing (the API: a 422)."""
    treatment = complication.treatment
    practitioner = treatment.practitioner
    if not (practitioner.user.get_full_name() or practitioner.licence_number):
        raise DomainError(
            "practitioner", "the reporter needs a name or a licence number on their staff record"
        )
    if not treatment.patient.clinic.country:
        raise DomainError("clinic.country", "the reporter's country is needed")
    if not complication.symptom_codes:
        raise DomainError("symptom_codes", "a report needs at least one reaction: record the symptoms")
    if not treatment.products.exists():
        raise DomainError("treatment.products", "a report needs the suspect product: the treatment has none")


def case(complication: Complication) -> Case:
    check_minimum(complication)
    treatment = complication.treatment
    patient = treatment.patient
    clinic = patient.clinic
    zone = ZoneInfo(clinic.time_zone)
    kb = load()
    treated_on = treatment.performed_at.astimezone(zone).date()
    changed = version(complication)
    words = described(complication)
    reactions = tuple(
        Reaction(
            id=f"complication-{complication.id}-{code}",
            reported_term=reported_term(_english_name(kb, code), words.get(code)),
            language=language_of(words.get(code, "")),
            onset=complication.onset_date,
            end=complication.outcome_date
            if complication.outcome in ("recovered", "recovered_with_sequelae")
            else None,
            seriousness=seriousness_criteria(complication),
            outcome=OUTCOMES[complication.outcome],
        )
        for code in dict.fromkeys(complication.symptom_codes)  # once each: a reaction's id is its code
    )
    drugs = tuple(
        Drug(
            id=f"product-use-{line.id}",
            name=line.batch.product.name,
            lot=line.batch.lot_number,
            dose_value=line.volume_ml,
            dose_unit="mL",
            route=ROUTE_INTRADERMAL,
            start=treated_on,
            end=treated_on,
        )
        for line in treatment.products.select_related("batch__product").order_by("id")
    )
    user = treatment.practitioner.user
    return Case(
        safety_report_id=report_id(complication),
        created=timezone.now(),
        first_received=complication.created_at.astimezone(zone).date(),
        most_recent=changed.date(),
        most_recent_at=changed,
        sender=Sender(organisation=clinic.name, country=clinic.country, phone=clinic.phone or None),
        patient=Patient(initials=_initials(patient.name), birth_date=patient.date_of_birth),
        narrative=_narrative(
            complication,
            treated_on.isoformat(),
            _terms(kb, list(dict.fromkeys(complication.symptom_codes)), words),
        ),
        reactions=reactions,
        drugs=drugs,
        causalities=tuple(
            Causality(
                drug.id,
                reaction.id,
                "Treating practitioner",
                "Global introspection",
                RELATEDNESS[complication.relatedness],
            )
            for drug in drugs
            for reaction in reactions
        ),
        reporters=(
            Reporter(
                given=user.first_name or None,
                family=user.last_name or None,
                organisation=clinic.name,
                country=clinic.country,
                qualification=Qualification.OTHER_HEALTH_PROFESSIONAL,
            ),
        ),
        expedited=complication.serious,
    )


# E.i.1.1a is at most 250 characters; the patient's description is at most 200 (engines.inputs)
REPORTED_TERM_LENGTH = 250
# Unicode's direction marks, embeddings, overrides and isolates: invisible, they would reorder the term as
# a regulator's viewer shows it (a description may hold them: a page isolates the words, a report cannot)
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def described(complication: Complication) -> dict[str, str]:
    """The patient's own words for the codes they described (Complication.own_words), as one line of plain
    text without direction controls."""
    words = {code: " ".join(text.translate(_BIDI).split()) for code, text in complication.own_words().items()}
    return {code: text for code, text in words.items() if text}


def reported_term(name: str, words: str | None) -> str:
    """E.i.1.1a: the reaction as reported. For a symptom the patient described ('something else') that is
    their own words, the only thing that says what the reaction was; never MedDRA-coded here."""
    if not words:
        return name
    return words[:REPORTED_TERM_LENGTH]


def language_of(words: str) -> str:
    """E.i.1.1b (ISO 639-2): Arabic when the words hold Arabic letters (its digits and commas alone say no
    language); English (the knowledge base's names, and the default) otherwise."""
    return "ara" if any(c.isalpha() and _ARABIC.match(c) for c in words) else "eng"  # letters: not '٣', '،'


def version(complication: Complication) -> datetime:
    """C.1.5: the last change, to the second (E2B's precision), in the clinic's time zone; the record of a
    report keeps it as its `report_version`."""
    zone = ZoneInfo(complication.treatment.patient.clinic.time_zone)
    changed = complication.updated_at or complication.created_at
    return changed.astimezone(zone).replace(microsecond=0)


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split() if part)[:10].upper()


def _english_name(kb: KnowledgeBase, code: str) -> str:
    """A symptom's English name; a code the knowledge base no longer holds is shown as stored."""
    return kb.effects[code].name.en if code in kb.effects else code


def _terms(kb: KnowledgeBase, codes: list[str], words: dict[str, str]) -> list[str]:
    """The reactions in the narrative (H.1, English): each name, and the patient's words where given."""
    names = [_english_name(kb, code) for code in codes]
    return [
        f"{name} (in the patient's words: \u201c{words[code]}\u201d)" if words.get(code) else name
        for name, code in zip(names, codes, strict=True)
    ]


def _narrative(complication: Complication, treated_on: str, terms: list[str]) -> str:
    treatment = complication.treatment
    products = ", ".join(
        f"{u.batch.product.name} lot {u.batch.lot_number} {u.volume_ml} mL"
        for u in treatment.products.select_related("batch__product").order_by("id")
    )
    parts = [
        f"Mesotherapy on {treated_on} ({', '.join(treatment.areas) or 'area not recorded'}; {products}).",
        f"Onset {complication.onset_date.isoformat()}: {', '.join(terms)}; grade {complication.grade}.",
        f"Outcome: {complication.outcome.replace('_', ' ')}"
        + (f" on {complication.outcome_date.isoformat()}." if complication.outcome_date else "."),
        f"Practitioner's assessment: {RELATEDNESS[complication.relatedness]} to the treatment.",
    ]
    if complication.suspected_infection:
        parts.append("Infection suspected.")
    if complication.action_taken:
        parts.append(f"Action taken: {complication.action_taken}")
    return " ".join(parts)


def icsr_xml(complication: Complication, receiver: str = "REGULATOR") -> bytes:
    made = case(complication)
    clinic = complication.treatment.patient.clinic
    version_id = f"{made.safety_report_id}-{version(complication).astimezone(UTC):%Y%m%dT%H%M%SZ}"
    header = Header(
        batch_id=version_id,
        sender_id=f"MESOSAFE-CLINIC-{clinic.id}",
        receiver_id=receiver,
        created=made.created,
        message_id=version_id,
    )
    return write(made, header)
