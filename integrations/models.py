"""Calendar feeds: secret, revocable addresses at which a calendar app reads someone's sessions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarFeedKind(models.TextChoices):
    PRACTITIONER = "practitioner", _("Sessions I run")
    PATIENT = "patient", _("My sessions")


class CalendarFeed(models.Model):
    """One subscription address of a user's sessions, as practitioner or as patient.

    The address holds a secret because calendar apps (Google, Outlook) send no credentials;
    only its hash is kept, so the address is shown once, when it is made, and a leaked one is
    revoked rather than changed.
    """

    Kind = CalendarFeedKind

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # SHA-256 is enough (no slow hash): the secret is 256 random bits, not a password.
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    # The secret's first characters, so that the owner can tell their feeds apart.
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_fetched_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} ({self.prefix}…)"
