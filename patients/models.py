"""Patient profiles, intake, consents and care plans."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from clinics.choices import Language
from clinics.fields import EncryptedTextField
from clinics.models import Center
from protocols.models import ProtocolVersion

_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


def validate_windows(value) -> None:
    """Daily windows as [["HH:MM", "HH:MM"], ...], each start before its end ("24:00" allowed)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise ValidationError(_("Give a list of [start, end] windows."), code="invalid")
    for window in value:
        if (
            not isinstance(window, list | tuple)
            or len(window) != 2
            or not all(isinstance(part, str) and _HHMM.match(part) for part in window)
        ):
            raise ValidationError(
                _('Each window must be ["HH:MM", "HH:MM"], not %(window)s.'),
                code="invalid",
                params={"window": window},
            )
        if window[0] >= window[1]:
            raise ValidationError(
                _("Window %(window)s ends before it starts."),
                code="invalid",
                params={"window": window},
            )


def validate_weekdays(value) -> None:
    """Days of the week as a list of distinct numbers, 0 (Monday) to 6 (Sunday)."""
    if not isinstance(value, list) or not all(
        isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6 for day in value
    ):
        raise ValidationError(_("Give the days as numbers from 0 (Monday) to 6 (Sunday)."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Give each day once."))


class Priority(models.IntegerChoices):
    ROUTINE = 0, _("Routine")
    RAISED = 1, _("Raised")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class PatientSex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "O", _("Other")


class Dosha(models.TextChoices):
    VATA = "vata", _("Vata")
    PITTA = "pitta", _("Pitta")
    KAPHA = "kapha", _("Kapha")
    VATA_PITTA = "vata_pitta", _("Vata-Pitta")
    PITTA_KAPHA = "pitta_kapha", _("Pitta-Kapha")
    VATA_KAPHA = "vata_kapha", _("Vata-Kapha")
    TRIDOSHA = "tridosha", _("Tridosha")


class Patient(models.Model):
    """A person treated at a center; may have a login (user) or be managed by staff only."""

    Sex = PatientSex

    Dosha = Dosha

    Priority = Priority

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_profile",
        verbose_name=_("login"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="patients", verbose_name=_("center")
    )
    mrn = models.CharField(_("medical record number"), max_length=30)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    # The intake's health answers are PHI: encrypted at rest like session notes.
    comorbidities = EncryptedTextField(_("comorbidities"), blank=True)
    allergies = EncryptedTextField(_("allergies"), blank=True)
    current_medications = EncryptedTextField(_("current medications"), blank=True)
    # When the patient last saved the intake's health step; empty answers are a real answer
    # ("none"), so the step's being done cannot be read from the three texts.
    health_recorded_at = models.DateTimeField(_("health answers saved at"), null=True, blank=True)
    dosha = models.CharField(_("dosha"), max_length=20, choices=Dosha.choices, blank=True)
    dosha_scores = models.JSONField(
        _("dosha scores"), default=dict, blank=True, help_text=_('e.g. {"vata": 12, "pitta": 8}')
    )
    same_gender_practitioner = models.BooleanField(
        _("same-gender practitioner only"), default=False
    )
    preferred_windows = models.JSONField(
        _("preferred times"),
        default=list,
        blank=True,
        validators=[validate_windows],
        help_text=_('Daily windows the patient prefers, e.g. [["07:00", "10:00"]].'),
    )
    available_windows = models.JSONField(
        _("available times"),
        null=True,
        blank=True,
        validators=[validate_windows],
        help_text=_(
            "Daily windows the patient can attend; empty means whenever the center is open."
        ),
    )
    preferred_weekdays = models.JSONField(
        _("preferred days"),
        default=list,
        blank=True,
        validators=[validate_weekdays],
        help_text=_("Days of the week the patient prefers to start on, 0 = Monday; empty: any."),
    )
    # When the patient last saved the intake's preferences step (days, times, practitioner,
    # language, channels, quiet hours); the defaults cannot tell a choice from no answer.
    preferences_recorded_at = models.DateTimeField(_("preferences saved at"), null=True, blank=True)
    max_daily_sessions = models.PositiveSmallIntegerField(
        _("maximum sessions a day"), null=True, blank=True, default=3
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.ROUTINE
    )
    emergency_contact_name = models.CharField(
        _("emergency contact name"), max_length=150, blank=True
    )
    emergency_contact_phone = PhoneNumberField(_("emergency contact phone"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.UniqueConstraint(fields=["center", "mrn"], name="patient_unique_mrn_per_center"),
            models.CheckConstraint(condition=Q(priority__lte=3), name="patient_priority_valid"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def age(self) -> int | None:
        if self.date_of_birth is None:
            return None
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    DATA_PROCESSING = "data_processing", _("Data processing")
    SMS_MESSAGES = "sms_messages", _("SMS messages")
    EMAIL_MESSAGES = "email_messages", _("Email messages")
    PHOTOGRAPHY = "photography", _("Photography")


class Consent(models.Model):
    """A consent the patient gave for a document version; withdrawing keeps the row."""

    Kind = ConsentKind

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="consents", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    document_version = models.CharField(_("document version"), max_length=30)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    signed_by = models.CharField(
        _("signed by"), max_length=150, help_text=_("The patient, or the guardian who signed.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["patient_id", "kind", "-granted_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("granted_at")),
                name="consent_withdrawn_after_granted",
            ),
        ]

    def __str__(self):
        return f"{self.patient}: {self.get_kind_display()} v{self.document_version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class CarePlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # Booked by the patient but held back for a clinician: intake or a flag says to look first.
    HELD = "held", _("Awaiting a practitioner's approval")
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class CarePlan(models.Model):
    """A protocol version applied to one patient from a start date."""

    Status = CarePlanStatus

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="care_plans", verbose_name=_("patient")
    )
    protocol_version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.PROTECT,
        related_name="care_plans",
        verbose_name=_("protocol version"),
    )
    start_date = models.DateField(_("start date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=Priority.choices,
        blank=True,
        help_text=_("Empty takes the patient's priority."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_care_plans",
        verbose_name=_("created by"),
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    # Both name the patient's conditions, so they are encrypted like the intake's answers.
    hold_reason = EncryptedTextField(
        _("why it is held"),
        blank=True,
        help_text=_("What a practitioner must look at before this plan is booked."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_care_plans",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = EncryptedTextField(
        _("review note"),
        blank=True,
        help_text=_("Why the plan was declined, shown to the patient."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        constraints = [
            models.CheckConstraint(condition=Q(priority__lte=3), name="care_plan_priority_valid"),
        ]

    def __str__(self):
        return f"{self.patient.full_name}: {self.protocol_version} ({self.start_date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.priority is None and self.patient_id is not None:
            self.priority = self.patient.priority
        super().save(*args, **kwargs)

    @property
    def center(self) -> Center:
        return self.patient.center


class DischargeSummary(models.Model):
    """A care plan's close: the after-care the patient takes home, signed by a clinician.

    What the plan did and how the patient felt are read from its sessions and feedback when
    the summary is printed; only what a clinician writes and signs is kept here.
    """

    care_plan = models.OneToOneField(
        CarePlan,
        on_delete=models.CASCADE,
        related_name="discharge_summary",
        verbose_name=_("care plan"),
    )
    aftercare = EncryptedTextField(_("after-care instructions"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("discharge summary")
        verbose_name_plural = _("discharge summaries")

    def __str__(self):
        return f"{self.care_plan} · {self.signed_at:%Y-%m-%d}"


class ClinicalFlagSource(models.TextChoices):
    FEEDBACK = "feedback", _("Patient feedback")
    CLINICIAN = "clinician", _("Clinician")


class ClinicalFlag(models.Model):
    """Something a practitioner must know before touching the patient, until it is cleared.

    Raised by the feedback rules (a worsening symptom score) or by a clinician; My day and
    the session runner show every flag that is not cleared, with its reason.
    """

    Source = ClinicalFlagSource

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="clinical_flags", verbose_name=_("patient")
    )
    # Encrypted (a TextField in the database, as ciphertext outgrows 300); forms keep the limit.
    reason = EncryptedTextField(_("reason"), max_length=300)
    source = models.CharField(
        _("raised from"), max_length=20, choices=Source.choices, default=Source.CLINICIAN
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
        help_text=_("Empty when the portal raised it from the patient's feedback."),
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["patient_id", "-raised_at"]
        verbose_name = _("clinical flag")
        verbose_name_plural = _("clinical flags")
        indexes = [
            models.Index(
                fields=["patient"],
                condition=Q(cleared_at__isnull=True),
                name="clinical_flag_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_at__gte=F("raised_at")),
                name="clinical_flag_cleared_after_raised",
            ),
        ]

    def __str__(self):
        return f"{self.patient}: {self.reason}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
