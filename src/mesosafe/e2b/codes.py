"""The ICH E2B(R3) code lists and object identifiers (OIDs) the writer, the reader and the rules use.

Values are those of the ICH E2B(R3) implementation guide and its code-list appendix (ICH OID root
2.16.840.1.113883.3.989.2.1). They are format facts, not clinical knowledge.
"""

from __future__ import annotations

from enum import StrEnum

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

ICH = "2.16.840.1.113883.3.989.2.1"
OID_BATCH_ID = f"{ICH}.3.22"  # N.1.2
OID_BATCH_SENDER = f"{ICH}.3.13"  # N.1.3
OID_BATCH_RECEIVER = f"{ICH}.3.14"  # N.1.4
OID_MESSAGE_ID = f"{ICH}.3.1"  # N.2.r.1 and C.1.1
OID_MESSAGE_SENDER = f"{ICH}.3.11"  # N.2.r.2
OID_MESSAGE_RECEIVER = f"{ICH}.3.12"  # N.2.r.3
OID_WORLDWIDE_ID = f"{ICH}.3.2"  # C.1.8.1
OID_INTERACTION = "2.16.840.1.113883.1.6"
OID_TRIGGER = "2.16.840.1.113883.1.18"
OID_ACT_CODE = "2.16.840.1.113883.5.4"

OID_MESSAGE_TYPE = f"{ICH}.1.1"  # N.1.1
OID_REPORT_TYPE = f"{ICH}.1.2"  # C.1.3
OID_QUALIFICATION = f"{ICH}.1.6"  # C.2.r.4
OID_SENDER_TYPE = f"{ICH}.1.7"  # C.3.1
OID_OUTCOME = f"{ICH}.1.11"  # E.i.7
OID_DRUG_ROLE = f"{ICH}.1.13"  # G.k.1
OID_ROUTE = f"{ICH}.1.14"  # G.k.4.r.10.2b
OID_OBSERVATION = f"{ICH}.1.19"  # ICH observation identifiers
OID_ORGANIZER = f"{ICH}.1.20"  # ICH organizer categories
OID_REPORT_RELATION = f"{ICH}.1.22"  # C.2.r source report
OID_CHARACTERISTIC = f"{ICH}.1.23"  # investigation characteristics
OID_SEX = "1.0.5218"  # ISO 5218
OID_COUNTRY = "1.0.3166.1.2.2"  # ISO 3166-1 alpha-2
OID_MEDDRA = "2.16.840.1.113883.6.163"

# ICH observation identifiers (OID_OBSERVATION) used here
OBS_AGE = "3"
OBS_CONGENITAL = "12"
OBS_DRUG_ROLE = "20"
OBS_LIFE_THREATENING = "21"
OBS_EXPEDITED = "23"
OBS_OTHER_IMPORTANT = "26"
OBS_OUTCOME = "27"
OBS_REACTION = "29"
OBS_HOSPITALISATION = "33"
OBS_DEATH = "34"
OBS_DISABILITY = "35"
OBS_CAUSALITY = "39"
ORGANIZER_DRUGS = "4"
CHARACTERISTIC_REPORT_TYPE = "1"
SOURCE_REPORT = "2"


class Seriousness(StrEnum):
    """E.i.3.2a–f, each sent as its own observation (true, or absent)."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    OTHER_MEDICALLY_IMPORTANT = "other_medically_important"


SERIOUSNESS_CODES: dict[Seriousness, str] = {
    Seriousness.DEATH: OBS_DEATH,
    Seriousness.LIFE_THREATENING: OBS_LIFE_THREATENING,
    Seriousness.HOSPITALISATION: OBS_HOSPITALISATION,
    Seriousness.DISABILITY: OBS_DISABILITY,
    Seriousness.CONGENITAL_ANOMALY: OBS_CONGENITAL,
    Seriousness.OTHER_MEDICALLY_IMPORTANT: OBS_OTHER_IMPORTANT,
}


class Outcome(StrEnum):
    """E.i.7: the code is the ICH value."""

    UNKNOWN = "0"
    RECOVERED = "1"
    RECOVERING = "2"
    NOT_RECOVERED = "3"
    RECOVERED_WITH_SEQUELAE = "4"
    FATAL = "5"


class DrugRole(StrEnum):
    """G.k.1 characterisation of drug role."""

    SUSPECT = "1"
    CONCOMITANT = "2"
    INTERACTING = "3"
    NOT_ADMINISTERED = "4"


class ReportType(StrEnum):
    """C.1.3."""

    SPONTANEOUS = "1"
    STUDY = "2"
    OTHER = "3"
    NOT_AVAILABLE = "4"


class Qualification(StrEnum):
    """C.2.r.4."""

    PHYSICIAN = "1"
    PHARMACIST = "2"
    OTHER_HEALTH_PROFESSIONAL = "3"
    LAWYER = "4"
    CONSUMER = "5"


class SenderType(StrEnum):
    """C.3.1."""

    PHARMACEUTICAL_COMPANY = "1"
    REGULATORY_AUTHORITY = "2"
    HEALTH_PROFESSIONAL = "3"
    REGIONAL_PV_CENTRE = "4"
    WHO_CENTRE = "5"
    OTHER = "6"
    PATIENT = "7"


class Sex(StrEnum):
    """D.5, ISO 5218."""

    UNKNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    NOT_APPLICABLE = "9"


# G.k.4.r.10.2b: the ICH route-of-administration codes mesotherapy uses
ROUTE_INTRADERMAL = "023"
ROUTE_SUBCUTANEOUS = "058"
ROUTES = frozenset({f"{n:03d}" for n in range(1, 68)})  # 001 auricular … 067 vaginal
