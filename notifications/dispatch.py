"""The dispatcher: claims due outbox rows, sends them, and records what happened to each.

Several workers (django-q2 processes on several hosts) may run it at once. A worker claims
rows with SELECT … FOR UPDATE SKIP LOCKED, so that two never claim the same row, and holds
each claim for a lease: a worker that dies mid-batch leaves its rows to be claimed again
once the lease has run out. Every later write is conditional on the claim still being this
worker's, so a worker that outlived its lease cannot overwrite what another one recorded.
"""

import datetime
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import playbook
from notifications.backends import email_send, sms_backend
from notifications.failures import send_failure_reason
from notifications.live import inbox_push
from notifications.models import Channel, InAppNotification, OutboxMessage, OutboxStatus
from notifications.services import CONSENT_FOR_CHANNEL
from patients.models import Consent
from sessions.models import RELEASED_STATUSES

logger = logging.getLogger(__name__)

CLAIM_LEASE = datetime.timedelta(minutes=2)
BATCH_SIZE = 100
MAX_ATTEMPTS = 5
# The first retry waits this long; each next one twice as long (1, 2, 4, 8 minutes).
RETRY_AFTER = datetime.timedelta(minutes=1)


def worker_name() -> str:
    """A name unique to one claim round of one process, recorded on the rows it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claimable(now: datetime.datetime) -> Q:
    return Q(status=OutboxStatus.PLANNED, due_at__lte=now) | Q(
        status=OutboxStatus.CLAIMED, lease_until__lt=now
    )


def outbox_claim(
    *, worker: str, limit: int = BATCH_SIZE, now: datetime.datetime | None = None
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows (or rows whose claim lease ran out) for `worker`."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now))
            .order_by("due_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        # Conditional again: where row locks are not enforced (the demo's SQLite), the
        # update itself decides which of two workers got a row.
        OutboxMessage.objects.filter(_claimable(now), pk__in=ids).update(
            status=OutboxStatus.CLAIMED,
            claimed_at=now,
            lease_until=now + CLAIM_LEASE,
            claimed_by=worker,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return list(
        OutboxMessage.objects.filter(pk__in=ids, claimed_by=worker, status=OutboxStatus.CLAIMED)
        .select_related("session", "patient__notification_preference", "patient__center")
        .prefetch_related(
            Prefetch(
                "patient__consents",
                queryset=Consent.objects.filter(
                    withdrawn_at__isnull=True, kind__in=CONSENT_FOR_CHANNEL.values()
                ),
                to_attr="messaging_consents",
            )
        )
        .order_by("due_at", "id")
    )


def _reason_not_to_send(message: OutboxMessage, now: datetime.datetime) -> str:
    """Why a claimed message must not go out after all (things changed since it was planned)."""
    session = message.session
    if session is not None and session.status in RELEASED_STATUSES:
        return _("Cancelled: the session was cancelled.")
    if session is not None and message.event in playbook.PRE_SESSION and session.starts_at <= now:
        return _("Dropped: the session had already started.")
    patient = message.patient
    preference = getattr(patient, "notification_preference", None)
    if preference is not None and not preference.allows(message.channel):
        return _("Cancelled: the patient turned this channel off.")
    needed = CONSENT_FOR_CHANNEL.get(message.channel)
    if needed and needed not in {c.kind for c in patient.messaging_consents}:
        return _("Cancelled: the patient has not consented to this channel.")
    return ""


def _finish(message: OutboxMessage, worker: str, **changes) -> bool:
    """Record an outcome if the claim is still this worker's; False if the lease was lost."""
    changes.setdefault("lease_until", None)
    changes["updated_at"] = timezone.now()
    done = OutboxMessage.objects.filter(
        pk=message.pk, claimed_by=worker, status=OutboxStatus.CLAIMED
    ).update(**changes)
    if not done:
        logger.warning("Outbox message %s: claim lost before its outcome was recorded", message.pk)
    return bool(done)


