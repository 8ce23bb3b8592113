"""The intake's preferences step: scheduling wishes, message consents and notification
preferences saved together, all or nothing."""

import datetime

import pytest
from django.utils import translation

from notifications.models import NotificationPreference
from patients.models import Consent
from tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db

URL = "/portal/intake/preferences/"
# Session, user, patient, its center, roles (the menu), the preference and the consents in force.
PAGE_QUERIES = 8

CHOICES = {
    "weekdays": ["0", "3"],
    "times": ["morning", "afternoon"],
    "practitioner": "same",
    "language": "hi",
    "sms": "on",
    "phone": "+91 98470 11111",
    "in_app": "on",
    "quiet_hours_start": "22:00",
    "quiet_hours_end": "06:30",
}


def _in_force(patient):
    return set(
        Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


def test_the_step_asks_days_times_practitioner_language_channels_and_quiet_hours(
    client, patient_user, patient, django_assert_max_num_queries
):
    client.force_login(patient_user)

    with django_assert_max_num_queries(PAGE_QUERIES):
        page = client.get(URL).content.decode()

    for words in (
        "Days you prefer to start on",
        "Times of day you prefer",
        "Someone of my own gender only",
        "Language of your messages",
        "Send me reminders and care guidance by SMS.",
        "Quiet from",
    ):
        assert words in page


def test_saving_keeps_the_wishes_the_consents_and_the_message_preferences(
    client, patient_user, patient
):
    ConsentFactory(patient=patient, kind=Consent.Kind.EMAIL_MESSAGES)
    ConsentFactory(patient=patient, kind=Consent.Kind.TREATMENT)
    treatment_granted = Consent.objects.get(patient=patient, kind="treatment").granted_at
    client.force_login(patient_user)

    response = client.post(URL, CHOICES, follow=True)

    assert response.redirect_chain == [("/portal/intake/", 302)]
    assert "Your preferences are saved." in response.content.decode()
    patient.refresh_from_db()
    assert patient.preferred_weekdays == [0, 3]
    assert patient.preferred_windows == [["07:00", "10:00"], ["13:00", "17:00"]]
    assert patient.same_gender_practitioner is True
    assert patient.language == "hi"
    assert str(patient.phone) == "+919847011111"
    assert patient.preferences_recorded_at is not None
    # SMS ticked is its consent given; email unticked withdraws its consent; treatment untouched.
    assert _in_force(patient) == {"sms_messages", "treatment"}
    assert Consent.objects.get(patient=patient, kind="treatment").granted_at == treatment_granted
    preference = NotificationPreference.objects.get(patient=patient)
    assert (preference.sms, preference.email, preference.in_app) == (True, False, True)
    assert (preference.quiet_hours_start, preference.quiet_hours_end) == (
        datetime.time(22, 0),
        datetime.time(6, 30),
    )


def test_saving_the_same_channels_again_keeps_their_consents(client, patient_user, patient):
    client.force_login(patient_user)
    client.post(URL, CHOICES)
    granted = Consent.objects.get(patient=patient, kind="sms_messages").granted_at

    client.post(URL, CHOICES)

    assert Consent.objects.filter(patient=patient, kind="sms_messages").count() == 1
    assert Consent.objects.get(patient=patient, kind="sms_messages").granted_at == granted


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sms": "", "in_app": ""}, "Keep at least one way for your clinic to reach you."),
        ({"phone": ""}, "Please give the mobile number for your SMS reminders."),
        ({"phone": "12"}, "Please give a mobile number with its country code"),
        ({"weekdays": ["9"]}, "Select a valid choice."),
        ({"times": ["midnight"]}, "Select a valid choice."),
        ({"practitioner": ""}, "Please choose who may treat you."),
        ({"quiet_hours_start": "25:61"}, "Enter a valid time."),
    ],
)
def test_a_bad_answer_is_refused_beside_its_question_and_nothing_is_saved(
    client, patient_user, patient, change, message
):
    patient.phone = ""
    patient.save()
    client.force_login(patient_user)

    response = client.post(URL, {**CHOICES, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    patient.refresh_from_db()
    assert patient.preferences_recorded_at is None and patient.preferred_weekdays == []
    assert not Consent.objects.filter(patient=patient).exists()
    assert not NotificationPreference.objects.filter(patient=patient, quiet_hours_start="22:00")


def test_staff_have_no_preferences_step(client, admin_user):
    client.force_login(admin_user)

    assert client.get(URL).status_code == 403


def test_the_preferences_step_reads_in_hindi(client, patient_user, patient):
    client.force_login(patient_user)

    # The middleware leaves the thread in Hindi; the override puts it back for later tests.
    with translation.override("en"):
        page = client.get(URL, headers={"accept-language": "hi"}).content.decode()

    assert "शुरू करने के लिए आपके पसंदीदा दिन" in page
    assert "मेरी पसंद सहेजें" in page
