"""Compile a Problem into integer arrays and each step's statically feasible options.

Short names the engine's hot code uses throughout: `i` and `j` are steps (0..n_steps-1, in
plan order), `s` a start in elapsed minutes (see timegrid), `e` an end, `d` a date index,
`t` a slot (an index into the grid of possible starts), `p` a practitioner index, `r` a room
index; -1 means none. Lists named `step_*`, `practitioner_*`, `room_*` and `patient_*` are
indexed by that integer.
"""

from __future__ import annotations

from .model import Plan, Problem
from .objective import preferred_cost, previous_start_cost, slip_cost, unscheduled_cost
from .timegrid import TimeGrid, in_windows, overlaps, parse_hm

NO_LIMIT = 1 << 30

# An option of a step: a start where its session passes every rule that does not depend on
# the other sessions, and the practitioners and rooms statically free then.
# (static_cost, start, date, slot, practitioners, rooms)
Option = tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]]


def _windows_per_date(grid: TimeGrid, weekly: dict | None) -> list[list[tuple[int, int]]] | None:
    """Weekly schedule -> windows (wall minutes) per date index; None stays None."""
    if weekly is None:
        return None
    by_day = {day: [(parse_hm(a), parse_hm(b)) for a, b in wins] for day, wins in weekly.items()}
    return [by_day.get(grid.weekday(d), []) for d in range(grid.days)]


def _weekly_minutes(windows_per_date: list[list[tuple[int, int]]] | None) -> int:
    if not windows_per_date:
        return 0
    return sum(b - a for wins in windows_per_date for a, b in wins)


