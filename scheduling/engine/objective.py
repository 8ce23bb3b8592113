"""The objective of FORMAT.md, one function per term, plus a from-scratch evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .instance import Instance

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


def evaluate(inst: Instance, asg: list[tuple[int, int, int, int] | None]) -> dict[str, int]:
    """Objective parts of a full assignment (per step: (start, date, prac, room) or None)."""
    parts = {
        "unscheduled": 0,
        "slip": 0,
        "preferred": 0,
        "same_practitioner": 0,
        "overtime": 0,
        "previous": 0,
    }
    g = inst.grid
    load: dict[tuple[int, int], int] = {}
    seen_groups: set[tuple[int, int, int, int]] = set()
    for i, a in enumerate(asg):
        if a is None:
            parts["unscheduled"] += inst.st_pen[i]
            continue
        s, d, p, r = a
        parts["slip"] += slip_cost(d - inst.st_target[i])
        _, ls = g.local_of_abs(s)
        de, le = g.local_of_abs(s + inst.st_dur[i])
        if de != d:
            le += 1440 * (de - d)
        parts["preferred"] += preferred_cost(inst.pat_pref[inst.st_pat[i]], ls, le)
        spa = inst.st_spa[i]
        if spa >= 0 and asg[spa] is not None:
            parts["same_practitioner"] += same_practitioner_cost(p, asg[spa][2])
        if inst.st_pinned[i] is None:
            prev = inst.st_prevasg[i]
            parts["previous"] += previous_start_cost(prev, s) + previous_resource_cost(
                prev, s, p, r
            )
        if inst.st_gsize[i] > 1:
            key = (inst.st_ther[i], p, r, s)
            if key in seen_groups:
                continue
            seen_groups.add(key)
        load[(p, d)] = load.get((p, d), 0) + inst.st_dur[i]
    for (p, _d), minutes in load.items():
        if p >= 0:
            parts["overtime"] += overtime_cost(minutes, inst.prac_soft[p])
    parts["total"] = sum(parts.values())
    return parts
