"""Workers that die mid-batch: nothing lost, nothing sent twice (real processes, SIGKILL)."""

import collections
import datetime
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.dispatch import CLAIM_LEASE, outbox_claim, outbox_dispatch
from notifications.models import Channel, OutboxMessage, OutboxStatus
from tests import factories
from tests.notifications.servers import ACCOUNT_SID, AUTH_TOKEN

MINUTE = datetime.timedelta(minutes=1)


def due_sms(patient, count: int) -> None:
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            patient=patient,
            channel=Channel.SMS,
            recipient=str(patient.phone),
            body=f"message {n}",
            due_at=timezone.now() - MINUTE,
            idempotency_key=f"crash:{n}",
        )
        for n in range(count)
    )


@pytest.mark.django_db
def test_a_send_that_reached_twilio_before_its_worker_died_is_not_sent_again(
    twilio, consenting_patient
):
    message = factories.OutboxMessageFactory(
        patient=consenting_patient, due_at=timezone.now() - MINUTE, body="Rest today."
    )
    now = timezone.now()
    (claimed,) = outbox_claim(worker="doomed", now=now)
    # The doomed worker marks the hand-over, Twilio accepts, and the worker dies right there.
    OutboxMessage.objects.filter(pk=message.pk).update(send_started_at=now)
    from notifications.backends import TwilioSms

    sid = TwilioSms().send(to=claimed.recipient, body=claimed.body)

    outbox_dispatch(now=now + CLAIM_LEASE + MINUTE)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == (OutboxStatus.SENT, sid)
    assert len(twilio.sent) == 1


@pytest.mark.django_db
def test_a_send_that_never_reached_twilio_is_sent_after_the_lease(twilio, consenting_patient):
    message = factories.OutboxMessageFactory(
        patient=consenting_patient, due_at=timezone.now() - MINUTE
    )
    now = timezone.now()
    outbox_claim(worker="doomed", now=now)
    OutboxMessage.objects.filter(pk=message.pk).update(send_started_at=now)

    outbox_dispatch(now=now + CLAIM_LEASE + MINUTE)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(twilio.sent) == 1


def worker_process(twilio) -> subprocess.Popen:
    """A dispatcher in its own process, as a django-q2 worker runs it, on the test database."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": "+14155550100",
        "TWILIO_BASE_URL": twilio.url,
        "LOG_LEVEL": "ERROR",
    }
    code = "from notifications.dispatch import outbox_dispatch; outbox_dispatch(limit=5)"
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.django_db(transaction=True)
def test_workers_killed_mid_batch_ten_times_lose_nothing_and_send_nothing_twice(
    twilio, consenting_patient
):
    total = 150
    due_sms(consenting_patient, total)
    twilio.delay = 0.02
    rng = random.Random(9)
    kills = 0
    for _round in range(10):
        before = len(twilio.sent)
        wanted = before + rng.randint(1, 8)
        process = worker_process(twilio)
        deadline = time.monotonic() + 60
        while len(twilio.sent) < wanted and process.poll() is None:
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.002)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills == 10
    interrupted = OutboxMessage.objects.filter(status=OutboxStatus.CLAIMED).count()
    assert interrupted > 0, "the kills left claims behind for the lease to release"

    # After the lease the survivors pick up every claim the dead workers held.
    later = timezone.now() + CLAIM_LEASE + MINUTE
    while outbox_dispatch(now=later).total:
        pass

    sent = collections.Counter(message["Body"] for message in twilio.sent)
    assert sorted(sent) == sorted(f"message {n}" for n in range(total)), "nothing lost"
    assert [body for body, times in sent.items() if times > 1] == [], "nothing sent twice"
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
