"""Reads of the patient's pages: their timeline, how far each plan has come, their progress."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from clinics.access import centers_for
from clinics.choices import Role
from feedback.choices import Symptom
from feedback.models import MymopAnswer, SessionFeedback, SymptomScore
from notifications.playbook import NotificationEvent
from notifications.services import playbook_texts
from patients.models import CarePlan, Patient
from sessions.models import RELEASED_STATUSES, SessionStatus, TherapySession, VitalsReading
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

    @property
    def sessions_left(self) -> int:
        return self.sessions_total - self.sessions_done


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


def plan_milestone(plan: CarePlan, sessions: list[TherapySession], zone) -> PlanMilestone:
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
        milestones=[plan_milestone(plan, sessions, zone) for plan in plans],
        next_session=next_session,
    )


@dataclass
class PlanProgress:
    """One care plan's sessions counted in SQL: planned (not cancelled), done and missed."""

    plan_id: int
    protocol: str
    start_date: date
    planned: int
    completed: int
    missed: int

    @property
    def left(self) -> int:
        return self.planned - self.completed - self.missed

    @property
    def adherence(self) -> int | None:
        """Sessions attended among those that came due and were decided (attended or missed)."""
        decided = self.completed + self.missed
        return round(100 * self.completed / decided) if decided else None


@dataclass
class FeedbackPoint:
    """One answered session: when, which therapy and protocol day, relief and side effects."""

    session_id: int
    day: date
    starts_at: datetime  # in the center's zone, to tell two sessions of one day apart
    therapy: str
    therapy_hi: str
    protocol_day: int | None
    relief: int
    side_effects: dict[str, int]


@dataclass
class WeightPoint:
    day: date
    recorded_at: datetime  # in the center's zone
    kg: Decimal


@dataclass
class MymopPoint:
    """One MYMOP answer: its profile score and items (0 best … 6 worst) and what they name."""

    answered_at: datetime  # in the center's zone
    day: date
    kind: str
    profile: Decimal
    symptom_1_name: str
    symptom_1: int
    symptom_2_name: str
    symptom_2: int | None
    activity_name: str
    activity: int | None
    wellbeing: int


@dataclass
class PatientProgress:
    """The aggregates behind the progress charts and GET /api/progress/<patient_id>."""

    patient: Patient
    feedback: list[FeedbackPoint]
    plans: list[PlanProgress]
    weights: list[WeightPoint]
    mymop: list[MymopPoint]

    @property
    def mymop_change(self) -> Decimal | None:
        """First profile minus the latest (MYMOP's sign: positive is better); None under two."""
        if len(self.mymop) < 2:
            return None
        return self.mymop[0].profile - self.mymop[-1].profile

    @property
    def completed(self) -> int:
        return sum(plan.completed for plan in self.plans)

    @property
    def missed(self) -> int:
        return sum(plan.missed for plan in self.plans)

    @property
    def adherence(self) -> int | None:
        decided = self.completed + self.missed
        return round(100 * self.completed / decided) if decided else None

    @property
    def relief_average(self) -> Decimal | None:
        if not self.feedback:
            return None
        mean = Decimal(sum(p.relief for p in self.feedback)) / len(self.feedback)
        return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def side_effects_felt(self) -> list[str]:
        """The side effects ever scored above 0, in the order the feedback page asks them."""
        felt = {name for p in self.feedback for name, score in p.side_effects.items() if score}
        return [s.value for s in Symptom if s.value in felt]

    @property
    def worst_side_effect(self) -> tuple[str, int, date] | None:
        """The highest side-effect score given, its symptom and day (the latest of equals)."""
        worst = None
        for point in self.feedback:
            for name, score in point.side_effects.items():
                if score and (worst is None or score >= worst[1]):
                    worst = (name, score, point.day)
        return worst

    def as_dict(self) -> dict:
        """Plain figures for the API and the charts' json_script block."""
        return {
            "patient": self.patient.pk,
            "adherence": self.adherence,
            "sessions_completed": self.completed,
            "sessions_missed": self.missed,
            "relief_average": None if self.relief_average is None else str(self.relief_average),
            "feedback": [
                {
                    "session": p.session_id,
                    "day": p.day.isoformat(),
                    "therapy": p.therapy,
                    "protocol_day": p.protocol_day,
                    "relief": p.relief,
                    "side_effects": p.side_effects,
                }
                for p in self.feedback
            ],
            "plans": [
                {
                    "plan": plan.plan_id,
                    "protocol": plan.protocol,
                    "start_date": plan.start_date.isoformat(),
                    "planned": plan.planned,
                    "completed": plan.completed,
                    "missed": plan.missed,
                    "left": plan.left,
                    "adherence": plan.adherence,
                }
                for plan in self.plans
            ],
            "weights": [{"day": w.day.isoformat(), "kg": str(w.kg)} for w in self.weights],
            "mymop_change": None if self.mymop_change is None else str(self.mymop_change),
            "mymop": [
                {
                    "answered_at": m.answered_at.isoformat(),
                    "day": m.day.isoformat(),
                    "kind": m.kind,
                    "profile": str(m.profile),
                    "symptom_1_name": m.symptom_1_name,
                    "symptom_1": m.symptom_1,
                    "symptom_2_name": m.symptom_2_name,
                    "symptom_2": m.symptom_2,
                    "activity_name": m.activity_name,
                    "activity": m.activity,
                    "wellbeing": m.wellbeing,
                }
                for m in self.mymop
            ],
        }


