"""MYMOP profile scores and changes, against sums worked out by hand."""

from decimal import Decimal

import pytest

from feedback.mymop import MymopAnswers, mymop_change, mymop_profile_score


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # (5 + 4 + 3 + 4) / 4 = 16 / 4
        (MymopAnswers(symptom_1=5, symptom_2=4, activity=3, wellbeing=4), "4.00"),
        # (1 + 2 + 2 + 2) / 4 = 7 / 4
        (MymopAnswers(symptom_1=1, symptom_2=2, activity=2, wellbeing=2), "1.75"),
        # No second symptom: (2 + 3 + 3) / 3 = 8 / 3 = 2.666… rounds up
        (MymopAnswers(symptom_1=2, activity=3, wellbeing=3), "2.67"),
        # No activity either: (1 + 0) / 2
        (MymopAnswers(symptom_1=1, wellbeing=0), "0.50"),
        # (1 + 0 + 0) / 3 = 0.333… rounds down
        (MymopAnswers(symptom_1=1, symptom_2=0, wellbeing=0), "0.33"),
        # The ends of the scale
        (MymopAnswers(symptom_1=0, symptom_2=0, activity=0, wellbeing=0), "0.00"),
        (MymopAnswers(symptom_1=6, symptom_2=6, activity=6, wellbeing=6), "6.00"),
    ],
)
def test_the_profile_is_the_mean_of_the_items_answered(answers, expected):
    assert mymop_profile_score(answers) == Decimal(expected)


def test_a_change_is_baseline_minus_follow_up_so_better_is_positive():
    intake = MymopAnswers(symptom_1=5, symptom_2=4, activity=3, wellbeing=4)  # 4.00
    discharge = MymopAnswers(symptom_1=2, symptom_2=3, activity=1, wellbeing=2)  # 2.00

    change = mymop_change(baseline=intake, follow_up=discharge)

    assert change.profile == Decimal("2.00")
    assert change.items == {"symptom_1": 3, "symptom_2": 1, "activity": 2, "wellbeing": 2}


def test_a_worse_follow_up_is_a_negative_change_and_items_answered_once_have_none():
    intake = MymopAnswers(symptom_1=2, activity=3, wellbeing=3)  # 8/3 = 2.67
    week_one = MymopAnswers(symptom_1=4, symptom_2=5, activity=3, wellbeing=4)  # 16/4 = 4.00

    change = mymop_change(baseline=intake, follow_up=week_one)

    assert change.profile == Decimal("-1.33")
    assert change.items == {"symptom_1": -2, "activity": 0, "wellbeing": -1}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (MymopAnswers(symptom_1=7, wellbeing=3), "symptom_1 must be from 0 to 6, not 7"),
        (MymopAnswers(symptom_1=3, wellbeing=-1), "wellbeing must be from 0 to 6, not -1"),
        (MymopAnswers(symptom_1=3, wellbeing=2, activity=9), "activity must be from 0 to 6"),
        (MymopAnswers(symptom_1=None, wellbeing=2), "symptom_1 must be answered"),
        (MymopAnswers(symptom_1=2, wellbeing=None), "wellbeing must be answered"),
        (MymopAnswers(symptom_1=2.5, wellbeing=2), "symptom_1 must be a whole number"),
        (MymopAnswers(symptom_1=True, wellbeing=2), "symptom_1 must be a whole number"),
    ],
)
def test_it_refuses_answers_off_the_scale_or_missing(answers, message):
    with pytest.raises(ValueError, match=message):
        mymop_profile_score(answers)
