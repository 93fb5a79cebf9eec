"""The definitions the exported records point to: mesosafe's CodeSystems and the two Questionnaires.

Built from the knowledge base, in both languages (English display, Arabic as a designation or a translation
extension), versioned by the knowledge-base version.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mesosafe.engines.inputs import DESCRIPTION_LENGTH
from mesosafe.engines.triage import effect_reasons
from mesosafe.fhir.codes import (
    CHECKIN_QUESTIONNAIRE,
    SCREENING_QUESTIONNAIRE,
    SYSTEMS,
    TRANSLATION,
    UCUM,
)
from mesosafe.knowledge import KnowledgeBase, Severity, Trend
from mesosafe.knowledge.schema import Text
from mesosafe.patients.questions import SCREENING_QUESTIONS as ASKS

# Question and answer texts come from the pages' catalogue (the words the patient saw), in both languages.
QUESTIONS = {
    "reported": _("Present"),
    "severity": _("How bad is it?"),
    "trend": _("Since yesterday it is"),
    "spreading": _("Is it spreading?"),
    "description": _("What is it?"),
    "temperature_c": _("Temperature (°C), if you measured it"),
}
ANSWERS: dict[Severity | Trend, Promise] = {
    Severity.MILD: _("Mild"),
    Severity.MODERATE: _("Moderate"),
    Severity.SEVERE: _("Severe"),
    Trend.IMPROVING: _("Better"),
    Trend.SAME: _("The same"),
    Trend.WORSE: _("Worse"),
}


def both(message: Promise | str) -> Text:
    """A catalogue entry in English and Arabic."""
    with translation.override("en"):
        english = str(message)
    with translation.override("ar"):
        arabic = str(message)
    return Text(en=english, ar=arabic)


OBSERVATIONS = {
    "triage-disposition": "Check-in triage result",
    "screening-decision": "Screening decision",
    "reason": "A reason for the result",
    "kb-version": "Knowledge-base version",
    "defer-days": "Defer (days)",
}
STAFF_ROLES = {"practitioner": "Practitioner", "clinic_admin": "Clinic administrator"}


def _ar(text: str) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [{"url": "lang", "valueCode": "ar"}, {"url": "content", "valueString": text}],
            }
        ]
    }


def _concept(code: str, text: Text | str) -> dict[str, Any]:
    if isinstance(text, str):
        return {"code": code, "display": text}
    return {"code": code, "display": text.en, "designation": [{"language": "ar", "value": text.ar}]}


def _code_system(name: str, title: str, kb: KnowledgeBase, concepts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": f"mesosafe-{name}",
        "url": SYSTEMS[name],
        "version": kb.version,
        "name": "Mesosafe" + "".join(part.title() for part in name.split("-")),
        "title": title,
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "count": len(concepts),
        "concept": concepts,
    }


_RULES: dict[str, dict[str, Text]] = {}


def rule_texts(kb: KnowledgeBase) -> dict[str, Text]:
    """Every rule id of the knowledge base, with the reason it gives, in both languages."""
    if kb.version not in _RULES:
        _RULES[kb.version] = _rules(kb)
    return _RULES[kb.version]


def _rules(kb: KnowledgeBase) -> dict[str, Text]:
    rules: dict[str, Text] = {rule.id: rule.reason for rule in kb.triage.course_rules.rules}
    rules |= {flag.id: flag.reason for flag in kb.triage.red_flags}
    rules |= {rule.id: rule.reason for effect in kb.effects.values() for rule in effect.escalate}
    rules |= {rule.id: rule.reason for rule in kb.screening.rules}
    for effect in kb.effects.values():
        rules |= effect_reasons(effect, kb)
    return rules


def code_systems(kb: KnowledgeBase) -> list[dict[str, Any]]:
    rules = rule_texts(kb)
    return [
        _code_system(
            "symptom", "mesosafe symptoms", kb, [_concept(e.code, e.name) for e in kb.effects.values()]
        ),
        _code_system(
            "disposition",
            "mesosafe check-in dispositions",
            kb,
            [_concept(d.code.value, d.label) for d in kb.triage.dispositions],
        ),
        _code_system(
            "decision",
            "mesosafe screening decisions",
            kb,
            [_concept(d.code.value, d.label) for d in kb.screening.decisions],
        ),
        _code_system(
            "rule",
            "mesosafe knowledge-base rules",
            kb,
            [_concept(code, text) for code, text in sorted(rules.items())],
        ),
        _code_system(
            "answer",
            "mesosafe check-in answers",
            kb,
            [_concept(str(code), both(text)) for code, text in ANSWERS.items()],
        ),
        _code_system(
            "observation",
            "mesosafe observations",
            kb,
            [_concept(code, text) for code, text in OBSERVATIONS.items()],
        ),
        _code_system(
            "staff-role",
            "mesosafe staff roles",
            kb,
            [_concept(code, text) for code, text in STAFF_ROLES.items()],
        ),
    ]


def _item(link_id: str, label: Text | Promise, kind: str, **more: Any) -> dict[str, Any]:
    text = label if isinstance(label, Text) else both(label)
    return {
        "linkId": link_id,
        "text": text.en,
        "_text": _ar(text.ar),
        "type": kind,
        "required": False,
        **more,
    }


def _options(values: list[Severity] | list[Trend]) -> list[dict[str, Any]]:
    return [
        {"valueCoding": {"system": SYSTEMS["answer"], "code": str(v), "display": both(ANSWERS[v]).en}}
        for v in values
    ]


def _follow_up(code: str, question: str) -> dict[str, Any]:
    """One of the follow-up questions the knowledge base asks about a symptom."""
    if question == "spreading":
        return _item(f"{code}.spreading", QUESTIONS["spreading"], "boolean")
    options: list[Severity] | list[Trend] = list(Severity) if question == "severity" else list(Trend)
    return _item(f"{code}.{question}", QUESTIONS[question], "choice", answerOption=_options(options))


def _description(code: str) -> dict[str, Any]:
    """The patient's own words for a symptom the knowledge base lets them describe (`describe`)."""
    return _item(f"{code}.description", QUESTIONS["description"], "string", maxLength=DESCRIPTION_LENGTH)


