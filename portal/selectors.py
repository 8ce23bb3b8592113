"""Reads of the patient's own pages: their timeline of sessions and how far each plan has come."""

from dataclasses import dataclass
from datetime import date, datetime

from patients.models import CarePlan
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession
from sessions.selectors import sessions_for_patient


@dataclass
class TimelineDay:
    date: date
    sessions: list[TherapySession]
    is_today: bool


@dataclass
class PlanMilestone:
    """How far one care plan has come: its treatment days and sessions done."""

    plan: CarePlan
    days_done: int
    days_total: int
    sessions_done: int
    sessions_total: int

    @property
    def percent(self) -> int:
        return round(100 * self.sessions_done / self.sessions_total) if self.sessions_total else 0

    @property
    def progress_step(self) -> int:
        # portal.css draws the bar in steps of ten (no inline styles under the CSP).
        return round(self.percent, -1)


@dataclass
class PatientTimeline:
    earlier: list[TimelineDay]  # days before today
    coming: list[TimelineDay]  # today and after
    milestones: list[PlanMilestone]
    next_session: TherapySession | None

    @property
    def session_ids(self) -> list[int]:
        return [s.pk for day in self.earlier + self.coming for s in day.sessions]


def _by_day(sessions: list[TherapySession], zone, today: date) -> list[TimelineDay]:
    days: dict[date, list[TherapySession]] = {}
    for session in sessions:
        days.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    return [TimelineDay(day, day_sessions, day == today) for day, day_sessions in days.items()]


def _milestone(plan: CarePlan, sessions: list[TherapySession], zone) -> PlanMilestone:
    # Cancelled and missed sessions were re-planned or dropped: they count for neither side.
    kept = [s for s in sessions if s.care_plan_id == plan.pk and s.status not in RELEASED_STATUSES]
    treatment_days: dict[date, bool] = {}
    for session in kept:
        day = session.starts_at.astimezone(zone).date()
        done = session.status == SessionStatus.COMPLETED
        treatment_days[day] = treatment_days.get(day, True) and done
    return PlanMilestone(
        plan=plan,
        days_done=sum(treatment_days.values()),
        days_total=len(treatment_days),
        sessions_done=sum(1 for s in kept if s.status == SessionStatus.COMPLETED),
        sessions_total=len(kept),
    )


def patient_timeline(*, patient, now: datetime) -> PatientTimeline:
    """Every session of the patient, by day in their center's zone, with each plan's progress.

    Two queries whatever the patient has booked: the sessions (with therapy, step, room,
    practitioner and plan) and the plans.
    """
    zone = patient.center.tzinfo
    today = now.astimezone(zone).date()
    sessions = list(
        sessions_for_patient(patient=patient).select_related(
            "protocol_step", "care_plan__protocol_version__template"
        )
    )
    plans = list(
        CarePlan.objects.filter(patient=patient)
        .exclude(status__in=[CarePlan.Status.CANCELLED, CarePlan.Status.DRAFT])
        .select_related("protocol_version__template")
        .order_by("start_date", "pk")
    )
    next_session = next(
        (
            s
            for s in sessions
            if s.status not in (*RELEASED_STATUSES, SessionStatus.COMPLETED) and s.ends_at >= now
        ),
        None,
    )
    days = _by_day(sessions, zone, today)
    return PatientTimeline(
        earlier=[day for day in days if day.date < today],
        coming=[day for day in days if day.date >= today],
        milestones=[_milestone(plan, sessions, zone) for plan in plans],
        next_session=next_session,
    )
