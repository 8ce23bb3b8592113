"""Writes of the notifications domain: planning a session's messages, preferences, replies."""

import datetime
import hashlib
import logging
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from clinics.access import STAFF_ROLES
from clinics.choices import Role
from clinics.models import Membership, RosterShift, User
from notifications import playbook
from notifications.backends import email_send, sms_backend
from notifications.live import inbox_push
from notifications.models import (
    Channel,
    Escalation,
    InAppNotification,
    InboundKind,
    InboundMessage,
    NotificationPreference,
    NotificationTemplate,
    OutboxMessage,
    OutboxStatus,
    PushSubscription,
    StaffAlert,
)
from notifications.playbook import NotificationEvent
from notifications.signals import check_in_answered, escalation_raised
from patients.forms import CONSENT_DOCUMENT_VERSION
from patients.models import Consent, Patient
from patients.services import channel_consents_record
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession

logger = logging.getLogger(__name__)

# A step whose time had already passed this long ago when it was planned is not worth sending
# late (a T-24h reminder for a session booked this morning); within it, it goes out at once.
LATE_GRACE = datetime.timedelta(minutes=15)

# Sending by SMS or email needs the patient's signed consent of this kind; the portal inbox
# is part of the care the patient signed up for and needs none.
CONSENT_FOR_CHANNEL = {
    Channel.SMS: Consent.Kind.SMS_MESSAGES,
    Channel.EMAIL: Consent.Kind.EMAIL_MESSAGES,
}


def preference_for(patient: Patient) -> NotificationPreference:
    """The patient's preferences, created with the defaults the first time they are needed."""
    preference, _created = NotificationPreference.objects.get_or_create(patient=patient)
    # Reuse the patient (and the center joined to it) that the caller already holds.
    preference.patient = patient
    return preference


def consented_channels(patient: Patient) -> set[str]:
    """The channels the patient has an active (not withdrawn) consent for, in-app included."""
    kinds = set(
        Consent.objects.filter(
            patient=patient, kind__in=CONSENT_FOR_CHANNEL.values(), withdrawn_at__isnull=True
        ).values_list("kind", flat=True)
    )
    return {Channel.IN_APP} | {
        channel for channel, kind in CONSENT_FOR_CHANNEL.items() if kind in kinds
    }


def reachable_channels(patient: Patient) -> set[str]:
    """The channels that may reach the patient: consented ones, and their phones' push when
    Web Push is set up and a phone of theirs allowed it."""
    channels = consented_channels(patient)
    if settings.WEB_PUSH_ENABLED and patient.push_subscriptions.exists():
        channels.add(Channel.PUSH)
    return channels


def recipient_for(patient: Patient, channel: str) -> str:
    """Where a channel reaches the patient; empty when it cannot (no phone, no email)."""
    if channel == Channel.SMS:
        return str(patient.phone) if patient.phone else ""
    if channel == Channel.EMAIL:
        return patient.email
    return f"patient:{patient.pk}"


def idempotency_key(*, session_id: int, event: str, channel: str, recipient: str) -> str:
    """One message per session, playbook step, channel and recipient, held by a unique index.

    Keyed by the step rather than the template row, so that a change of language or a new,
    more specific template never sends the same step twice.
    """
    digest = hashlib.sha256(recipient.encode()).hexdigest()[:20]
    return f"session:{session_id}:{event}:{channel}:{digest}"


def after_quiet_hours(
    due: datetime.datetime, preference: NotificationPreference, zone: zoneinfo.ZoneInfo
) -> datetime.datetime:
    """`due`, or the end of the quiet hours it falls in, in the patient's wall-clock time."""
    local = due.astimezone(zone)
    if not preference.is_quiet_at(local.time()):
        return due
    end = preference.quiet_hours_end
    day = local.date()
    if local.time() >= end:
        # Quiet hours that span midnight end on the next day.
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone).astimezone(datetime.UTC)


def templates_for(
    session: TherapySession, *, events, locale: str
) -> dict[tuple[str, str], NotificationTemplate]:
    """The template of each (step, channel) for a session: the most specific, in `locale`.

    Protocol and therapy beat therapy, which beats protocol, which beats generic. A step
    with no template in the patient's language falls back to the default language.
    """
    protocol_id = session.care_plan.protocol_version.template_id if session.care_plan else None
    candidates = NotificationTemplate.objects.filter(
        event__in=events, locale__in={locale, settings.LANGUAGE_CODE}
    )
    best: dict[tuple[str, str], tuple[tuple, NotificationTemplate]] = {}
    for template in candidates:
        if template.therapy_id not in (None, session.therapy_id):
            continue
        if template.protocol_id not in (None, protocol_id):
            continue
        rank = (
            template.locale == locale,
            template.therapy_id is not None,
            template.protocol_id is not None,
        )
        key = (template.event, template.channel)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, template)
    return {key: template for key, (_rank, template) in best.items()}