def checkin_questionnaire(kb: KnowledgeBase) -> dict[str, Any]:
    """One optional group per symptom: whether the patient has it, then the follow-up questions the knowledge
    base asks about it (none for a warning sign). A response holds only what the patient answered."""
    groups = [
        _item(
            effect.code,
            effect.name,
            "group",
            code=[{"system": SYSTEMS["symptom"], "code": effect.code}],
            item=[
                _item(f"{effect.code}.reported", QUESTIONS["reported"], "boolean"),
                *(_follow_up(effect.code, str(question)) for question in effect.asks),
                *([_description(effect.code)] if effect.describe else []),
            ],
        )
        for effect in kb.effects.values()
    ]
    temperature = _item(
        "temperature_c",
        QUESTIONS["temperature_c"],
        "quantity",
        extension=[
            {
                "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
                "valueCoding": {"system": UCUM, "code": "Cel", "display": "°C"},
            }
        ],
    )
    return _questionnaire("checkin", CHECKIN_QUESTIONNAIRE, "mesosafe check-in", kb, [*groups, temperature])


SCREENING_ITEMS: list[tuple[str, str, Promise]] = [
    ("age", "integer", _("Age (years)")),
    ("pregnant", "boolean", ASKS["pregnant"]),
    ("breastfeeding", "boolean", ASKS["breastfeeding"]),
    ("allergies", "string", ASKS["allergies"]),
    ("formulation", "string", _("Ingredients of the product to be used")),
    ("medications", "group", _("Medicines and supplements")),
    ("conditions", "string", ASKS["conditions"]),
    ("sun_exposure_days_ago", "decimal", _("Days since strong sun")),
    ("skin_irritants_days_ago", "decimal", _("Days since a peel, retinoid or harsh scrub")),
    *(
        (name, "boolean", ASKS[name])
        for name in (
            "active_skin_infection_at_site",
            "unresolved_bruising_from_previous_session",
            "low_pain_threshold",
            "sunburn_at_site",
            "keloid_history",
            "previous_anaphylaxis",
            "previous_mesotherapy_reaction",
        )
    ),
]
REPEATING = {"allergies", "formulation", "medications", "conditions"}


MEDICATION_ITEMS: list[tuple[str, str, Promise]] = [
    ("name", "string", _("Medicine or supplement")),
    ("last_taken_days_ago", "decimal", _("Days since last taken")),
    ("prescribed", "boolean", _("A doctor prescribed it")),
]


def screening_questionnaire(kb: KnowledgeBase) -> dict[str, Any]:
    items = [_item(name, text, kind, repeats=name in REPEATING) for name, kind, text in SCREENING_ITEMS]
    medications = next(item for item in items if item["linkId"] == "medications")
    medications["item"] = [_item(f"medications.{name}", text, kind) for name, kind, text in MEDICATION_ITEMS]
    return _questionnaire("screening", SCREENING_QUESTIONNAIRE, "mesosafe screening", kb, items)


def _questionnaire(name: str, url: str, title: str, kb: KnowledgeBase, items: list[Any]) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": f"mesosafe-{name}",
        "url": url,
        "version": kb.version,
        "name": f"Mesosafe{name.title()}",
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def definitions(kb: KnowledgeBase) -> list[dict[str, Any]]:
    return [*code_systems(kb), checkin_questionnaire(kb), screening_questionnaire(kb)]
