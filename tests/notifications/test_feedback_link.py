"""The day-after check-in links to the patient's feedback page for that session."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.backends import ConsoleSms
from notifications.dispatch import outbox_dispatch
from notifications.models import Channel, InAppNotification, NotificationTemplate, OutboxMessage
from notifications.playbook import NotificationEvent
from notifications.services import aftercare_plan, starter_playbook_load
from notifications.starter_playbook import STARTER_PLAYBOOK
from sessions.models import SessionStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_check_in_links_to_the_sessions_feedback_page_which_the_patient_can_open(
    client, settings, center, consenting_patient, patient_user
):
    settings.PORTAL_URL = "https://care.example.org/"
    starter_playbook_load(entries=STARTER_PLAYBOOK, therapies={})
    completed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    session = factories.TherapySessionFactory(
        center=center,
        patient=consenting_patient,
        starts_at=completed_at - datetime.timedelta(hours=1),
        ends_at=completed_at,
        status=SessionStatus.COMPLETED,
    )
    aftercare_plan(session=session, completed_at=completed_at, now=completed_at)
    path = reverse("portal_session_feedback", args=[session.pk])
    check_ins = OutboxMessage.objects.filter(session=session, event=NotificationEvent.CHECK_IN)
    assert {m.channel for m in check_ins} == {Channel.SMS, Channel.EMAIL, Channel.IN_APP}
    for message in check_ins:
        assert f"https://care.example.org{path}" in message.body

    # In the inbox the link is a link, and it opens the patient's own feedback page.
    check_ins.update(due_at=completed_at)
    outbox_dispatch(sms=ConsoleSms())
    note = InAppNotification.objects.get(outbox_message__in=check_ins)
    assert note.title == "How are you feeling today?"
    client.force_login(patient_user)
    inbox = client.get(reverse("notifications_inbox")).content.decode()
    assert f'<a href="https://care.example.org{path}"' in inbox
    assert client.get(path).status_code == 200


def test_a_feedback_link_before_the_session_is_refused_in_words():
    template = NotificationTemplate(
        event=NotificationEvent.PRE_24H,
        channel=Channel.SMS,
        locale="en",
        body="Tell us how it went: {feedback_link}",
    )
    with pytest.raises(ValidationError) as raised:
        template.full_clean()
    assert raised.value.message_dict["body"] == [
        "{feedback_link} can only be used after the session (T+1h onwards and the check-in)."
    ]
