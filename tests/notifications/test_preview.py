"""Previews of a playbook template: in the admin, and sent to a chosen user through the API."""

import pytest
from django.urls import reverse

from clinics.choices import Role
from notifications.models import Channel, InAppNotification
from notifications.playbook import NotificationEvent
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/notifications/test"


@pytest.fixture
def director(center):
    user = factories.UserFactory(email="director@kerala.example.org", phone="+919847011111")
    factories.MembershipFactory(user=user, center=center, role=Role.MEDICAL_DIRECTOR)
    return user


@pytest.fixture
def hindi_template():
    return factories.NotificationTemplateFactory(
        event=NotificationEvent.PRE_24H,
        channel=Channel.EMAIL,
        locale="hi",
        subject="कल {time} बजे आपका {therapy} सत्र",
        body="नमस्ते {patient} जी, {date} को {center} में मिलते हैं।",
    )


def test_the_admin_previews_a_template_for_a_chosen_session(
    client, superuser, hindi_template, center, patient
):
    session = factories.TherapySessionFactory(
        center=center, patient=patient, therapy__name_hi="विरेचन"
    )
    client.force_login(superuser)
    url = reverse("admin:notifications_notificationtemplate_preview", args=[hindi_template.pk])
    page = client.get(url, {"session": session.pk}).content.decode()
    local = session.starts_at.astimezone(center.tzinfo)
    assert f"कल {local:%H:%M} बजे आपका विरेचन सत्र" in page
    assert "नमस्ते Meera जी" in page and "Kerala Panchakarma Center में" in page
    sample = client.get(url).content.decode()
    assert "नमस्ते मीरा जी" in sample
    assert client.get(url, {"session": "x"}).status_code == 200


def test_a_director_sends_a_preview_email_to_themself(client, director, hindi_template, mailoutbox):
    client.force_login(director)
    response = client.post(API, {"template": hindi_template.pk, "user": director.pk})
    assert response.status_code == 200, response.content
    assert response.json()["to"] == "director@kerala.example.org"
    (email,) = mailoutbox
    assert email.subject == "[Preview] कल 07:00 बजे आपका विरेचन सत्र"
    assert "नमस्ते मीरा जी" in email.body


def test_an_in_app_preview_goes_to_a_patients_inbox(client, director, patient_user):
    template = factories.NotificationTemplateFactory(
        channel=Channel.IN_APP, subject="Tomorrow: {therapy}", body="{patient}, rest well."
    )
    client.force_login(director)
    response = client.post(API, {"template": template.pk, "user": patient_user.pk})
    assert response.status_code == 200
    note = InAppNotification.objects.get(patient=patient_user.patient_profile)
    assert note.title == "[Preview] Tomorrow: Virechana"


def test_a_preview_that_cannot_reach_the_user_is_a_clear_400(client, director, admin_user):
    template = factories.NotificationTemplateFactory(channel=Channel.SMS)
    client.force_login(director)
    response = client.post(API, {"template": template.pk, "user": admin_user.pk})
    assert response.status_code == 400
    assert response.json()["message"] == "This user has no phone number."


def test_previews_go_only_to_people_of_the_senders_centers(
    client, director, outsider, hindi_template, mailoutbox
):
    client.force_login(director)
    response = client.post(API, {"template": hindi_template.pk, "user": outsider.pk})
    assert response.status_code == 400
    assert response.json()["message"] == "No such user at your centers."
    assert mailoutbox == []


def test_patients_and_practitioners_may_not_send_previews(
    client, practitioner_user, hindi_template
):
    client.force_login(practitioner_user)
    response = client.post(API, {"template": hindi_template.pk, "user": practitioner_user.pk})
    assert response.status_code == 403


def test_bad_input_is_a_400_in_words(client, director):
    client.force_login(director)
    response = client.post(API, {"template": "seven"})
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"template", "user"}