def patient_progress(*, patient: Patient) -> PatientProgress:
    """A patient's relief and side effects per answered session, sessions planned, done and
    missed per care plan, weights from session vitals, and MYMOP answers: five queries
    whatever the size."""
    zone = patient.center.tzinfo
    answers = (
        SessionFeedback.objects.filter(patient=patient)
        .values(
            "session_id",
            "session__starts_at",
            "session__therapy__name",
            "session__therapy__name_hi",
            "session__protocol_step__day_offset",
            "symptom_relief",
        )
        .order_by("session__starts_at", "session_id")
    )
    side_effects: dict[int, dict[str, int]] = {}
    for row in SymptomScore.objects.filter(feedback__patient=patient).values(
        "feedback__session_id", "symptom", "score"
    ):
        side_effects.setdefault(row["feedback__session_id"], {})[row["symptom"]] = row["score"]
    feedback = [
        FeedbackPoint(
            session_id=row["session_id"],
            day=row["session__starts_at"].astimezone(zone).date(),
            starts_at=row["session__starts_at"].astimezone(zone),
            therapy=row["session__therapy__name"],
            therapy_hi=row["session__therapy__name_hi"],
            protocol_day=(
                None
                if row["session__protocol_step__day_offset"] is None
                else row["session__protocol_step__day_offset"] + 1
            ),
            relief=row["symptom_relief"],
            side_effects=side_effects.get(row["session_id"], {}),
        )
        for row in answers
    ]
    plans = [
        PlanProgress(
            plan_id=row["care_plan_id"],
            protocol=row["care_plan__protocol_version__template__name"],
            start_date=row["care_plan__start_date"],
            planned=row["planned"],
            completed=row["completed"],
            missed=row["missed"],
        )
        for row in TherapySession.objects.filter(patient=patient, care_plan__isnull=False)
        .exclude(care_plan__status=CarePlan.Status.CANCELLED)
        .values(
            "care_plan_id",
            "care_plan__protocol_version__template__name",
            "care_plan__start_date",
        )
        .annotate(
            planned=Count("pk", filter=~Q(status=SessionStatus.CANCELLED)),
            completed=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
            missed=Count("pk", filter=Q(status=SessionStatus.NO_SHOW)),
        )
        .order_by("care_plan__start_date", "care_plan_id")
    ]
    weights = [
        WeightPoint(
            day=row["recorded_at"].astimezone(zone).date(),
            recorded_at=row["recorded_at"].astimezone(zone),
            kg=row["weight_kg"],
        )
        for row in VitalsReading.objects.filter(session__patient=patient, weight_kg__isnull=False)
        .values("recorded_at", "weight_kg")
        .order_by("recorded_at", "pk")
    ]
    mymop = [
        MymopPoint(
            answered_at=answer.answered_at.astimezone(zone),
            day=answer.answered_at.astimezone(zone).date(),
            kind=answer.kind,
            profile=answer.profile,
            symptom_1_name=answer.symptom_1_name,
            symptom_1=answer.symptom_1,
            symptom_2_name=answer.symptom_2_name,
            symptom_2=answer.symptom_2,
            activity_name=answer.activity_name,
            activity=answer.activity,
            wellbeing=answer.wellbeing,
        )
        for answer in MymopAnswer.objects.filter(patient=patient).order_by("answered_at", "pk")
    ]
    return PatientProgress(
        patient=patient, feedback=feedback, plans=plans, weights=weights, mymop=mymop
    )


