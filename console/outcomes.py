"""Reads of the protocol outcome view: patients' scores by protocol day, with their spread."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import quantiles

from django.db.models import Max, QuerySet

from clinics.models import Center
from feedback.models import SessionFeedback
from patients.models import CarePlan, Patient
from protocols.models import ProtocolTemplate

_TENTHS = Decimal("0.1")


@dataclass(frozen=True)
class Spread:
    """Median and quartiles of some scores, as PostgreSQL's percentile_cont would give them
    (linear between the nearest ranks), to one decimal place."""

    count: int
    q1: Decimal
    median: Decimal
    q3: Decimal
    low: int
    high: int

    @classmethod
    def of(cls, scores: list[int]) -> "Spread":
        ordered = sorted(scores)
        if len(ordered) == 1:
            cuts = [ordered[0]] * 3
        else:
            # "inclusive" treats the scores as the whole population: the quartiles of 1, 2, 3,
            # 4 are 1.75, 2.5 and 3.25, the same as percentile_cont(0.25/0.5/0.75).
            cuts = quantiles(ordered, n=4, method="inclusive")
        q1, median, q3 = (Decimal(str(c)).quantize(_TENTHS, rounding=ROUND_HALF_UP) for c in cuts)
        return cls(len(ordered), q1, median, q3, ordered[0], ordered[-1])


@dataclass(frozen=True)
class ProtocolDayOutcome:
    """One protocol day across the protocol's patients: relief and the worst side effect."""

    day: int  # 1 = the plan's first day
    patients: int
    relief: Spread
    worst_side_effect: Spread


def protocols_with_feedback(*, center: Center) -> QuerySet[ProtocolTemplate]:
    """Protocols with at least one answered session of the center's patients, by name."""
    return ProtocolTemplate.objects.filter(
        versions__care_plans__sessions__center=center,
        versions__care_plans__sessions__feedback__isnull=False,
    ).distinct()


def protocol_outcomes(*, center: Center, protocol: ProtocolTemplate) -> list[ProtocolDayOutcome]:
    """The center's answered sessions of `protocol` (any version), grouped by protocol day.

    One query: each answer's day, patient, relief and highest side-effect score (0 when none
    was felt, as the feedback page keeps only those felt); the spread is worked out here so
    that the same figures come from PostgreSQL and the SQLite demo.
    """
    rows = (
        SessionFeedback.objects.filter(
            session__center=center,
            session__care_plan__protocol_version__template=protocol,
            session__protocol_step__isnull=False,
        )
        .values("pk", "session__protocol_step__day_offset", "patient_id", "symptom_relief")
        .annotate(worst=Max("symptom_scores__score"))
        .order_by("session__protocol_step__day_offset")
    )
    by_day: dict[int, list[dict]] = {}
    for row in rows:
        by_day.setdefault(row["session__protocol_step__day_offset"] + 1, []).append(row)
    return [
        ProtocolDayOutcome(
            day=day,
            patients=len({row["patient_id"] for row in answers}),
            relief=Spread.of([row["symptom_relief"] for row in answers]),
            worst_side_effect=Spread.of([row["worst"] or 0 for row in answers]),
        )
        for day, answers in by_day.items()
    ]


def patients_on_protocol(*, center: Center, protocol: ProtocolTemplate) -> QuerySet[Patient]:
    """The center's patients with a care plan of `protocol` that is not cancelled, by name."""
    return (
        # One filter() call, so that the protocol and the status hold for the same plan.
        Patient.objects.filter(
            center=center,
            care_plans__protocol_version__template=protocol,
            care_plans__status__in=[
                s for s in CarePlan.Status.values if s != CarePlan.Status.CANCELLED
            ],
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )
