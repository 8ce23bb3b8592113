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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import playbook
from notifications.backends import (
    SendError,
    SubscriptionGone,
    email_send,
    sms_backend,
    web_push_send,
)
from notifications.failures import send_failure_reason
from notifications.live import inbox_push_many
from notifications.models import (
    Channel,
    InAppNotification,
    OutboxMessage,
    OutboxStatus,
    PushSubscription,
)
from notifications.services import CONSENT_FOR_CHANNEL, staff_alerts_for_failed
from patients.models import Consent
from sessions.models import RELEASED_STATUSES

logger = logging.getLogger(__name__)

CLAIM_LEASE = datetime.timedelta(minutes=2)
BATCH_SIZE = 100
# Outcomes are recorded this many messages at a time, in one transaction: a commit per
# message cost more than the sending. A worker that dies leaves at most this many sent but
# unrecorded (SMS among them are found at Twilio by their hand-over mark, not sent again).
RECORD_EVERY = 50
# SMS and pushes of a chunk in flight to their providers at once.
SEND_THREADS = 8
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
            ),
            "patient__push_subscriptions",
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
    if message.channel == Channel.PUSH:
        if not settings.WEB_PUSH_ENABLED:
            return _("Cancelled: Web Push is not set up (no VAPID keys).")
        if not patient.push_subscriptions.all():
            return _("Cancelled: no phone of the patient's allows notifications any more.")
    return ""


# Every column an outcome may set.
_OUTCOME_FIELDS = (
    "status",
    "note",
    "due_at",
    "sent_at",
    "delivered_at",
    "provider_message_id",
    "last_error",
)


def _outcomes_record(
    chunk: list[OutboxMessage],
    outcomes: dict[int, dict],
    in_app: list[OutboxMessage],
    *,
    worker: str,
    now,
) -> set[int]:
    """Record a chunk's outcomes in one transaction, for the rows still claimed by `worker`.

    `outcomes` maps a row's id to the columns its outcome sets; `in_app` are messages to put
    in the patients' inboxes now. Messages that failed for good alert their center's staff.
    Returns the ids recorded: a row whose lease ran out and that another worker claimed is
    left to that worker, as is its inbox row.
    """
    ids = [*outcomes, *(m.pk for m in in_app)]
    if not ids:
        return set()
    with transaction.atomic():
        ours = set(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=ids, claimed_by=worker, status=OutboxStatus.CLAIMED)
            .values_list("pk", flat=True)
        )
        delivered = [m for m in in_app if m.pk in ours]
        notes = {}
        if delivered:
            # Unique per outbox message: an inbox row made by a worker that then lost its
            # claim is found again here, never made twice.
            InAppNotification.objects.bulk_create(
                [
                    InAppNotification(
                        patient=m.patient, outbox_message=m, title=m.subject, body=m.body
                    )
                    for m in delivered
                ],
                ignore_conflicts=True,
            )
            notes = {
                note.outbox_message_id: note
                for note in InAppNotification.objects.filter(
                    outbox_message__in=[m.pk for m in delivered]
                )
            }
            for m in delivered:
                outcomes[m.pk] = {
                    "status": OutboxStatus.DELIVERED,
                    "sent_at": now,
                    "delivered_at": now,
                    "provider_message_id": f"inbox-{notes[m.pk].pk}",
                    "last_error": "",
                }
        mine = {pk: changes for pk, changes in outcomes.items() if pk in ours}
        _outcomes_write(mine)
        failed = []
        for message in chunk:
            changes = mine.get(message.pk)
            if changes and changes["status"] == OutboxStatus.FAILED:
                message.status, message.last_error = OutboxStatus.FAILED, changes["last_error"]
                failed.append(message)
        staff_alerts_for_failed(failed)
        pushes = [(notes[m.pk], m.patient.user_id) for m in delivered]
        if pushes:
            transaction.on_commit(lambda: inbox_push_many(pushes))
    lost = set(ids) - ours
    if lost:
        logger.warning("Outbox messages %s: claim lost before the outcome was recorded", lost)
    return ours


