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
# Sessions that are over: nothing more is done or recorded in them.
FINISHED_STATUSES = (SessionStatus.COMPLETED, *RELEASED_STATUSES)


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
    # Lowered from the protocol's full dose (or duration, for a therapy given without a dose)
    # when the patient's feedback calls for a gentler session; the reason says why.
    intensity_percent = models.PositiveSmallIntegerField(
        _("intensity (%)"),
        default=100,
        help_text=_("Share of the protocol's dose, or of its duration, to give in this session."),
    )
    intensity_reason = models.CharField(_("why the intensity changed"), max_length=300, blank=True)
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
            models.CheckConstraint(
                condition=Q(intensity_percent__gte=10, intensity_percent__lte=100),
                name="session_intensity_10_to_100",
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
    dose_given = models.DecimalField(
        _("dose given"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    dose_unit = models.CharField(_("dose unit"), max_length=20, blank=True)
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
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_given__isnull=True) | Q(dose_given__gt=0),
                name="session_log_dose_positive",
            ),
        ]

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

    history = HistoricalRecords()

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

    history = HistoricalRecords()

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
    # A timer step's clock lives here, not in the tablet, so that a reload or a second tablet
    # shows the same countdown: time banked by earlier runs, plus the run going on now.
    timer_started_at = models.DateTimeField(_("timer running since"), null=True, blank=True)
    timer_elapsed_seconds = models.PositiveIntegerField(_("timer seconds banked"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["run_id", "item__order"]
        verbose_name = _("checklist item result")
        verbose_name_plural = _("checklist item results")
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="checklist_result_unique_item"),
        ]

    def __str__(self):
        return f"{self.item}: {'✓' if self.done else '…'}"

    @property
    def timer_running(self) -> bool:
        return self.timer_started_at is not None

    def timer_elapsed(self, now: datetime.datetime) -> int:
        """Seconds the timer has run so far, the current run included."""
        running = (now - self.timer_started_at).total_seconds() if self.timer_started_at else 0
        return self.timer_elapsed_seconds + max(0, int(running))


# What a human body can plausibly show; a reading outside is a typing slip, not a patient.
VITAL_RANGES = {
    "bp_systolic": (60, 260),
    "bp_diastolic": (30, 160),
    "pulse": (25, 220),
    "temperature_c": (Decimal("33.0"), Decimal("43.0")),
    "weight_kg": (Decimal("2.0"), Decimal("350.0")),
}


def _within(field: str) -> Q:
    low, high = VITAL_RANGES[field]
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high})


class VitalsReading(models.Model):
    """One set of vitals taken during a session (before a therapy, after it, or when unwell)."""

    session = models.ForeignKey(
        TherapySession, on_delete=models.CASCADE, related_name="vitals", verbose_name=_("session")
    )
    bp_systolic = models.PositiveSmallIntegerField(_("BP systolic (mmHg)"), null=True, blank=True)
    bp_diastolic = models.PositiveSmallIntegerField(_("BP diastolic (mmHg)"), null=True, blank=True)
    pulse = models.PositiveSmallIntegerField(_("pulse (/min)"), null=True, blank=True)
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
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
        ordering = ["session_id", "recorded_at", "id"]
        verbose_name = _("vitals reading")
        verbose_name_plural = _("vitals readings")
        constraints = [
            models.CheckConstraint(
                condition=Q(bp_systolic__isnull=False)
                | Q(bp_diastolic__isnull=False)
                | Q(pulse__isnull=False)
                | Q(temperature_c__isnull=False)
                | Q(weight_kg__isnull=False),
                name="vitals_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(bp_systolic__isnull=True, bp_diastolic__isnull=True)
                | Q(
                    bp_systolic__isnull=False,
                    bp_diastolic__isnull=False,
                    bp_systolic__gt=F("bp_diastolic"),
                ),
                name="vitals_bp_pair",
            ),
            *(
                models.CheckConstraint(condition=_within(field), name=f"vitals_{field}_plausible")
                for field in VITAL_RANGES
            ),
        ]

    def __str__(self):
        return gettext("Vitals of session %(session)s at %(at)s") % {
            "session": self.session_id,
            "at": f"{self.recorded_at:%H:%M}",
        }


class SessionNoteKind(models.TextChoices):
    NOTE = "note", _("Note")
    DEVIATION = "deviation", _("Deviation from the SOP")


