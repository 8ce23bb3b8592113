"""Reads on patients for their own pages: how far the intake has come."""

from dataclasses import dataclass

from patients.models import Consent, Patient


@dataclass(frozen=True)
class IntakeProgress:
    """Which intake steps the patient has saved, and the consents in force now."""

    dosha_done: bool
    health_done: bool
    consents_done: bool
    consents_in_force: frozenset[str]

    @property
    def steps_done(self) -> int:
        return sum((self.dosha_done, self.health_done, self.consents_done))

    @property
    def complete(self) -> bool:
        return self.steps_done == 3


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
    )