# Django's Hindi month and weekday names carry misspellings (सितमबर, नवमबर) and invisible
# joiners (सोम‌वार); patients read these in every reminder, so they are spelt out here.
HINDI_WEEKDAYS = ("सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार")
HINDI_MONTHS = (
    "जनवरी",
    "फ़रवरी",
    "मार्च",
    "अप्रैल",
    "मई",
    "जून",
    "जुलाई",
    "अगस्त",
    "सितंबर",
    "अक्टूबर",
    "नवंबर",
    "दिसंबर",
)


def local_date_text(moment: datetime.datetime, *, locale: str) -> str:
    """ "Thursday 3 December" or "गुरुवार, 3 दिसंबर", for a local (zoned) moment."""
    if locale == "hi":
        return f"{HINDI_WEEKDAYS[moment.weekday()]}, {moment.day} {HINDI_MONTHS[moment.month - 1]}"
    with translation.override(locale):
        return date_format(moment, "l j F")


def template_values(session: TherapySession, *, locale: str, zone: zoneinfo.ZoneInfo) -> dict:
    """What a template's {variables} say for this session, in the patient's language and zone."""
    local_start = session.starts_at.astimezone(zone)
    therapy = session.therapy
    with translation.override(locale):
        return {
            "patient": session.patient.first_name,
            "therapy": (therapy.name_hi if locale == "hi" and therapy.name_hi else therapy.name),
            "time": time_format(local_start, "H:i"),
            "date": local_date_text(local_start, locale=locale),
            "center": session.center.name,
            "practitioner": str(session.practitioner) if session.practitioner_id else "",
            "feedback_link": feedback_link(session.pk),
        }


# Where a page shows a playbook step: the portal's own wording first, then the email's, then
# the SMS's.
PAGE_CHANNEL_PREFERENCE = (Channel.IN_APP, Channel.EMAIL, Channel.SMS)


def playbook_texts(
    session: TherapySession, events, *, locale: str, zone: zoneinfo.ZoneInfo
) -> list[tuple[str, str]]:
    """Each step's (subject, body) for the session as a page shows it, rendered; steps the
    playbook has no template for are left out. One query for the templates."""
    templates = templates_for(session, events=events, locale=locale)
    values = template_values(session, locale=locale, zone=zone)
    texts = []
    for event in events:
        template = next(
            (templates[(event, c)] for c in PAGE_CHANNEL_PREFERENCE if (event, c) in templates),
            None,
        )
        if template is not None:
            texts.append(
                (playbook.render(template.subject, values), playbook.render(template.body, values))
            )
    return texts


def feedback_link(session_id: int) -> str:
    """The patient's feedback page for a session, absolute: SMS and email leave the portal."""
    return settings.PORTAL_URL.rstrip("/") + reverse("portal_session_feedback", args=[session_id])


@dataclass
class PlannedMessage:
    """One message a session's playbook calls for, before it is written to the outbox."""

    key: str
    template: NotificationTemplate
    channel: str
    recipient: str
    subject: str
    body: str
    due_at: datetime.datetime
    status: str
    note: str


def _plan(
    session: TherapySession,
    *,
    events,
    completed_at: datetime.datetime | None,
    now: datetime.datetime,
) -> list[PlannedMessage]:
    patient = session.patient
    preference = preference_for(patient)
    zone = preference.zone()
    locale = patient.language
    allowed = reachable_channels(patient)
    values = template_values(session, locale=locale, zone=zone)
    planned = []
    for (event, channel), template in templates_for(session, events=events, locale=locale).items():
        recipient = recipient_for(patient, channel)
        if not recipient or channel not in allowed or not preference.allows(channel):
            continue
        due = playbook.due_at(
            event, starts_at=session.starts_at, completed_at=completed_at, zone=zone
        )
        status, note = OutboxStatus.PLANNED, ""
        if not template.urgent:
            moved = after_quiet_hours(due, preference, zone)
            if moved != due:
                note = _("Moved out of quiet hours (was due %(time)s).") % {
                    "time": due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                }
                due = moved
        if event in playbook.PRE_SESSION and due >= session.starts_at:
            status = OutboxStatus.CANCELLED
            note = _("Dropped: after quiet hours it would arrive after the session starts.")
        elif due < now - LATE_GRACE:
            status = OutboxStatus.CANCELLED
            note = _("Dropped: its time had passed when it was planned.")
        planned.append(
            PlannedMessage(
                key=idempotency_key(
                    session_id=session.pk, event=event, channel=channel, recipient=recipient
                ),
                template=template,
                channel=channel,
                recipient=recipient,
                subject=playbook.render(template.subject, values),
                body=playbook.render(template.body, values),
                due_at=due,
                status=status,
                note=note,
            )
        )
    return planned


