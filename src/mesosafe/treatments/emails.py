"""Emails to the patient: the aftercare plan with its calendar file and link, check-in reminders, the
pre-treatment link and a batch recall. The texts are entries of the translation catalogue, written in the
patient's language."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from mesosafe.engines.calendar import to_ics
from mesosafe.engines.results import AftercarePlan
from mesosafe.knowledge import Lang
from mesosafe.lib.numbers import arabic_digits
from mesosafe.patients.models import Patient
from mesosafe.treatments.links import link_url
from mesosafe.treatments.models import RecallContact, ScheduledCheckin, Treatment

log = logging.getLogger(__name__)


def send_aftercare(treatment: Treatment, token: str) -> bool:
    patient = treatment.patient
    if not patient.email:
        return False
    lang = Lang(patient.preferred_language)
    link = link_url(token)
    clinic = patient.clinic
    with translation.override(lang.value):
        subject = _("Your aftercare plan")
        body = _(
            "Thank you for visiting %(clinic)s.\n\nYour aftercare plan is attached as a calendar file. "
            "Use your private link to tell us how you are healing:\n%(link)s\n\n"
            "In an emergency call %(emergency)s."
        ) % {"clinic": clinic.name, "link": link, "emergency": clinic.emergency_number}
    message = EmailMessage(subject=subject, body=body, to=[patient.email])
    plan = AftercarePlan.model_validate(treatment.aftercare)
    message.attach("aftercare.ics", to_ics(plan, lang, link=link), "text/calendar")
    try:
        message.send()
    except OSError as exc:  # the treatment is stored; staff can reissue the link
        log.error("aftercare email for treatment %s failed: %s", treatment.id, type(exc).__name__)
        return False
    return True


def arabic_days(day: float) -> str:
    """'يوم واحد', '٣ أيام', '١٤ يومًا': in Arabic the noun's form follows the count (the catalogue's plural
    forms), with Arabic-Indic digits."""
    with translation.override(Lang.AR.value):
        return _days(day)


def _days(day: float) -> str:
    """How long since the treatment, in the active language: "day 7" in English, "٧ أيام" in Arabic."""
    shown = f"{day:g}" if translation.get_language() != Lang.AR.value else arabic_digits(f"{day:g}")
    if not day.is_integer():
        return pgettext("part of a day", "day %(n)s") % {"n": shown}
    return ngettext("day %(n)s", "day %(n)s", int(day)) % {"n": shown}


def send_reminder(scheduled: ScheduledCheckin) -> bool:
    patient = scheduled.treatment.patient
    if not patient.email:
        return False
    clinic = patient.clinic
    with translation.override(patient.preferred_language):
        subject = _("Time for your check-in")
        body = _(
            "It is %(days)s since your treatment at %(clinic)s. Please open the private link from your "
            "aftercare email and tell us how your skin is.\n\nIn an emergency call %(emergency)s."
        ) % {
            "days": _days(scheduled.day),
            "clinic": clinic.name,
            "emergency": clinic.emergency_number,
        }
    EmailMessage(subject=subject, body=body, to=[patient.email]).send()
    return True


def send_screening_link(patient: Patient, token: str) -> bool:
    """The pre-treatment link, to a patient who has an email address."""
    if not patient.email:
        return False
    clinic = patient.clinic
    with translation.override(patient.preferred_language):
        subject = _("Before your treatment: a few health questions")
        body = _(
            "%(clinic)s has booked you in. Before your treatment, please answer a few health questions on "
            "your private link; it also shows how to prepare:\n%(link)s\n\n"
            "In an emergency call %(emergency)s."
        ) % {"clinic": clinic.name, "link": link_url(token), "emergency": clinic.emergency_number}
    message = EmailMessage(subject=subject, body=body, to=[patient.email])
    try:
        message.send()
    except OSError as exc:  # the link is stored; staff can send a fresh one
        log.error("screening-link email for patient %s failed: %s", patient.id, type(exc).__name__)
        return False
    return True


def recall_message(contact: RecallContact) -> tuple[str, str]:
    """The recall e-mail's subject and body in the patient's language: which lot, when they were treated,
    whom to call. The staff's reason for the recall stays in the clinic's record (it is not patient text)."""
    patient = contact.patient
    clinic = patient.clinic
    with translation.override(patient.preferred_language), timezone.override(clinic.time_zone):
        treated = date_format(timezone.localdate(contact.treatment.performed_at), "j F Y")
        if translation.get_language() == Lang.AR.value:
            treated = arabic_digits(treated)
        subject = _("Please contact %(clinic)s about your treatment") % {"clinic": clinic.name}
        body = _(
            "%(clinic)s is contacting everyone who was treated with product lot %(lot)s. You were treated "
            "with it on %(date)s. Please call the clinic on %(phone)s: we will tell you what this means for "
            "you and whether you need a check-up.\n\nIn an emergency call %(emergency)s."
        ) % {
            "clinic": clinic.name,
            "lot": contact.recall.lot_number,
            "date": treated,
            "phone": clinic.phone,
            "emergency": clinic.emergency_number,
        }
    return subject, body


def send_recall(contact: RecallContact) -> bool:
    """The recall e-mail, to a patient who has an address; False when there is none or sending failed."""
    if not contact.patient.email:
        return False
    subject, body = recall_message(contact)
    try:
        EmailMessage(subject=subject, body=body, to=[contact.patient.email]).send()
    except OSError as exc:  # the contact says it failed; staff can send again or call
        log.error("recall email for contact %s failed: %s", contact.id, type(exc).__name__)
        return False
    return True
