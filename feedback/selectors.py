"""Reads of the feedback app, scoped to the patient or the center staff who ask."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q

from feedback.models import ClinicianTask, MymopAnswer, RuleFiring
from patients.models import CarePlan
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession

# MYMOP is asked again each week of a plan under way (the instrument's usual follow-up).
MYMOP_WEEKLY = timedelta(days=7)
# The plans whose sessions count for MYMOP: booked and not called off.
MYMOP_PLAN_STATUSES = (
    CarePlan.Status.SCHEDULED,
    CarePlan.Status.ACTIVE,
    CarePlan.Status.COMPLETED,
)


@dataclass(frozen=True)
class MymopDue:
    """Which MYMOP form the patient should answer now, and the plan it belongs to."""

    kind: str
    care_plan: CarePlan | None = None

    @property
    def label(self) -> str:
        return MymopAnswer.Kind(self.kind).label


def mymop_first_answer(*, patient) -> MymopAnswer | None:
    """The patient's first MYMOP answer, whose named symptoms and activity every later one keeps."""
    return MymopAnswer.objects.filter(patient=patient).order_by("answered_at", "pk").first()


def mymop_due(*, patient, now: datetime) -> MymopDue | None:
    """The MYMOP form due now: at intake when none was answered; at discharge once every
    session of the latest plan under way is done; weekly while that plan goes on. Two queries.
    """
    latest = MymopAnswer.objects.filter(patient=patient).order_by("-answered_at", "-pk").first()
    if latest is None:
        return MymopDue(kind=MymopAnswer.Kind.INTAKE)
    today = now.astimezone(patient.center.tzinfo).date()
    plan = (
        CarePlan.objects.filter(
            patient=patient, status__in=MYMOP_PLAN_STATUSES, start_date__lte=today
        )
        .annotate(
            kept=Count("sessions", filter=~Q(sessions__status__in=RELEASED_STATUSES)),
            done=Count("sessions", filter=Q(sessions__status=SessionStatus.COMPLETED)),
            discharged=Exists(
                MymopAnswer.objects.filter(
                    care_plan=OuterRef("pk"), kind=MymopAnswer.Kind.DISCHARGE
                )
            ),
        )
        .order_by("-start_date", "-pk")
        .first()
    )
    if plan is None or plan.discharged or not plan.kept:
        return None
    if plan.done == plan.kept:
        return MymopDue(kind=MymopAnswer.Kind.DISCHARGE, care_plan=plan)
    if latest.answered_at <= now - MYMOP_WEEKLY:
        return MymopDue(kind=MymopAnswer.Kind.WEEKLY, care_plan=plan)
    return None


def session_awaiting_feedback(*, patient) -> TherapySession | None:
    """The patient's latest finished session they have not yet given feedback on (one query)."""
    return (
        TherapySession.objects.filter(
            patient=patient, status=SessionStatus.COMPLETED, feedback__isnull=True
        )
        .select_related("therapy")
        .order_by("-starts_at")
        .first()
    )


def patient_session_for_feedback(*, patient, session_id: int) -> TherapySession | None:
    """One of the patient's own sessions with its feedback, if any; None for anyone else's."""
    return (
        TherapySession.objects.filter(patient=patient, pk=session_id)
        .select_related("therapy", "center", "feedback")
        .first()
    )


def clinician_tasks_for_center(*, center, assigned_to=None, done_limit: int = 20):
    """A center's clinician tasks: open ones by due time, then the latest done (two queries)."""
    tasks = ClinicianTask.objects.filter(center=center).select_related(
        "patient", "session__therapy", "assigned_to", "firing__rule_version"
    )
    if assigned_to is not None:
        tasks = tasks.filter(assigned_to=assigned_to)
    open_tasks = list(
        tasks.filter(status=ClinicianTask.Status.OPEN).order_by(F("due_at").asc(nulls_last=True))
    )
    done = list(tasks.exclude(status=ClinicianTask.Status.OPEN).order_by("-done_at")[:done_limit])
    return open_tasks, done


def clinician_tasks_for_my_day(*, center, user, limit: int = 8) -> list[ClinicianTask]:
    """The open tasks a clinician should see on My day: theirs and the unassigned, by due."""
    return list(
        ClinicianTask.objects.filter(center=center, status=ClinicianTask.Status.OPEN)
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
        .select_related("patient", "firing__rule_version")
        .order_by(F("due_at").asc(nulls_last=True), "pk")[:limit]
    )


def rule_firings_for_patient(*, patient, limit: int = 30) -> list[RuleFiring]:
    """A patient's latest rule firings with the rule version and who reversed them (one query)."""
    return list(
        RuleFiring.objects.filter(patient=patient)
        .select_related("rule_version", "reversed_by")
        .order_by("-fired_at", "-pk")[:limit]
    )


def rule_firings_without_task(*, center, since, limit: int = 30) -> list[RuleFiring]:
    """A center's recent firings that raised no task (a nudge, an escalation), so that the
    task list shows every adaptation with its reason (one query)."""
    return list(
        RuleFiring.objects.filter(center=center, fired_at__gte=since, tasks__isnull=True)
        .select_related("rule_version", "patient", "reversed_by")
        .order_by("-fired_at", "-pk")[:limit]
    )
