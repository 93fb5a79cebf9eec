"""ICH E2B(R3) XML → cases. Tolerant of what other senders leave out, never of a value it would have to guess.

A file may hold one batch (MCCI_IN200100UV01) with any number of messages, or a bare PORR_IN049016UV; a
batch may hold several versions of one case (same C.1.1, different C.1.5): every one is returned, in file
order (`latest_versions` keeps the newest). Elements the model does not hold are ignored; dates less precise
than a day are read as absent, and a reaction without an outcome (E.i.7) as outcome unknown. An error, naming
the message and the element: what no case can do without (C.1.1, C.1.2, C.1.5, the reported term of a
reaction, the name of a product and its role G.k.1), and a value the guide's rules (`rules.check`) reject
that would change what is counted — a drug role or an outcome outside its code list, a date that is no
HL7 timestamp or no day on the calendar, a causality that points at no product or no reaction. None of
these is ever defaulted (a role to suspect, a date to absent). The XML is parsed with defusedxml: no entity
expansion, no DTD, no network.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from mesosafe.e2b import codes as c
from mesosafe.e2b.model import Case, Causality, Drug, E2BError, Patient, Reaction, Reporter, Sender
from mesosafe.e2b.timestamps import parse_date, parse_moment, parse_time, ts_problem


def read(xml: bytes | str) -> list[Case]:
    root = parse(xml)
    messages = [root] if root.tag == "PORR_IN049016UV" else root.findall(".//PORR_IN049016UV")
    if not messages:
        raise E2BError("(file)", f"no PORR_IN049016UV message in a <{root.tag}> document")
    return [_case(message, f"PORR_IN049016UV[{index}]") for index, message in enumerate(messages, 1)]


def parse(xml: bytes | str) -> ET.Element:
    """The document's root, its namespaces dropped (every ICSR element is in urn:hl7-org:v3)."""
    try:
        root: ET.Element = SafeET.fromstring(xml)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise E2BError("(file)", f"not well-formed XML: {exc}") from None
    _strip_namespaces(root)
    return root