# What re-planning may change on a message that has not gone out yet.
REPLANNED_FIELDS = ["template", "locale", "urgent", "subject", "body", "due_at", "status", "note"]


def _write(
    session: TherapySession, planned: list[PlannedMessage], *, events
) -> list[OutboxMessage]:
    """Bring the session's outbox rows for `events` to `planned`, leaving finished ones be."""
    existing = {
        message.idempotency_key: message
        for message in OutboxMessage.objects.select_for_update().filter(
            session=session, event__in=events
        )
    }
    wanted = {p.key for p in planned}
    new, changed = [], []
    for p in planned:
        message = existing.get(p.key)
        if message is None:
            new.append(
                OutboxMessage(
                    patient_id=session.patient_id,
                    session=session,
                    template=p.template,
                    event=p.template.event,
                    channel=p.channel,
                    locale=p.template.locale,
                    recipient=p.recipient,
                    urgent=p.template.urgent,
                    subject=p.subject,
                    body=p.body,
                    due_at=p.due_at,
                    status=p.status,
                    note=p.note,
                    idempotency_key=p.key,
                )
            )
        elif message.status in (OutboxStatus.PLANNED, OutboxStatus.CANCELLED):
            # Not yet on its way: it follows the session (a move, a new template, a change
            # of quiet hours). A claimed or finished one is left to the dispatcher.
            wanted_values = {
                "template_id": p.template.pk,
                "locale": p.template.locale,
                "urgent": p.template.urgent,
                "subject": p.subject,
                "body": p.body,
                "due_at": p.due_at,
                "status": p.status,
                "note": p.note,
            }
            if any(getattr(message, name) != value for name, value in wanted_values.items()):
                for name, value in wanted_values.items():
                    setattr(message, name, value)
                message.updated_at = timezone.now()
                changed.append(message)
    if changed:
        OutboxMessage.objects.bulk_update(changed, [*REPLANNED_FIELDS, "updated_at"])
    # The database's unique key decides between two planners that both found no row.
    OutboxMessage.objects.bulk_create(new, ignore_conflicts=True)
    gone = [
        m.pk
        for key, m in existing.items()
        if key not in wanted and m.status == OutboxStatus.PLANNED
    ]
    if gone:
        OutboxMessage.objects.filter(pk__in=gone).update(
            status=OutboxStatus.CANCELLED,
            note=_("Cancelled: the patient's channels or contact details changed."),
            updated_at=timezone.now(),
        )
    return list(OutboxMessage.objects.filter(session=session, event__in=events))


def _locked_session(session_id: int) -> TherapySession:
    # Planning for one session at a time: a booking and a status change that arrive together
    # must not both decide what the session's outbox holds.
    return (
        TherapySession.objects.select_for_update(of=("self",))
        .select_related(
            "patient__center",
            "center",
            "therapy",
            "practitioner__user",
            "care_plan__protocol_version",
        )
        .get(pk=session_id)
    )


@transaction.atomic
def reminders_plan(*, session: TherapySession, now: datetime.datetime | None = None) -> list:
    """Plan (or move) a booked session's pre-session reminders; running it again changes nothing."""
    session = _locked_session(session.pk)
    if session.status in RELEASED_STATUSES:
        return []
    events = playbook.PRE_SESSION
    planned = _plan(session, events=events, completed_at=None, now=now or timezone.now())
    return _write(session, planned, events=events)


@transaction.atomic
def aftercare_plan(
    *,
    session: TherapySession,
    completed_at: datetime.datetime,
    now: datetime.datetime | None = None,
) -> list:
    """Plan a completed session's aftercare messages and the next day's check-in."""
    session = _locked_session(session.pk)
    events = playbook.POST_SESSION
    planned = _plan(session, events=events, completed_at=completed_at, now=now or timezone.now())
    return _write(session, planned, events=events)


@transaction.atomic
def session_messages_revoke(*, session: TherapySession, reason: str) -> int:
    """Cancel every message of the session that has not gone out yet; returns how many."""
    return OutboxMessage.objects.filter(session=session, status=OutboxStatus.PLANNED).update(
        status=OutboxStatus.CANCELLED, note=reason, updated_at=timezone.now()
    )


# Channels a one-off message to a patient goes by: the portal inbox, and SMS where consented.
DIRECT_CHANNELS = (Channel.IN_APP, Channel.SMS)


