"""The patient's inbox and preferences, and the staff's list of a session's messages."""

import datetime

import pytest
from django.urls import reverse

from notifications.models import (
    Channel,
    InAppNotification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from notifications.playbook import NotificationEvent
from tests import factories

pytestmark = pytest.mark.django_db

INBOX = "/portal/messages/"
PREFERENCES = "/portal/preferences/"


@pytest.fixture
def patient_client(client, patient_user):
    client.force_login(patient_user)
    return client


def test_the_pages_are_where_the_portal_links_them():
    assert reverse("notifications_inbox") == INBOX
    assert reverse("notifications_preferences") == PREFERENCES


@pytest.mark.parametrize("count", [1, 30])
def test_the_inbox_shows_the_patients_own_messages_newest_first_in_fixed_queries(
    patient_client, patient, django_assert_max_num_queries, count
):
    for n in range(count):
        factories.InAppNotificationFactory(patient=patient, title=f"Advice {n}")
    factories.InAppNotificationFactory(title="Someone else's")
    with django_assert_max_num_queries(8):
        response = patient_client.get(INBOX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else&#x27;s" not in page and "Someone else's" not in page
    assert page.index(f"Advice {count - 1}") <= page.index("Advice 0")
    assert page.count('class="inbox-item unread"') == count
    assert f'Unread: <span id="inbox-unread">{count}</span>' in page


def test_marking_a_message_read_over_htmx_returns_the_item_read(patient_client, patient):
    note = factories.InAppNotificationFactory(patient=patient, title="Rest today")
    response = patient_client.post(
        reverse("notifications_inbox_read", args=[note.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rest today" in html and "Mark as read" not in html and "<html" not in html
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_patient_cannot_mark_anothers_message(patient_client):
    other = factories.InAppNotificationFactory()
    response = patient_client.post(reverse("notifications_inbox_read", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read(patient_client, patient):
    factories.InAppNotificationFactory.create_batch(3, patient=patient)
    response = patient_client.post(reverse("notifications_inbox_read_all"))
    assert response.status_code == 302
    assert not InAppNotification.objects.filter(patient=patient, read_at__isnull=True).exists()


def test_staff_have_no_inbox(client, admin_user):
    client.force_login(admin_user)
    assert client.get(INBOX).status_code == 403
    assert client.get(PREFERENCES).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get(INBOX).status_code == 302


def test_preferences_change_channels_quiet_hours_zone_and_language_and_replan(
    patient_client, patient, center
):
    factories.NotificationTemplateFactory(
        event=NotificationEvent.PRE_2H, channel=Channel.IN_APP, subject="{time}", body="{time}"
    )
    factories.NotificationTemplateFactory(
        event=NotificationEvent.PRE_2H,
        channel=Channel.IN_APP,
        locale="hi",
        subject="{time} बजे",
        body="{time} बजे",
    )
    session = factories.TherapySessionFactory(
        center=center,
        patient=patient,
        starts_at=datetime.datetime.combine(
            datetime.date.today() + datetime.timedelta(days=3),
            datetime.time(10, 0),
            tzinfo=datetime.UTC,
        ),
    )
    response = patient_client.post(
        PREFERENCES,
        {
            "in_app": "on",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "08:30",
            "timezone": "Europe/London",
            "language": "hi",
        },
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(patient=patient)
    assert (preference.sms, preference.email, preference.in_app) == (False, False, True)
    assert preference.quiet_hours_end == datetime.time(8, 30)
    assert preference.timezone == "Europe/London"
    patient.refresh_from_db()
    assert patient.language == "hi"
    # The session's reminder was re-planned in Hindi, with its time in London's zone:
    # 08:00 UTC is 08:00 GMT or 09:00 BST, after the quiet hours either way.
    reminder = OutboxMessage.objects.get(session=session)
    local = (session.starts_at - datetime.timedelta(hours=2)).astimezone(preference.zone())
    assert reminder.body == f"{session.starts_at.astimezone(preference.zone()):%H:%M} बजे"
    assert reminder.status == OutboxStatus.PLANNED
    assert local.hour >= 8


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00", "language": "en"},
            "Keep at least one way",
        ),
        (
            {
                "sms": "on",
                "quiet_hours_start": "25:00",
                "quiet_hours_end": "07:00",
                "language": "en",
            },
            "Enter a valid time",
        ),
        (
            {
                "sms": "on",
                "quiet_hours_start": "22:00",
                "quiet_hours_end": "07:00",
                "language": "en",
                "timezone": "Mars/Olympus",
            },
            "not a known time zone",
        ),
        (
            {
                "sms": "on",
                "quiet_hours_start": "22:00",
                "quiet_hours_end": "07:00",
                "language": "xx",
            },
            "Select a valid choice",
        ),
    ],
)
def test_bad_preferences_are_a_form_error_and_change_nothing(patient_client, patient, data, error):
    response = patient_client.post(PREFERENCES, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    preference = NotificationPreference.objects.get(patient=patient)
    assert (preference.sms, preference.quiet_hours_start) == (True, datetime.time(21, 0))
    patient.refresh_from_db()
    assert patient.language == "en"


def test_ticking_sms_again_undoes_a_stop_reply(patient_client, patient):
    factories.NotificationPreferenceFactory(
        patient=patient,
        sms=True,
        sms_opted_out_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    page = patient_client.get(PREFERENCES).content.decode()
    assert "You replied STOP" in page
    patient_client.post(
        PREFERENCES,
        {"sms": "on", "quiet_hours_start": "21:00", "quiet_hours_end": "07:00", "language": "en"},
    )
    assert NotificationPreference.objects.get(patient=patient).allows(Channel.SMS)


@pytest.mark.parametrize("count", [1, 12])
def test_staff_see_a_sessions_messages_with_their_states_in_fixed_queries(
    client, admin_user, center, django_assert_max_num_queries, count
):
    session = factories.TherapySessionFactory(center=center)
    for n in range(count):
        factories.OutboxMessageFactory(
            patient=session.patient,
            session=session,
            event=NotificationEvent.PRE_24H,
            status=OutboxStatus.CANCELLED,
            note=f"Dropped: reason {n}",
        )
    client.force_login(admin_user)
    url = reverse("notifications_session_messages", args=[session.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Dropped: reason 0" in html and "Cancelled" in html
    assert client.get(url).status_code == 200


def test_staff_of_another_center_cannot_see_a_sessions_messages(client, outsider, center):
    session = factories.TherapySessionFactory(center=center)
    client.force_login(outsider)
    url = reverse("notifications_session_messages", args=[session.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 15])
def test_center_staff_see_their_failed_messages_in_fixed_queries_and_retry_one(
    client, admin_user, center, other_center, django_assert_max_num_queries, count
):
    session = factories.TherapySessionFactory(center=center)
    failed = [
        factories.OutboxMessageFactory(
            patient=session.patient,
            session=session,
            status=OutboxStatus.FAILED,
            attempts=5,
            last_error=f"SendError: Twilio refused it (400, code 21211) #{n}",
        )
        for n in range(count)
    ]
    elsewhere = factories.OutboxMessageFactory(
        patient=factories.PatientFactory(center=other_center),
        status=OutboxStatus.FAILED,
        last_error="elsewhere",
    )
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        page = client.get("/notifications/failed/").content.decode()
    assert "code 21211) #0" in page and "elsewhere" not in page

    response = client.post(reverse("notifications_failed_retry", args=[failed[0].pk]))
    assert response.status_code == 302
    failed[0].refresh_from_db()
    assert (failed[0].status, failed[0].attempts) == (OutboxStatus.PLANNED, 0)
    assert (
        client.post(reverse("notifications_failed_retry", args=[elsewhere.pk])).status_code == 404
    )


def test_patients_and_practitioners_have_no_failed_messages_page(
    client, patient_user, practitioner_user
):
    for user in (patient_user, practitioner_user):
        client.force_login(user)
        assert client.get("/notifications/failed/").status_code == 403
