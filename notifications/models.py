"""Patient messages: templates per event and locale, the outbox, preferences, in-app inbox."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinics.choices import Language
from clinics.fields import EncryptedTextField
from clinics.models import Center, validate_timezone
from notifications.playbook import (
    NotificationEvent,
    validate_template_text,
    validate_variables_for_event,
)
from patients.models import Patient
from protocols.models import ProtocolTemplate, TherapyType
from sessions.models import TherapySession


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In the portal")
    PUSH = "push", _("Phone notification")


class NotificationTemplate(models.Model):
    """The text of one playbook step for one channel and language.

    The most specific template wins: protocol and therapy, then therapy, then protocol,
    then the generic one (both empty).
    """

    Event = NotificationEvent
    Channel = Channel

    event = models.CharField(_("when"), max_length=30, choices=NotificationEvent.choices)
    therapy = models.ForeignKey(
        TherapyType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_templates",
        verbose_name=_("therapy"),
        help_text=_("Leave empty for a template used with any therapy."),
    )
    protocol = models.ForeignKey(
        ProtocolTemplate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_templates",
        verbose_name=_("protocol"),
        help_text=_("Leave empty for a template used in any protocol (or none)."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    locale = models.CharField(_("language"), max_length=5, choices=Language.choices)
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Sent even in the patient's quiet hours."),
    )
    subject = models.CharField(
        _("subject"),
        max_length=200,
        blank=True,
        validators=[validate_template_text],
        help_text=_("The email subject or the in-portal title."),
    )
    body = models.TextField(
        _("body"),
        validators=[validate_template_text],
        help_text=_(
            "Plain text with {patient}, {therapy}, {time}, {date}, {center} or {practitioner}; "
            "the time and date are in the patient's own time zone. After the session, "
            "{feedback_link} is the address of the patient's feedback page for it."
        ),
    )

    class Meta:
        ordering = ["event", "therapy_id", "protocol_id", "channel", "locale"]
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        # Empty therapy or protocol counts as one value (0) so that the generic template of
        # a step is unique too; an expression works on SQLite as well as PostgreSQL.
        constraints = [
            models.UniqueConstraint(
                Coalesce("therapy", Value(0)),
                Coalesce("protocol", Value(0)),
                "event",
                "channel",
                "locale",
                name="notification_template_unique_scope",
                violation_error_message=_(
                    "There is already a template for this step, therapy, protocol, channel "
                    "and language."
                ),
            ),
        ]

    def __str__(self):
        scope = " · ".join(str(part) for part in (self.therapy, self.protocol) if part) or _(
            "any therapy"
        )
        return f"{self.get_event_display()} · {scope} · {self.channel}/{self.locale}"

    def clean(self):
        super().clean()
        if self.channel in TITLED_CHANNELS and not self.subject.strip():
            raise ValidationError(
                {"subject": _("An email or in-portal message needs a subject (its title).")}
            )
        try:
            validate_variables_for_event(self.event, [self.subject, self.body])
        except ValidationError as error:
            raise ValidationError({"body": error}) from None


# Channels whose message has a title (the email subject, the inbox or phone notification title).
TITLED_CHANNELS = (Channel.EMAIL, Channel.IN_APP, Channel.PUSH)


class OutboxStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A message in one of these states is done with: planning again leaves it alone.
FINISHED_STATUSES = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.FAILED)


class OutboxMessage(models.Model):
    """A message due to a patient; workers claim and send rows, the key makes it happen once."""

    Status = OutboxStatus

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="outbox_messages", verbose_name=_("patient")
    )
    session = models.ForeignKey(
        TherapySession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("session"),
    )
    template = models.ForeignKey(
        NotificationTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("template"),
    )
    event = models.CharField(
        _("when"), max_length=30, choices=NotificationEvent.choices, blank=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    locale = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    recipient = models.CharField(
        _("recipient"), max_length=254, help_text=_("Email address, phone number or patient id.")
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    due_at = models.DateTimeField(
        _("due at"), help_text=_("When it goes out, or is tried again after a failure.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("Why it was moved, dropped or cancelled."),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    lease_until = models.DateTimeField(
        _("claim lease until"),
        null=True,
        blank=True,
        help_text=_("A worker that has not finished by then is presumed dead."),
    )
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    send_started_at = models.DateTimeField(
        _("handed to the provider at"),
        null=True,
        blank=True,
        help_text=_(
            "Set just before an SMS goes to Twilio: if the worker stops before recording the "
            "outcome, the next one asks Twilio whether it arrived instead of sending it again."
        ),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    provider_message_id = models.CharField(
        _("provider message id"), max_length=100, blank=True, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["status", "due_at"], name="outbox_status_due_idx"),
            # The reminders dashboard joins a center's sessions to the reminders that reached
            # them: read from this index alone (console/reminders.py).
            models.Index(
                fields=["session", "event", "status", "channel"], name="outbox_session_event_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OutboxStatus.values), name="outbox_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient} @ {self.due_at:%Y-%m-%d %H:%M}"


class NotificationPreference(models.Model):
    """Which channels a patient wants and when messages must wait (quiet hours, local time)."""

    patient = models.OneToOneField(
        Patient,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("patient"),
    )
    sms = models.BooleanField(_("SMS"), default=True)
    email = models.BooleanField(_("email"), default=True)
    in_app = models.BooleanField(_("in the portal"), default=True)
    push = models.BooleanField(
        _("phone notifications"),
        default=True,
        help_text=_("On the phones where the patient allowed the portal's notifications."),
    )
    quiet_hours_start = models.TimeField(_("quiet from"), default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(_("quiet until"), default=datetime.time(7, 0))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Empty: the time zone of the patient's center."),
    )
    sms_opted_out_at = models.DateTimeField(
        _("SMS opted out at"),
        null=True,
        blank=True,
        help_text=_("Set when the patient replied STOP; only the patient can opt in again."),
    )

    class Meta:
        ordering = ["patient_id"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return gettext("Preferences of %(patient)s") % {"patient": self.patient}

    def allows(self, channel: str) -> bool:
        if channel == Channel.SMS and self.sms_opted_out_at is not None:
            return False
        return bool(getattr(self, channel, False))

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone or self.patient.center.timezone)

    def is_quiet_at(self, local_time: datetime.time) -> bool:
        """Whether a local wall time falls in the quiet hours, which may span midnight."""
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start == end:
            return False
        if start < end:
            return start <= local_time < end
        return local_time >= start or local_time < end


class InAppNotification(models.Model):
    """A message shown in the patient's portal inbox."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="in_app_notifications",
        verbose_name=_("patient"),
    )
    outbox_message = models.OneToOneField(
        OutboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="in_app_notification",
        verbose_name=_("outbox message"),
        help_text=_("The outbox row it was sent for; one row never shows twice."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("in-app notification")
        verbose_name_plural = _("in-app notifications")
        indexes = [models.Index(fields=["patient", "read_at"], name="inapp_patient_read_idx")]

    def __str__(self):
        return self.title


class PushSubscription(models.Model):
    """A browser (on the patient's phone) that allowed the portal's notifications: where and
    with which keys its push service takes them (the browser's PushSubscription)."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("patient"),
    )
    endpoint = models.URLField(_("push service address"), max_length=1000, unique=True)
    p256dh = models.CharField(_("browser public key"), max_length=200)
    auth = models.CharField(_("browser auth secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("allowed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self):
        return f"{self.patient} · {self.user_agent[:40] or self.endpoint[:40]}"

    def subscription_info(self) -> dict:
        """The shape pywebpush takes, as the browser's PushSubscription.toJSON() gives it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class StaffAlertKind(models.TextChoices):
    MESSAGE_FAILED = "message_failed", _("A message could not be sent")
    ESCALATION = "escalation", _("A patient needs a clinician")


class StaffAlert(models.Model):
    """Something a member of staff must act on, shown in their alerts in the portal."""

    Kind = StaffAlertKind

    user = models.ForeignKey(
        "clinics.User",
        on_delete=models.CASCADE,
        related_name="staff_alerts",
        verbose_name=_("for"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="staff_alerts", verbose_name=_("center")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    outbox_message = models.ForeignKey(
        OutboxMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_alerts",
        verbose_name=_("failed message"),
    )
    escalation = models.ForeignKey(
        "Escalation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_alerts",
        verbose_name=_("escalation"),
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff alert")
        verbose_name_plural = _("staff alerts")
        indexes = [models.Index(fields=["user", "read_at"], name="staffalert_user_read_idx")]
        constraints = [
            # A failure or an escalation alerts each person once, however often it is seen.
            models.UniqueConstraint(
                fields=["user", "outbox_message"],
                condition=Q(outbox_message__isnull=False),
                name="staffalert_once_per_message",
            ),
            models.UniqueConstraint(
                fields=["user", "escalation"],
                condition=Q(escalation__isnull=False),
                name="staffalert_once_per_escalation",
            ),
        ]

    def __str__(self):
        return self.title


class InboundKind(models.TextChoices):
    HELP = "help", _("Asked for help")
    STOP = "stop", _("Opted out of SMS")
    START = "start", _("Opted in to SMS again")
    SCORE = "score", _("Check-in score")
    OTHER = "other", _("Other")


class InboundMessage(models.Model):
    """An SMS a patient (or anyone) sent us, and what it was taken to mean."""

    Kind = InboundKind

    provider_message_id = models.CharField(_("provider message id"), max_length=100, unique=True)
    from_number = models.CharField(_("from"), max_length=32)
    # The patient's own words (a symptom, a call for help): encrypted at rest like notes.
    body = EncryptedTextField(_("text"), blank=True)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("patient"),
    )
    session = models.ForeignKey(
        TherapySession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("session"),
        help_text=_("The session a check-in score answers."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    score = models.PositiveSmallIntegerField(_("score (0–10)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=10), name="inbound_score_0_to_10"
            ),
        ]

    def __str__(self):
        return f"{self.from_number}: {self.body[:40]}"


class EscalationSource(models.TextChoices):
    HELP_REPLY = "help_reply", _("Patient replied HELP")
    SIDE_EFFECT = "side_effect", _("Side effect reported")


class Escalation(models.Model):
    """A patient who needs a clinician now, kept here whatever the apps above do with it.

    `notifications.signals.escalation_raised` announces it after commit; the feedback app
    turns it into a clinician task.
    """

    Source = EscalationSource

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("center")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("patient")
    )
    session = models.ForeignKey(
        TherapySession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name=_("session"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    detail = EncryptedTextField(_("detail"), blank=True)
    inbound_message = models.OneToOneField(
        InboundMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalation",
        verbose_name=_("inbound message"),
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self):
        return f"{self.get_source_display()}: {self.patient.full_name}"
