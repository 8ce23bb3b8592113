"""A patient's Virechana course with answered sessions, for the progress tests to share."""

from decimal import Decimal

from patients.models import CarePlan
from sessions.models import SessionStatus
from tests.factories import (
    CarePlanFactory,
    ProtocolVersionFactory,
    SessionFeedbackFactory,
    SymptomScoreFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    VitalsReadingFactory,
    local_today_at,
)


def virechana_course(center, patient, practitioner, days, *, version=None, start=-6, hour=9):
    """One care plan of a 7-day course starting `start` days from today, one session a day.

    `days` holds, per protocol day, (status, relief or None, {side effect: score}, weight kg or
    None); a relief makes the session answered. Each patient of one practitioner needs their
    own `hour`. Returns the plan.
    """
    therapy = TherapyTypeFactory(code="virechana", name="Virechana", name_hi="विरेचन")
    version = version or ProtocolVersionFactory(template__name="Virechana 7 days")
    plan = CarePlanFactory(
        patient=patient,
        protocol_version=version,
        start_date=local_today_at(center, 9, days=start).date(),
        status=CarePlan.Status.ACTIVE,
    )
    for offset, (status, relief, side_effects, weight) in enumerate(days):
        step, _created = version.steps.get_or_create(
            day_offset=offset,
            defaults={
                "order": offset + 1,
                "code": f"d{offset + 1}",
                "therapy": therapy,
            },
        )
        session = TherapySessionFactory(
            center=center,
            patient=patient,
            practitioner=practitioner,
            therapy=therapy,
            care_plan=plan,
            protocol_step=step,
            starts_at=local_today_at(center, hour, days=start + offset),
            status=status,
        )
        if relief is not None:
            feedback = SessionFeedbackFactory(session=session, symptom_relief=relief)
            for symptom, score in side_effects.items():
                SymptomScoreFactory(feedback=feedback, symptom=symptom, score=score)
        if weight is not None:
            VitalsReadingFactory(
                session=session, weight_kg=Decimal(weight), recorded_at=session.starts_at
            )
    return plan


DONE = SessionStatus.COMPLETED
MISSED = SessionStatus.NO_SHOW
CANCELLED = SessionStatus.CANCELLED
BOOKED = SessionStatus.SCHEDULED
