"""The progress aggregates and the protocol outcome spread, against figures worked out by hand."""

import datetime
from decimal import Decimal

from clinics.choices import Role
from console.outcomes import Spread, protocol_outcomes, protocols_with_feedback
from portal.selectors import patient_for_progress, patient_progress
from tests.factories import (
    MembershipFactory,
    PatientFactory,
    ProtocolVersionFactory,
    UserFactory,
    local_today_at,
)
from tests.portal.progress_data import BOOKED, CANCELLED, DONE, MISSED, virechana_course

# Day by day: relief, side effects and weight of the course the patient tests share.
COURSE = [
    (DONE, 3, {"nausea": 2}, "64.5"),
    (DONE, 5, {}, "64.0"),
    (MISSED, None, {}, None),
    (DONE, 7, {"nausea": 7, "dizziness": 3}, None),
    (CANCELLED, None, {}, None),
    (DONE, 6, {}, "63.0"),
    (BOOKED, None, {}, None),
]


def test_progress_counts_a_course_as_worked_out_by_hand(
    patient_user, center, practitioner, django_assert_num_queries
):
    patient = patient_user.patient_profile
    virechana_course(center, patient, practitioner, COURSE)

    # Feedback, side effects, plans, weights, MYMOP answers.
    with django_assert_num_queries(5):
        progress = patient_progress(patient=patient)

    (plan,) = progress.plans
    # 7 sessions, the cancelled one re-planned away: 6 planned; 4 done, 1 missed, 1 to come.
    assert (plan.planned, plan.completed, plan.missed, plan.left) == (6, 4, 1, 1)
    assert plan.adherence == 80  # 4 attended of 5 that came due
    assert progress.adherence == 80
    assert [p.relief for p in progress.feedback] == [3, 5, 7, 6]
    assert [p.protocol_day for p in progress.feedback] == [1, 2, 4, 6]
    assert progress.relief_average == Decimal("5.3")  # 21 / 4 = 5.25, rounded half up
    assert progress.feedback[2].side_effects == {"nausea": 7, "dizziness": 3}
    assert progress.side_effects_felt == ["nausea", "dizziness"]
    first_day = local_today_at(center, 9, days=-6).date()
    assert progress.worst_side_effect == ("nausea", 7, first_day + datetime.timedelta(days=3))
    assert [w.kg for w in progress.weights] == [Decimal("64.5"), Decimal("64.0"), Decimal("63.0")]
    assert progress.as_dict()["plans"][0]["adherence"] == 80


def test_progress_of_a_patient_with_nothing_yet_is_empty_not_zero(patient_user):
    progress = patient_progress(patient=patient_user.patient_profile)

    assert progress.feedback == [] and progress.plans == [] and progress.weights == []
    assert progress.adherence is None
    assert progress.relief_average is None
    assert progress.worst_side_effect is None


def test_only_the_patient_and_their_centers_staff_may_read_their_progress(
    patient_user, admin_user, practitioner_user, center, other_center
):
    patient = patient_user.patient_profile
    director = UserFactory()
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    stranger = UserFactory()
    MembershipFactory(user=stranger, center=other_center, role=Role.CENTER_ADMIN)
    neighbour = PatientFactory(center=center, user=UserFactory())

    for reader in (patient_user, admin_user, practitioner_user, director):
        assert patient_for_progress(user=reader, patient_id=patient.pk) == patient
    assert patient_for_progress(user=stranger, patient_id=patient.pk) is None
    assert patient_for_progress(user=neighbour.user, patient_id=patient.pk) is None


def test_spread_matches_percentile_cont():
    # percentile_cont(0.25) of 1, 2, 3, 4 is 1 + 0.75 * (2 - 1) = 1.75, and so on.
    spread = Spread.of([4, 1, 3, 2])
    assert (spread.q1, spread.median, spread.q3) == (Decimal("1.8"), Decimal("2.5"), Decimal("3.3"))
    assert (spread.low, spread.high, spread.count) == (1, 4, 4)
    alone = Spread.of([6])
    assert (alone.q1, alone.median, alone.q3) == (Decimal("6.0"),) * 3


def test_outcomes_spread_scores_by_protocol_day_across_the_protocols_patients(
    center, other_center, practitioner, django_assert_num_queries
):
    version = ProtocolVersionFactory(template__name="Virechana 7 days")
    for hour, days in enumerate(
        (
            [(DONE, 3, {}, None), (DONE, 5, {}, None)],
            [(DONE, 4, {"nausea": 6, "dizziness": 2}, None), (DONE, 8, {}, None)],
            [(DONE, 6, {}, None), (BOOKED, None, {}, None)],
        ),
        start=8,
    ):
        virechana_course(
            center, PatientFactory(center=center), practitioner, days, version=version, hour=hour
        )
    # Neither another center's patients nor another protocol's count.
    virechana_course(
        other_center,
        PatientFactory(center=other_center),
        None,
        [(DONE, 10, {}, None)],
        version=version,
    )
    virechana_course(
        center, PatientFactory(center=center), practitioner, [(DONE, 0, {}, None)], hour=14
    )

    with django_assert_num_queries(1):
        day_1, day_2 = protocol_outcomes(center=center, protocol=version.template)

    # Day 1 relief 3, 4, 6: quartiles at ranks 1.5, 2 and 2.5 -> 3.5, 4, 5.
    assert (day_1.day, day_1.patients, day_1.relief.count) == (1, 3, 3)
    assert (day_1.relief.q1, day_1.relief.median, day_1.relief.q3) == (
        Decimal("3.5"),
        Decimal("4.0"),
        Decimal("5.0"),
    )
    # The worst side effect of each answer: 0, 6 (nausea over dizziness), 0.
    assert (day_1.worst_side_effect.median, day_1.worst_side_effect.q3) == (
        Decimal("0.0"),
        Decimal("3.0"),
    )
    # Day 2 relief 5 and 8: 5.75, 6.5, 7.25, shown to one place rounding half up.
    assert (day_2.day, day_2.patients) == (2, 2)
    assert (day_2.relief.q1, day_2.relief.median, day_2.relief.q3) == (
        Decimal("5.8"),
        Decimal("6.5"),
        Decimal("7.3"),
    )
    # Both protocols answered at this center are offered; the other center's answers are not.
    offered = list(protocols_with_feedback(center=center))
    assert len(offered) == 2 and version.template in offered
