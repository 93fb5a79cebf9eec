"""The screening's questions in the patient's words, by the intake field each answers (engines.Intake): the
patient's form asks them and the FHIR Questionnaire carries them, in these same words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SCREENING_QUESTIONS = {
    "pregnant": _("Are you pregnant?"),
    "breastfeeding": _("Are you breastfeeding?"),
    "allergies": _("What are you allergic to?"),
    "conditions": _("Which conditions?"),
    "active_skin_infection_at_site": _(
        "Is there an infection, cold sore or open wound where you will be treated?"
    ),
    "sunburn_at_site": _("Is the skin to be treated sunburnt, peeling or freshly tanned?"),
    "unresolved_bruising_from_previous_session": _("Is there still bruising from your last session?"),
    "low_pain_threshold": _("Are you very sensitive to pain?"),
    "keloid_history": _("Have you ever had keloid scars (raised scars that grow bigger than the wound)?"),
    "previous_anaphylaxis": _(
        "Have you ever had a severe allergic reaction (anaphylaxis), such as a swollen face or throat or "
        "trouble breathing?"
    ),
    "previous_mesotherapy_reaction": _(
        "Have you had a bad reaction to mesotherapy before (more than the usual redness, swelling or "
        "bruising)?"
    ),
}
