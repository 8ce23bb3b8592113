"""Patient-reported outcomes after sessions, symptom scores, adaptation rules, clinician tasks."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.fields import EncryptedTextField
from clinics.models import Center
from feedback.choices import Symptom
from patients.models import Patient
from protocols.models import TherapyType
from sessions.models import TherapySession

ZERO_TO_TEN = [MinValueValidator(0), MaxValueValidator(10)]


class ExperienceAnswer(models.TextChoices):
    """The PREM question's answers, worded as the NHS adult inpatient survey words them."""

    YES_DEFINITELY = "yes_definitely", _("Yes, definitely")
    YES_TO_SOME_EXTENT = "yes_to_some_extent", _("Yes, to some extent")
    NO = "no", _("No")


class SessionFeedback(models.Model):
    """How the patient felt after a session: relief, side effects (as SymptomScore rows), PREM."""

    Experience = ExperienceAnswer

    session = models.OneToOneField(
        TherapySession, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("session")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("patient")
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    symptom_relief = models.PositiveSmallIntegerField(
        _("symptom relief"),
        validators=ZERO_TO_TEN,
        help_text=_("0 = no relief … 10 = complete relief."),
    )
    experience = models.CharField(
        _("treated with respect and listened to"),
        max_length=20,
        choices=Experience.choices,
    )
    comment = EncryptedTextField(_("comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("session feedback")
        verbose_name_plural = _("session feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(symptom_relief__gte=0, symptom_relief__lte=10),
                name="feedback_symptom_relief_0_to_10",
            ),
            models.CheckConstraint(
                condition=Q(experience__in=ExperienceAnswer.values),
                name="feedback_experience_valid",
            ),
        ]

    def __str__(self):
        return gettext("Feedback on session %(session)s: relief %(score)s/10") % {
            "session": self.session_id,
            "score": self.symptom_relief,
        }


class SymptomScore(models.Model):
    """A side effect's severity in one feedback (0 = none … 10 = worst); only those felt are kept."""

    Symptom = Symptom

    feedback = models.ForeignKey(
        SessionFeedback,
        on_delete=models.CASCADE,
        related_name="symptom_scores",
        verbose_name=_("feedback"),
    )
    symptom = models.CharField(_("symptom"), max_length=20, choices=Symptom.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    class Meta:
        ordering = ["feedback_id", "symptom"]
        verbose_name = _("symptom score")
        verbose_name_plural = _("symptom scores")
        constraints = [
            models.UniqueConstraint(fields=["feedback", "symptom"], name="symptom_score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10), name="symptom_score_0_to_10"
            ),
        ]

    def __str__(self):
        return f"{self.get_symptom_display()}: {self.score}/10"


class AdaptationComparison(models.TextChoices):
    GTE = "gte", _("at least")
    LTE = "lte", _("at most")


class AdaptationAction(models.TextChoices):
    ALERT_CLINICIAN = "alert_clinician", _("Alert a clinician")
    PAUSE_PLAN = "pause_plan", _("Pause the care plan")
    SUGGEST_REST_DAY = "suggest_rest_day", _("Suggest a rest day")


class AdaptationRule(models.Model):
    """When a symptom score crosses a threshold, what the clinic wants to happen."""

    Comparison = AdaptationComparison

    Action = AdaptationAction

    center = models.ForeignKey(
        Center,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adaptation_rules",
        verbose_name=_("center"),
        help_text=_("Leave empty for a rule of every center."),
    )
    name = models.CharField(_("name"), max_length=150)
    symptom = models.CharField(_("symptom"), max_length=20, choices=Symptom.choices)
    therapy = models.ForeignKey(
        TherapyType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adaptation_rules",
        verbose_name=_("therapy"),
        help_text=_("Leave empty for feedback after any therapy."),
    )
    threshold = models.PositiveSmallIntegerField(_("threshold"), validators=[MaxValueValidator(10)])
    comparison = models.CharField(
        _("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.GTE
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("adaptation rule")
        verbose_name_plural = _("adaptation rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__lte=10), name="adaptation_threshold_0_to_10"
            ),
        ]

    def __str__(self):
        return self.name

    def matches(self, score: int) -> bool:
        if self.comparison == self.Comparison.GTE:
            return score >= self.threshold
        return score <= self.threshold


class ClinicianTaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")


class ClinicianTask(models.Model):
    """Something a clinician must look at, usually raised by an adaptation rule."""

    Status = ClinicianTaskStatus

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="clinician_tasks", verbose_name=_("center")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="clinician_tasks", verbose_name=_("patient")
    )
    session = models.ForeignKey(
        TherapySession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician_tasks",
        verbose_name=_("session"),
    )
    rule = models.ForeignKey(
        AdaptationRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("rule"),
    )
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician_tasks",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("clinician task")
        verbose_name_plural = _("clinician tasks")
        indexes = [models.Index(fields=["center", "status"], name="task_center_status_idx")]
        constraints = [
            # A rule acts once per session however often it is evaluated (a corrected feedback).
            models.UniqueConstraint(
                fields=["rule", "session"],
                condition=Q(rule__isnull=False, session__isnull=False),
                name="task_once_per_rule_and_session",
            ),
        ]

    def __str__(self):
        return self.title
