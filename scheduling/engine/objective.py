"""The objective of FORMAT.md, one function per term (the search scores by their deltas)."""

from __future__ import annotations

SLIP_PER_DAY = 50
OUTSIDE_PREFERRED = 5
OTHER_PRACTITIONER = 10
MOVED_START = 20
MOVED_RESOURCE = 5
OVERTIME_STEP_MIN = 15


def unscheduled_cost(priority: int) -> int:
    """An unscheduled step costs 1000 * (1 + priority)."""
    return 1000 * (1 + priority)


def slip_cost(days_late: int) -> int:
    """50 per day a step slipped past its planned day."""
    return SLIP_PER_DAY * max(0, days_late)


def preferred_cost(preferred: list[tuple[int, int]], loc_start: int, loc_end: int) -> int:
    """5 when the patient has preferred windows and the session is not wholly inside one."""
    if not preferred:
        return 0
    for a, b in preferred:
        if a <= loc_start and loc_end <= b:
            return 0
    return OUTSIDE_PREFERRED


def same_practitioner_cost(prac: int, other_prac: int) -> int:
    """10 when a step's practitioner differs from its same_practitioner_as step's."""
    return OTHER_PRACTITIONER if prac != other_prac else 0


def overtime_cost(minutes: int, soft_daily_min: int) -> int:
    """ceil(max(0, minutes - soft) / 15) for one practitioner on one local date."""
    over = minutes - soft_daily_min
    return (over + OVERTIME_STEP_MIN - 1) // OVERTIME_STEP_MIN if over > 0 else 0


def previous_start_cost(previous: tuple[int, int, int] | None, start: int) -> int:
    """20 when a step with a (non-pinned) previous assignment now starts elsewhen."""
    if previous is None or previous[0] == start:
        return 0
    return MOVED_START


def previous_resource_cost(
    previous: tuple[int, int, int] | None, start: int, prac: int, room: int
) -> int:
    """5 when the start is kept but the room or practitioner changed (20 covers both)."""
    if previous is None or previous[0] != start:
        return 0
    return MOVED_RESOURCE if (previous[1] != prac or previous[2] != room) else 0
