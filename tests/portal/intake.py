"""A patient whose intake is far enough for booking: health answers saved, consents given."""

from django.utils import timezone

from patients.models import Consent
from tests.factories import ConsentFactory


def with_intake_done(patient):
    patient.health_recorded_at = timezone.now()
    patient.save(update_fields=["health_recorded_at"])
    for kind in (Consent.Kind.TREATMENT, Consent.Kind.DATA_PROCESSING):
        ConsentFactory(patient=patient, kind=kind)
    return patient