def _outcomes_write(outcomes: dict[int, dict]) -> None:
    """One UPDATE per row, sent together (psycopg pipelines an executemany); a column an
    outcome does not set keeps its value. Plain SQL because building a CASE per column for a
    chunk cost the ORM more time than the sending did."""
    if not outcomes:
        return
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    fields = [OutboxMessage._meta.get_field(name) for name in _OUTCOME_FIELDS]
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = COALESCE(%s, {connection.ops.quote_name(f.column)})"
        for f in fields
    )
    sql = f"UPDATE {table} SET {assignments}, lease_until = NULL, updated_at = %s WHERE id = %s"
    updated_at = OutboxMessage._meta.get_field("updated_at").get_db_prep_save(
        timezone.now(), connection
    )
    rows = [
        [
            *(
                None if f.name not in changes else f.get_db_prep_save(changes[f.name], connection)
                for f in fields
            ),
            updated_at,
            pk,
        ]
        for pk, changes in outcomes.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _failure(message: OutboxMessage, error: Exception, now: datetime.datetime) -> dict:
    text = send_failure_reason(error)[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        logger.error("Outbox message %s failed for good: %s", message.pk, text)
        return {"status": OutboxStatus.FAILED, "last_error": text}
    retry_at = now + RETRY_AFTER * 2 ** (message.attempts - 1)
    return {"status": OutboxStatus.PLANNED, "due_at": retry_at, "last_error": text}


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
    mail = get_connection()
    try:
        while time_budget is None or time.monotonic() - started < time_budget:
            worker = worker_name()
            clock = now or timezone.now()
            batch = outbox_claim(worker=worker, limit=limit, now=clock)
            if not batch:
                break
            for first in range(0, len(batch), RECORD_EVERY):
                chunk = batch[first : first + RECORD_EVERY]
                _chunk_send(chunk, worker=worker, now=clock, sms=sms, mail=mail)
                for message in chunk:
                    report.add(message.outcome)
    finally:
        mail.close()
    return report


def _handover_mark(messages: list[OutboxMessage], *, worker: str) -> None:
    """Commit the moment these SMS are handed to the provider, before any of them is.

    A worker killed between the provider's acceptance and recording the outcome leaves this
    mark, and whoever claims the row next asks the provider instead of sending a second copy.
    """
    first_tries = [m.pk for m in messages if m.send_started_at is None]
    if first_tries:
        OutboxMessage.objects.filter(
            pk__in=first_tries, claimed_by=worker, status=OutboxStatus.CLAIMED
        ).update(send_started_at=timezone.now())


def _sms_send_once(message: OutboxMessage, *, sms) -> str:
    """Send an SMS unless an earlier, interrupted attempt already got it to the provider."""
    if message.send_started_at is not None:
        found = sms.find_sent(
            to=message.recipient, body=message.body, since=message.send_started_at
        )
        if found:
            return found
    return sms.send(to=message.recipient, body=message.body)


def _push_send(message: OutboxMessage, *, url: str, gone: list[int]) -> str | None:
    """Push a message to every phone of the patient's that allowed it; the first push
    service's id, or None when every phone had withdrawn (their subscriptions go in `gone`).

    The tag makes a phone show a message sent twice (a worker died before recording it) as
    one notification.
    """
    payload = {"title": message.subject, "body": message.body, "url": url}
    payload["tag"] = f"outbox-{message.pk}"
    accepted, errors = [], []
    for subscription in message.patient.push_subscriptions.all():
        try:
            accepted.append(web_push_send(subscription.subscription_info(), payload=payload))
        except SubscriptionGone:
            gone.append(subscription.pk)
        except SendError as error:
            errors.append(error)
    if accepted:
        return accepted[0] or f"webpush-{message.pk}"
    if errors:
        raise errors[0]
    return None


def _send_one(message: OutboxMessage, *, now, sms, mail, inbox_path: str, gone: list[int]) -> dict:
    """Hand one message to its provider; the columns its outcome sets."""
    try:
        if message.channel == Channel.PUSH:
            provider_id = _push_send(message, url=inbox_path, gone=gone)
            if provider_id is None:
                return {
                    "status": OutboxStatus.CANCELLED,
                    "note": _("Cancelled: the patient's phones withdrew their permission."),
                }
        elif message.channel == Channel.EMAIL:
            provider_id = email_send(
                to=message.recipient,
                subject=message.subject,
                text=message.body,
                locale=message.locale,
                connection=mail,
            )
        else:
            provider_id = _sms_send_once(message, sms=sms)
    except Exception as error:
        return _failure(message, error, now)
    return {
        "status": OutboxStatus.SENT,
        "sent_at": now,
        "provider_message_id": provider_id[:100],
        "last_error": "",
    }


def _chunk_send(chunk: list[OutboxMessage], *, worker: str, now, sms, mail) -> None:
    """Send a chunk of claimed messages and record every outcome together; each message's
    `outcome` says what became of it."""
    outcomes: dict[int, dict] = {}
    in_app = []
    to_send = []
    for message in chunk:
        reason = _reason_not_to_send(message, now)
        if reason:
            outcomes[message.pk] = {"status": OutboxStatus.CANCELLED, "note": reason}
        elif message.channel == Channel.IN_APP:
            in_app.append(message)
        else:
            to_send.append(message)
    _handover_mark([m for m in to_send if m.channel == Channel.SMS], worker=worker)
    gone: list[int] = []

    def send(message: OutboxMessage) -> None:
        outcomes[message.pk] = _send_one(
            message,
            now=now,
            sms=sms,
            mail=mail,
            inbox_path=reverse("notifications_inbox"),
            gone=gone,
        )

    # Twilio and push services answer each request in a few hundred milliseconds: one at a
    # time, a worker would send a handful a second. The SMTP connection is one conversation,
    # so email goes in order on this thread meanwhile. The threads touch no database connection.
    with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
        pending = [pool.submit(send, m) for m in to_send if m.channel != Channel.EMAIL]
        for message in to_send:
            if message.channel == Channel.EMAIL:
                send(message)
        for future in pending:
            future.result()
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
    _outcomes_record(chunk, outcomes, in_app, worker=worker, now=now)
    for message in chunk:
        message.outcome = outcomes[message.pk]["status"]