# Who may read a patient's progress besides the patient: the staff of the patient's center.
PROGRESS_STAFF_ROLES = (Role.CENTER_ADMIN, Role.MEDICAL_DIRECTOR, Role.PRACTITIONER)


def patient_for_progress(*, user, patient_id: int, include_own: bool = True) -> Patient | None:
    """The patient, when `user` is on the staff of their center or (with `include_own`) is
    that patient; else None (one query), so that someone else's patient reads like one that
    does not exist."""
    if not user.is_authenticated:
        return None
    readable = Q(center__in=centers_for(user, roles=PROGRESS_STAFF_ROLES))
    if include_own:
        readable |= Q(user=user)
    return Patient.objects.filter(readable, pk=patient_id).select_related("center").first()


@dataclass
class Guidance:
    """One playbook message that applies to the patient today, as the reminder words it."""

    title: str
    body: str


# Today's guidance: the reminders' texts for a session later today or tomorrow, and the
# after-care ones for a session done today. The day after's check-in asks for a reply, and
# the next morning's (T+24h) is tomorrow's guidance, not today's.
BEFORE_TODAY = (NotificationEvent.PRE_2H,)
BEFORE_TOMORROW = (NotificationEvent.PRE_24H,)
AFTER_TODAY = (NotificationEvent.POST_1H, NotificationEvent.POST_2H, NotificationEvent.POST_12H)


def _playbook_guidance(session: TherapySession, events, *, locale: str, zone) -> list[Guidance]:
    return [
        Guidance(title=title, body=body)
        for title, body in playbook_texts(session, events, locale=locale, zone=zone)
    ]


def todays_guidance(
    *, sessions: list[TherapySession], now: datetime, zone, locale: str
) -> tuple[list[Guidance], list[Guidance]]:
    """What the playbook tells the patient for today: (before a session, after one).

    `sessions` are the patient's, oldest first, with their care plan's protocol version
    joined; one query for each session spoken of (at most two).
    """
    today = now.astimezone(zone).date()
    coming = next(
        (
            s
            for s in sessions
            if s.status == SessionStatus.SCHEDULED
            and s.starts_at > now
            and (s.starts_at.astimezone(zone).date() - today).days <= 1
        ),
        None,
    )
    before = []
    if coming is not None:
        is_today = coming.starts_at.astimezone(zone).date() == today
        events = BEFORE_TODAY if is_today else BEFORE_TOMORROW
        before = _playbook_guidance(coming, events, locale=locale, zone=zone)
    done_today = [
        s
        for s in sessions
        if s.status == SessionStatus.COMPLETED and s.starts_at.astimezone(zone).date() == today
    ]
    after = (
        _playbook_guidance(done_today[-1], AFTER_TODAY, locale=locale, zone=zone)
        if done_today
        else []
    )
    return before, after
