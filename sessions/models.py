"""Therapy sessions, their live status, logs, materials, checklist runs and incidents."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Deferrable, F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.fields import EncryptedTextField
from clinics.models import Center, Consumable, PractitionerProfile, Room
from patients.models import CarePlan, Patient
from protocols.models import ProtocolStep, SOPChecklistItem, SOPChecklistTemplate, TherapyType


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PREPARATION = "in_preparation", _("In preparation")
    IN_SESSION = "in_session", _("In session")
    RECOVERY = "recovery", _("Recovery")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Sessions in these states hold no practitioner, room or patient time.
RELEASED_STATUSES = (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


class TsTzRange(Func):
    """PostgreSQL's half-open [start, end) range, so back-to-back sessions never clash."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that exists only on PostgreSQL.

    The demo runs on SQLite, which has no exclusion constraints. Declaring the
    constraints in Meta (rather than in a vendor-conditional migration) keeps them
    in the model state on every backend, so `makemigrations --check` agrees
    everywhere and full_clean() reports a clash as a form error on PostgreSQL;
    elsewhere the DDL is empty (schema editors skip a None statement) and
    validation is left to the booking services.
    """

    @staticmethod
    def _supported(connection) -> bool:
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._supported(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._supported(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._supported(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=None):
        if not self._supported(connections[using or DEFAULT_DB_ALIAS]):
            return
        super().validate(model, instance, exclude=exclude, using=using)


class TherapySession(models.Model):
    """One patient's place in one therapy occurrence, with its room, practitioner and time."""

    Status = SessionStatus

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("center")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("patient")
    )
    care_plan = models.ForeignKey(
        CarePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("care plan"),
    )
    protocol_step = models.ForeignKey(
        ProtocolStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("protocol step"),
    )
    therapy = models.ForeignKey(
        TherapyType, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("therapy")
    )
    practitioner = models.ForeignKey(
        PractitionerProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("practitioner"),
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("room"),
    )
    room_place = models.PositiveSmallIntegerField(
        _("place in room"),
        default=1,
        help_text=_("Which place of a multi-place room this session takes."),
    )
    occurrence = models.UUIDField(
        _("occurrence"),
        default=uuid.uuid4,
        db_index=True,
        help_text=_("Sessions of one group occurrence share this value."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    room_released_at = models.DateTimeField(
        _("room free at"), blank=True, help_text=_("Empty: end plus the therapy's turnover.")
    )
    patient_released_at = models.DateTimeField(
        _("patient free at"), blank=True, help_text=_("Empty: end plus the therapy's rest time.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    overrun_until = models.DateTimeField(
        _("over-running until"),
        null=True,
        blank=True,
        help_text=_(
            "Set while a session is still in progress after its planned end: the end it is "
            "now expected at, moved on with the clock."
        ),
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("therapy session")
        verbose_name_plural = _("therapy sessions")
        indexes = [
            models.Index(fields=["center", "starts_at"], name="session_center_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_starts"
            ),
            models.CheckConstraint(
                condition=Q(room_released_at__gte=F("ends_at"))
                & Q(patient_released_at__gte=F("ends_at")),
                name="session_released_after_end",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(room_place__gte=1), name="session_room_place_positive"
            ),
            # The three exclusion constraints are checked at each statement, but booking may
            # defer them to the end of its transaction so that two sessions can trade places.
            # The same practitioner never holds two occurrences at once; the several
            # patient sessions of one group occurrence share a practitioner legitimately.
            PostgresExclusionConstraint(
                name="session_no_practitioner_overlap",
                deferrable=Deferrable.IMMEDIATE,
                expressions=[
                    ("practitioner", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("occurrence", RangeOperators.NOT_EQUAL),
                ],
                condition=~Q(status__in=RELEASED_STATUSES),
                violation_error_message=_("The practitioner already has a session at this time."),
            ),
            # One place of a room holds one session at a time, turnover included; a
            # multi-place room takes as many sessions as it has places.
            PostgresExclusionConstraint(
                name="session_no_room_place_overlap",
                deferrable=Deferrable.IMMEDIATE,
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    ("room_place", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "room_released_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status__in=RELEASED_STATUSES),
                violation_error_message=_("This room place is taken at this time."),
            ),
            PostgresExclusionConstraint(
                name="session_no_patient_overlap",
                deferrable=Deferrable.IMMEDIATE,
                expressions=[
                    ("patient", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "patient_released_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status__in=RELEASED_STATUSES),
                violation_error_message=_(
                    "The patient already has a session or rest at this time."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.therapy} · {self.patient.full_name} · {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        self.fill_derived_times()
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status not in RELEASED_STATUSES

    def fill_derived_times(self, *, recompute: bool = False) -> None:
        """Fill an empty end and release times from the therapy's durations.

        Times already set are kept (a booking may stretch a session on purpose) unless
        `recompute`, which a reschedule uses after moving `starts_at`.
        """
        if self.therapy_id is None or self.starts_at is None:
            return
        therapy = self.therapy
        if recompute:
            self.ends_at = self.room_released_at = self.patient_released_at = None
        if self.ends_at is None:
            self.ends_at = self.starts_at + datetime.timedelta(minutes=therapy.duration_minutes)
        if self.room_released_at is None:
            self.room_released_at = self.ends_at + datetime.timedelta(
                minutes=therapy.room_turnover_minutes
            )
        if self.patient_released_at is None:
            self.patient_released_at = self.ends_at + datetime.timedelta(
                minutes=therapy.patient_rest_after_minutes
            )

    def clean(self):
        # Before validate_constraints, so that the exclusion checks see real ranges.
        self.fill_derived_times()
        super().clean()


class SessionStatusChange(models.Model):
    """One step of a session through its life, kept for the audit trail and the timeline."""

    session = models.ForeignKey(
        TherapySession,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("session"),
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=SessionStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=SessionStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["session_id", "changed_at", "id"]
        verbose_name = _("session status change")
        verbose_name_plural = _("session status changes")

    def __str__(self):
        return f"{self.session_id}: {self.from_status or '-'} -> {self.to_status}"


class SessionLog(models.Model):
    """What the practitioner recorded during a session: vitals, dosage, deviations, notes."""

    session = models.OneToOneField(
        TherapySession, on_delete=models.CASCADE, related_name="log", verbose_name=_("session")
    )
    vitals = models.JSONField(
        _("vitals"),
        default=dict,
        blank=True,
        help_text=_(
            'e.g. {"bp_systolic": 120, "bp_diastolic": 80, "pulse": 72, '
            '"temperature_c": 36.8, "weight_kg": 64.5}'
        ),
    )
    dosage = models.TextField(_("dosage"), blank=True)
    deviations = models.TextField(_("deviations from the SOP"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")

    def __str__(self):
        return gettext("Log of session %(session)s") % {"session": self.session_id}


class MaterialUsage(models.Model):
    """A quantity of a consumable used in a session."""

    session = models.ForeignKey(
        TherapySession,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("session"),
    )
    consumable = models.ForeignKey(
        Consumable, on_delete=models.PROTECT, related_name="usages", verbose_name=_("consumable")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["session_id", "id"]
        verbose_name = _("material used")
        verbose_name_plural = _("materials used")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=Decimal(0)), name="material_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} {self.consumable.unit} {self.consumable.name}"


class ChecklistRun(models.Model):
    """A practitioner working through an SOP checklist in one session."""

    session = models.ForeignKey(
        TherapySession,
        on_delete=models.CASCADE,
        related_name="checklist_runs",
        verbose_name=_("session"),
    )
    template = models.ForeignKey(
        SOPChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("checklist"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("checklist run")
        verbose_name_plural = _("checklist runs")

    def __str__(self):
        return gettext("%(checklist)s for session %(session)s") % {
            "checklist": self.template,
            "session": self.session_id,
        }

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class ChecklistItemResult(models.Model):
    """The outcome of one checklist item in a run."""

    run = models.ForeignKey(
        ChecklistRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("run")
    )
    item = models.ForeignKey(
        SOPChecklistItem, on_delete=models.PROTECT, related_name="results", verbose_name=_("item")
    )
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["run_id", "item__order"]
        verbose_name = _("checklist item result")
        verbose_name_plural = _("checklist item results")
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="checklist_result_unique_item"),
        ]

    def __str__(self):
        return f"{self.item}: {'✓' if self.done else '…'}"


class IncidentSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class Incident(models.Model):
    """An adverse event or safety problem during a session."""

    Severity = IncidentSeverity

    session = models.ForeignKey(
        TherapySession,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("session"),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = EncryptedTextField(_("description"))
    action_taken = models.TextField(_("action taken"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return gettext("%(severity)s incident in session %(session)s") % {
            "severity": self.get_severity_display(),
            "session": self.session_id,
        }
