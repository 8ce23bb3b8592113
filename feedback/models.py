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
from notifications.models import Escalation
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

    history = HistoricalRecords()

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


class AdaptationMeasure(models.TextChoices):
    """What a rule looks at: one answer of a feedback, or how a patient kept to their plan."""

    SIDE_EFFECT = "side_effect", _("Side effect (0-10)")
    RELIEF = "relief", _("Symptom relief (0-10)")
    ADHERENCE = "adherence", _("Sessions attended over the last 7 days (%)")
    MYMOP = "mymop", _("MYMOP profile (0-6, 6 is worst)")


# Measures read from one feedback, evaluated when it is given; adherence is evaluated daily.
FEEDBACK_MEASURES = (AdaptationMeasure.SIDE_EFFECT, AdaptationMeasure.RELIEF)
# The top of each measure's scale, for thresholds an editor may set.
MEASURE_MAXIMUM = {
    AdaptationMeasure.SIDE_EFFECT: 10,
    AdaptationMeasure.RELIEF: 10,
    AdaptationMeasure.ADHERENCE: 100,
    AdaptationMeasure.MYMOP: 6,
}


class AdaptationComparison(models.TextChoices):
    GTE = "gte", _("at least")
    GT = "gt", _("more than")
    LTE = "lte", _("at most")
    LT = "lt", _("less than")
    # Trends: this feedback against the patient's previous one after the same therapy.
    ROSE_BY = "rose_by", _("rose by at least")
    FELL_BY = "fell_by", _("fell by at least")


TREND_COMPARISONS = (AdaptationComparison.ROSE_BY, AdaptationComparison.FELL_BY)


class AdaptationAction(models.TextChoices):
    ALERT_CLINICIAN = "alert_clinician", _("Clinician call task, due within 24 h")
    LOWER_INTENSITY = "lower_intensity", _("Lower the next session's intensity")
    DIET_ALERT = "diet_alert", _("Diet alert to the patient")
    EXTRA_REMINDERS = "extra_reminders", _("Extra reminders before the next sessions")
    MOTIVATIONAL_NUDGE = "motivational_nudge", _("Motivational nudge to the patient")
    PROPOSE_SLOTS = "propose_slots", _("Other times from the scheduler, as a task for staff")
    ESCALATE = "escalate", _("Escalate: alert the clinicians on shift now")


# The fields of a rule that say what it does; changing any of them makes a new version.
RULE_DEFINITION_FIELDS = (
    "center_id",
    "measure",
    "symptom",
    "therapy_id",
    "comparison",
    "threshold",
    "actions",
    "intensity_lowered_by",
    "is_active",
)


class AdaptationRule(models.Model):
    """A medical director's rule: when a measure crosses a threshold (or moves by a trend)
    after a therapy, what the portal does. Its definitions are kept as numbered versions,
    so that every firing shows the rule as it was when it fired."""

    Measure = AdaptationMeasure
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
    measure = models.CharField(
        _("measure"), max_length=20, choices=Measure.choices, default=Measure.SIDE_EFFECT
    )
    symptom = models.CharField(
        _("side effect"),
        max_length=20,
        choices=Symptom.choices,
        blank=True,
        help_text=_("For a side-effect rule; leave empty for the worst side effect reported."),
    )
    therapy = models.ForeignKey(
        TherapyType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adaptation_rules",
        verbose_name=_("therapy"),
        help_text=_("Leave empty for feedback after any therapy."),
    )
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.GTE
    )
    threshold = models.PositiveSmallIntegerField(
        _("threshold"),
        validators=[MaxValueValidator(100)],
        help_text=_("0-10 for side effects and relief, 0-100 for adherence (%)."),
    )
    actions = models.JSONField(_("actions"), default=list)
    intensity_lowered_by = models.PositiveSmallIntegerField(
        _("lower the intensity by (%)"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(90)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("adaptation rule")
        verbose_name_plural = _("adaptation rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__lte=10) | Q(measure="adherence", threshold__lte=100),
                name="adaptation_threshold_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(intensity_lowered_by__gte=5, intensity_lowered_by__lte=90),
                name="adaptation_intensity_5_to_90",
            ),
        ]

    def __str__(self):
        return self.name

    def definition(self) -> dict:
        """What the rule does, as stored in each of its versions."""
        return {name: getattr(self, name) for name in RULE_DEFINITION_FIELDS}

    def matches(self, value: int, previous: int | None = None) -> bool:
        """Whether a measured value (and, for a trend, the one before it) meets the rule."""
        comparison, threshold = self.comparison, self.threshold
        if comparison in TREND_COMPARISONS:
            if previous is None:
                return False
            change = value - previous if comparison == self.Comparison.ROSE_BY else previous - value
            return change >= threshold
        return {
            self.Comparison.GTE: value >= threshold,
            self.Comparison.GT: value > threshold,
            self.Comparison.LTE: value <= threshold,
            self.Comparison.LT: value < threshold,
        }[comparison]


class AdaptationRuleVersion(models.Model):
    """One definition a rule had, numbered from 1; never changed once written."""

    rule = models.ForeignKey(
        AdaptationRule, on_delete=models.CASCADE, related_name="versions", verbose_name=_("rule")
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=150)
    definition = models.JSONField(_("definition"))
    summary = models.CharField(_("in words"), max_length=400)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("edited by"),
    )

    class Meta:
        ordering = ["rule_id", "-number"]
        verbose_name = _("adaptation rule version")
        verbose_name_plural = _("adaptation rule versions")
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_unique_number"),
        ]

    def __str__(self):
        return gettext("%(rule)s, version %(number)s") % {"rule": self.name, "number": self.number}


