"""Reads on patients for their own pages: how far the intake has come, what needs a clinician."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from patients.models import ClinicalFlag, Consent, Patient
from protocols.models import ProtocolVersion


@dataclass(frozen=True)
class IntakeProgress:
    """Which intake steps the patient has saved, and the consents in force now."""

    dosha_done: bool
    health_done: bool
    consents_done: bool
    consents_in_force: frozenset[str]
    preferences_done: bool = False

    STEPS = 4

    @property
    def steps_done(self) -> int:
        return sum((self.dosha_done, self.health_done, self.preferences_done, self.consents_done))

    @property
    def complete(self) -> bool:
        return self.steps_done == self.STEPS


def intake_progress(*, patient: Patient, consents_needed) -> IntakeProgress:
    """One query (the consents in force) on top of the patient already loaded."""
    in_force = frozenset(
        Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    return IntakeProgress(
        dosha_done=bool(patient.dosha),
        health_done=patient.health_recorded_at is not None,
        consents_done=set(consents_needed) <= in_force,
        consents_in_force=in_force,
        preferences_done=patient.preferences_recorded_at is not None,
    )


# Answers that mean "nothing to declare" and must never match a contraindication.
_NOTHING = {"none", "nil", "no", "n/a", "na", "nothing", "-"}


def _terms(text: str) -> list[str]:
    """The separate items of a free-text list ("diabetes, asthma; pregnancy"), lower-cased."""
    items = (item.strip().lower() for item in re.split(r"[,;\n]+", text or ""))
    return [item for item in items if len(item) >= 3 and item not in _NOTHING]


def _mentions(text: str, term: str) -> bool:
    return re.search(rf"\b{re.escape(term)}\b", text) is not None


def clinical_concerns(*, patient: Patient, protocol_version: ProtocolVersion) -> list[str]:
    """Why a practitioner must approve this patient's plan before it is booked, if anything:
    the patient's open clinical flags, and each therapy of the protocol whose contraindications
    name one of the patient's conditions or allergies (either text naming the other).

    Two queries: the open flags and the protocol's therapies.
    """
    concerns = [
        _("Open clinical flag: %(reason)s") % {"reason": flag.reason}
        for flag in ClinicalFlag.objects.filter(patient=patient, cleared_at__isnull=True)
    ]
    answers = "\n".join((patient.comorbidities or "", patient.allergies or ""))
    answer_text, answer_terms = answers.lower(), _terms(answers)
    therapies = {
        step.therapy.pk: step.therapy
        for step in protocol_version.steps.select_related("therapy").order_by("order")
    }
    for therapy in therapies.values():
        listed = therapy.contraindications.lower()
        matched = sorted(
            {term for term in _terms(listed) if _mentions(answer_text, term)}
            | {term for term in answer_terms if _mentions(listed, term)}
        )
        if matched:
            concerns.append(
                _("%(therapy)s is contraindicated with %(conditions)s, named in the intake.")
                % {"therapy": therapy.name, "conditions": ", ".join(matched)}
            )
    return concerns
