"""Waitlist entries (a patient waiting for a package at a center) and the offers made to them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from clinics.models import Center
from patients.models import CarePlan, Patient, Priority
from protocols.models import ProtocolVersion
from scheduling.models import SchedulingRun
from waitlist.words import say


class TimeOfDay(models.TextChoices):
    """Parts of the day a patient may prefer; each is a window in the center's local time."""

    MORNING = "morning", _("Morning (7–12)")
    AFTERNOON = "afternoon", _("Afternoon (12–16)")
    EVENING = "evening", _("Evening (16–20)")


# The local hours of each part of the day: [from, to).
TIME_OF_DAY_HOURS = {
    TimeOfDay.MORNING: (7, 12),
    TimeOfDay.AFTERNOON: (12, 16),
    TimeOfDay.EVENING: (16, 20),
}


def rank_reason(
    *, urgency: int, open_flag: bool, waited: int, fit: float | None, times: list[str]
) -> str:
    """The ranking in plain words, as the console and the offer show it."""
    parts = [
        gettext("%(priority)s priority") % {"priority": Priority(urgency).label}
        + (gettext(" (raised by an open clinical flag)") if open_flag else "")
    ]
    parts.append(
        ngettext("waiting %(n)s day", "waiting %(n)s days", waited) % {"n": waited}
        if waited
        else gettext("joined today")
    )
    if fit is not None:
        if not times:
            parts.append(gettext("any time of day suits"))
        else:
            parts.append(
                gettext("%(share)s%% of the sessions in the preferred times (%(times)s)")
                % {
                    "share": round(fit * 100),
                    "times": ", ".join(str(TimeOfDay(t).label) for t in times),
                }
            )
    return "; ".join(parts)


class EntryStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a place")
    BOOKED = "booked", _("Booked")
    HELD = "held", _("Booked, awaiting a practitioner's approval")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States in which an entry still waits for (or holds an offer of) a place.
OPEN_ENTRY_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED)


class WaitlistEntry(models.Model):
    """A patient waiting for a whole package at a center, to start within their window."""

    Status = EntryStatus

    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("patient"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="waitlist_entries", verbose_name=_("center")
    )
    protocol_version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        verbose_name=_("package"),
    )
    earliest_start = models.DateField(_("earliest first day"))
    latest_start = models.DateField(_("latest first day"))
    preferred_times = models.JSONField(
        _("preferred times of day"),
        default=list,
        blank=True,
        help_text=_('Parts of the day the patient prefers, e.g. ["morning"]; empty: any.'),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING
    )
    # The draft plan offers are proposed for; made when the first offer is, booked on accept.
    care_plan = models.ForeignKey(
        CarePlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("care plan"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("waiting since"), default=timezone.now)
    # The last time the engine looked for places for this entry, and what it found, so that
    # the console explains a wait as it explains every placement.
    checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    # Kept as a message and its values (waitlist.words), shown in the reader's language.
    check_note = models.JSONField(_("last check"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        indexes = [models.Index(fields=["center", "status"], name="waitlist_entry_center_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_start__gte=F("earliest_start")),
                name="waitlist_entry_window_ordered",
            ),
            # One open wait per patient and package: joining twice would compete with itself.
            models.UniqueConstraint(
                fields=["patient", "protocol_version"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_entry_one_open_per_package",
            ),
        ]

    def __str__(self):
        return f"{self.patient.full_name}: {self.protocol_version} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ENTRY_STATUSES

    @property
    def check_text(self) -> str:
        return say(self.check_note)


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    # The times went to someone else before it was accepted; nothing was booked.
    TAKEN = "taken", _("Taken by another booking")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WaitlistOffer(models.Model):
    """Freed places offered to one waiting patient: a proposal that holds nothing until it is
    accepted before `expires_at`; accepting books the proposal whole or not at all."""

    Status = OfferStatus

    entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry")
    )
    run = models.ForeignKey(
        SchedulingRun,
        on_delete=models.PROTECT,
        related_name="waitlist_offers",
        verbose_name=_("proposal"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN
    )
    start_date = models.DateField(_("first day offered"))
    rank = models.PositiveIntegerField(_("rank when offered"))
    # The ranking's figures (urgency, open flag, days waited, preference fit, times), put in
    # words when shown; what freed the places and how the offer ended, as waitlist.words.
    reason = models.JSONField(_("why this patient"), default=dict, blank=True)
    freed_by = models.JSONField(_("what freed the places"), default=dict, blank=True)
    offered_at = models.DateTimeField(_("offered at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("offered_at")), name="waitlist_offer_expires_later"
            ),
            # One open offer per entry: a second would let the patient book twice.
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="open"),
                name="waitlist_offer_one_open_per_entry",
            ),
        ]

    def __str__(self):
        return f"{self.entry.patient.full_name}: {self.start_date} ({self.get_status_display()})"

    @property
    def reason_text(self) -> str:
        return rank_reason(**self.reason) if self.reason else ""

    @property
    def freed_text(self) -> str:
        return say(self.freed_by)

    @property
    def outcome_text(self) -> str:
        return say(self.outcome)

    def is_live(self, now=None) -> bool:
        """Open and not past its expiry (the expiry job may not have run yet)."""
        return self.status == OfferStatus.OPEN and (now or timezone.now()) < self.expires_at