@transaction.atomic
def patient_message_queue(
    *,
    patient: Patient,
    key: str,
    subject: str,
    body: str,
    session: TherapySession | None = None,
    due_at: datetime.datetime | None = None,
    latest: datetime.datetime | None = None,
    urgent: bool = False,
    now: datetime.datetime | None = None,
) -> list[OutboxMessage]:
    """Queue one message outside the playbook (an alert from another app) on the patient's
    consented channels, for the dispatcher to send; `key` makes it once per channel.

    Not urgent, it waits out the patient's quiet hours, and is left out where that would take
    it past `latest` (a reminder arriving after its session). Returns the rows now planned.
    """
    now = now or timezone.now()
    preference = preference_for(patient)
    zone = preference.zone()
    allowed = consented_channels(patient)
    due = due_at or now
    if not urgent:
        due = after_quiet_hours(due, preference, zone)
    if latest is not None and due >= latest:
        return []
    rows = []
    for channel in DIRECT_CHANNELS:
        recipient = recipient_for(patient, channel)
        if not recipient or channel not in allowed or not preference.allows(channel):
            continue
        digest = hashlib.sha256(recipient.encode()).hexdigest()[:20]
        rows.append(
            OutboxMessage(
                patient=patient,
                session=session,
                channel=channel,
                locale=patient.language,
                recipient=recipient,
                urgent=urgent,
                subject="" if channel == Channel.SMS else subject,
                body=body,
                due_at=due,
                idempotency_key=f"{key}:{channel}:{digest}",
            )
        )
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        OutboxMessage.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in rows], status=OutboxStatus.PLANNED
        )
    )


@transaction.atomic
def patient_messages_cancel(*, message_ids, reason: str) -> tuple[int, int]:
    """Cancel those of the messages that have not gone out; returns (cancelled, already sent)."""
    messages = OutboxMessage.objects.select_for_update().filter(pk__in=list(message_ids))
    waiting = [m.pk for m in messages if m.status == OutboxStatus.PLANNED]
    gone = sum(
        1 for m in messages if m.status not in (OutboxStatus.PLANNED, OutboxStatus.CANCELLED)
    )
    OutboxMessage.objects.filter(pk__in=waiting).update(
        status=OutboxStatus.CANCELLED, note=reason[:300], updated_at=timezone.now()
    )
    return len(waiting), gone


@transaction.atomic
def starter_playbook_load(*, entries, therapies: dict) -> int:
    """Create or update the templates of a starter playbook on every channel; returns how many.

    `therapies` maps the entries' therapy codes to TherapyType rows; an entry for a therapy
    that is not there is skipped. Validated like an admin save, so a seed can never hold a
    variable that the planner cannot fill.
    """
    count = 0
    for entry in entries:
        therapy = therapies.get(entry.therapy) if entry.therapy else None
        if entry.therapy and therapy is None:
            continue
        for locale, (subject, body) in (("en", entry.en), ("hi", entry.hi)):
            for channel in Channel.values:
                template = NotificationTemplate.objects.filter(
                    event=entry.event,
                    therapy=therapy,
                    protocol=None,
                    channel=channel,
                    locale=locale,
                ).first() or NotificationTemplate(
                    event=entry.event, therapy=therapy, channel=channel, locale=locale
                )
                template.subject = "" if channel == Channel.SMS else subject
                template.body = body
                template.urgent = entry.urgent
                template.full_clean()
                template.save()
                count += 1
    return count


# --- replies by SMS --------------------------------------------------------------------

# Twilio's own opt-out and opt-in keywords, so that our record agrees with what the carrier
# does with the number; HELP and its Hindi word ask for a clinician.
HELP_WORDS = {"help", "मदद"}
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"}
START_WORDS = {"start", "unstop"}
SCORE_PATTERN = re.compile(r"^(10|[0-9])$")
# A check-in answered later than this is kept as a message, not as that session's score.
CHECK_IN_ANSWER_WINDOW = datetime.timedelta(days=3)
# A HELP reply concerns the patient's latest session if it was this recent.
RECENT_SESSION = datetime.timedelta(days=2)


def patient_for_number(number: str) -> Patient | None:
    """The active patient with this phone number; the most recently registered if several."""
    return (
        Patient.objects.filter(phone=number, is_active=True)
        .select_related("center")
        .order_by("-created_at", "-pk")
        .first()
    )


def _keyword(body: str) -> str:
    return body.strip().strip(".!?।").strip().casefold()


