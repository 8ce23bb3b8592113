"""Twilio's webhooks: replies (HELP, STOP, check-in scores) and delivery reports, signed or not."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notifications.models import (
    Channel,
    Escalation,
    InboundMessage,
    NotificationPreference,
    OutboxStatus,
)
from notifications.playbook import NotificationEvent
from notifications.signals import check_in_answered, escalation_raised
from sessions.models import SessionStatus
from tests import factories
from tests.notifications.servers import AUTH_TOKEN

pytestmark = pytest.mark.django_db

INBOUND = "/notifications/twilio/inbound/"
STATUS = "/notifications/twilio/status/"


@pytest.fixture(autouse=True)
def _twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


def post_signed(client, path, params, *, token=AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(f"http://testserver{path}", params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def sms_from(patient, body, sid="SM" + "1" * 32):
    return {"MessageSid": sid, "From": str(patient.phone), "To": "+14155550100", "Body": body}


class Heard:
    """Collects what a signal announced."""

    def __init__(self, signal):
        self.calls = []
        signal.connect(self.hear, weak=False)
        self.signal = signal

    def hear(self, sender, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def escalations_heard():
    heard = Heard(escalation_raised)
    yield heard.calls
    escalation_raised.disconnect(heard.hear)


@pytest.fixture
def scores_heard():
    heard = Heard(check_in_answered)
    yield heard.calls
    check_in_answered.disconnect(heard.hear)


def test_the_urls_are_where_twilio_is_told_to_post():
    assert reverse("twilio_inbound_sms") == INBOUND
    assert reverse("twilio_delivery_status") == STATUS


@pytest.mark.parametrize("signature", ["", "forged-signature"])
def test_a_forged_or_unsigned_request_is_refused_and_records_nothing(
    client, consenting_patient, signature
):
    response = client.post(
        INBOUND, sms_from(consenting_patient, "HELP"), HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
    assert not Escalation.objects.exists()


def test_a_request_signed_with_another_token_is_refused(client, consenting_patient):
    response = post_signed(
        client, INBOUND, sms_from(consenting_patient, "STOP"), token="someone-elses-token"
    )
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
    assert NotificationPreference.objects.filter(sms_opted_out_at__isnull=False).count() == 0


def test_help_answers_with_safety_guidance_and_escalates_to_the_center(
    client, consenting_patient, escalations_heard, django_capture_on_commit_callbacks
):
    session = factories.TherapySessionFactory(
        center=consenting_patient.center,
        patient=consenting_patient,
        starts_at=timezone.now() - timezone.timedelta(hours=3),
        status=SessionStatus.COMPLETED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, INBOUND, sms_from(consenting_patient, " help! "))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert "call 112 now" in response.content.decode()
    escalation = Escalation.objects.get()
    assert (escalation.center, escalation.patient, escalation.session) == (
        consenting_patient.center,
        consenting_patient,
        session,
    )
    assert escalation.inbound_message.kind == InboundMessage.Kind.HELP
    assert [call["escalation"] for call in escalations_heard] == [escalation]


def test_madad_in_hindi_is_help_too(client, consenting_patient):
    response = post_signed(client, INBOUND, sms_from(consenting_patient, "मदद"))
    assert response.status_code == 200
    # Asked in Hindi, answered in Hindi, whatever language the patient's record says.
    assert "अभी 112 पर फ़ोन करें" in response.content.decode()
    assert InboundMessage.objects.get().kind == InboundMessage.Kind.HELP
    assert Escalation.objects.filter(patient=consenting_patient).exists()


def test_twilio_posting_the_same_message_twice_escalates_once(client, consenting_patient):
    post_signed(client, INBOUND, sms_from(consenting_patient, "HELP"))
    response = post_signed(client, INBOUND, sms_from(consenting_patient, "HELP"))
    assert response.status_code == 200
    assert "112" in response.content.decode()
    assert InboundMessage.objects.count() == 1
    assert Escalation.objects.count() == 1


def test_stop_opts_the_number_out_and_cancels_the_sms_not_yet_sent(client, consenting_patient):
    planned = factories.OutboxMessageFactory(patient=consenting_patient, channel=Channel.SMS)
    email = factories.OutboxMessageFactory(patient=consenting_patient, channel=Channel.EMAIL)
    response = post_signed(client, INBOUND, sms_from(consenting_patient, "STOP"))
    assert "no more SMS" in response.content.decode()
    preference = NotificationPreference.objects.get(patient=consenting_patient)
    assert preference.sms_opted_out_at is not None
    assert not preference.allows(Channel.SMS)
    planned.refresh_from_db()
    email.refresh_from_db()
    assert (planned.status, planned.note) == (
        OutboxStatus.CANCELLED,
        "Cancelled: the patient replied STOP.",
    )
    assert email.status == OutboxStatus.PLANNED

    post_signed(client, INBOUND, sms_from(consenting_patient, "START", sid="SM" + "2" * 32))
    preference.refresh_from_db()
    assert preference.allows(Channel.SMS)


def test_a_number_after_a_check_in_is_that_sessions_score(
    client, consenting_patient, scores_heard, django_capture_on_commit_callbacks
):
    session = factories.TherapySessionFactory(
        center=consenting_patient.center, patient=consenting_patient
    )
    factories.OutboxMessageFactory(
        patient=consenting_patient,
        session=session,
        event=NotificationEvent.CHECK_IN,
        status=OutboxStatus.DELIVERED,
        sent_at=timezone.now() - timezone.timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, INBOUND, sms_from(consenting_patient, "7"))
    assert "noted 7 out of 10" in response.content.decode()
    reply = InboundMessage.objects.get()
    assert (reply.kind, reply.score, reply.session) == (InboundMessage.Kind.SCORE, 7, session)
    assert [(c["session"], c["score"]) for c in scores_heard] == [(session, 7)]


@pytest.mark.parametrize("body", ["7", "11", "I feel better"])
def test_anything_else_is_kept_for_staff_to_answer(client, consenting_patient, body):
    response = post_signed(client, INBOUND, sms_from(consenting_patient, body))
    assert response.status_code == 200
    reply = InboundMessage.objects.get()
    assert (reply.kind, reply.body, reply.patient) == (
        InboundMessage.Kind.OTHER,
        body,
        consenting_patient,
    )
    assert reply.score is None


def test_a_delivery_report_marks_the_sms_delivered_or_failed(client, consenting_patient):
    delivered = factories.OutboxMessageFactory(
        patient=consenting_patient, status=OutboxStatus.SENT, provider_message_id="SMaaa"
    )
    lost = factories.OutboxMessageFactory(
        patient=consenting_patient, status=OutboxStatus.SENT, provider_message_id="SMbbb"
    )
    for sid, report in (("SMaaa", "delivered"), ("SMbbb", "undelivered")):
        params = {"MessageSid": sid, "MessageStatus": report}
        if report == "undelivered":
            params["ErrorCode"] = "30003"
        assert post_signed(client, STATUS, params).status_code == 204
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert delivered.status == OutboxStatus.DELIVERED and delivered.delivered_at
    assert lost.status == OutboxStatus.FAILED and "30003" in lost.last_error

    # A late "sent" report never moves a delivered message back.
    post_signed(client, STATUS, {"MessageSid": "SMaaa", "MessageStatus": "sent"})
    delivered.refresh_from_db()
    assert delivered.status == OutboxStatus.DELIVERED


def test_a_forged_delivery_report_changes_nothing(client, consenting_patient):
    message = factories.OutboxMessageFactory(
        patient=consenting_patient, status=OutboxStatus.SENT, provider_message_id="SMccc"
    )
    response = client.post(
        STATUS,
        {"MessageSid": "SMccc", "MessageStatus": "failed"},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_a_webhook_refuses_get(client):
    assert client.get(INBOUND).status_code == 405


def test_help_alerts_the_practitioner_on_shift_by_email_and_sms(
    client,
    consenting_patient,
    practitioner_user,
    admin_user,
    twilio,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    local = timezone.now().astimezone(consenting_patient.center.tzinfo)
    factories.RosterShiftFactory(
        practitioner=practitioner_user.practitioner_profile,
        center=consenting_patient.center,
        weekday=local.weekday(),
        starts=datetime.time(0, 0),
        ends=datetime.time(23, 59, 59),
    )
    practitioner_user.phone = "+919847099999"
    practitioner_user.save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, INBOUND, sms_from(consenting_patient, "HELP"))
    (email,) = mailoutbox
    assert email.to == ["vaidya@kerala.example.org"]
    assert email.subject == "Urgent: Meera Iyer needs a clinician"
    assert "+919847012345" in email.body and "Patient replied HELP" in email.body
    (sms,) = twilio.sent
    assert sms["To"] == "+919847099999" and "Meera Iyer" in sms["Body"]


def test_help_with_nobody_on_shift_alerts_the_centers_admins(
    client, consenting_patient, admin_user, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, INBOUND, sms_from(consenting_patient, "मदद"))
    assert [m.to for m in mailoutbox] == [["admin@kerala.example.org"]]