def _strip_namespaces(root: ET.Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
        for name in [n for n in element.attrib if n.startswith("{")]:
            element.attrib[name.split("}", 1)[1]] = element.attrib.pop(name)


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _attr(element: ET.Element | None, name: str) -> str | None:
    return None if element is None else (element.get(name) or None)


def _coded(parent: ET.Element, path: str, code: str) -> list[ET.Element]:
    """Children at `path` whose <code code=…> is `code`."""
    return [node for node in parent.findall(path) if _attr(node.find("code"), "code") == code]


def _case(message: ET.Element, where: str) -> Case:
    act = message.find("controlActProcess")
    event = message.find("controlActProcess/subject/investigationEvent")
    if act is None or event is None:
        raise E2BError(where, "no controlActProcess/subject/investigationEvent")
    ids = {node.get("root"): node.get("extension") for node in event.findall("id")}
    report_id = ids.get(c.OID_MESSAGE_ID) or next((v for v in ids.values() if v), None)
    if not report_id:
        raise E2BError(where, "C.1.1 (investigationEvent/id) is missing")
    where = f"{where} (C.1.1 {report_id})"
    created = _created(act, message, where)
    most_recent_value = _attr(event.find("availabilityTime"), "value")
    most_recent = _day(most_recent_value, where, "C.1.5 (investigationEvent/availabilityTime)")
    if most_recent is None:
        raise E2BError(where, "C.1.5 (investigationEvent/availabilityTime) is missing or not a date")
    role = event.find("component/adverseEventAssessment/subject1/primaryRole")
    assessment = event.find("component/adverseEventAssessment")
    reactions = _reactions(role, where)
    drugs = _drugs(role, _drug_roles(assessment), where)
    worldwide = ids.get(c.OID_WORLDWIDE_ID) or ""
    first_received = _day(_attr(event.find("effectiveTime/low"), "value"), where, "C.1.4 (effectiveTime/low)")
    return Case(
        safety_report_id=report_id,
        created=created,
        first_received=first_received or most_recent,
        most_recent=most_recent,
        sender=_sender(event),
        patient=_patient(role, where),
        narrative=_text(event.find("text")) or "",
        reactions=tuple(reactions),
        drugs=tuple(drugs),
        causalities=tuple(_causalities(assessment, reactions, drugs, where)),
        reporters=tuple(_reporters(event)),
        report_type=_enum(c.ReportType, _report_type(event), c.ReportType.NOT_AVAILABLE),
        expedited=_expedited(event),
        worldwide_id="" if worldwide == report_id else worldwide,
        most_recent_at=parse_time(most_recent_value),
    )


def _created(act: ET.Element, message: ET.Element, where: str) -> datetime:
    """C.1.2, or the message's creation time (N.2.r.4) when a sender leaves C.1.2 out."""
    given = _attr(act.find("effectiveTime"), "value")
    element = "C.1.2 (controlActProcess/effectiveTime)"
    if given is None:
        given, element = _attr(message.find("creationTime"), "value"), "N.2.r.4 (creationTime)"
    _day(given, where, element)
    created = parse_moment(given)
    if created is None:
        raise E2BError(where, "C.1.2 (controlActProcess/effectiveTime) is missing or not a date")
    return created


def _day(value: str | None, where: str, element: str) -> date | None:
    """The day of a TS; None when it is absent or less precise than a day; an error when it is no TS."""
    problem = ts_problem(value) if value is not None else None
    if problem:
        raise E2BError(where, f"{element} '{value}' is {problem}")
    return parse_date(value)


E = TypeVar("E", c.ReportType, c.Qualification, c.SenderType, c.Sex, c.Outcome, c.DrugRole)


def _enum(kind: type[E], code: str | None, default: E) -> E:
    try:
        return kind(code) if code is not None else default
    except ValueError:
        return default


def _report_type(event: ET.Element) -> str | None:
    for node in _coded(event, "subjectOf2/investigationCharacteristic", c.CHARACTERISTIC_REPORT_TYPE):
        return _attr(node.find("value"), "code")
    return None


def _expedited(event: ET.Element) -> bool | None:
    for node in _coded(event, "component/observationEvent", c.OBS_EXPEDITED):
        value = _attr(node.find("value"), "value")
        if value in ("true", "false"):
            return value == "true"
    return None


def _sender(event: ET.Element) -> Sender:
    entity = event.find("subjectOf1/controlActEvent/author/assignedEntity")
    if entity is None:
        return Sender(organisation="")
    telecom = _attr(entity.find("telecom"), "value")
    return Sender(
        organisation=_text(entity.find("representedOrganization/name")) or "",
        sender_type=_enum(c.SenderType, _attr(entity.find("code"), "code"), c.SenderType.OTHER),
        country=_text(entity.find("addr/country")),
        phone=telecom.removeprefix("tel:") if telecom else None,
    )


def _reporters(event: ET.Element) -> list[Reporter]:
    found = []
    for investigation in event.findall("outboundRelationship/relatedInvestigation"):
        if _attr(investigation.find("code"), "code") not in (None, c.SOURCE_REPORT):
            continue
        entity = investigation.find("subjectOf2/controlActEvent/author/assignedEntity")
        if entity is None:
            continue
        person = entity.find("assignedPerson")
        qualification = _attr(entity.find("assignedPerson/asQualifiedEntity/code"), "code")
        found.append(
            Reporter(
                given=_text(entity.find("assignedPerson/name/given")),
                family=_text(entity.find("assignedPerson/name/family")),
                organisation=_text(entity.find("representedOrganization/name")),
                country=_attr(entity.find("assignedPerson/asLocatedEntity/location/code"), "code"),
                qualification=_enum(c.Qualification, qualification, c.Qualification.CONSUMER)
                if qualification and person is not None
                else None,
            )
        )
    return found


def _patient(role: ET.Element | None, where: str) -> Patient:
    if role is None:
        return Patient()
    person = role.find("player1")
    sex = _attr(person.find("administrativeGenderCode") if person is not None else None, "code")
    age = None
    for node in _coded(role, "subjectOf2/observation", c.OBS_AGE):
        value = node.find("value")
        years = _attr(value, "value") or ""
        if _attr(value, "unit") == "a" and years.isdigit():
            age = int(years)
    return Patient(
        initials=_text(person.find("name")) if person is not None else None,
        birth_date=_day(
            _attr(person.find("birthTime") if person is not None else None, "value"),
            where,
            "D.2.1 (player1/birthTime)",
        ),
        age_years=age,
        sex=_enum(c.Sex, sex, c.Sex.UNKNOWN) if sex else None,
    )


def _reactions(role: ET.Element | None, where: str) -> list[Reaction]:
    found = []
    observations = _coded(role, "subjectOf2/observation", c.OBS_REACTION) if role is not None else []
    for index, node in enumerate(observations, 1):
        value = node.find("value")
        term = _text(value.find("originalText") if value is not None else None)
        code = _attr(value, "code") if _attr(value, "codeSystem") in (None, c.OID_MEDDRA) else None
        if term is None and code is None:
            raise E2BError(where, f"reaction {index}: neither E.i.1.1a (reported term) nor E.i.2.1b (MedDRA)")
        criteria = frozenset(
            criterion
            for criterion, obs_code in c.SERIOUSNESS_CODES.items()
            for flag in _coded(node, "outboundRelationship2/observation", obs_code)
            if _attr(flag.find("value"), "value") == "true"
        )
        label = f"reaction {index}"
        found.append(
            Reaction(
                id=_attr(node.find("id"), "root") or f"reaction-{index}",
                reported_term=term or "",
                language=_attr(value.find("originalText") if value is not None else None, "language")
                or "eng",
                meddra_code=code,
                meddra_version=_attr(value, "codeSystemVersion") if code else None,
                onset=_day(_attr(node.find("effectiveTime/low"), "value"), where, f"{label}: E.i.4 (onset)"),
                end=_day(_attr(node.find("effectiveTime/high"), "value"), where, f"{label}: E.i.5 (end)"),
                seriousness=criteria,
                outcome=_outcome(node, where, label),
            )
        )
    return found


def _outcome(reaction: ET.Element, where: str, label: str) -> c.Outcome:
    """E.i.7; none given (or a nullFlavor) is the code list's own 'unknown', a code outside it an error."""
    values = [o.find("value") for o in _coded(reaction, "outboundRelationship2/observation", c.OBS_OUTCOME)]
    codes = {_attr(v, "code") or "" for v in values if v is not None and not v.get("nullFlavor")}
    if len(codes) > 1:
        raise E2BError(where, f"{label}: E.i.7 (outcome) is given {len(codes)} times: {sorted(codes)}")
    if not codes:
        return c.Outcome.UNKNOWN
    return _coded_value(c.Outcome, codes.pop(), where, f"{label}: E.i.7 (outcome)")


def _coded_value(kind: type[E], code: str, where: str, element: str) -> E:
    try:
        return kind(code)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise E2BError(where, f"{element} '{code}' is not in the code list ({allowed})") from None


def _drug_roles(assessment: ET.Element | None) -> dict[str, str]:
    """G.k.1 by product id, as written ('' for a role without a code)."""
    roles: dict[str, str] = {}
    if assessment is None:
        return roles
    for node in _coded(assessment, "component/causalityAssessment", c.OBS_DRUG_ROLE):
        drug_id = _attr(node.find("subject2/productUseReference/id"), "root")
        if drug_id:
            roles[drug_id] = _attr(node.find("value"), "code") or ""
    return roles


def _role(roles: dict[str, str], drug_id: str, where: str, label: str) -> c.DrugRole:
    if drug_id not in roles:
        raise E2BError(where, f"{label}: G.k.1 (drug role) is missing")
    return _coded_value(c.DrugRole, roles[drug_id], where, f"{label}: G.k.1 (drug role)")


def _drugs(role: ET.Element | None, roles: dict[str, str], where: str) -> list[Drug]:
    found = []
    organizers = _coded(role, "subjectOf2/organizer", c.ORGANIZER_DRUGS) if role is not None else []
    administrations = [a for o in organizers for a in o.findall("component/substanceAdministration")]
    for index, node in enumerate(administrations, 1):
        name = _text(node.find("consumable/instanceOfKind/kindOfProduct/name"))
        if name is None:
            raise E2BError(where, f"product {index}: G.k.2.2 (kindOfProduct/name) is missing")
        drug_id = _attr(node.find("id"), "root") or f"drug-{index}"
        label = f"product {index} ({name})"
        dosage = node.find("outboundRelationship2/substanceAdministration")
        dose = dosage.find("doseQuantity") if dosage is not None else None
        period = dosage.find("effectiveTime") if dosage is not None else None
        found.append(
            Drug(
                id=drug_id,
                name=name,
                role=_role(roles, drug_id, where, label),
                lot=_text(node.find(".//productInstanceInstance/lotNumberText")),
                dose_value=_decimal(_attr(dose, "value")),
                dose_unit=_attr(dose, "unit"),
                route=_attr(dosage.find("routeCode") if dosage is not None else None, "code"),
                start=_day(_period(period, "low"), where, f"{label}: G.k.4.r.4 (start)"),
                end=_day(_period(period, "high"), where, f"{label}: G.k.4.r.5 (end)"),
            )
        )
    return found


def _period(period: ET.Element | None, end: str) -> str | None:
    return _attr(period.find(end) if period is not None else None, "value")


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _causalities(
    assessment: ET.Element | None, reactions: list[Reaction], drugs: list[Drug], where: str
) -> list[Causality]:
    found: list[Causality] = []
    if assessment is None:
        return found
    for index, node in enumerate(_coded(assessment, "component/causalityAssessment", c.OBS_CAUSALITY), 1):
        value = node.find("value")
        result = _text(value) or _attr(value, "displayName") or _attr(value, "code") or ""
        causality = Causality(
            drug_id=_attr(node.find("subject2/productUseReference/id"), "root") or "",
            reaction_id=_attr(node.find("subject1/adverseEffectReference/id"), "root") or "",
            source=_text(node.find("author/assignedEntity/code/originalText")) or "",
            method=_text(node.find("methodCode/originalText")) or "",
            result=result,
        )
        label = f"causality {index}"
        if causality.drug_id not in {drug.id for drug in drugs}:
            raise E2BError(
                where, f"{label}: G.k.9.i (productUseReference/id) '{causality.drug_id}' is no product"
            )
        if causality.reaction_id not in {reaction.id for reaction in reactions}:
            raise E2BError(
                where,
                f"{label}: G.k.9.i.1 (adverseEffectReference/id) '{causality.reaction_id}' is no reaction",
            )
        found.append(causality)
    return found
