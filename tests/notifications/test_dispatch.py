"""The dispatcher over real channels: SMTP on loopback, the twilio client against a fake Twilio."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.backends import ConsoleSms
from notifications.dispatch import CLAIM_LEASE, MAX_ATTEMPTS, outbox_claim, outbox_dispatch
from notifications.models import Channel, InAppNotification, OutboxMessage, OutboxStatus
from notifications.playbook import NotificationEvent
from sessions.models import SessionStatus
from tests import factories

MINUTE = datetime.timedelta(minutes=1)
# The batch: two workers over 1,000 due messages.
BATCH_OF_TWO_WORKERS = 1000


def due_message(patient, channel=Channel.SMS, **fields) -> OutboxMessage:
    recipient = {
        Channel.SMS: str(patient.phone),
        Channel.EMAIL: patient.email,
        Channel.IN_APP: f"patient:{patient.pk}",
    }[channel]
    fields.setdefault("due_at", timezone.now() - MINUTE)
    return factories.OutboxMessageFactory(
        patient=patient, channel=channel, recipient=recipient, **fields
    )


@pytest.mark.django_db
def test_an_email_goes_over_smtp_with_text_and_html_parts(smtp, consenting_patient):
    message = due_message(
        consenting_patient,
        Channel.EMAIL,
        subject="Your Virechana tomorrow at 07:00",
        body="Namaste Meera,\nlight dinner before 7 pm & rest.",
    )
    report = outbox_dispatch(sms=ConsoleSms())
    assert report.counts == {OutboxStatus.SENT: 1}
    (email,) = smtp.messages
    assert email["To"] == "patient@example.org"
    assert email["Subject"] == "Your Virechana tomorrow at 07:00"
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "light dinner before 7 pm & rest." in text
    assert "light dinner before 7 pm &amp; rest." in html and "<br>" in html
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.provider_message_id == email["Message-ID"]
    assert message.attempts == 1 and message.sent_at is not None


@pytest.mark.django_db
def test_an_sms_goes_through_the_twilio_client(twilio, consenting_patient):
    message = due_message(consenting_patient, body="नमस्ते Meera जी, कल 07:00 बजे विरेचन है।")
    outbox_dispatch()
    (sent,) = twilio.sent
    assert sent["To"] == "+919847012345"
    assert sent["From"] == "+14155550100"
    assert sent["Body"] == "नमस्ते Meera जी, कल 07:00 बजे विरेचन है।"
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == (OutboxStatus.SENT, sent["sid"])


@pytest.mark.django_db
def test_without_twilio_keys_an_sms_is_printed(settings, capsys, consenting_patient):
    settings.SMS_BACKEND = "console"
    message = due_message(consenting_patient, body="See you at 10:00")
    outbox_dispatch()
    assert "SMS to +919847012345" in capsys.readouterr().out
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.provider_message_id.startswith("console-")


@pytest.mark.django_db
def test_an_in_app_message_reaches_the_inbox_once(consenting_patient):
    message = due_message(
        consenting_patient, Channel.IN_APP, subject="Rest after Abhyanga", body="Warm water only."
    )
    outbox_dispatch(sms=ConsoleSms())
    # A worker that lost its lease and claims the row again never shows it twice.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PLANNED)
    outbox_dispatch(sms=ConsoleSms())

    note = InAppNotification.objects.get(patient=consenting_patient)
    assert (note.title, note.body, note.outbox_message_id) == (
        "Rest after Abhyanga",
        "Warm water only.",
        message.pk,
    )
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED


@pytest.mark.django_db
def test_a_failed_send_is_retried_with_growing_waits_then_marked_failed(twilio, consenting_patient):
    message = due_message(consenting_patient)
    now = timezone.now()
    twilio.fail_next = MAX_ATTEMPTS
    waits = []
    for _attempt in range(MAX_ATTEMPTS - 1):
        outbox_dispatch(now=now)
        message.refresh_from_db()
        assert message.status == OutboxStatus.PLANNED
        assert "500" in message.last_error
        waits.append(message.due_at - now)
        now = message.due_at
    assert waits == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]
    outbox_dispatch(now=now)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert twilio.sent == []


@pytest.mark.django_db
def test_a_retry_that_succeeds_is_sent_once(twilio, consenting_patient):
    message = due_message(consenting_patient)
    twilio.fail_next = 1
    now = timezone.now()
    outbox_dispatch(now=now)
    outbox_dispatch(now=now + MINUTE)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 2, "")
    assert len(twilio.sent) == 1


@pytest.mark.django_db
def test_a_message_of_a_session_cancelled_since_planning_is_not_sent(twilio, consenting_patient):
    session = factories.TherapySessionFactory(
        center=consenting_patient.center,
        patient=consenting_patient,
        status=SessionStatus.CANCELLED,
    )
    message = due_message(consenting_patient, session=session, event=NotificationEvent.PRE_24H)
    outbox_dispatch()
    message.refresh_from_db()
    assert message.status == OutboxStatus.CANCELLED
    assert message.note == "Cancelled: the session was cancelled."
    assert twilio.sent == []


@pytest.mark.django_db
def test_sms_without_consent_is_not_sent_even_if_planned_before_it_was_withdrawn(twilio, patient):
    patient.phone = "+919847000002"
    patient.save(update_fields=["phone"])
    message = due_message(patient)
    outbox_dispatch()
    message.refresh_from_db()
    assert message.status == OutboxStatus.CANCELLED
    assert "consented" in message.note
    assert twilio.sent == []


@pytest.mark.django_db
def test_a_dead_workers_claims_are_sent_by_another_after_the_lease(twilio, consenting_patient):
    message = due_message(consenting_patient)
    now = timezone.now()
    (claimed,) = outbox_claim(worker="dead-worker", now=now)
    assert claimed.pk == message.pk

    # Within the lease nobody else may take it.
    assert outbox_dispatch(now=now + MINUTE).total == 0
    assert twilio.sent == []
    outbox_dispatch(now=now + CLAIM_LEASE + MINUTE)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert message.claimed_by != "dead-worker"
    assert len(twilio.sent) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_over_one_batch_send_every_message_exactly_once(twilio, consenting_patient):
    due = timezone.now() - MINUTE
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            patient=consenting_patient,
            channel=Channel.SMS,
            recipient=str(consenting_patient.phone),
            body=f"message {n}",
            due_at=due,
            idempotency_key=f"race:{n}",
        )
        for n in range(BATCH_OF_TWO_WORKERS)
    )
    reports = []

    def worker():
        try:
            reports.append(outbox_dispatch(limit=25))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    bodies = sorted(sent["Body"] for sent in twilio.sent)
    assert bodies == sorted(f"message {n}" for n in range(BATCH_OF_TWO_WORKERS))
    assert all(report.total > 0 for report in reports), "both workers took part"
    assert sum(report.total for report in reports) == BATCH_OF_TWO_WORKERS
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
