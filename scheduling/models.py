"""Scheduling runs: each problem the portal gave the engine and the solution it got back."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Center
from patients.models import CarePlan


class SchedulingRunKind(models.TextChoices):
    AUTO_SCHEDULE = "auto_schedule", _("Auto-schedule")
    RESCHEDULE = "reschedule", _("Reschedule")
    SICK_LEAVE = "sick_leave", _("Sick leave")
    OVERRUN = "overrun", _("Over-run re-plan")
    WHAT_IF = "what_if", _("What if")


class SchedulingRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


class SchedulingRun(models.Model):
    """One call of the scheduling engine, stored so that it can be replayed and explained."""

    Kind = SchedulingRunKind

    Status = SchedulingRunStatus

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="scheduling_runs", verbose_name=_("center")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    care_plan = models.ForeignKey(
        CarePlan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scheduling_runs",
        verbose_name=_("care plan"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    parameters = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_("What the run was asked for (e.g. the leave to plan around), for its job."),
    )
    problem = models.JSONField(_("problem"), help_text=_("panchakarma-schedule/1 problem."))
    solution = models.JSONField(_("solution"), null=True, blank=True)
    refs = models.JSONField(
        _("references"),
        default=dict,
        blank=True,
        help_text=_("How the problem's ids map to rooms, practitioners, patients and plans."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    objective = models.BigIntegerField(_("objective"), null=True, blank=True)
    placed_count = models.PositiveIntegerField(_("placed"), default=0)
    unscheduled_count = models.PositiveIntegerField(_("unscheduled"), default=0)
    time_limit_seconds = models.FloatField(_("time limit (seconds)"), default=10.0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("scheduling run")
        verbose_name_plural = _("scheduling runs")
        indexes = [models.Index(fields=["center", "-started_at"], name="run_center_started_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
