"""Events on a patient's record that its history tables cannot show: reads, exports, erasure."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import Patient


class RecordEventKind(models.TextChoices):
    READ = "read", _("Read")
    EXPORT = "export", _("Exported")
    ERASURE = "erasure", _("Anonymised")


class PatientRecordEvent(models.Model):
    """One staff read of a patient's record (a page showing it), an export or an erasure.

    Append-only: nothing edits or deletes these rows, and a patient with events cannot be
    deleted (anonymisation keeps the row and blanks the person instead).
    """

    Kind = RecordEventKind

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="record_events", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when a scheduled job did it."),
    )
    # Kept as text too: the trail must still name who it was after their account is gone.
    actor_email = models.CharField(_("by (email)"), max_length=254, blank=True)
    what = models.CharField(
        _("what"), max_length=200, help_text=_("The page or part of the record, e.g. a session.")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("patient record event")
        verbose_name_plural = _("patient record events")
        indexes = [models.Index(fields=["patient", "-at"], name="record_event_patient_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.what} by {self.actor_email or '-'}"
