"""A message the dispatcher cannot send says why in words on the staff's failed messages page,
and leaves the message as it was apart from its attempt (no inbox row, nothing marked sent)."""

import datetime

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from notifications.dispatch import MAX_ATTEMPTS, outbox_dispatch
from notifications.models import Channel, InAppNotification, OutboxMessage, OutboxStatus
from patients.models import Consent
from tests import factories
from tests.notifications.servers import free_port

pytestmark = pytest.mark.django_db


class RefusingEveryAddress:
    """An aiosmtpd handler that answers every recipient as a real server does an unknown one."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox here"


@pytest.fixture
def refusing_smtp(settings):
    controller = Controller(RefusingEveryAddress(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    yield
    controller.stop()


@pytest.fixture
def due_email(patient):
    factories.ConsentFactory(patient=patient, kind=Consent.Kind.EMAIL_MESSAGES)
    return factories.OutboxMessageFactory(
        patient=patient,
        channel=Channel.EMAIL,
        recipient="nobody@kerala.example.org",
        due_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def _dispatch_until_failed(message):
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS):
        outbox_dispatch(now=now)
        message.refresh_from_db()
        now = max(now, message.due_at) + datetime.timedelta(seconds=1)
    return message


def test_an_address_the_mail_server_refuses_is_named_in_words_to_staff(
    client, admin_user, refusing_smtp, due_email
):
    outbox_dispatch()
    due_email.refresh_from_db()
    # Retried later, and the reason is kept in words with the server's own answer after them.
    assert due_email.status == OutboxStatus.PLANNED
    assert due_email.last_error.startswith("The mail server refused the address")
    assert "No such mailbox" in due_email.last_error

    message = _dispatch_until_failed(due_email)
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert message.sent_at is None and not message.provider_message_id
    assert not InAppNotification.objects.exists()

    client.force_login(admin_user)
    page = client.get(reverse("notifications_failed")).content.decode()
    assert "The mail server refused the address; check it with the patient." in page


def test_a_mail_server_that_does_not_answer_is_named_with_its_address(settings, patient, due_email):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there

    outbox_dispatch()

    due_email.refresh_from_db()
    assert due_email.status == OutboxStatus.PLANNED
    assert due_email.last_error.startswith(
        f"The mail server (127.0.0.1, port {settings.EMAIL_PORT}) could not be reached."
    )
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 0