def reply_text(inbound: InboundMessage, *, locale: str) -> str:
    """What we answer at once to an inbound SMS, in the patient's language."""
    with translation.override(locale):
        if inbound.kind == InboundKind.HELP:
            return _(
                "If you feel faint, have chest pain, trouble breathing or heavy bleeding, call "
                "112 now. Otherwise lie down, sip warm water and do not eat; a clinician from "
                "your center will call you shortly."
            )
        if inbound.kind == InboundKind.STOP:
            return _(
                "You will get no more SMS from your clinic. Reply START to receive them again."
            )
        if inbound.kind == InboundKind.START:
            return _("SMS from your clinic are on again. Reply STOP to turn them off.")
        if inbound.kind == InboundKind.SCORE:
            return _("Thank you, we have noted %(score)s out of 10.") % {"score": inbound.score}
        return ""


@transaction.atomic
def inbound_sms_receive(
    *, provider_message_id: str, from_number: str, body: str, now=None
) -> tuple[InboundMessage, str]:
    """Record an SMS someone sent us, act on it, and return it with the reply to send back.

    HELP (or मदद) raises an escalation for the patient's center; STOP opts the number out of
    SMS and cancels the SMS not yet sent; a number 0–10 answers the latest check-in. Twilio
    may post the same message twice: the second time nothing more happens.
    """
    now = now or timezone.now()
    patient = patient_for_number(from_number)
    locale = patient.language if patient else settings.LANGUAGE_CODE
    if "मदद" in body:
        locale = "hi"
    inbound, created = InboundMessage.objects.get_or_create(
        provider_message_id=provider_message_id,
        defaults={
            "from_number": from_number,
            "body": body,
            "patient": patient,
            "kind": InboundKind.OTHER,
        },
    )
    if not created:
        return inbound, reply_text(inbound, locale=locale)
    word = _keyword(body)
    if word in HELP_WORDS:
        inbound.kind = InboundKind.HELP
        inbound.save(update_fields=["kind"])
        if patient is not None:
            escalation_raise(
                patient=patient,
                source=Escalation.Source.HELP_REPLY,
                detail=body,
                inbound=inbound,
                now=now,
            )
    elif word in STOP_WORDS:
        inbound.kind = InboundKind.STOP
        inbound.save(update_fields=["kind"])
        if patient is not None:
            preference = preference_for(patient)
            preference.sms_opted_out_at = now
            preference.save(update_fields=["sms_opted_out_at"])
            OutboxMessage.objects.filter(
                patient=patient, channel=Channel.SMS, status=OutboxStatus.PLANNED
            ).update(
                status=OutboxStatus.CANCELLED,
                note=_("Cancelled: the patient replied STOP."),
                updated_at=now,
            )
    elif word in START_WORDS:
        inbound.kind = InboundKind.START
        inbound.save(update_fields=["kind"])
        if patient is not None:
            NotificationPreference.objects.filter(patient=patient).update(sms_opted_out_at=None)
    elif SCORE_PATTERN.match(word) and patient is not None:
        check_in = (
            OutboxMessage.objects.filter(
                patient=patient,
                event=NotificationEvent.CHECK_IN,
                channel=Channel.SMS,
                status__in=(OutboxStatus.SENT, OutboxStatus.DELIVERED),
                sent_at__gte=now - CHECK_IN_ANSWER_WINDOW,
                session__isnull=False,
            )
            .select_related("session")
            .order_by("-sent_at")
            .first()
        )
        if check_in is not None:
            inbound.kind = InboundKind.SCORE
            inbound.score = int(word)
            inbound.session = check_in.session
            inbound.save(update_fields=["kind", "score", "session"])
            transaction.on_commit(
                lambda: check_in_answered.send(
                    sender=InboundMessage,
                    inbound=inbound,
                    session=inbound.session,
                    score=inbound.score,
                )
            )
    return inbound, reply_text(inbound, locale=locale)


@transaction.atomic
def escalation_raise(
    *,
    patient: Patient,
    source: str,
    detail: str = "",
    session: TherapySession | None = None,
    inbound: InboundMessage | None = None,
    now=None,
) -> Escalation:
    """Record that a patient needs a clinician now; after commit, alert the clinicians and
    announce it.

    The feedback app calls this for a severe side effect and connects `escalation_raised`
    to open the clinicians' urgent task. Without a session given, the patient's latest one
    of the last two days is the one it concerns, if any.
    """
    now = now or timezone.now()
    if session is None:
        session = (
            TherapySession.objects.filter(
                patient=patient, starts_at__gte=now - RECENT_SESSION, starts_at__lte=now
            )
            .order_by("-starts_at")
            .first()
        )
    escalation = Escalation.objects.create(
        center_id=patient.center_id,
        patient=patient,
        session=session,
        source=source,
        detail=detail,
        inbound_message=inbound,
    )
    transaction.on_commit(lambda: _announce_escalation(escalation))
    return escalation


