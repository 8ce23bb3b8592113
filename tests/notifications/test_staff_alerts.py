"""Staff alerts in the portal: a message that failed for good, a patient who replied HELP."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.choices import Role
from notifications.dispatch import MAX_ATTEMPTS, outbox_dispatch
from notifications.models import Channel, OutboxStatus, StaffAlert
from notifications.services import delivery_status_record
from tests import factories
from tests.notifications.servers import AUTH_TOKEN
from tests.notifications.test_webhooks import INBOUND, post_signed, sms_from

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def director_user(center):
    user = factories.UserFactory(email="director@kerala.example.org", first_name="Lakshmi")
    factories.MembershipFactory(user=user, center=center, role=Role.MEDICAL_DIRECTOR)
    return user


def test_a_message_that_fails_for_good_alerts_the_centers_admins_and_directors_once(
    client, twilio, consenting_patient, admin_user, director_user, practitioner_user, outsider
):
    message = factories.OutboxMessageFactory(
        patient=consenting_patient, due_at=timezone.now() - MINUTE, body="Rest today."
    )
    twilio.fail_next = MAX_ATTEMPTS + 1
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS - 1):
        outbox_dispatch(now=now)
        message.refresh_from_db()
        now = message.due_at
    assert not StaffAlert.objects.exists(), "no alert while retries are left"
    outbox_dispatch(now=now)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED

    alerts = StaffAlert.objects.filter(outbox_message=message)
    assert {a.user for a in alerts} == {admin_user, director_user}
    alert = alerts.get(user=admin_user)
    assert alert.title == "A message to Meera Iyer could not be sent"
    assert alert.body.startswith("SMS to +919847012345, 5 attempts: Twilio refused it")

    # Tried again by staff and failing again still alerts each person once.
    message.status, message.attempts = OutboxStatus.PLANNED, MAX_ATTEMPTS - 1
    message.save(update_fields=["status", "attempts"])
    outbox_dispatch(now=now)
    assert StaffAlert.objects.filter(outbox_message=message).count() == 2

    client.force_login(admin_user)
    page = client.get(reverse("notifications_alerts")).content.decode()
    assert "A message to Meera Iyer could not be sent" in page
    assert 'id="alerts-unread">1<' in page
    assert reverse("notifications_failed") in page
    client.post(reverse("notifications_alerts_read"))
    page = client.get(reverse("notifications_alerts")).content.decode()
    assert 'id="alerts-unread">0<' in page
    assert StaffAlert.objects.get(user=director_user).read_at is None, "only my own"

    client.force_login(outsider)
    page = client.get(reverse("notifications_alerts")).content.decode()
    assert "Meera" not in page


def test_a_failed_delivery_report_alerts_the_staff(consenting_patient, admin_user):
    message = factories.OutboxMessageFactory(
        patient=consenting_patient,
        status=OutboxStatus.SENT,
        provider_message_id="SM0001",
        channel=Channel.SMS,
    )
    delivery_status_record(provider_message_id="SM0001", report="undelivered", error_code="30003")
    (alert,) = StaffAlert.objects.all()
    assert (alert.user, alert.outbox_message) == (admin_user, message)
    assert "30003" in alert.body


def test_help_reaches_the_clinician_in_the_portal_too(
    client,
    settings,
    consenting_patient,
    admin_user,
    outsider,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, INBOUND, sms_from(consenting_patient, "HELP"))
    (alert,) = StaffAlert.objects.all()
    assert alert.user == admin_user and alert.kind == StaffAlert.Kind.ESCALATION
    client.force_login(admin_user)
    page = client.get(reverse("notifications_alerts")).content.decode()
    assert "Urgent: Meera Iyer needs a clinician" in page
    assert 'href="tel:+919847012345"' in page


def test_patients_have_no_staff_alerts(client, patient_user):
    client.force_login(patient_user)
    assert client.get(reverse("notifications_alerts")).status_code == 403


def test_the_alerts_page_costs_the_same_queries_for_one_or_many(
    client, center, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for count in (1, 30):
        for n in range(count):
            StaffAlert.objects.create(
                user=admin_user, center=center, kind=StaffAlert.Kind.MESSAGE_FAILED, title=f"a{n}"
            )
        with django_assert_max_num_queries(8):
            assert client.get(reverse("notifications_alerts")).status_code == 200