class Instance:
    """Everything the search needs, as lists indexed by integers.

    Steps are numbered 0..n_steps-1 in plan order. `step_options[i]` lists step i's options
    (see `Option`), sorted by static cost (slip + preferred window + moved from previous
    start), then by how few other steps want that start, then by start.
    """

    def __init__(self, problem: Problem):
        self.problem = problem
        grid = self.grid = TimeGrid(
            problem.timezone, problem.horizon_start, problem.horizon_days, problem.slot_min
        )
        self.days = grid.days
        self.therapies = list(problem.therapies.values())
        # Occupancy arrays cover the horizon plus the longest tail (rest/turnover).
        tail = max(
            [
                t.duration_min + t.patient_rest_after_min + t.room_turnover_min
                for t in self.therapies
            ]
            or [0]
        )
        self.horizon_min = grid.day_start[self.days] + tail + 1500
        self._read_resources(problem)
        self._read_steps(problem)
        self._read_previous(problem)
        self._rank_eligible_resources()
        # Static options, computed for every step that is not pinned.
        self._practitioner_free_cache: dict[tuple[int, int, int], bytearray] = {}
        self._room_free_cache: dict[tuple[int, int, int], bytearray] = {}
        self._center_cache: dict[tuple[int, int], list[int]] = {}
        self._tuple_cache: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._resource_slots_cache: dict[tuple, list] = {}
        self._preferred_cache: dict[tuple, dict[int, int]] = {}
        self._shift_cache: dict[tuple, bytes] = {}
        self._shared_options_cache: dict[tuple, list[Option]] = {}
        self.step_options: list[list[Option]] = [
            [] if self.step_pinned[i] is not None else self.options(i) for i in range(self.n_steps)
        ]
        self._order_by_pressure()
        self._options_by_date: list[dict[int, list[Option]] | None] = [None] * self.n_steps

    # -- reading the problem ------------------------------------------------------------------
    def _read_resources(self, problem: Problem) -> None:
        grid = self.grid
        self.practitioner_ids = [p.id for p in problem.practitioners]
        self.room_ids = [r.id for r in problem.rooms]
        self.patient_ids = [p.id for p in problem.patients]
        self.practitioner_index = {pid: i for i, pid in enumerate(self.practitioner_ids)}
        self.room_index = {rid: i for i, rid in enumerate(self.room_ids)}
        self.patient_index = {pid: i for i, pid in enumerate(self.patient_ids)}
        busy_by_resource = self._read_busy(problem)
        practitioners = problem.practitioners
        self.practitioner_gender = [p.gender for p in practitioners]
        self.practitioner_skills = [set(p.skills) for p in practitioners]
        self.practitioner_soft_daily_min = [
            NO_LIMIT if p.soft_daily_min is None else int(p.soft_daily_min) for p in practitioners
        ]
        self.practitioner_hours = [_windows_per_date(grid, p.hours) for p in practitioners]
        self.practitioner_leave = [
            [(grid.parse_instant(o.start), grid.parse_instant_ceil(o.end)) for o in p.off]
            for p in practitioners
        ]
        self.practitioner_busy = [busy_by_resource.get(p.id, []) for p in practitioners]
        # Leave and busy intervals together: when the practitioner can take no session.
        self.practitioner_blocked = [
            sorted(a + b)
            for a, b in zip(self.practitioner_leave, self.practitioner_busy, strict=True)
        ]
        self.room_type = [r.type for r in problem.rooms]
        # Occupancy counts patients in a byte per minute; no room holds more than 255 at once.
        self.room_capacity = [min(255, max(1, int(r.capacity))) for r in problem.rooms]
        self.room_gender = [r.gender for r in problem.rooms]
        self.room_busy = [sorted(busy_by_resource.get(r.id, [])) for r in problem.rooms]
        patients = problem.patients
        self.patient_gender = [p.gender for p in patients]
        self.patient_same_gender = [p.same_gender_practitioner for p in patients]
        self.patient_hours = [_windows_per_date(grid, p.hours) for p in patients]
        self.patient_preferred = [
            [(parse_hm(a), parse_hm(b)) for a, b in p.preferred] for p in patients
        ]
        self.patient_max_daily = [
            NO_LIMIT if p.max_daily_sessions is None else int(p.max_daily_sessions)
            for p in patients
        ]
        self.patient_priority = [p.priority for p in patients]
        self.patient_busy = [sorted(busy_by_resource.get(p.id, [])) for p in patients]
        self.center_hours = _windows_per_date(grid, problem.center_hours)
        closed = {grid.date_index(c) for c in problem.closed}
        self.closed = [d in closed for d in range(self.days)]

    def _read_busy(self, problem: Problem) -> dict[str, list[tuple[int, int]]]:
        """Busy intervals that take a resource whole, by resource id. Those taking only some
        places of a room go to `room_shared_busy[r]` as (start, end, places), and group
        occurrences a step may join to `booked_groups` as (therapy, start, practitioner,
        room, patients it holds); State counts both into its occupancy."""
        grid = self.grid
        capacity_of = {r.id: max(1, int(r.capacity)) for r in problem.rooms}
        therapy_index = {t.id: k for k, t in enumerate(self.therapies)}
        busy_by_resource: dict[str, list[tuple[int, int]]] = {}
        self.room_shared_busy: list[list[tuple[int, int, int]]] = [[] for _ in problem.rooms]
        self.booked_groups: list[tuple[int, int, int, int, int]] = []
        for b in problem.busy:
            interval = (grid.parse_instant(b.start), grid.parse_instant_ceil(b.end))
            r = self.room_index.get(b.resource, -1)
            shared = r >= 0 and b.places is not None and b.places < capacity_of[b.resource]
            if shared:
                self.room_shared_busy[r].append((*interval, b.places))
            else:
                busy_by_resource.setdefault(b.resource, []).append(interval)
            if r >= 0 and b.group is not None:
                held = self._read_booked_group(b.group, interval[0], r, shared, therapy_index)
                if held is not None:
                    busy_by_resource.setdefault(b.group.practitioner, []).append(held)
        return busy_by_resource

    def _read_booked_group(
        self, group, start: int, r: int, joinable_room: bool, therapy_index: dict[str, int]
    ) -> tuple[int, int] | None:
        """Record a booked group occurrence in room r as joinable when it has a seat left
        and its room a place; otherwise return its practitioner's time, plainly busy."""
        t = therapy_index.get(group.therapy, -1)
        p = self.practitioner_index.get(group.practitioner, -1)
        if t < 0 or p < 0:  # an unknown therapy or practitioner: nobody can join it
            return None
        therapy = self.therapies[t]
        held = (start, start + therapy.duration_min)
        group_size = max(1, therapy.group_size)
        seats = min(group.seats, group_size - 1)
        if seats <= 0 or not joinable_room:
            return held
        self.booked_groups.append((t, start, p, r, group_size - seats))
        return None

    def _read_steps(self, problem: Problem) -> None:
        self.plan_ids = [pl.id for pl in problem.plans]
        self.plan_steps: list[list[int]] = []  # per plan, its steps in list order
        self.step_key: list[tuple[str, str]] = []  # (plan id, step id)
        self.step_index: dict[tuple[str, str], int] = {}
        self.step_plan: list[int] = []
        self.step_patient: list[int] = []
        self.step_therapy: list[int] = []  # index into self.therapies, -1 when unknown
        self.step_duration: list[int] = []
        self.step_patient_rest: list[int] = []  # patient_rest_after_min of its therapy
        self.step_room_turnover: list[int] = []
        self.step_group_size: list[int] = []
        self.step_unscheduled_cost: list[int] = []
        self.step_target_date: list[int] = []  # the plan's start + the step's day
        self.step_slack_days: list[int] = []
        self.step_predecessor: list[int] = []  # the step before in the plan's list, or -1
        self.step_successor: list[int] = []  # the step after in the plan's list, or -1
        self.step_after: list[int] = []  # the step its `after` names, or -1
        self.step_min_gap: list[int] = []
        self.step_max_gap: list[int] = []  # NO_LIMIT when none
        self.step_after_followers: list[list[int]] = []  # steps whose `after` names this one
        self.step_same_practitioner_as: list[int] = []  # or -1
        self.step_same_practitioner_followers: list[list[int]] = []  # steps naming this one
        self.invalid_steps: dict[int, str] = {}  # steps referencing unknown data -> why
        therapy_index = {t.id: i for i, t in enumerate(self.therapies)}
        for plan_index, plan in enumerate(problem.plans):
            self.plan_steps.append(self._read_plan(problem, plan_index, plan, therapy_index))
        self.n_steps = len(self.step_plan)

    def _read_plan(
        self, problem: Problem, plan_index: int, plan: Plan, therapy_index: dict[str, int]
    ) -> list[int]:
        ids: list[int] = []
        by_step_id: dict[str, int] = {}
        pat = self.patient_index.get(plan.patient, -1)
        plan_day = self.grid.date_index(plan.start)
        for pos, step in enumerate(plan.steps):
            i = len(self.step_plan)
            ids.append(i)
            by_step_id[step.id] = i
            self.step_index[(plan.id, step.id)] = i
            self.step_key.append((plan.id, step.id))
            therapy = problem.therapies.get(step.therapy)
            if therapy is None:
                self.invalid_steps[i] = f"therapy {step.therapy!r} is not defined"
            if pat < 0:
                self.invalid_steps[i] = f"patient {plan.patient!r} is not defined"
            self.step_plan.append(plan_index)
            self.step_patient.append(max(pat, 0))
            self.step_therapy.append(therapy_index.get(step.therapy, -1))
            self._read_therapy(therapy)
            priority = self.patient_priority[pat] if pat >= 0 else 0
            self.step_unscheduled_cost.append(unscheduled_cost(priority))
            self.step_target_date.append(plan_day + step.day)
            self.step_slack_days.append(max(0, step.slack_days))
            self.step_predecessor.append(ids[pos - 1] if pos > 0 else -1)
            self.step_successor.append(-1)
            if pos > 0:
                self.step_successor[ids[pos - 1]] = i
            self._read_links(i, step, by_step_id)
        return ids

    def _read_therapy(self, therapy) -> None:
        """The therapy's figures for the step being read (neutral ones when it is unknown)."""
        if therapy is None:
            self.step_duration.append(0)
            self.step_patient_rest.append(0)
            self.step_room_turnover.append(0)
            self.step_group_size.append(1)
            return
        self.step_duration.append(therapy.duration_min)
        self.step_patient_rest.append(therapy.patient_rest_after_min)
        self.step_room_turnover.append(therapy.room_turnover_min)
        self.step_group_size.append(max(1, therapy.group_size))

    def _read_links(self, i: int, step, by_step_id: dict[str, int]) -> None:
        """Step i's `after` and `same_practitioner_as`, both naming earlier steps of its plan."""
        after = step.after
        after_step = by_step_id.get(after.step, -1) if after is not None else -1
        self.step_after.append(after_step)
        known = after is not None and after_step >= 0
        self.step_min_gap.append(after.min_gap_min if known else 0)
        max_gap = after.max_gap_min if known else None
        self.step_max_gap.append(NO_LIMIT if max_gap is None else max_gap)
        self.step_after_followers.append([])
        if after_step >= 0:
            self.step_after_followers[after_step].append(i)
        partner = by_step_id.get(step.same_practitioner_as, -1) if step.same_practitioner_as else -1
        self.step_same_practitioner_as.append(partner)
        self.step_same_practitioner_followers.append([])
        if partner >= 0:
            self.step_same_practitioner_followers[partner].append(i)

    def _read_previous(self, problem: Problem) -> None:
        """Previous schedule: pinned steps are fixed; the others are costly to move."""
        grid = self.grid
        n = self.n_steps
        # (start, practitioner, room) of a step's non-pinned previous assignment
        self.step_previous: list[tuple[int, int, int] | None] = [None] * n
        # (start, date, practitioner, room) of a step's pinned previous assignment
        self.step_pinned: list[tuple[int, int, int, int] | None] = [None] * n
        for a in problem.previous:
            i = self.step_index.get((a.plan, a.step))
            if i is None:
                continue
            s = grid.parse_instant(a.start)
            p = self.practitioner_index.get(a.practitioner, -1)
            r = self.room_index.get(a.room, -1)
            if a.pinned:
                self.step_pinned[i] = (s, grid.local_of_abs(s)[0], p, r)
            else:
                self.step_previous[i] = (s, p, r)

    def _rank_eligible_resources(self) -> None:
        """Eligible resources per step (skill + gender, room type + gender), ordered so
        that the least demanded come first: a free choice should not eat a scarce one."""
        n = self.n_steps
        self._eligible_cache: dict[tuple, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        eligible = [self._eligible(i) for i in range(n)]
        practitioner_load = [0.0] * len(self.practitioner_ids)
        room_load = [0.0] * len(self.room_ids)
        for i, (pracs, rooms) in enumerate(eligible):
            for p in pracs:
                practitioner_load[p] += self.step_duration[i] / len(pracs)
            for r in rooms:
                room_load[r] += (
                    (self.step_duration[i] + self.step_room_turnover[i])
                    / len(rooms)
                    / self.room_capacity[r]
                )
        self.practitioner_demand = [
            practitioner_load[p] / (1.0 + _weekly_minutes(self.practitioner_hours[p]))
            for p in range(len(self.practitioner_ids))
        ]
        self.room_demand = room_load
        # A step that others name as same_practitioner_as tries first those who can give
        # them too: the scan takes the first free practitioner among equals, and one who
        # cannot costs every follower OTHER_PRACTITIONER however the rest is laid out.
        self.step_eligible_practitioners: list[tuple[int, ...]] = []
        for i, (pracs, _rooms) in enumerate(eligible):
            followers = [set(eligible[j][0]) for j in self.step_same_practitioner_followers[i]]
            self.step_eligible_practitioners.append(
                tuple(
                    sorted(
                        pracs,
                        key=lambda p, followers=followers: (
                            sum(p not in given for given in followers),
                            self.practitioner_demand[p],
                            p,
                        ),
                    )
                )
            )
        self.step_eligible_rooms: list[tuple[int, ...]] = [
            tuple(sorted(rooms, key=lambda r: (self.room_demand[r], r)))
            for _pracs, rooms in eligible
        ]

    def _order_by_pressure(self) -> None:
        """Among options of equal static cost, try first the starts fewest other steps want
        (counted over their cheapest options, each step spreading one unit). Otherwise every
        flexible step would take the earliest slot of the day and crowd out the patients who
        prefer it; the start time breaks remaining ties so the order is deterministic."""
        pressure = [0.0] * (len(self.grid.slot_start) + 1)  # per slot
        for options in self.step_options:
            if not options:
                continue
            best = min(o[0] for o in options)
            cheapest = [o for o in options if o[0] == best]
            share = 1.0 / len(cheapest)
            for o in cheapest:
                pressure[o[3]] += share
        rounded = [round(x, 3) for x in pressure]
        for options in self.step_options:
            options.sort(key=lambda o: (o[0], rounded[o[3]], o[1]))

    def step_options_by_date(self, i: int) -> dict[int, list[Option]]:
        """Step i's options grouped by date, each group in the options' order (made when
        first asked for: only steps the search backtracks over need it)."""
        grouped = self._options_by_date[i]
        if grouped is None:
            grouped = {}
            for option in self.step_options[i]:
                grouped.setdefault(option[2], []).append(option)
            self._options_by_date[i] = grouped
        return grouped

    # -- eligibility ------------------------------------------------------------------------
    def _eligible(self, i: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if i in self.invalid_steps:
            return (), ()
        therapy = self.therapies[self.step_therapy[i]]
        pat = self.step_patient[i]
        gender = self.patient_gender[pat]
        same_gender = self.patient_same_gender[pat]
        key = (self.step_therapy[i], gender, same_gender)
        cached = self._eligible_cache.get(key)
        if cached is None:
            pracs = tuple(
                p
                for p in range(len(self.practitioner_ids))
                if therapy.skill in self.practitioner_skills[p]
                and (not same_gender or self.practitioner_gender[p] == gender)
            )
            types = set(therapy.room_types)
            rooms = tuple(
                r
                for r in range(len(self.room_ids))
                if self.room_type[r] in types
                and (self.room_gender[r] is None or self.room_gender[r] == gender)
            )
            cached = self._eligible_cache[key] = (pracs, rooms)
        return cached

    # -- static availability ---------------------------------------------------------------
    def _center_slots(self, d: int, duration: int) -> list[int]:
        """Slots of date d where a session of `duration` fits a center window."""
        key = (d, duration)
        slots = self._center_cache.get(key)
        if slots is None:
            grid = self.grid
            wall_ends = grid.slot_wall_ends(duration)
            wins = self.center_hours[d]
            slots = []
            if not self.closed[d]:
                for t in range(grid.first_slot[d], grid.first_slot[d + 1]):
                    wall_end = wall_ends[t]
                    if wall_end >= 0 and in_windows(wins, grid.slot_wall[t], wall_end):
                        slots.append(t)
            self._center_cache[key] = slots
        return slots

    def _practitioner_free_slots(self, p: int, d: int, duration: int) -> bytearray:
        """Per slot of date d (offset first_slot[d]): 1 when practitioner p can hold a
        session of `duration` there (inside a shift, no leave or busy overlap)."""
        key = (p, d, duration)
        free = self._practitioner_free_cache.get(key)
        if free is None:
            grid = self.grid
            t0 = grid.first_slot[d]
            # Most practitioners share a few shift patterns: the shift part is computed once.
            free = bytearray(self._shift_slots(tuple(self.practitioner_hours[p][d]), d, duration))
            blocked = self.practitioner_blocked[p]
            if blocked:
                slot_start = grid.slot_start
                for k, ok in enumerate(free):
                    if ok:
                        s = slot_start[t0 + k]
                        if overlaps(blocked, s, s + duration):
                            free[k] = 0
            self._practitioner_free_cache[key] = free
        return free

    def _shift_slots(self, wins: tuple[tuple[int, int], ...], d: int, duration: int) -> bytes:
        """Per slot of date d: 1 when a session of `duration` fits one of the windows `wins`."""
        key = (wins, d, duration)
        inside = self._shift_cache.get(key)
        if inside is None:
            grid = self.grid
            t0, t1 = grid.first_slot[d], grid.first_slot[d + 1]
            mask = bytearray(t1 - t0)
            if wins:
                wall_ends = grid.slot_wall_ends(duration)
                slot_wall = grid.slot_wall
                for t in range(t0, t1):
                    wall_end = wall_ends[t]
                    if wall_end >= 0 and in_windows(wins, slot_wall[t], wall_end):
                        mask[t - t0] = 1
            inside = self._shift_cache[key] = bytes(mask)
        return inside

    def _room_free_slots(self, r: int, d: int, duration: int) -> bytearray | None:
        """Like _practitioner_free_slots for a room's busy intervals; None when the room is
        never busy. `duration` includes the turnover: a busy room interval takes every place
        (rule 5)."""
        busy = self.room_busy[r]
        if not busy:
            return None
        key = (r, d, duration)
        free = self._room_free_cache.get(key)
        if free is None:
            grid = self.grid
            t0, t1 = grid.first_slot[d], grid.first_slot[d + 1]
            free = bytearray(t1 - t0)
            for t in range(t0, t1):
                s = grid.slot_start[t]
                if not overlaps(busy, s, s + duration):
                    free[t - t0] = 1
            self._room_free_cache[key] = free
        return free

    def _free_per_slot(
        self, resources: tuple[int, ...], free_masks: list[bytearray | None]
    ) -> list[tuple[int, ...]] | None:
        """Per slot of a date, the `resources` free then (each with its per-slot mask, None
        for always free), as shared tuples; None when all are always free."""
        if all(mask is None for mask in free_masks):
            return None
        length = max(len(mask) for mask in free_masks if mask is not None)
        always = b"\x01" * length
        columns = zip(*[always if mask is None else mask for mask in free_masks], strict=True)
        by_flags: dict[tuple[int, ...], tuple[int, ...]] = {}
        out = []
        for flags in columns:
            free = by_flags.get(flags)
            if free is None:
                free = by_flags[flags] = self._intern(
                    tuple(res for res, ok in zip(resources, flags, strict=True) if ok)
                )
            out.append(free)
        return out

    def _intern(self, tup: tuple[int, ...]) -> tuple[int, ...]:
        return self._tuple_cache.setdefault(tup, tup)

    def step_dates(self, i: int) -> range:
        """Allowed local dates of step i, clipped to the horizon."""
        lo = max(0, self.step_target_date[i])
        hi = min(self.days - 1, self.step_target_date[i] + self.step_slack_days[i])
        return range(lo, hi + 1)

    def options(self, i: int) -> list[Option]:
        """All statically feasible options of step i (_order_by_pressure sorts them)."""
        pracs, rooms = self.step_eligible_practitioners[i], self.step_eligible_rooms[i]
        if not pracs or not rooms:
            return []
        duration = self.step_duration[i]
        out = []
        for d in self.step_dates(i):
            slots = self._center_slots(d, duration)
            if slots:
                out.extend(self._options_on(i, d, slots, pracs, rooms))
        return out

    def _options_on(
        self, i: int, d: int, slots: list[int], pracs: tuple[int, ...], rooms: tuple[int, ...]
    ) -> list[Option]:
        """Step i's options among `slots` (those of date d inside the center's hours)."""
        grid = self.grid
        duration = self.step_duration[i]
        pat = self.step_patient[i]
        hours = self.patient_hours[pat]
        patient_busy = self.patient_busy[pat]
        preferred = self.patient_preferred[pat]
        previous = self.step_previous[i]
        patient_windows = hours[d] if hours is not None else None
        slip = slip_cost(d - self.step_target_date[i])
        room_duration = duration + self.step_room_turnover[i]
        preferred_key = (tuple(preferred), duration)
        if patient_busy:  # only those of date d matter (a session never crosses midnight)
            day_start, day_end = grid.day_start[d], grid.day_start[d + 1]
            patient_busy = [(a, b) for a, b in patient_busy if a < day_end and day_start < b]
        # Steps of patients without hours, busy intervals or a previous placement share
        # their options with every such step of the same therapy, eligibility and date.
        shared_key = None
        if patient_windows is None and not patient_busy and previous is None:
            shared_key = (d, room_duration, pracs, rooms, preferred_key, slip)
            shared = self._shared_options_cache.get(shared_key)
            if shared is not None:
                return shared
        preferred_of = self._preferred_cache.setdefault(preferred_key, {})
        out = []
        for t, s, wall_start, wall_end, free_pracs, free_rooms in self._resource_slots(
            d, slots, duration, room_duration, pracs, rooms
        ):
            if patient_windows is not None and not in_windows(
                patient_windows, wall_start, wall_end
            ):
                continue
            if patient_busy and overlaps(patient_busy, s, s + duration):
                continue
            cost = preferred_of.get(t)
            if cost is None:
                cost = preferred_of[t] = preferred_cost(preferred, wall_start, wall_end)
            cost += slip
            if previous is not None:
                cost += previous_start_cost(previous, s)
            out.append((cost, s, d, t, free_pracs, free_rooms))
        if shared_key is not None:
            self._shared_options_cache[shared_key] = out
        return out

    def _resource_slots(
        self,
        d: int,
        slots: list[int],
        duration: int,
        room_duration: int,
        pracs: tuple[int, ...],
        rooms: tuple[int, ...],
    ) -> list[tuple[int, int, int, int, tuple[int, ...], tuple[int, ...]]]:
        """(slot, start, wall start, wall end, free practitioners, free rooms) of date d where
        some of `pracs` and of `rooms` are statically free: the same for every step of one
        therapy and eligibility, so worked out once for all of them."""
        key = (d, duration, room_duration, pracs, rooms)
        found = self._resource_slots_cache.get(key)
        if found is not None:
            return found
        grid = self.grid
        wall_ends = grid.slot_wall_ends(duration)
        slot_start, slot_wall = grid.slot_start, grid.slot_wall
        t0 = grid.first_slot[d]
        free_pracs_at = self._free_per_slot(
            pracs, [self._practitioner_free_slots(p, d, duration) for p in pracs]
        )
        free_rooms_at = self._free_per_slot(
            rooms, [self._room_free_slots(r, d, room_duration) for r in rooms]
        )
        found = []
        for t in slots:
            k = t - t0
            free_pracs = free_pracs_at[k]
            if not free_pracs:
                continue
            free_rooms = free_rooms_at[k] if free_rooms_at is not None else rooms
            if not free_rooms:
                continue
            found.append((t, slot_start[t], slot_wall[t], wall_ends[t], free_pracs, free_rooms))
        self._resource_slots_cache[key] = found
        return found

    def static_cost(self, i: int, s: int, d: int) -> int:
        """Slip + preferred + moved-start cost of step i starting at elapsed minute s on date d
        (used for pinned steps, whose start need not be on the grid)."""
        grid = self.grid
        _, wall_start = grid.local_of_abs(s)
        _, wall_end = grid.local_of_abs(s + self.step_duration[i])
        if wall_end == 0 and self.step_duration[i] > 0:
            wall_end = 1440
        return slip_cost(d - self.step_target_date[i]) + preferred_cost(
            self.patient_preferred[self.step_patient[i]], wall_start, wall_end
        )
