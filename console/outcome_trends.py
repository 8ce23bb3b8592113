"""Reads of the outcome trends dashboard: every protocol's relief, side effects and MYMOP profile
over its days, complications per protocol step, and how long patients wait from a care plan's
creation to its first session. Each is one grouped query, whatever the data size."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Avg,
    Count,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from clinics.models import Center
from feedback.models import MymopAnswer, SessionFeedback, SymptomScore
from patients.models import CarePlan
from sessions.models import Incident, SessionStatus, TherapySession
from sessions.selectors import local_day_bounds

# A side effect scored this high (of 10) counts as a complication of the session.
SIDE_EFFECT_COMPLICATION_SCORE = 7
# Sessions that took place: a complication can only come from one of these.
HELD_STATUSES = (SessionStatus.IN_SESSION, SessionStatus.RECOVERY, SessionStatus.COMPLETED)


class DaysBetween(Func):
    """Whole days from one date to a later one (negative when it is earlier)."""

    output_field = IntegerField()
    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS integer)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


@dataclass
class TrendPoint:
    protocol: str
    protocol_pk: int
    day: int  # 1 = the plan's first day
    answers: int
    mean: float | None
    second_mean: float | None = None  # the strongest side effect, beside relief


@dataclass
class StepComplications:
    protocol: str
    step: str
    day: int
    held: int
    with_incident: int
    with_side_effect: int
    complicated: int  # with either; a session with both counts once

    @property
    def rate(self) -> float | None:
        return round(100 * self.complicated / self.held, 1) if self.held else None


# Waiting times, from the care plan's creation to its first session's start.
WAIT_BUCKETS = (
    ("0", _("Under a day"), timedelta(days=1)),
    ("1-2", _("1–2 days"), timedelta(days=3)),
    ("3-7", _("3–7 days"), timedelta(days=8)),
    ("8-14", _("8–14 days"), timedelta(days=15)),
    ("15-30", _("15–30 days"), timedelta(days=31)),
    ("31+", _("Over 30 days"), None),
)
NOT_BOOKED = "none"
NOT_BOOKED_LABEL = _("No session booked yet")


@dataclass
class WaitRow:
    protocol: str
    counts: dict[str, int]  # bucket key → care plans

    @property
    def plans(self) -> int:
        return sum(self.counts.values())


def _one(value) -> float | None:
    return None if value is None else round(float(value), 1)


def symptom_trends(*, center: Center, first_day: date, last_day: date) -> list[TrendPoint]:
    """Mean relief and mean strongest side effect (0 when none was felt) per protocol and
    protocol day, over answered sessions that started in the days."""
    starts, _unused = local_day_bounds(first_day, center.timezone)
    _unused, ends = local_day_bounds(last_day, center.timezone)
    worst = (
        SymptomScore.objects.filter(feedback=OuterRef("pk"))
        .values("feedback")
        .annotate(worst=Max("score"))
        .values("worst")
    )
    rows = (
        SessionFeedback.objects.filter(
            session__center=center,
            session__starts_at__gte=starts,
            session__starts_at__lt=ends,
            session__care_plan__isnull=False,
            session__protocol_step__isnull=False,
        )
        .annotate(worst=Coalesce(Subquery(worst), 0))
        .values(
            "session__care_plan__protocol_version__template__name",
            "session__care_plan__protocol_version__template",
            "session__protocol_step__day_offset",
        )
        .annotate(answers=Count("pk"), relief=Avg("symptom_relief"), side=Avg("worst"))
        .order_by(
            "session__care_plan__protocol_version__template__name",
            "session__protocol_step__day_offset",
        )
    )
    return [
        TrendPoint(
            protocol=row["session__care_plan__protocol_version__template__name"],
            protocol_pk=row["session__care_plan__protocol_version__template"],
            day=row["session__protocol_step__day_offset"] + 1,
            answers=row["answers"],
            mean=_one(row["relief"]),
            second_mean=_one(row["side"]),
        )
        for row in rows
    ]


def mymop_trends(*, center: Center, first_day: date, last_day: date) -> list[TrendPoint]:
    """Mean MYMOP profile (0 best … 6 worst) per protocol and day of the plan it was answered
    in (the plan's start date is day 1; answers before it are day 0 or less)."""
    starts, _unused = local_day_bounds(first_day, center.timezone)
    _unused, ends = local_day_bounds(last_day, center.timezone)
    rows = (
        MymopAnswer.objects.filter(
            patient__center=center,
            care_plan__isnull=False,
            answered_at__gte=starts,
            answered_at__lt=ends,
        )
        .annotate(
            day=DaysBetween(
                TruncDate("answered_at", tzinfo=center.tzinfo), F("care_plan__start_date")
            )
            + 1
        )
        .values(
            "care_plan__protocol_version__template__name",
            "care_plan__protocol_version__template",
            "day",
        )
        .annotate(answers=Count("pk"), profile=Avg("profile"))
        .order_by("care_plan__protocol_version__template__name", "day")
    )
    return [
        TrendPoint(
            protocol=row["care_plan__protocol_version__template__name"],
            protocol_pk=row["care_plan__protocol_version__template"],
            day=row["day"],
            answers=row["answers"],
            mean=_one(row["profile"]),
        )
        for row in rows
    ]


def complications_by_step(
    *, center: Center, first_day: date, last_day: date
) -> list[StepComplications]:
    """Per protocol and step code (any version): sessions held in the days, those with an
    incident that was not a near miss, those whose feedback scored a side effect at or above
    SIDE_EFFECT_COMPLICATION_SCORE, and those with either."""
    starts, _unused = local_day_bounds(first_day, center.timezone)
    _unused, ends = local_day_bounds(last_day, center.timezone)
    # Incidents and strong side-effect scores are small sets, each read once (PostgreSQL hashes
    # an uncorrelated IN), and a session has at most one feedback: no join repeats a session,
    # so no count needs DISTINCT and its sort. Over a busy year EXISTS run for each of 36,000
    # sessions took 1.6 s, joins to incidents and scores counted distinct 0.17 s.
    incident = Q(pk__in=Incident.objects.filter(near_miss=False).values("session_id"))
    side_effect = Q(
        feedback__pk__in=SymptomScore.objects.filter(
            score__gte=SIDE_EFFECT_COMPLICATION_SCORE
        ).values("feedback_id")
    )
    rows = (
        TherapySession.objects.filter(
            center=center,
            starts_at__gte=starts,
            starts_at__lt=ends,
            care_plan__isnull=False,
            protocol_step__isnull=False,
            status__in=HELD_STATUSES,
        )
        .values("care_plan__protocol_version__template__name", "protocol_step__code")
        .annotate(
            day=Min("protocol_step__day_offset"),
            held=Count("pk"),
            with_incident=Count("pk", filter=incident),
            with_side_effect=Count("pk", filter=side_effect),
            complicated=Count("pk", filter=incident | side_effect),
        )
        .order_by("care_plan__protocol_version__template__name", "day", "protocol_step__code")
    )
    return [
        StepComplications(
            protocol=row["care_plan__protocol_version__template__name"],
            step=row["protocol_step__code"],
            day=row["day"] + 1,
            held=row["held"],
            with_incident=row["with_incident"],
            with_side_effect=row["with_side_effect"],
            complicated=row["complicated"],
        )
        for row in rows
    ]


class WholeDaysAfter(Func):
    """Whole days (floored) from the second timestamp to the first; NULL when the first is."""

    output_field = IntegerField()
    arity = 2
    template = "CAST(floor(extract(epoch FROM (%(expressions)s)) / 86400) AS integer)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(floor(julianday(%(expressions)s)) AS integer)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _wait_bucket(days: int | None) -> str:
    """The bucket of a wait of `days` whole days (floored), NOT_BOOKED for none."""
    if days is None:
        return NOT_BOOKED
    for key, _label, limit in WAIT_BUCKETS:
        # Whole days d, floored: the wait is under `limit` (whole days) exactly when d is.
        if limit is None or days < limit.days:
            return key
    return WAIT_BUCKETS[-1][0]


def _waits(plans, group_by: str) -> list[WaitRow]:
    """`plans` (not cancelled) grouped by `group_by` and by how long from each plan's creation
    to the start of its first session that was not cancelled, in one grouped query."""
    first_start = Subquery(
        TherapySession.objects.filter(care_plan=OuterRef("pk"))
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    # Grouped by whole days of wait, then put in buckets here: the first session's start is
    # looked up once a plan (a CASE of the buckets looked it up once per bucket, six times).
    rows = (
        plans.exclude(status=CarePlan.Status.CANCELLED)
        .annotate(days=WholeDaysAfter(first_start, F("created_at")))
        .values(group_by, "days")
        .annotate(plans=Count("pk"))
        .order_by(group_by, "days")
    )
    by_group: dict[str, WaitRow] = {}
    for row in rows:
        wait_row = by_group.setdefault(row[group_by], WaitRow(protocol=row[group_by], counts={}))
        bucket = _wait_bucket(row["days"])
        wait_row.counts[bucket] = wait_row.counts.get(bucket, 0) + row["plans"]
    return list(by_group.values())


def booking_to_start(*, center: Center, first_day: date, last_day: date) -> list[WaitRow]:
    """Care plans of the center's patients created in the days, per protocol, counted by how
    long they waited for their first session."""
    starts, _unused = local_day_bounds(first_day, center.timezone)
    _unused, ends = local_day_bounds(last_day, center.timezone)
    plans = CarePlan.objects.filter(
        patient__center=center, created_at__gte=starts, created_at__lt=ends
    )
    return _waits(plans, "protocol_version__template__name")


def booking_to_start_by_center(
    *, centers: list[Center], first_day: date, last_day: date
) -> list[WaitRow]:
    """The same waits, all protocols together, center by center (each its own local days):
    what a medical director of several centers compares. WaitRow.protocol holds the center."""
    created_in_days = Q(pk__in=[])
    for center in centers:
        starts, _unused = local_day_bounds(first_day, center.timezone)
        _unused, ends = local_day_bounds(last_day, center.timezone)
        created_in_days |= Q(patient__center=center, created_at__gte=starts, created_at__lt=ends)
    return _waits(CarePlan.objects.filter(created_in_days), "patient__center__name")


def wait_columns() -> list[tuple[str, str]]:
    """The waiting-time columns in order, with their labels: the buckets, then not booked."""
    return [(key, str(label)) for key, label, _limit in WAIT_BUCKETS] + [
        (NOT_BOOKED, str(NOT_BOOKED_LABEL))
    ]