class RuleFiring(models.Model):
    """A rule met by a patient's data: what triggered it, why, what was done, and any undoing.

    One per rule, patient and subject (a feedback's session, or a week of adherence), held
    by the database, so that evaluating again (a corrected feedback, the daily job) never
    acts twice.
    """

    rule = models.ForeignKey(
        AdaptationRule, on_delete=models.PROTECT, related_name="firings", verbose_name=_("rule")
    )
    rule_version = models.ForeignKey(
        AdaptationRuleVersion,
        on_delete=models.PROTECT,
        related_name="firings",
        verbose_name=_("rule version"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="rule_firings", verbose_name=_("center")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="rule_firings", verbose_name=_("patient")
    )
    session = models.ForeignKey(
        TherapySession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rule_firings",
        verbose_name=_("session the data came from"),
    )
    subject = models.CharField(
        _("subject"), max_length=60, help_text=_("What the rule fired once for.")
    )
    trigger = models.JSONField(_("data that triggered it"))
    reason = models.CharField(_("reason"), max_length=400)
    actions_taken = models.JSONField(_("actions taken"), default=list)
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reversed by"),
    )
    reversal_note = models.CharField(_("what the reversal did"), max_length=400, blank=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        indexes = [models.Index(fields=["patient", "fired_at"], name="firing_patient_time_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "patient", "subject"], name="firing_once_per_rule_and_subject"
            ),
        ]

    def __str__(self):
        return self.reason

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class RuleRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RuleRun(models.Model):
    """One run of the daily rule job: how much it looked at, what fired, and what failed."""

    Status = RuleRunStatus

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    evaluated = models.PositiveIntegerField(_("evaluations"), default=0)
    fired = models.PositiveIntegerField(_("firings"), default=0)
    failures = models.JSONField(
        _("failures"), default=list, help_text=_("Each rule that could not be applied, and why.")
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("daily rule run")
        verbose_name_plural = _("daily rule runs")

    def __str__(self):
        return gettext("Rule run of %(at)s: %(status)s") % {
            "at": f"{self.started_at:%Y-%m-%d %H:%M}",
            "status": self.get_status_display(),
        }


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
    firing = models.ForeignKey(
        RuleFiring,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("raised by the firing"),
    )
    escalation = models.OneToOneField(
        Escalation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician_task",
        verbose_name=_("escalation"),
        help_text=_("The urgent call this task is for, one task per escalation."),
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

    history = HistoricalRecords()

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


ZERO_TO_SIX = [MinValueValidator(0), MaxValueValidator(6)]


class MymopKind(models.TextChoices):
    """When a MYMOP form is answered: before treatment, each week of it, and at its end."""

    INTAKE = "intake", _("Intake")
    WEEKLY = "weekly", _("Weekly")
    DISCHARGE = "discharge", _("Discharge")


class MymopAnswer(models.Model):
    """One MYMOP form (Measure Yourself Medical Outcome Profile): two symptoms the patient
    names, an activity and their wellbeing, each 0 (as good as it could be) to 6 (as bad as it
    could be). The names come from the first answer and stay, as MYMOP asks, so that answers
    over time measure the same things; the profile score is feedback.mymop's."""

    Kind = MymopKind

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="mymop_answers", verbose_name=_("patient")
    )
    care_plan = models.ForeignKey(
        "patients.CarePlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mymop_answers",
        verbose_name=_("care plan"),
        help_text=_("The plan under way when it was answered (none at intake)."),
    )
    kind = models.CharField(_("when"), max_length=10, choices=Kind.choices)
    symptom_1_name = models.CharField(_("first symptom"), max_length=100)
    symptom_1 = models.PositiveSmallIntegerField(_("first symptom score"), validators=ZERO_TO_SIX)
    symptom_2_name = models.CharField(_("second symptom"), max_length=100, blank=True)
    symptom_2 = models.PositiveSmallIntegerField(
        _("second symptom score"), null=True, blank=True, validators=ZERO_TO_SIX
    )
    activity_name = models.CharField(_("activity"), max_length=100, blank=True)
    activity = models.PositiveSmallIntegerField(
        _("activity score"), null=True, blank=True, validators=ZERO_TO_SIX
    )
    wellbeing = models.PositiveSmallIntegerField(_("wellbeing"), validators=ZERO_TO_SIX)
    profile = models.DecimalField(
        _("profile score"),
        max_digits=3,
        decimal_places=2,
        help_text=_("Mean of the items answered: 0 best … 6 worst."),
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = _("MYMOP answer")
        verbose_name_plural = _("MYMOP answers")
        indexes = [models.Index(fields=["patient", "answered_at"], name="mymop_patient_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(symptom_1__lte=6, wellbeing__lte=6, profile__gte=0, profile__lte=6)
                & (Q(symptom_2__isnull=True) | Q(symptom_2__lte=6))
                & (Q(activity__isnull=True) | Q(activity__lte=6)),
                name="mymop_scores_0_to_6",
            ),
            # A second symptom's score needs its name, or the chart could not say what it was.
            models.CheckConstraint(
                condition=Q(symptom_2__isnull=True) | ~Q(symptom_2_name=""),
                name="mymop_symptom_2_named",
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=True) | ~Q(activity_name=""),
                name="mymop_activity_named",
            ),
            models.CheckConstraint(condition=Q(kind__in=MymopKind.values), name="mymop_kind_valid"),
        ]

    def __str__(self):
        return gettext("MYMOP (%(kind)s): profile %(profile)s/6") % {
            "kind": self.get_kind_display(),
            "profile": self.profile,
        }
