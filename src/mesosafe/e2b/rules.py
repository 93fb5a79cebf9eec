"""The ICH E2B(R3) implementation guide's element rules, checked on a file: required elements,
cardinalities, code lists and the links between sections.

ICH's XML schema files could not be obtained here (see README), so these rules, written from the guide,
are what the test suite validates every written ICSR against. `check` returns every violation, each naming
the message, the guide's element number and the XML path; an empty list is a file that passes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from mesosafe.e2b import codes as c
from mesosafe.e2b.reader import parse
from mesosafe.e2b.timestamps import ts_problem

_TS_DAY = re.compile(r"^\d{8}")
_TS_SECOND = re.compile(r"^\d{14}(\.\d+)?([+-]\d{4})?$")


@dataclass(frozen=True)
class Violation:
    where: str  # "batch" or "PORR_IN049016UV[n]"
    element: str  # the guide's element number, e.g. "C.1.5"
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.where} {self.element} ({self.path}): {self.message}"


TEXT = "#text"  # the element's own text must be non-empty
# (element number, path, minimum, maximum, attribute (or TEXT) that must be non-empty or None for presence
# alone, then a TS precision or a code list for that value)
Rule = tuple[str, str, int, int | None, str | None, object]

BATCH_RULES: list[Rule] = [
    ("N.1.2", f"id[@root='{c.OID_BATCH_ID}']", 1, 1, "extension", None),
    ("N.1.1", f"name[@codeSystem='{c.OID_MESSAGE_TYPE}']", 1, 1, "code", {"1", "2"}),
    ("N.1.3", "sender/device/id", 1, 1, "extension", None),
    ("N.1.4", "receiver/device/id", 1, 1, "extension", None),
    ("N.1.5", "creationTime", 1, 1, "value", _TS_SECOND),
    ("N.2.r", "PORR_IN049016UV", 1, None, None, None),
]

EVENT = "controlActProcess/subject/investigationEvent"
ROLE = f"{EVENT}/component/adverseEventAssessment/subject1/primaryRole"
MESSAGE_RULES: list[Rule] = [
    ("N.2.r.1", f"id[@root='{c.OID_MESSAGE_ID}']", 1, 1, "extension", None),
    ("N.2.r.2", "sender/device/id", 1, 1, "extension", None),
    ("N.2.r.3", "receiver/device/id", 1, 1, "extension", None),
    ("N.2.r.4", "creationTime", 1, 1, "value", _TS_SECOND),
    ("C.1.2", "controlActProcess/effectiveTime", 1, 1, "value", _TS_SECOND),
    ("C.1.1", f"{EVENT}/id[@root='{c.OID_MESSAGE_ID}']", 1, 1, "extension", None),
    ("C.1.8.1", f"{EVENT}/id[@root='{c.OID_WORLDWIDE_ID}']", 1, 1, "extension", None),
    ("C.1.4", f"{EVENT}/effectiveTime/low", 1, 1, "value", _TS_DAY),
    ("C.1.5", f"{EVENT}/availabilityTime", 1, 1, "value", _TS_DAY),
    (
        "C.1.3",
        f"{EVENT}/subjectOf2/investigationCharacteristic/value[@codeSystem='{c.OID_REPORT_TYPE}']",
        1,
        1,
        "code",
        {t.value for t in c.ReportType},
    ),
    ("C.2.r", f"{EVENT}/outboundRelationship/relatedInvestigation", 1, None, None, None),
    (
        "C.2.r.4",
        f"{EVENT}/outboundRelationship/relatedInvestigation/subjectOf2/controlActEvent/author/assignedEntity/"
        "assignedPerson/asQualifiedEntity/code",
        0,
        None,
        "code",
        {q.value for q in c.Qualification},
    ),
    (
        "C.3.1",
        f"{EVENT}/subjectOf1/controlActEvent/author/assignedEntity/code",
        1,
        1,
        "code",
        {s.value for s in c.SenderType},
    ),
    (
        "C.3.2",
        f"{EVENT}/subjectOf1/controlActEvent/author/assignedEntity/representedOrganization/name",
        1,
        1,
        TEXT,
        None,
    ),
    ("D.1", f"{ROLE}/player1/name", 1, 1, TEXT, None),
    ("D.5", f"{ROLE}/player1/administrativeGenderCode", 0, 1, "code", {s.value for s in c.Sex}),
    ("D.2.1", f"{ROLE}/player1/birthTime", 0, 1, "value", _TS_DAY),
    ("E.i", f"{ROLE}/subjectOf2/observation/code[@code='{c.OBS_REACTION}']", 1, None, None, None),
    ("G.k", f"{ROLE}/subjectOf2/organizer/component/substanceAdministration", 1, None, None, None),
    ("H.1", f"{EVENT}/text", 1, 1, TEXT, None),
]


def check(xml: bytes | str) -> list[Violation]:
    root = parse(xml)
    found = _apply(root, BATCH_RULES, "batch") if root.tag == "MCCI_IN200100UV01" else []
    messages = [root] if root.tag == "PORR_IN049016UV" else root.findall("PORR_IN049016UV")
    for index, message in enumerate(messages, 1):
        where = f"PORR_IN049016UV[{index}]"
        found += _apply(message, MESSAGE_RULES, where)
        found += _reactions(message, where)
        found += _drugs(message, where)
    return found


def _apply(parent: ET.Element, rules: list[Rule], where: str) -> list[Violation]:
    found = []
    for element, path, least, most, attribute, allowed in rules:
        nodes = parent.findall(path)
        if len(nodes) < least:
            found.append(Violation(where, element, path, f"required {least}.., found {len(nodes)}"))
        if most is not None and len(nodes) > most:
            found.append(Violation(where, element, path, f"at most {most}, found {len(nodes)}"))
        for node in nodes:
            problem = _value_problem(node, attribute, allowed)
            if problem:
                found.append(Violation(where, element, path, problem))
    return found


def _value_problem(node: ET.Element, attribute: str | None, allowed: object) -> str | None:
    if attribute is None or node.get("nullFlavor"):
        return None  # a nullFlavor declares an absence: the guide allows it where data is masked or unknown
    value = (node.text or "").strip() if attribute == TEXT else node.get(attribute)
    if not value:
        return f"empty ({attribute})"
    if isinstance(allowed, set) and value not in allowed:
        return f"'{value}' is not in the code list {sorted(allowed)}"
    if isinstance(allowed, re.Pattern) and not allowed.match(value):
        return f"'{value}' is not an HL7 timestamp of the required precision"
    if isinstance(allowed, re.Pattern):
        return _timestamp_problem(value)
    return None


def _timestamp_problem(value: str) -> str | None:
    problem = ts_problem(value)
    return f"'{value}' is {problem}" if problem else None


def _periods(node: ET.Element, path: str, elements: tuple[str, str], label: str) -> list[Violation]:
    """The start and end of an effectiveTime (any precision, as the guide allows), each a real TS."""
    found = []
    for end, element in zip(("low", "high"), elements, strict=True):
        for moment in node.findall(f"{path}/{end}"):
            value = moment.get("value")
            problem = _timestamp_problem(value) if value and not moment.get("nullFlavor") else None
            if problem:
                found.append(Violation(label, element, f"{path}/{end}/@value", problem))
    return found


def _reactions(message: ET.Element, where: str) -> list[Violation]:
    found = []
    for index, node in enumerate(
        _coded(message.findall(f"{ROLE}/subjectOf2/observation"), c.OBS_REACTION), 1
    ):
        label = f"{where} reaction {index}"
        value = node.find("value")
        if value is None or not (value.findtext("originalText") or "").strip():
            found.append(Violation(label, "E.i.1.1a", "value/originalText", "the reported term is required"))
        if value is not None and not value.get("nullFlavor") and value.get("codeSystem") != c.OID_MEDDRA:
            found.append(Violation(label, "E.i.2.1b", "value/@codeSystem", "a MedDRA code or a nullFlavor"))
        if not _id(node, "id"):
            found.append(Violation(label, "E.i", "id", "each reaction needs an id for causality to point at"))
        found += _periods(node, "effectiveTime", ("E.i.4", "E.i.5"), label)
        outcomes = _coded(node.findall("outboundRelationship2/observation"), c.OBS_OUTCOME)
        if len(outcomes) != 1:
            found.append(
                Violation(label, "E.i.7", "outboundRelationship2/observation", "exactly one outcome")
            )
        for outcome in outcomes:
            code = outcome.find("value")
            problem = (
                _value_problem(code, "code", {o.value for o in c.Outcome}) if code is not None else "empty"
            )
            if problem:
                found.append(Violation(label, "E.i.7", "value/@code", problem))
    return found


def _drugs(message: ET.Element, where: str) -> list[Violation]:
    found = []
    assessment = f"{EVENT}/component/adverseEventAssessment/component/causalityAssessment"
    roles = {
        _id(node, "subject2/productUseReference/id"): node.find("value")
        for node in _coded(message.findall(assessment), c.OBS_DRUG_ROLE)
    }
    drug_ids: set[str | None] = set()
    for index, node in enumerate(
        message.findall(f"{ROLE}/subjectOf2/organizer/component/substanceAdministration"), 1
    ):
        label = f"{where} product {index}"
        drug_id = _id(node, "id")
        drug_ids.add(drug_id)
        if not (node.findtext("consumable/instanceOfKind/kindOfProduct/name") or "").strip():
            found.append(Violation(label, "G.k.2.2", "kindOfProduct/name", "the product name is required"))
        dosage = "outboundRelationship2/substanceAdministration/effectiveTime"
        found += _periods(node, dosage, ("G.k.4.r.4", "G.k.4.r.5"), label)
        role = roles.get(drug_id)
        if role is None:
            found.append(Violation(label, "G.k.1", assessment, "each product needs its drug role"))
        elif role.get("code") not in {r.value for r in c.DrugRole}:
            found.append(Violation(label, "G.k.1", "value/@code", f"'{role.get('code')}' is not a drug role"))
        for route in node.findall("outboundRelationship2/substanceAdministration/routeCode"):
            if route.get("code") not in c.ROUTES and not route.get("nullFlavor"):
                found.append(
                    Violation(label, "G.k.4.r.10.2b", "routeCode", f"'{route.get('code')}' is no route")
                )
    role_codes = {value.get("code") for value in roles.values() if value is not None}
    if roles and not role_codes & {c.DrugRole.SUSPECT.value, c.DrugRole.INTERACTING.value}:
        found.append(Violation(where, "G.k.1", assessment, "at least one suspect or interacting product"))
    reaction_ids = {
        _id(n, "id") for n in _coded(message.findall(f"{ROLE}/subjectOf2/observation"), c.OBS_REACTION)
    }
    for node in _coded(message.findall(assessment), c.OBS_CAUSALITY):
        if _id(node, "subject2/productUseReference/id") not in drug_ids - {None}:
            found.append(Violation(where, "G.k.9.i", "productUseReference/id", "points at no product"))
        if _id(node, "subject1/adverseEffectReference/id") not in reaction_ids - {None}:
            found.append(Violation(where, "G.k.9.i.1", "adverseEffectReference/id", "points at no reaction"))
    return found


def _coded(nodes: list[ET.Element], code: str) -> list[ET.Element]:
    return [
        node for node in nodes if node.findtext("code") is not None and _attr(node, "code", "code") == code
    ]


def _attr(node: ET.Element, path: str, name: str) -> str | None:
    found = node.find(path)
    return None if found is None else found.get(name)


def _id(node: ET.Element, path: str) -> str | None:
    return _attr(node, path, "root")
