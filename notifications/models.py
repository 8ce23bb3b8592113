"""Patient messages: templates per event and locale, the outbox, preferences, in-app inbox."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinics.choices import Language
from patients.models import Patient
from protocols.models import TherapyType
from sessions.models import TherapySession


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In the portal")


class NotificationEvent(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
    PRE_24H = "pre_24h", _("24 hours before")
    PRE_2H = "pre_2h", _("2 hours before")
    POST_1H = "post_1h", _("1 hour after")
    POST_12H = "post_12h", _("12 hours after")
    POST_24H = "post_24h", _("24 hours after")
    SESSION_CHANGED = "session_changed", _("Session changed")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request")


class NotificationTemplate(models.Model):
    """The text for one event, channel and language; a therapy-specific one beats the generic."""

    Event = NotificationEvent
    Channel = Channel

    event = models.CharField(_("event"), max_length=30, choices=NotificationEvent.choices)
    therapy = models.ForeignKey(
        TherapyType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_templates",
        verbose_name=_("therapy"),
        help_text=_("Leave empty for a template used with any therapy."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    locale = models.CharField(_("language"), max_length=5, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), help_text=_("Django template text."))

    class Meta:
        ordering = ["event", "therapy_id", "channel", "locale"]
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        # Two partial indexes rather than nulls_distinct=False: SQLite has no NULLS NOT
        # DISTINCT, and a generic (therapy empty) template must still be unique.
        constraints = [
            models.UniqueConstraint(
                fields=["event", "therapy", "channel", "locale"],
                condition=Q(therapy__isnull=False),
                name="notification_template_unique_for_therapy",
            ),
            models.UniqueConstraint(
                fields=["event", "channel", "locale"],
                condition=Q(therapy__isnull=True),
                name="notification_template_unique_generic",
            ),
        ]

    def __str__(self):
        scope = self.therapy or _("any therapy")
        return f"{self.get_event_display()} · {scope} · {self.channel}/{self.locale}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SUPPRESSED = "suppressed", _("Suppressed")


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
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    locale = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    recipient = models.CharField(
        _("recipient"), max_length=254, help_text=_("Email address, phone number or user id.")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "due_at"], name="outbox_status_due_idx")]

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
    quiet_hours_start = models.TimeField(_("quiet from"), default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(_("quiet until"), default=datetime.time(7, 0))

    class Meta:
        ordering = ["patient_id"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return gettext("Preferences of %(patient)s") % {"patient": self.patient}

    def allows(self, channel: str) -> bool:
        return bool(getattr(self, channel, False))

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
