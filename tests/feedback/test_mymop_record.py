"""Saving MYMOP answers: names kept from the first, refusals in words, and MYMOP rules."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback.models import AdaptationRule, ClinicianTask, MymopAnswer, RuleFiring
from feedback.selectors import mymop_due
from feedback.services import adaptation_rules_run, mymop_record
from patients.models import CarePlan
from sessions.models import SessionStatus
from tests.factories import (
    AdaptationRuleFactory,
    CarePlanFactory,
    TherapySessionFactory,
    local_today_at,
)

pytestmark = pytest.mark.django_db


def _intake(patient, **scores):
    values = {"symptom_1": 4, "symptom_2": 3, "activity": 5, "wellbeing": 2, **scores}
    return mymop_record(
        patient=patient,
        kind=MymopAnswer.Kind.INTAKE,
        symptom_1_name="Back pain",
        symptom_2_name="Poor sleep",
        activity_name="Walking to the market",
        **values,
    )


def test_an_answer_is_saved_with_its_profile_score(patient):
    answer = _intake(patient)

    answer.refresh_from_db()
    # (4 + 3 + 5 + 2) / 4 = 3.5
    assert answer.profile == Decimal("3.50")
    assert (answer.symptom_1_name, answer.symptom_2_name) == ("Back pain", "Poor sleep")
    assert answer.activity_name == "Walking to the market"


def test_later_answers_keep_the_first_answers_names(patient):
    _intake(patient)

    weekly = mymop_record(
        patient=patient,
        kind=MymopAnswer.Kind.WEEKLY,
        symptom_1=2,
        symptom_2=2,
        activity=3,
        wellbeing=1,
        symptom_1_name="Headache",
        symptom_2_name="",
    )

    assert (weekly.symptom_1_name, weekly.symptom_2_name) == ("Back pain", "Poor sleep")
    assert weekly.activity_name == "Walking to the market"
    assert weekly.profile == Decimal("2.00")


def test_optional_items_left_out_give_the_mean_of_those_answered(patient):
    answer = mymop_record(
        patient=patient,
        kind=MymopAnswer.Kind.INTAKE,
        symptom_1_name="Back pain",
        symptom_1=5,
        wellbeing=2,
    )
    # (5 + 2) / 2
    assert answer.profile == Decimal("3.50")
    assert answer.symptom_2 is None and answer.activity is None


@pytest.mark.parametrize(
    ("scores", "words"),
    [
        ({"symptom_1": 7}, "Choose a score for Back pain from 0 (as good as it could be) to 6"),
        ({"wellbeing": -1}, "Choose a score for your wellbeing from 0"),
        ({"activity": 9}, "Choose a score for Walking to the market from 0"),
        ({"symptom_2": True}, "Choose a score for Poor sleep from 0"),
        ({"symptom_1": "3"}, "Choose a score for Back pain from 0"),
    ],
)
def test_out_of_range_scores_are_refused_in_words_and_nothing_is_saved(patient, scores, words):
    with pytest.raises(ValidationError) as refusal:
        _intake(patient, **scores)

    assert words in refusal.value.messages[0]
    assert not MymopAnswer.objects.exists()


def test_a_first_answer_without_a_symptom_named_is_refused(patient):
    with pytest.raises(ValidationError, match="Name the symptom that bothers you most"):
        mymop_record(patient=patient, kind="intake", symptom_1=3, wellbeing=3)
    assert not MymopAnswer.objects.exists()


def test_a_second_symptom_scored_without_a_name_is_refused(patient):
    with pytest.raises(ValidationError, match="Name the second symptom"):
        mymop_record(
            patient=patient,
            kind="intake",
            symptom_1_name="Pain",
            symptom_1=3,
            symptom_2=2,
            wellbeing=3,
        )
    assert not MymopAnswer.objects.exists()


def test_an_unknown_kind_is_refused(patient):
    with pytest.raises(ValidationError, match="not a MYMOP form we ask"):
        mymop_record(
            patient=patient, kind="monthly", symptom_1_name="Pain", symptom_1=3, wellbeing=3
        )
    assert not MymopAnswer.objects.exists()


@pytest.fixture
def worsening_rule(db):
    return AdaptationRuleFactory(
        name="MYMOP worse by a point",
        measure=AdaptationRule.Measure.MYMOP,
        symptom="",
        comparison=AdaptationRule.Comparison.ROSE_BY,
        threshold=1,
        actions=[AdaptationRule.Action.ALERT_CLINICIAN],
    )


def _weekly(patient, **scores):
    return mymop_record(patient=patient, kind=MymopAnswer.Kind.WEEKLY, **scores)


# Intake profile (2 + 2 + 2 + 2) / 4 = 2.00; each follow-up's profile is hand-computed.
@pytest.mark.parametrize(
    ("follow_up", "profile", "tasks"),
    [
        ({"symptom_1": 3, "symptom_2": 3, "activity": 3, "wellbeing": 2}, "2.75", 0),
        ({"symptom_1": 3, "symptom_2": 3, "activity": 3, "wellbeing": 3}, "3.00", 1),
        ({"symptom_1": 6, "symptom_2": 6, "activity": 6, "wellbeing": 6}, "6.00", 1),
        ({"symptom_1": 1, "symptom_2": 1, "activity": 1, "wellbeing": 1}, "1.00", 0),
    ],
    ids=["worse-by-0.75", "worse-by-1.00", "worse-by-4", "better"],
)
def test_a_profile_worse_by_one_point_raises_a_clinician_task(
    worsening_rule, patient, follow_up, profile, tasks
):
    _intake(patient, symptom_1=2, symptom_2=2, activity=2, wellbeing=2)

    answer = _weekly(patient, **follow_up)

    assert answer.profile == Decimal(profile)
    assert ClinicianTask.objects.count() == tasks
    if tasks:
        task = ClinicianTask.objects.get()
        assert task.patient == patient and task.session is None
        assert task.title == "Call Meera Iyer: MYMOP worse by a point"
        assert task.detail == f"MYMOP profile {profile}/6 (Weekly). 2.00/6 the time before."
        firing = RuleFiring.objects.get()
        assert firing.trigger["previous_answer"] is not None
        assert "MYMOP profile rose by at least 1/6 since the MYMOP answer before" in firing.reason


def test_the_first_answer_has_nothing_to_compare_and_fires_no_trend(worsening_rule, patient):
    _intake(patient, symptom_1=6, symptom_2=6, activity=6, wellbeing=6)
    assert not ClinicianTask.objects.exists()


def test_the_trend_compares_with_the_answer_just_before(worsening_rule, patient):
    _intake(patient, symptom_1=2, symptom_2=2, activity=2, wellbeing=2)  # 2.00
    _weekly(patient, symptom_1=3, symptom_2=2, activity=2, wellbeing=2)  # 2.25: +0.25
    _weekly(patient, symptom_1=3, symptom_2=3, activity=3, wellbeing=2)  # 2.75: +0.50

    assert not ClinicianTask.objects.exists()


def test_a_threshold_rule_fires_on_the_profile_itself(patient):
    AdaptationRuleFactory(
        name="MYMOP 5 or worse",
        measure=AdaptationRule.Measure.MYMOP,
        symptom="",
        comparison=AdaptationRule.Comparison.GTE,
        threshold=5,
        actions=[AdaptationRule.Action.ALERT_CLINICIAN],
    )
    _intake(patient, symptom_1=5, symptom_2=5, activity=5, wellbeing=4)  # 4.75
    assert not ClinicianTask.objects.exists()
    _weekly(patient, symptom_1=5, symptom_2=5, activity=5, wellbeing=5)  # 5.00
    assert ClinicianTask.objects.count() == 1


def test_mymop_is_due_at_intake_then_weekly_then_at_discharge(patient, center, practitioner):
    now = timezone.now()
    assert mymop_due(patient=patient, now=now).kind == "intake"

    mymop_record(
        patient=patient,
        kind="intake",
        symptom_1_name="Pain",
        symptom_1=3,
        wellbeing=3,
        now=now - timedelta(days=8),
    )
    assert mymop_due(patient=patient, now=now) is None  # no plan under way

    plan = CarePlanFactory(
        patient=patient,
        status=CarePlan.Status.SCHEDULED,
        start_date=now.astimezone(center.tzinfo).date() - timedelta(days=3),
    )
    sessions = [
        TherapySessionFactory(
            center=center,
            patient=patient,
            practitioner=practitioner,
            care_plan=plan,
            starts_at=local_today_at(center, 9, days=day),
            status=status,
        )
        for day, status in ((-2, SessionStatus.COMPLETED), (1, SessionStatus.SCHEDULED))
    ]
    due = mymop_due(patient=patient, now=now)
    assert (due.kind, due.care_plan) == ("weekly", plan)

    _weekly(patient, symptom_1=2, wellbeing=2, now=now - timedelta(days=6))
    assert mymop_due(patient=patient, now=now) is None  # answered this week

    sessions[1].status = SessionStatus.COMPLETED
    sessions[1].save()
    due = mymop_due(patient=patient, now=now)
    assert (due.kind, due.care_plan) == ("discharge", plan)

    mymop_record(
        patient=patient, kind="discharge", care_plan=plan, symptom_1=1, wellbeing=1, now=now
    )
    assert mymop_due(patient=patient, now=now) is None


def test_the_daily_run_applies_a_rule_added_after_the_answers_once(patient):
    now = timezone.now()
    _intake(patient, symptom_1=2, symptom_2=2, activity=2, wellbeing=2)  # 2.00, no rule yet
    mymop_record(
        patient=patient,
        kind="weekly",
        symptom_1=3,
        symptom_2=3,
        activity=3,
        wellbeing=3,
        now=now + timedelta(minutes=1),
    )  # 3.00
    AdaptationRuleFactory(
        name="MYMOP worse by a point",
        measure=AdaptationRule.Measure.MYMOP,
        symptom="",
        comparison=AdaptationRule.Comparison.ROSE_BY,
        threshold=1,
        actions=[AdaptationRule.Action.ALERT_CLINICIAN],
    )

    first = adaptation_rules_run(now=now + timedelta(hours=1))
    again = adaptation_rules_run(now=now + timedelta(hours=2))

    assert first.status == "succeeded" and first.fired == 1
    assert again.fired == 0
    assert ClinicianTask.objects.count() == 1
