"""The objective of a whole schedule computed from scratch: what delta scoring must agree with."""

from __future__ import annotations

from .instance import Instance
from .objective import (
    overtime_cost,
    preferred_cost,
    previous_resource_cost,
    previous_start_cost,
    same_practitioner_cost,
    slip_cost,
)

# Where one step is: (start, date, practitioner, room), or None when it is unscheduled.
Placement = tuple[int, int, int, int] | None


def evaluate(inst: Instance, placements: list[Placement]) -> dict[str, int]:
    """Objective parts of a full schedule, one placement per step, and their "total"."""
    parts = {
        "unscheduled": 0,
        "slip": 0,
        "preferred": 0,
        "same_practitioner": 0,
        "overtime": 0,
        "previous": 0,
    }
    grid = inst.grid
    minutes_worked: dict[tuple[int, int], int] = {}  # (practitioner, date) -> minutes
    # A booked group's practitioner time is busy, not this schedule's: joiners add none.
    seen_groups = {(t, p, r, s) for t, s, p, r, _members in inst.booked_groups}
    for i, placement in enumerate(placements):
        if placement is None:
            parts["unscheduled"] += inst.step_unscheduled_cost[i]
            continue
        s, d, p, r = placement
        parts["slip"] += slip_cost(d - inst.step_target_date[i])
        _, wall_start = grid.local_of_abs(s)
        end_date, wall_end = grid.local_of_abs(s + inst.step_duration[i])
        if end_date != d:
            wall_end += 1440 * (end_date - d)
        preferred = inst.patient_preferred[inst.step_patient[i]]
        parts["preferred"] += preferred_cost(preferred, wall_start, wall_end)
        partner = inst.step_same_practitioner_as[i]
        if partner >= 0 and placements[partner] is not None:
            parts["same_practitioner"] += same_practitioner_cost(p, placements[partner][2])
        if inst.step_pinned[i] is None:
            previous = inst.step_previous[i]
            parts["previous"] += previous_start_cost(previous, s) + previous_resource_cost(
                previous, s, p, r
            )
        if inst.step_group_size[i] > 1:
            occurrence = (inst.step_therapy[i], p, r, s)
            if occurrence in seen_groups:
                continue
            seen_groups.add(occurrence)
        minutes_worked[(p, d)] = minutes_worked.get((p, d), 0) + inst.step_duration[i]
    for (p, _d), minutes in minutes_worked.items():
        if p >= 0:
            parts["overtime"] += overtime_cost(minutes, inst.practitioner_soft_daily_min[p])
    parts["total"] = sum(parts.values())
    return parts
