"""Shared fixtures of the notifications tests: a consenting patient, SMTP and Twilio on loopback."""

import pytest

from patients.models import Consent
from tests import factories
from tests.notifications.servers import ACCOUNT_SID, AUTH_TOKEN, smtp_server, twilio_server


@pytest.fixture
def consenting_patient(patient):
    """The standing patient (Kochi, Asia/Kolkata) with SMS and email consent and a phone."""
    patient.phone = "+919847012345"
    patient.save(update_fields=["phone"])
    for kind in (Consent.Kind.SMS_MESSAGES, Consent.Kind.EMAIL_MESSAGES):
        factories.ConsentFactory(patient=patient, kind=kind)
    return patient


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback that Django's SMTP backend sends to."""
    controller, inbox = smtp_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def twilio(settings):
    """A fake of Twilio's REST API on loopback that the real twilio client talks to."""
    server = twilio_server()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = "+14155550100"
    settings.TWILIO_BASE_URL = server.url
    yield server
    server.shutdown()
    server.server_close()
