"""MYMOP scoring (Measure Yourself Medical Outcome Profile): pure functions, no Django.

A patient scores two symptoms, an activity and their wellbeing from 0 (as good as it could
be) to 6 (as bad as it could be). The profile score is the mean of the items answered; the
second symptom and the activity may be left out (Paterson's rule), the first symptom and
wellbeing may not. A change is baseline minus follow-up, so that a positive change means
the patient got better, as in the MYMOP literature.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MYMOP_BEST = 0
MYMOP_WORST = 6
ITEMS = ("symptom_1", "symptom_2", "activity", "wellbeing")
REQUIRED_ITEMS = ("symptom_1", "wellbeing")
_HUNDREDTHS = Decimal("0.01")


@dataclass(frozen=True)
class MymopAnswers:
    """One completed MYMOP form: the four scores, two of them optional."""

    symptom_1: int
    wellbeing: int
    symptom_2: int | None = None
    activity: int | None = None

    def answered(self) -> dict[str, int]:
        """The items given, by name, after checking each is a whole number from 0 to 6."""
        given = {}
        for item in ITEMS:
            value = getattr(self, item)
            if value is None:
                if item in REQUIRED_ITEMS:
                    raise ValueError(f"MYMOP {item} must be answered.")
                continue
            # bool is an int in Python; a True here is a bug upstream, not a score of 1.
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"MYMOP {item} must be a whole number, not {value!r}.")
            if not MYMOP_BEST <= value <= MYMOP_WORST:
                raise ValueError(
                    f"MYMOP {item} must be from {MYMOP_BEST} to {MYMOP_WORST}, not {value}."
                )
            given[item] = value
        return given


@dataclass(frozen=True)
class MymopChange:
    """How a follow-up compares with the baseline; positive numbers are improvement."""

    profile: Decimal
    items: dict[str, int]


def _two_places(value: Fraction) -> Decimal:
    # Exact mean first, then one rounding: 2/3 becomes 0.67, never 0.66 from float error.
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        _HUNDREDTHS, rounding=ROUND_HALF_UP
    )


def mymop_profile_score(answers: MymopAnswers) -> Decimal:
    """The mean of the answered items, to two decimal places (0.00 best … 6.00 worst)."""
    given = answers.answered()
    return _two_places(Fraction(sum(given.values()), len(given)))


def mymop_change(*, baseline: MymopAnswers, follow_up: MymopAnswers) -> MymopChange:
    """Baseline minus follow-up: the profile's change and each item's answered at both times.

    The profile change compares the two profile scores as they are; an item answered only
    once has no change of its own.
    """
    before = baseline.answered()
    after = follow_up.answered()
    profile = mymop_profile_score(baseline) - mymop_profile_score(follow_up)
    items = {item: before[item] - after[item] for item in ITEMS if item in before and item in after}
    return MymopChange(profile=profile, items=items)