def _announce_escalation(escalation: Escalation) -> None:
    try:
        escalation_notify(escalation)
    except Exception:
        logger.exception("Could not alert the clinicians of escalation %s", escalation.pk)
    escalation_raised.send(sender=Escalation, escalation=escalation)


# Twilio's delivery reports, from least to most final; a late report never moves a message back.
DELIVERED_REPORTS = {"delivered"}
FAILED_REPORTS = {"failed", "undelivered"}


@transaction.atomic
def delivery_status_record(
    *, provider_message_id: str, report: str, error_code: str = "", now=None
) -> OutboxMessage | None:
    """Move a sent SMS to delivered or failed from Twilio's status callback."""
    now = now or timezone.now()
    message = (
        OutboxMessage.objects.select_for_update()
        .filter(provider_message_id=provider_message_id, channel=Channel.SMS)
        .first()
    )
    if message is None or message.status != OutboxStatus.SENT:
        return message
    if report in DELIVERED_REPORTS:
        message.status, message.delivered_at = OutboxStatus.DELIVERED, now
        message.save(update_fields=["status", "delivered_at", "updated_at"])
    elif report in FAILED_REPORTS:
        message.status = OutboxStatus.FAILED
        message.last_error = f"Twilio reported it {report} (error {error_code or 'unknown'})."
        message.save(update_fields=["status", "last_error", "updated_at"])
        staff_alerts_for_failed([message])
    return message


# --- the patient's own choices ------------------------------------------------------------


@transaction.atomic
def notification_preference_update(
    *,
    patient: Patient,
    sms: bool,
    email: bool,
    in_app: bool,
    quiet_hours_start: datetime.time,
    quiet_hours_end: datetime.time,
    timezone_name: str,
    language: str,
    push: bool | None = None,
    now=None,
) -> NotificationPreference:
    """Save what the patient chose and re-plan their upcoming reminders to follow it.

    Turning SMS on in the portal is the patient opting in again after a STOP reply. `push`
    None leaves phone notifications as they were (where Web Push is not set up).
    """
    now = now or timezone.now()
    preference = preference_for(patient)
    preference.sms, preference.email, preference.in_app = sms, email, in_app
    if push is not None:
        preference.push = push
    preference.quiet_hours_start, preference.quiet_hours_end = quiet_hours_start, quiet_hours_end
    preference.timezone = timezone_name
    if sms:
        preference.sms_opted_out_at = None
    preference.full_clean()
    preference.save()
    if patient.language != language:
        patient.language = language
        patient.save(update_fields=["language"])
    _upcoming_replan(patient, now=now)
    return preference


@transaction.atomic
def message_preferences_record(
    *,
    patient: Patient,
    sms: bool,
    email: bool,
    in_app: bool,
    quiet_hours_start: datetime.time,
    quiet_hours_end: datetime.time,
    timezone_name: str,
    language: str,
    push: bool | None = None,
) -> NotificationPreference:
    """The message-preferences page, all or nothing: each channel's consent given or
    withdrawn to match the ticks, as the intake's preferences step does (SMS and email go
    out only with it), and the preferences saved with the reminders to come re-planned."""
    channel_consents_record(
        patient=patient, sms=sms, email=email, document_version=CONSENT_DOCUMENT_VERSION
    )
    return notification_preference_update(
        patient=patient,
        sms=sms,
        email=email,
        in_app=in_app,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
        timezone_name=timezone_name,
        language=language,
        push=push,
    )


def _upcoming_replan(patient: Patient, *, now) -> None:
    for session in TherapySession.objects.filter(
        patient=patient, starts_at__gt=now, status=SessionStatus.SCHEDULED
    ):
        reminders_plan(session=session, now=now)


@transaction.atomic
def push_subscription_save(
    *, patient: Patient, endpoint: str, p256dh: str, auth: str, user_agent: str = "", now=None
) -> PushSubscription:
    """Keep the subscription of a phone that allowed notifications, and plan their upcoming
    reminders on it too. A phone that moves to another patient's login follows the login."""
    subscription = PushSubscription(
        patient=patient, endpoint=endpoint, p256dh=p256dh, auth=auth, user_agent=user_agent[:300]
    )
    subscription.full_clean(validate_unique=False)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "patient": patient,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:300],
        },
    )
    _upcoming_replan(patient, now=now or timezone.now())
    return subscription