def _in_app_send(message: OutboxMessage, worker: str, now: datetime.datetime) -> None:
    # The inbox row and the outcome commit together, and the row is unique per outbox
    # message, so an in-app message appears exactly once whatever happens to the worker.
    with transaction.atomic():
        note, _created = InAppNotification.objects.get_or_create(
            outbox_message=message,
            defaults={"patient": message.patient, "title": message.subject, "body": message.body},
        )
        if _finish(
            message,
            worker,
            status=OutboxStatus.DELIVERED,
            sent_at=now,
            delivered_at=now,
            provider_message_id=f"inbox-{note.pk}",
            last_error="",
        ):
            user_id = message.patient.user_id
            transaction.on_commit(lambda: inbox_push(note, user_id=user_id))


def _failed(message: OutboxMessage, worker: str, error: Exception, now: datetime.datetime) -> str:
    text = send_failure_reason(error)[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        _finish(message, worker, status=OutboxStatus.FAILED, last_error=text)
        logger.error("Outbox message %s failed for good: %s", message.pk, text)
        return OutboxStatus.FAILED
    retry_at = now + RETRY_AFTER * 2 ** (message.attempts - 1)
    _finish(message, worker, status=OutboxStatus.PLANNED, due_at=retry_at, last_error=text)
    return OutboxStatus.PLANNED


@dataclass
class DispatchReport:
    """What one dispatcher run did, by outcome."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def outbox_dispatch(
    *,
    limit: int = BATCH_SIZE,
    time_budget: float | None = None,
    now=None,
    sms=None,
) -> DispatchReport:
    """Claim and send due messages batch by batch until none are due or the budget is spent.

    `now` fixes the clock (tests); `sms` replaces the configured SMS backend.
    """
    report = DispatchReport()
    started = time.monotonic()
    sms = sms or sms_backend()
    connection = get_connection()
    try:
        while time_budget is None or time.monotonic() - started < time_budget:
            worker = worker_name()
            clock = now or timezone.now()
            batch = outbox_claim(worker=worker, limit=limit, now=clock)
            if not batch:
                break
            for message in batch:
                report.add(_send(message, worker=worker, now=clock, sms=sms, connection=connection))
    finally:
        connection.close()
    return report


def _sms_send_once(message: OutboxMessage, *, worker: str, sms) -> str:
    """Send an SMS unless an earlier, interrupted attempt already got it to the provider.

    The moment of handing over is committed first; a worker killed between the provider's
    acceptance and recording the outcome leaves that mark, and whoever claims the row next
    asks the provider instead of sending a second copy.
    """
    if message.send_started_at is not None:
        found = sms.find_sent(
            to=message.recipient, body=message.body, since=message.send_started_at
        )
        if found:
            return found
    OutboxMessage.objects.filter(
        pk=message.pk, claimed_by=worker, status=OutboxStatus.CLAIMED
    ).update(send_started_at=timezone.now())
    return sms.send(to=message.recipient, body=message.body)


def _send(message: OutboxMessage, *, worker: str, now, sms, connection) -> str:
    reason = _reason_not_to_send(message, now)
    if reason:
        _finish(message, worker, status=OutboxStatus.CANCELLED, note=reason)
        return OutboxStatus.CANCELLED
    try:
        if message.channel == Channel.IN_APP:
            _in_app_send(message, worker, now)
            return OutboxStatus.DELIVERED
        if message.channel == Channel.EMAIL:
            provider_id = email_send(
                to=message.recipient,
                subject=message.subject,
                text=message.body,
                locale=message.locale,
                connection=connection,
            )
        else:
            provider_id = _sms_send_once(message, worker=worker, sms=sms)
    except Exception as error:
        return _failed(message, worker, error, now)
    _finish(
        message,
        worker,
        status=OutboxStatus.SENT,
        sent_at=now,
        provider_message_id=provider_id[:100],
        last_error="",
    )
    return OutboxStatus.SENT