class SessionNote(models.Model):
    """A line the practitioner wrote during a session: a clinical note or an SOP deviation.

    One row per entry rather than one growing text, so that entries taken on two tablets,
    or queued offline and sent later, never overwrite each other.
    """

    Kind = SessionNoteKind

    session = models.ForeignKey(
        TherapySession, on_delete=models.CASCADE, related_name="entries", verbose_name=_("session")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    text = EncryptedTextField(_("text"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    taken_at = models.DateTimeField(
        _("written at"),
        default=timezone.now,
        help_text=_("When the practitioner wrote it; earlier than recorded when sent offline."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["session_id", "taken_at", "id"]
        verbose_name = _("session note")
        verbose_name_plural = _("session notes")

    def __str__(self):
        return gettext("%(kind)s in session %(session)s") % {
            "kind": self.get_kind_display(),
            "session": self.session_id,
        }


class StockAlert(models.Model):
    """A consumable that went under its reorder level, for the center's admins to act on.

    Raised by the session that used the stock past the level; one open alert per consumable,
    closed when an admin has reordered.
    """

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="stock_alerts", verbose_name=_("center")
    )
    consumable = models.ForeignKey(
        Consumable, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("consumable")
    )
    stock_quantity = models.DecimalField(_("left in stock"), max_digits=12, decimal_places=3)
    reorder_level = models.DecimalField(_("reorder level"), max_digits=12, decimal_places=3)
    session = models.ForeignKey(
        TherapySession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_alerts",
        verbose_name=_("raised by session"),
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("low-stock alert")
        verbose_name_plural = _("low-stock alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["consumable"],
                condition=Q(closed_at__isnull=True),
                name="stock_alert_one_open_per_consumable",
            ),
        ]

    def __str__(self):
        return gettext("%(consumable)s under its reorder level") % {"consumable": self.consumable}


class IncidentSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UNDER_REVIEW = "under_review", _("Under review")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    """An adverse event, or a near miss, during a session, and how it was reviewed."""

    Severity = IncidentSeverity
    Status = IncidentStatus

    session = models.ForeignKey(
        TherapySession,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("session"),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    near_miss = models.BooleanField(
        _("near miss"), default=False, help_text=_("Caught before it reached the patient.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    description = EncryptedTextField(_("description"))
    action_taken = EncryptedTextField(_("action taken"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = EncryptedTextField(_("resolution"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values), name="incident_status_valid"
            ),
            # Each step of the review leaves its time: none can be skipped in the data.
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(status="under_review", review_started_at__isnull=False)
                | Q(
                    status="resolved",
                    review_started_at__isnull=False,
                    resolved_at__isnull=False,
                ),
                name="incident_steps_have_times",
            ),
        ]

    def __str__(self):
        return gettext("%(severity)s incident in session %(session)s") % {
            "severity": self.get_severity_display(),
            "session": self.session_id,
        }


class RunnerWriteOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CONFLICT = "conflict", _("Refused: the session had moved on")


class RunnerWrite(models.Model):
    """The receipt of one write sent from a tablet with an idempotency key.

    A tablet that lost the network queues its ticks, vitals and notes and sends them again
    when it is back; the key is unique, so a write sent twice is applied once and the second
    sending gets the first one's answer.
    """

    Outcome = RunnerWriteOutcome

    key = models.UUIDField(_("idempotency key"), unique=True)
    session = models.ForeignKey(
        TherapySession, on_delete=models.CASCADE, related_name="writes", verbose_name=_("session")
    )
    kind = models.CharField(_("kind"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    message = models.TextField(_("message"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("tablet write")
        verbose_name_plural = _("tablet writes")

    def __str__(self):
        return f"{self.kind} {self.key} ({self.outcome})"


class OverrunFailure(models.Model):
    """A session whose expected end the over-run job could not move on its last run, and why.

    The job keeps one row per session it failed on in its last run and drops the rows of
    sessions it moved (or no longer needs to move), so the board warns only while it is failing.
    """

    session = models.OneToOneField(
        TherapySession,
        on_delete=models.CASCADE,
        related_name="overrun_failure",
        verbose_name=_("session"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="+", verbose_name=_("center")
    )
    reason = models.TextField(_("reason"))
    failed_at = models.DateTimeField(_("failed at"), default=timezone.now)

    class Meta:
        ordering = ["failed_at", "id"]
        verbose_name = _("over-run clock failure")
        verbose_name_plural = _("over-run clock failures")

    def __str__(self):
        return f"{self.session_id}: {self.reason}"