@transaction.atomic
def push_subscription_delete(*, patient: Patient, endpoint: str, now=None) -> int:
    """Forget a phone of the patient's (they turned its notifications off); returns how many."""
    deleted, _by_model = PushSubscription.objects.filter(
        patient=patient, endpoint=endpoint
    ).delete()
    if deleted:
        _upcoming_replan(patient, now=now or timezone.now())
    return deleted


@transaction.atomic
def inbox_mark_read(*, patient: Patient, message_id: int | None = None, now=None) -> int:
    """Mark one of the patient's messages read (or all, without an id); returns how many."""
    unread = InAppNotification.objects.filter(patient=patient, read_at__isnull=True)
    if message_id is not None:
        unread = unread.filter(pk=message_id)
    return unread.update(read_at=now or timezone.now())


# --- previews for the people who write playbooks ------------------------------------------

# What a preview says where no session is chosen.
SAMPLE_VALUES = {
    "en": {
        "patient": "Meera",
        "therapy": "Virechana",
        "time": "07:00",
        "date": "Thursday 3 December",
        "center": "Sukhayu Panchakarma Kendra",
        "practitioner": "Dr Suresh Menon",
        "feedback_link": "https://portal.example.org/portal/feedback/1/",
    },
    "hi": {
        "patient": "मीरा",
        "therapy": "विरेचन",
        "time": "07:00",
        "date": "गुरुवार, 3 दिसंबर",
        "center": "सुखायु पंचकर्म केंद्र",
        "practitioner": "डॉ. सुरेश मेनन",
        "feedback_link": "https://portal.example.org/portal/feedback/1/",
    },
}


def notification_preview(
    *, template: NotificationTemplate, session: TherapySession | None = None
) -> tuple[str, str]:
    """A template's subject and body filled in for a session (or sample values), in its language."""
    if session is None:
        values = SAMPLE_VALUES.get(template.locale, SAMPLE_VALUES["en"])
    else:
        zone = zoneinfo.ZoneInfo(
            NotificationPreference.objects.filter(patient_id=session.patient_id)
            .values_list("timezone", flat=True)
            .first()
            or session.center.timezone
        )
        values = template_values(session, locale=template.locale, zone=zone)
    return playbook.render(template.subject, values), playbook.render(template.body, values)


class NotificationError(Exception):
    """A request the notifications domain refuses; the message says why, for the person asking."""


def notification_test_send(
    *, template: NotificationTemplate, user, session: TherapySession | None = None, sms=None
) -> dict:
    """Send a template's preview straight to a user (a director trying a playbook out).

    Goes out at once on the template's channel, outside the outbox: it is nobody's care
    message and must not wait for quiet hours or count as one sent to a patient.
    """
    subject, body = notification_preview(template=template, session=session)
    subject_line = _("[Preview] %(subject)s") % {"subject": subject or template}
    if template.channel == Channel.EMAIL:
        if not user.email:
            raise NotificationError(_("This user has no email address."))
        with get_connection() as connection:
            email_send(
                to=user.email,
                subject=subject_line,
                text=body,
                locale=template.locale,
                connection=connection,
            )
        return {"channel": template.channel, "to": user.email, "subject": subject, "body": body}
    if template.channel == Channel.SMS:
        if not user.phone:
            raise NotificationError(_("This user has no phone number."))
        (sms or sms_backend()).send(to=str(user.phone), body=body)
        return {"channel": template.channel, "to": str(user.phone), "subject": "", "body": body}
    patient = getattr(user, "patient_profile", None)
    if patient is None:
        raise NotificationError(
            _("An in-portal preview can only go to a user with a patient login.")
        )
    note = InAppNotification.objects.create(patient=patient, title=subject_line, body=body)
    transaction.on_commit(lambda: inbox_push(note, user_id=user.pk))
    return {"channel": template.channel, "to": user.email, "subject": subject, "body": body}


@transaction.atomic
def outbox_message_retry(*, message: OutboxMessage, now=None) -> OutboxMessage:
    """Send a failed message again from now, with a fresh count of attempts."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != OutboxStatus.FAILED:
        raise NotificationError(_("Only a failed message can be tried again."))
    message.status, message.attempts = OutboxStatus.PLANNED, 0
    message.due_at = now or timezone.now()
    message.note = _("Tried again by staff after: %(error)s") % {"error": message.last_error[:200]}
    message.save(update_fields=["status", "attempts", "due_at", "note", "updated_at"])
    return message


# --- telling clinicians -----------------------------------------------------------------------


def clinicians_to_alert(center, *, now: datetime.datetime) -> list:
    """The center's practitioners on shift now; with nobody on shift, its admins and directors."""
    local = now.astimezone(zoneinfo.ZoneInfo(center.timezone))
    on_shift = (
        RosterShift.objects.filter(
            center=center,
            weekday=local.weekday(),
            starts__lte=local.time(),
            ends__gt=local.time(),
            practitioner__user__is_active=True,
            practitioner__user__memberships__center=center,
            practitioner__user__memberships__is_active=True,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=local.date()))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=local.date()))
        .values_list("practitioner__user_id", flat=True)
    )
    people = User.objects.filter(pk__in=on_shift)
    if not people.exists():
        people = User.objects.filter(
            is_active=True,
            memberships__center=center,
            memberships__is_active=True,
            memberships__role__in=(Role.CENTER_ADMIN, Role.MEDICAL_DIRECTOR),
        )
    return list(people.distinct().order_by("pk"))


