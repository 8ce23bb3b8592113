"""The message-preferences page gives and withdraws channel consents as the intake does: a
patient who ticks SMS only there is sent their reminders by SMS."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Channel, NotificationPreference, OutboxMessage
from notifications.playbook import NotificationEvent
from patients.forms import CONSENT_DOCUMENT_VERSION
from patients.models import Consent
from tests import factories

pytestmark = pytest.mark.django_db

PREFERENCES = "/portal/preferences/"
SMS_ONLY = {"sms": "on", "quiet_hours_start": "21:00", "quiet_hours_end": "07:00", "language": "en"}


@pytest.fixture
def patient_client(client, patient_user):
    client.force_login(patient_user)
    return client


def in_force(patient) -> dict[str, Consent]:
    return {
        consent.kind: consent
        for consent in Consent.objects.filter(patient=patient, withdrawn_at__isnull=True)
    }


def test_ticking_sms_only_gives_the_sms_consent_withdraws_email_and_plans_sms_reminders(
    patient_client, patient, center
):
    for channel in (Channel.SMS, Channel.EMAIL):
        factories.NotificationTemplateFactory(
            event=NotificationEvent.PRE_24H, channel=channel, subject="{time}", body="At {time}"
        )
    factories.ConsentFactory(patient=patient, kind=Consent.Kind.TREATMENT)
    email_consent = factories.ConsentFactory(patient=patient, kind=Consent.Kind.EMAIL_MESSAGES)
    session = factories.TherapySessionFactory(
        center=center, patient=patient, starts_at=timezone.now() + datetime.timedelta(days=3)
    )
    before = timezone.now()

    response = patient_client.post(PREFERENCES, SMS_ONLY)

    assert response.status_code == 302
    consents = in_force(patient)
    assert set(consents) == {Consent.Kind.TREATMENT, Consent.Kind.SMS_MESSAGES}
    sms = consents[Consent.Kind.SMS_MESSAGES]
    assert sms.document_version == CONSENT_DOCUMENT_VERSION
    assert sms.granted_at >= before and sms.signed_by == patient.full_name
    email_consent.refresh_from_db()
    assert email_consent.withdrawn_at is not None
    channels = set(
        OutboxMessage.objects.filter(session=session, event=NotificationEvent.PRE_24H)
        .exclude(status="cancelled")
        .values_list("channel", flat=True)
    )
    assert channels == {Channel.SMS}


def test_the_page_shows_a_channel_ticked_only_with_its_consent_and_saving_again_keeps_it(
    patient_client, patient
):
    factories.NotificationPreferenceFactory(patient=patient, sms=True, email=True)
    page = patient_client.get(PREFERENCES).content.decode()
    assert 'name="sms" id="id_sms" checked' not in page
    assert 'name="email" id="id_email" checked' not in page

    patient_client.post(PREFERENCES, SMS_ONLY)
    granted = in_force(patient)[Consent.Kind.SMS_MESSAGES]
    page = patient_client.get(PREFERENCES).content.decode()
    assert 'name="sms" id="id_sms" checked' in page
    assert 'name="email" id="id_email" checked' not in page

    patient_client.post(PREFERENCES, SMS_ONLY)
    assert in_force(patient)[Consent.Kind.SMS_MESSAGES].pk == granted.pk
    assert Consent.objects.filter(patient=patient).count() == 1


def test_unticking_sms_withdraws_its_consent(patient_client, patient):
    sms = factories.ConsentFactory(patient=patient, kind=Consent.Kind.SMS_MESSAGES)
    patient_client.post(
        PREFERENCES,
        {
            "in_app": "on",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "07:00",
            "language": "en",
        },
    )
    sms.refresh_from_db()
    assert sms.withdrawn_at is not None
    assert not NotificationPreference.objects.get(patient=patient).sms


def test_a_refused_form_records_no_consent(patient_client, patient):
    response = patient_client.post(PREFERENCES, {**SMS_ONLY, "quiet_hours_start": "25:00"})
    assert response.status_code == 400
    assert "Enter a valid time" in response.content.decode()
    assert not Consent.objects.filter(patient=patient).exists()
