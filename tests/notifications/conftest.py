"""Shared data of the notifications tests: a patient who consented to every channel."""

import pytest

from patients.models import Consent
from tests import factories


@pytest.fixture
def consenting_patient(patient):
    """The standing patient (Kochi, Asia/Kolkata) with SMS and email consent and a phone."""
    patient.phone = "+919847012345"
    patient.save(update_fields=["phone"])
    for kind in (Consent.Kind.SMS_MESSAGES, Consent.Kind.EMAIL_MESSAGES):
        factories.ConsentFactory(patient=patient, kind=kind)
    return patient