def escalation_notify(escalation: Escalation, *, sms=None, now=None) -> list:
    """Alert in the portal, email and text the clinicians who should act on an escalation
    now; returns them.

    Sent at once, not through the patients' outbox: it is for staff, and must not wait for
    anyone's quiet hours. A channel that fails is logged; the escalation stays recorded.
    """
    now = now or timezone.now()
    patient = escalation.patient
    people = clinicians_to_alert(escalation.center, now=now)
    sms = sms or sms_backend()
    for person in people:
        with translation.override(person.preferred_language):
            subject = _("Urgent: %(patient)s needs a clinician") % {"patient": patient.full_name}
            text = _(
                "%(patient)s (%(mrn)s, phone %(phone)s) — %(source)s: “%(detail)s”. "
                "Please call them now."
            ) % {
                "patient": patient.full_name,
                "mrn": patient.mrn,
                "phone": patient.phone or "—",
                "source": escalation.get_source_display(),
                "detail": escalation.detail,
            }
        # In the portal first: it needs no provider, so it is there even when mail is down.
        StaffAlert.objects.get_or_create(
            user=person,
            escalation=escalation,
            defaults={
                "center": escalation.center,
                "kind": StaffAlert.Kind.ESCALATION,
                "title": subject,
                "body": text,
                "link": f"tel:{patient.phone}" if patient.phone else "",
            },
        )
        try:
            if person.email:
                with get_connection() as connection:
                    email_send(
                        to=person.email,
                        subject=subject,
                        text=text,
                        locale=person.preferred_language,
                        connection=connection,
                    )
            if person.phone:
                sms.send(to=str(person.phone), body=f"{subject}. {text}")
        except Exception:
            logger.exception("Could not alert %s of escalation %s", person.pk, escalation.pk)
    return people


# --- in-app alerts for staff ----------------------------------------------------------------


def staff_by_center(center_ids) -> dict[int, list[User]]:
    """The active admins and medical directors of each center, by center id."""
    people: dict[int, list[User]] = {}
    for membership in (
        Membership.objects.filter(
            center_id__in=center_ids,
            is_active=True,
            role__in=STAFF_ROLES,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    ):
        people.setdefault(membership.center_id, []).append(membership.user)
    return people


def staff_alerts_for_failed(messages: list[OutboxMessage]) -> int:
    """Alert the admins and directors of each patient's center, in the portal, that these
    messages failed for good; each person once per message. Returns how many were raised."""
    if not messages:
        return 0
    staff = staff_by_center({m.patient.center_id for m in messages})
    link = reverse("notifications_failed")
    alerts = []
    for message in messages:
        for user in staff.get(message.patient.center_id, []):
            with translation.override(user.preferred_language):
                title = _("A message to %(patient)s could not be sent") % {
                    "patient": message.patient.full_name
                }
                body = _(
                    "%(channel)s to %(recipient)s, %(attempts)s attempts: %(error)s "
                    "Call the patient or check their contact details, then try again."
                ) % {
                    "channel": message.get_channel_display(),
                    "recipient": message.recipient,
                    "attempts": message.attempts,
                    # A sentence of its own before the advice that follows.
                    "error": message.last_error[:300].rstrip(". ") + ".",
                }
            alerts.append(
                StaffAlert(
                    user=user,
                    center_id=message.patient.center_id,
                    kind=StaffAlert.Kind.MESSAGE_FAILED,
                    title=title,
                    body=body,
                    link=link,
                    outbox_message=message,
                )
            )
    return len(StaffAlert.objects.bulk_create(alerts, ignore_conflicts=True))


@transaction.atomic
def staff_alerts_mark_read(*, user, alert_id: int | None = None, now=None) -> int:
    """Mark one of the user's alerts read (or all, without an id); returns how many."""
    unread = StaffAlert.objects.filter(user=user, read_at__isnull=True)
    if alert_id is not None:
        unread = unread.filter(pk=alert_id)
    return unread.update(read_at=now or timezone.now())
