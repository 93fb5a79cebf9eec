"""Emails to the patient: the aftercare plan with its calendar file and link, and check-in reminders."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage

from mesosafe.engines.calendar import to_ics
from mesosafe.engines.results import AftercarePlan
from mesosafe.knowledge import Lang
from mesosafe.lib.numbers import arabic_digits
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import ScheduledCheckin, Treatment

log = logging.getLogger(__name__)

SUBJECT = {Lang.EN: "Your aftercare plan", Lang.AR: "خطة العناية بعد العلاج"}
BODY = {
    Lang.EN: "Thank you for visiting {clinic}.\n\nYour aftercare plan is attached as a calendar file. "
    "Use your private link to tell us how you are healing:\n{link}\n\n"
    "In an emergency call {emergency}.",
    Lang.AR: "شكراً لزيارتك {clinic}.\n\nخطة العناية بعد العلاج مرفقة كملف تقويم. "
    "يُرجى استخدام رابطك الخاص لإخبارنا بسير تعافيك:\n{link}\n\n"
    "في حالة الطوارئ يجب الاتصال بالرقم {emergency}.",
}
REMINDER_SUBJECT = {Lang.EN: "Time for your check-in", Lang.AR: "حان وقت المتابعة"}
REMINDER_BODY = {
    Lang.EN: "It is day {day:g} since your treatment at {clinic}. Please open the private link from your "
    "aftercare email and tell us how your skin is.\n\nIn an emergency call {emergency}.",
    Lang.AR: "مرّ {days} على علاجك في {clinic}. يُرجى فتح الرابط الخاص من رسالة العناية بعد العلاج "
    "وإخبارنا بحال بشرتك.\n\nفي حالة الطوارئ يجب الاتصال بالرقم {emergency}.",
}

SCREENING_SUBJECT = {
    Lang.EN: "Before your treatment: a few health questions",
    Lang.AR: "قبل علاجك: بعض الأسئلة الصحية",
}
SCREENING_BODY = {
    Lang.EN: "{clinic} has booked you in. Before your treatment, please answer a few health questions on "
    "your private link; it also shows how to prepare:\n{link}\n\nIn an emergency call {emergency}.",
    Lang.AR: "تم حجز موعد لك في {clinic}. قبل علاجك، يُرجى الإجابة عن بعض الأسئلة الصحية عبر رابطك الخاص، "
    "الذي يوضح أيضاً كيفية الاستعداد:\n{link}\n\nفي حالة الطوارئ يجب الاتصال بالرقم {emergency}.",
}


def send_aftercare(treatment: Treatment, token: str) -> bool:
    from mesosafe.treatments.services import link_url

    patient = treatment.patient
    if not patient.email:
        return False
    lang = Lang(patient.preferred_language)
    link = link_url(token)
    clinic = patient.clinic
    message = EmailMessage(
        subject=SUBJECT[lang],
        body=BODY[lang].format(clinic=clinic.name, link=link, emergency=clinic.emergency_number),
        to=[patient.email],
    )
    plan = AftercarePlan.model_validate(treatment.aftercare)
    message.attach("aftercare.ics", to_ics(plan, lang, link=link), "text/calendar")
    try:
        message.send()
    except OSError as exc:  # the treatment is stored; staff can reissue the link
        log.error("aftercare email for treatment %s failed: %s", treatment.id, type(exc).__name__)
        return False
    return True


def arabic_days(day: float) -> str:
    """'يوم واحد', '٣ أيام', '١٤ يومًا': in Arabic the noun's form follows the count."""
    if not day.is_integer():
        return f"{arabic_digits(f'{day:g}')} يوم"
    n = int(day)
    if n in (1, 2):
        return {1: "يوم واحد", 2: "يومان"}[n]
    return f"{arabic_digits(str(n))} {'أيام' if 3 <= n % 100 <= 10 else 'يومًا'}"


def send_reminder(scheduled: ScheduledCheckin) -> bool:
    patient = scheduled.treatment.patient
    if not patient.email:
        return False
    lang = Lang(patient.preferred_language)
    clinic = patient.clinic
    EmailMessage(
        subject=REMINDER_SUBJECT[lang],
        body=REMINDER_BODY[lang].format(
            day=scheduled.day,
            days=arabic_days(scheduled.day),
            clinic=clinic.name,
            emergency=clinic.emergency_number,
        ),
        to=[patient.email],
    ).send()
    return True


def send_screening_link(patient: Patient, token: str) -> bool:
    """The pre-treatment link, to a patient who has an email address."""
    from mesosafe.treatments.services import link_url

    if not patient.email:
        return False
    lang = Lang(patient.preferred_language)
    clinic = patient.clinic
    message = EmailMessage(
        subject=SCREENING_SUBJECT[lang],
        body=SCREENING_BODY[lang].format(
            clinic=clinic.name, link=link_url(token), emergency=clinic.emergency_number
        ),
        to=[patient.email],
    )
    try:
        message.send()
    except OSError as exc:  # the link is stored; staff can send a fresh one
        log.error("screening-link email for patient %s failed: %s", patient.id, type(exc).__name__)
        return False
    return True
