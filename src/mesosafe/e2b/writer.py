"""Case → ICH E2B(R3) XML: an HL7 v3 MCCI_IN200100UV01 batch wrapping one PORR_IN049016UV per case.

The element layout follows the ICH E2B(R3) implementation guide; `mesosafe.e2b.rules` checks it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from mesosafe.e2b import codes as c
from mesosafe.e2b.model import Case, Causality, Drug, Header, Patient, Reaction, Reporter, Sender
from mesosafe.e2b.timestamps import ts_date, ts_moment

TYPE = f"{{{c.XSI}}}type"
# What XML 1.0 cannot carry (most controls, lone surrogates, U+FFFE and U+FFFF): ElementTree writes it as it
# is, and the report would not parse. The inputs refuse these now; records stored before are written with
# U+FFFD in their place.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _e(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    named = {k.replace("_", ":"): _xml(v) for k, v in attrs.items()}
    element = ET.SubElement(parent, f"{{{c.HL7}}}{tag}", named)
    if text is not None:
        element.text = _xml(text)
    return element


def _typed(parent: ET.Element, tag: str, xsi_type: str, **attrs: str) -> ET.Element:
    element = _e(parent, tag, **attrs)
    element.set(TYPE, xsi_type)
    return element


def _observation(parent: ET.Element, relation: str, code: str, type_code: str) -> ET.Element:
    holder = _e(parent, relation, typeCode=type_code)
    observation = _e(holder, "observation", classCode="OBS", moodCode="EVN")
    _e(observation, "code", code=code, codeSystem=c.OID_OBSERVATION)
    return observation


def write(case: Case, header: Header) -> bytes:
    """One case as a batch of one message."""
    return write_batch([case], header)


def write_batch(cases: Iterable[Case], header: Header) -> bytes:
    root = ET.Element(f"{{{c.HL7}}}MCCI_IN200100UV01", {"ITSVersion": "XML_1.0"})
    root.set(f"{{{c.XSI}}}schemaLocation", f"{c.HL7} MCCI_IN200100UV01.xsd")
    _e(root, "id", extension=header.batch_id, root=c.OID_BATCH_ID)
    _e(root, "creationTime", value=ts_moment(header.created))
    _e(root, "responseModeCode", code="D")
    _e(root, "interactionId", extension="MCCI_IN200100UV01", root=c.OID_INTERACTION)
    _e(root, "name", code="1", codeSystem=c.OID_MESSAGE_TYPE)  # N.1.1: ICH ICSR
    for case in cases:
        _message(root, case, header)
    _device(root, "receiver", "RCV", header.receiver_id, c.OID_BATCH_RECEIVER)
    _device(root, "sender", "SND", header.sender_id, c.OID_BATCH_SENDER)
    ET.indent(root)
    # ElementTree's prefixes are process-wide, and other libraries (SVG writers) claim the default one:
    # name ours at each write.
    ET.register_namespace("", c.HL7)
    ET.register_namespace("xsi", c.XSI)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def _device(parent: ET.Element, tag: str, type_code: str, identifier: str, oid: str) -> None:
    device = _e(_e(parent, tag, typeCode=type_code), "device", classCode="DEV", determinerCode="INSTANCE")
    _e(device, "id", extension=identifier, root=oid)


def _message(root: ET.Element, case: Case, header: Header) -> None:
    message = _e(root, "PORR_IN049016UV")
    _e(message, "id", extension=header.message_id or case.safety_report_id, root=c.OID_MESSAGE_ID)
    _e(message, "creationTime", value=ts_moment(header.created))
    _e(message, "interactionId", extension="PORR_IN049016UV", root=c.OID_INTERACTION)
    _e(message, "processingCode", code="P")
    _e(message, "processingModeCode", code="T")
    _e(message, "acceptAckCode", code="AL")
    _device(message, "receiver", "RCV", header.receiver_id, c.OID_MESSAGE_RECEIVER)
    _device(message, "sender", "SND", header.sender_id, c.OID_MESSAGE_SENDER)
    act = _e(message, "controlActProcess", classCode="CACT", moodCode="EVN")
    _e(act, "code", code="PORR_TE049016UV", codeSystem=c.OID_TRIGGER)
    _e(act, "effectiveTime", value=ts_moment(case.created))  # C.1.2
    _investigation(_e(act, "subject", typeCode="SUBJ"), case)


def _investigation(subject: ET.Element, case: Case) -> None:
    event = _e(subject, "investigationEvent", classCode="INVSTG", moodCode="EVN")
    _e(event, "id", extension=case.safety_report_id, root=c.OID_MESSAGE_ID)  # C.1.1
    _e(event, "id", extension=case.case_id, root=c.OID_WORLDWIDE_ID)  # C.1.8.1
    _e(event, "code", code="PAT_ADV_EVNT", codeSystem=c.OID_ACT_CODE)
    _e(event, "text", case.narrative)  # H.1
    _e(event, "statusCode", code="active")
    _e(_e(event, "effectiveTime"), "low", value=ts_date(case.first_received))  # C.1.4
    most_recent = ts_moment(case.most_recent_at) if case.most_recent_at else ts_date(case.most_recent)
    _e(event, "availabilityTime", value=most_recent)  # C.1.5
    _assessment(_e(event, "component", typeCode="COMP"), case)
    if case.expedited is not None:  # C.1.7
        expedited = _e(
            _e(event, "component", typeCode="COMP"), "observationEvent", classCode="OBS", moodCode="EVN"
        )
        _e(expedited, "code", code=c.OBS_EXPEDITED, codeSystem=c.OID_OBSERVATION)
        _typed(expedited, "value", "BL", value=str(case.expedited).lower())
    for reporter in case.reporters:
        _reporter(event, reporter)
    _sender(event, case.sender)
    characteristic = _e(
        _e(event, "subjectOf2", typeCode="SUBJ"),
        "investigationCharacteristic",
        classCode="OBS",
        moodCode="EVN",
    )
    _e(characteristic, "code", code=c.CHARACTERISTIC_REPORT_TYPE, codeSystem=c.OID_CHARACTERISTIC)
    _typed(characteristic, "value", "CE", code=case.report_type.value, codeSystem=c.OID_REPORT_TYPE)  # C.1.3


def _assessment(component: ET.Element, case: Case) -> None:
    assessment = _e(component, "adverseEventAssessment", classCode="INVSTG", moodCode="EVN")
    role = _e(_e(assessment, "subject1", typeCode="SBJ"), "primaryRole", classCode="INVSBJ")
    _patient(role, case.patient)
    for reaction in case.reactions:
        _reaction(role, reaction)
    if case.drugs:
        organizer = _e(
            _e(role, "subjectOf2", typeCode="SBJ"), "organizer", classCode="CATEGORY", moodCode="EVN"
        )
        _e(organizer, "code", code=c.ORGANIZER_DRUGS, codeSystem=c.OID_ORGANIZER)
        for drug in case.drugs:
            _drug(organizer, drug)
    for drug in case.drugs:
        _drug_role(assessment, drug)
    for causality in case.causalities:
        _causality(assessment, causality)


def _patient(role: ET.Element, patient: Patient) -> None:
    person = _e(role, "player1", classCode="PSN", determinerCode="INSTANCE")
    if patient.initials:
        _e(person, "name", patient.initials)  # D.1
    else:
        _e(person, "name", nullFlavor="MSK")
    if patient.sex is not None:
        _e(person, "administrativeGenderCode", code=patient.sex.value, codeSystem=c.OID_SEX)  # D.5
    if patient.birth_date is not None:
        _e(person, "birthTime", value=ts_date(patient.birth_date))  # D.2.1
    if patient.age_years is not None:  # D.2.2a/b
        age = _observation(role, "subjectOf2", c.OBS_AGE, "SBJ")
        _typed(age, "value", "PQ", value=str(patient.age_years), unit="a")


def _reaction(role: ET.Element, reaction: Reaction) -> None:
    observation = _observation(role, "subjectOf2", c.OBS_REACTION, "SBJ")
    observation.insert(0, ET.Element(f"{{{c.HL7}}}id", {"root": reaction.id}))
    if reaction.onset or reaction.end:
        period = _typed(observation, "effectiveTime", "IVL_TS")
        if reaction.onset:
            _e(period, "low", value=ts_date(reaction.onset))  # E.i.4
        if reaction.end:
            _e(period, "high", value=ts_date(reaction.end))  # E.i.5
    if reaction.meddra_code:
        value = _typed(observation, "value", "CE", code=reaction.meddra_code, codeSystem=c.OID_MEDDRA)
        if reaction.meddra_version:
            value.set("codeSystemVersion", reaction.meddra_version)
    else:  # no MedDRA code given: the reported term alone, flagged as not coded
        value = _typed(observation, "value", "CE", nullFlavor="NI")
    _e(value, "originalText", reaction.reported_term, language=reaction.language)  # E.i.1.1a/b
    for criterion, code in c.SERIOUSNESS_CODES.items():  # E.i.3.2: true where it applies
        if criterion in reaction.seriousness:
            flag = _observation(observation, "outboundRelationship2", code, "PERT")
            _typed(flag, "value", "BL", value="true")
    outcome = _observation(observation, "outboundRelationship2", c.OBS_OUTCOME, "PERT")
    _typed(outcome, "value", "CE", code=reaction.outcome.value, codeSystem=c.OID_OUTCOME)  # E.i.7


def _drug(organizer: ET.Element, drug: Drug) -> None:
    administration = _e(
        _e(organizer, "component", typeCode="COMP"),
        "substanceAdministration",
        classCode="SBADM",
        moodCode="EVN",
    )
    _e(administration, "id", root=drug.id)
    kind = _e(
        _e(_e(administration, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
        "kindOfProduct",
        classCode="MMAT",
        determinerCode="KIND",
    )
    _e(kind, "name", drug.name)  # G.k.2.2
    dosage = _e(
        _e(administration, "outboundRelationship2", typeCode="COMP"),
        "substanceAdministration",
        classCode="SBADM",
        moodCode="EVN",
    )
    if drug.start or drug.end:
        period = _typed(dosage, "effectiveTime", "IVL_TS")
        if drug.start:
            _e(period, "low", value=ts_date(drug.start))  # G.k.4.r.4
        if drug.end:
            _e(period, "high", value=ts_date(drug.end))  # G.k.4.r.5
    if drug.route:
        _e(dosage, "routeCode", code=drug.route, codeSystem=c.OID_ROUTE)  # G.k.4.r.10.2b
    if drug.dose_value is not None:  # G.k.4.r.1a/b
        _e(dosage, "doseQuantity", value=str(drug.dose_value), unit=drug.dose_unit or "1")
    if drug.lot:
        instance = _e(
            _e(_e(dosage, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
            "productInstanceInstance",
            classCode="MMAT",
            determinerCode="INSTANCE",
        )
        _e(instance, "lotNumberText", drug.lot)  # G.k.4.r.7


def _drug_role(assessment: ET.Element, drug: Drug) -> None:
    role = _e(
        _e(assessment, "component", typeCode="COMP"), "causalityAssessment", classCode="OBS", moodCode="EVN"
    )
    _e(role, "code", code=c.OBS_DRUG_ROLE, codeSystem=c.OID_OBSERVATION)
    _typed(role, "value", "CE", code=drug.role.value, codeSystem=c.OID_DRUG_ROLE)  # G.k.1
    reference = _e(
        _e(role, "subject2", typeCode="SUBJ"), "productUseReference", classCode="SBADM", moodCode="EVN"
    )
    _e(reference, "id", root=drug.id)


def _causality(assessment: ET.Element, causality: Causality) -> None:
    node = _e(
        _e(assessment, "component", typeCode="COMP"), "causalityAssessment", classCode="OBS", moodCode="EVN"
    )
    _e(node, "code", code=c.OBS_CAUSALITY, codeSystem=c.OID_OBSERVATION)
    _typed(node, "value", "ST").text = _xml(causality.result)  # G.k.9.i.2.r.3
    _e(_e(node, "methodCode"), "originalText", causality.method)  # G.k.9.i.2.r.2
    entity = _e(_e(node, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    _e(_e(entity, "code"), "originalText", causality.source)  # G.k.9.i.2.r.1
    reaction = _e(
        _e(node, "subject1", typeCode="SUBJ"), "adverseEffectReference", classCode="OBS", moodCode="EVN"
    )
    _e(reaction, "id", root=causality.reaction_id)
    drug = _e(_e(node, "subject2", typeCode="SUBJ"), "productUseReference", classCode="SBADM", moodCode="EVN")
    _e(drug, "id", root=causality.drug_id)


def _reporter(event: ET.Element, reporter: Reporter) -> None:
    investigation = _e(
        _e(event, "outboundRelationship", typeCode="SPRT"),
        "relatedInvestigation",
        classCode="INVSTG",
        moodCode="EVN",
    )
    _e(investigation, "code", code=c.SOURCE_REPORT, codeSystem=c.OID_REPORT_RELATION)
    act = _e(
        _e(investigation, "subjectOf2", typeCode="SUBJ"), "controlActEvent", classCode="CACT", moodCode="EVN"
    )
    entity = _e(_e(act, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    person = _e(entity, "assignedPerson", classCode="PSN", determinerCode="INSTANCE")
    if reporter.given or reporter.family:
        name = _e(person, "name")
        if reporter.given:
            _e(name, "given", reporter.given)  # C.2.r.1.2
        if reporter.family:
            _e(name, "family", reporter.family)  # C.2.r.1.4
    if reporter.qualification is not None:  # C.2.r.4
        qualified = _e(person, "asQualifiedEntity", classCode="QUAL")
        _e(qualified, "code", code=reporter.qualification.value, codeSystem=c.OID_QUALIFICATION)
    if reporter.country:  # C.2.r.3
        located = _e(person, "asLocatedEntity", classCode="LOCE")
        place = _e(located, "location", classCode="COUNTRY", determinerCode="INSTANCE")
        _e(place, "code", code=reporter.country, codeSystem=c.OID_COUNTRY)
    if reporter.organisation:  # C.2.r.2.1
        organisation = _e(entity, "representedOrganization", classCode="ORG", determinerCode="INSTANCE")
        _e(organisation, "name", reporter.organisation)


def _sender(event: ET.Element, sender: Sender) -> None:
    act = _e(_e(event, "subjectOf1", typeCode="SUBJ"), "controlActEvent", classCode="CACT", moodCode="EVN")
    entity = _e(_e(act, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    _e(entity, "code", code=sender.sender_type.value, codeSystem=c.OID_SENDER_TYPE)  # C.3.1
    if sender.country:
        _e(_e(entity, "addr"), "country", sender.country)  # C.3.4.5
    if sender.phone:
        _e(entity, "telecom", value=f"tel:{sender.phone}")  # C.3.4.6
    organisation = _e(entity, "representedOrganization", classCode="ORG", determinerCode="INSTANCE")
    _e(organisation, "name", sender.organisation)  # C.3.2
