"""Planning a session's messages: booking, moving, cancelling, completing; channels and quiet hours."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from notifications.models import Channel, OutboxMessage, OutboxStatus
from notifications.playbook import NotificationEvent
from notifications.services import idempotency_key, reminders_plan
from patients.models import Consent
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_transition
from sessions.signals import sessions_booked
from tests import factories

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC


@pytest.fixture
def playbook():
    """English templates of four steps on every channel."""
    for event in (
        NotificationEvent.PRE_24H,
        NotificationEvent.PRE_2H,
        NotificationEvent.POST_1H,
        NotificationEvent.CHECK_IN,
    ):
        for channel in Channel.values:
            factories.NotificationTemplateFactory(
                event=event,
                channel=channel,
                subject="" if channel == Channel.SMS else "{therapy} at {time}",
                body="Namaste {patient}: {therapy} on {date} at {time} at {center}.",
            )


def in_days(days: int, hour: int, minute: int = 0, zone=KOLKATA) -> datetime.datetime:
    day = datetime.date.today() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def book(session: TherapySession, django_capture_on_commit_callbacks) -> None:
    """Announce a booking as scheduling does once it has committed."""
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(
            lambda: sessions_booked.send(sender=TherapySession, sessions=[session], by=None)
        )


def outbox(session, **filters):
    return {
        (m.event, m.channel): m
        for m in OutboxMessage.objects.filter(session=session, **filters).order_by("id")
    }


@pytest.fixture
def session(center, consenting_patient, practitioner):
    return factories.TherapySessionFactory(
        center=center,
        patient=consenting_patient,
        practitioner=practitioner,
        therapy__name="Abhyanga",
        starts_at=in_days(3, 10),
    )


def test_booking_plans_the_reminders_on_every_channel_in_the_patients_words(
    playbook, session, django_capture_on_commit_callbacks
):
    book(session, django_capture_on_commit_callbacks)
    planned = outbox(session)
    # No phone of the patient's has allowed notifications: no push (tests/notifications/
    # test_web_push.py plans them for one that has).
    assert set(planned) == {
        (event, channel)
        for event in (NotificationEvent.PRE_24H, NotificationEvent.PRE_2H)
        for channel in (Channel.SMS, Channel.EMAIL, Channel.IN_APP)
    }
    sms = planned[(NotificationEvent.PRE_24H, Channel.SMS)]
    assert sms.status == OutboxStatus.PLANNED
    assert sms.recipient == "+919847012345"
    assert sms.due_at == in_days(2, 10)
    local = session.starts_at.astimezone(KOLKATA)
    assert sms.body == (
        f"Namaste Meera: Abhyanga on {local:%A} {local.day} {local:%B} at 10:00 "
        "at Kerala Panchakarma Center."
    )
    assert planned[(NotificationEvent.PRE_2H, Channel.EMAIL)].recipient == "patient@example.org"
    assert planned[(NotificationEvent.PRE_2H, Channel.EMAIL)].subject == "Abhyanga at 10:00"
    assert planned[(NotificationEvent.PRE_2H, Channel.IN_APP)].due_at == in_days(3, 8)


def test_planning_again_makes_no_second_message(
    playbook, session, django_capture_on_commit_callbacks
):
    book(session, django_capture_on_commit_callbacks)
    book(session, django_capture_on_commit_callbacks)
    reminders_plan(session=session)
    assert OutboxMessage.objects.filter(session=session).count() == 6


def test_the_database_refuses_a_second_message_with_the_same_key(playbook, session):
    reminders_plan(session=session)
    first = OutboxMessage.objects.filter(session=session).first()
    key = idempotency_key(
        session_id=session.pk, event=first.event, channel=first.channel, recipient=first.recipient
    )
    assert first.idempotency_key == key
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.OutboxMessageFactory(patient=session.patient, idempotency_key=key)


def test_a_moved_session_moves_its_planned_reminders_and_leaves_sent_ones(
    playbook, session, django_capture_on_commit_callbacks
):
    book(session, django_capture_on_commit_callbacks)
    sent = outbox(session)[(NotificationEvent.PRE_24H, Channel.EMAIL)]
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT)

    session.starts_at = in_days(4, 15)
    session.fill_derived_times(recompute=True)
    session.save()
    book(session, django_capture_on_commit_callbacks)

    planned = outbox(session)
    assert len(planned) == 6
    assert planned[(NotificationEvent.PRE_24H, Channel.SMS)].due_at == in_days(3, 15)
    assert planned[(NotificationEvent.PRE_2H, Channel.IN_APP)].due_at == in_days(4, 13)
    assert planned[(NotificationEvent.PRE_2H, Channel.IN_APP)].body.endswith(
        "at 15:00 at Kerala Panchakarma Center."
    )
    assert planned[(NotificationEvent.PRE_24H, Channel.EMAIL)].status == OutboxStatus.SENT
    assert planned[(NotificationEvent.PRE_24H, Channel.EMAIL)].due_at == in_days(2, 10)


def test_a_cancelled_session_sends_nothing_more(
    playbook, session, django_capture_on_commit_callbacks
):
    book(session, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        session_transition(session=session, to_status=SessionStatus.CANCELLED, by=None)
    statuses = {m.status for m in OutboxMessage.objects.filter(session=session)}
    assert statuses == {OutboxStatus.CANCELLED}
    assert (
        OutboxMessage.objects.filter(
            session=session, note="Cancelled: the session was cancelled."
        ).count()
        == 6
    )


def test_no_sms_without_consent_and_no_email_when_the_patient_opted_out(
    playbook, center, patient, django_capture_on_commit_callbacks
):
    patient.phone = "+919847000001"
    patient.save(update_fields=["phone"])
    factories.ConsentFactory(patient=patient, kind=Consent.Kind.EMAIL_MESSAGES)
    withdrawn = factories.ConsentFactory(patient=patient, kind=Consent.Kind.SMS_MESSAGES)
    withdrawn.withdrawn_at = withdrawn.granted_at
    withdrawn.save()
    factories.NotificationPreferenceFactory(patient=patient, email=False)
    session = factories.TherapySessionFactory(
        center=center, patient=patient, starts_at=in_days(3, 10)
    )
    book(session, django_capture_on_commit_callbacks)
    assert {m.channel for m in OutboxMessage.objects.filter(session=session)} == {Channel.IN_APP}


def test_a_reminder_due_in_quiet_hours_waits_for_their_end(playbook, center, consenting_patient):
    # T-2h of a 07:30 session is 05:30, inside the default quiet hours (21:00–07:00).
    session = factories.TherapySessionFactory(
        center=center, patient=consenting_patient, starts_at=in_days(3, 7, 30)
    )
    reminders_plan(session=session)
    moved = outbox(session)[(NotificationEvent.PRE_2H, Channel.SMS)]
    assert moved.status == OutboxStatus.PLANNED
    assert moved.due_at == in_days(3, 7)
    assert moved.note.startswith("Moved out of quiet hours")


def test_a_reminder_that_quiet_hours_would_push_past_the_session_is_dropped_with_a_reason(
    playbook, center, consenting_patient
):
    session = factories.TherapySessionFactory(
        center=center, patient=consenting_patient, starts_at=in_days(3, 6, 30)
    )
    reminders_plan(session=session)
    dropped = outbox(session)[(NotificationEvent.PRE_2H, Channel.SMS)]
    assert dropped.status == OutboxStatus.CANCELLED
    assert "would arrive after the session starts" in dropped.note


def test_an_urgent_template_is_sent_in_quiet_hours(center, consenting_patient):
    factories.NotificationTemplateFactory(
        event=NotificationEvent.PRE_2H, urgent=True, body="Fasting from now, {patient}."
    )
    session = factories.TherapySessionFactory(
        center=center, patient=consenting_patient, starts_at=in_days(3, 6, 30)
    )
    reminders_plan(session=session)
    urgent = outbox(session)[(NotificationEvent.PRE_2H, Channel.SMS)]
    assert (urgent.status, urgent.due_at, urgent.urgent) == (
        OutboxStatus.PLANNED,
        in_days(3, 4, 30),
        True,
    )


def test_quiet_hours_follow_the_patients_own_zone_across_a_dst_change(
    playbook, center, consenting_patient
):
    # The patient is in London; on 28 March 2027 the clocks go forward at 01:00 GMT.
    factories.NotificationPreferenceFactory(patient=consenting_patient, timezone="Europe/London")
    session = factories.TherapySessionFactory(
        center=center,
        patient=consenting_patient,
        starts_at=datetime.datetime(2027, 3, 28, 8, 0, tzinfo=LONDON),  # 07:00 UTC (BST)
    )
    reminders_plan(session=session, now=datetime.datetime(2027, 3, 1, tzinfo=UTC))
    planned = outbox(session)
    # T-2h is 05:00 UTC = 06:00 BST, in quiet hours: it waits until 07:00 BST = 06:00 UTC.
    assert planned[(NotificationEvent.PRE_2H, Channel.SMS)].due_at == datetime.datetime(
        2027, 3, 28, 6, 0, tzinfo=UTC
    )
    # T-24h is 07:00 UTC the day before, still GMT: 07:00 local is the end of quiet hours.
    assert planned[(NotificationEvent.PRE_24H, Channel.SMS)].due_at == datetime.datetime(
        2027, 3, 27, 7, 0, tzinfo=UTC
    )
    assert planned[(NotificationEvent.PRE_24H, Channel.SMS)].note == ""


def test_a_reminder_whose_time_has_passed_at_booking_is_dropped_with_a_reason(
    playbook, center, consenting_patient
):
    session = factories.TherapySessionFactory(
        center=center, patient=consenting_patient, starts_at=in_days(1, 14)
    )
    now = session.starts_at - datetime.timedelta(hours=10)
    reminders_plan(session=session, now=now)
    planned = outbox(session)
    assert planned[(NotificationEvent.PRE_24H, Channel.SMS)].status == OutboxStatus.CANCELLED
    assert "had passed" in planned[(NotificationEvent.PRE_24H, Channel.SMS)].note
    assert planned[(NotificationEvent.PRE_2H, Channel.EMAIL)].status == OutboxStatus.PLANNED


def test_completing_a_session_plans_its_aftercare_and_the_next_days_check_in(
    playbook, session, django_capture_on_commit_callbacks
):
    completed_at = in_days(3, 11, 15)
    with django_capture_on_commit_callbacks(execute=True):
        for status in (
            SessionStatus.IN_PREPARATION,
            SessionStatus.IN_SESSION,
            SessionStatus.RECOVERY,
            SessionStatus.COMPLETED,
        ):
            session_transition(session=session, to_status=status, by=None, at=completed_at)
    planned = outbox(session)
    assert planned[(NotificationEvent.POST_1H, Channel.SMS)].due_at == in_days(3, 12, 15)
    assert planned[(NotificationEvent.CHECK_IN, Channel.EMAIL)].due_at == in_days(4, 10)
    assert {m.status for m in planned.values()} == {OutboxStatus.PLANNED}


def test_planning_a_session_costs_a_fixed_number_of_queries(
    playbook, session, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        reminders_plan(session=session)
    with django_assert_max_num_queries(12):
        reminders_plan(session=session)
