"""Mutable schedule: resource occupancy, incremental objective, feasibility and option scans."""

from __future__ import annotations

from .instance import NO_LIMIT, Instance
from .objective import (
    MOVED_RESOURCE,
    OTHER_PRACTITIONER,
    overtime_cost,
    previous_resource_cost,
    same_practitioner_cost,
)

INF = 1 << 60
_PLUS_ONE = bytes((x + 1) % 256 for x in range(256))
_MINUS_ONE = bytes((x - 1) % 256 for x in range(256))

# A placement the scan offers for a step:
# (cost it adds, start, date, practitioner, room, static cost of that start)
Placement = tuple[int, int, int, int, int, int]
# One undo-log entry: (INSERTED, step) or (REMOVED, step, start, date, practitioner, room,
# static cost), enough to revert the change.
INSERTED, REMOVED = 0, 1
NOTHING_FOUND = (INF, -1, -1)  # (extra cost, practitioner, room) before any is found


def _first(item: tuple) -> int:
    return item[0]


def _keep_cheapest(found: list[Placement], k: int, placement: Placement, cutoff: int) -> int:
    """Insert `placement` into `found`, the k cheapest so far in cost order (the first
    of equal costs stays first); the cost a placement must now beat."""
    cost = placement[0]
    pos = len(found)
    while pos > 0 and found[pos - 1][0] > cost:
        pos -= 1
    found.insert(pos, placement)
    if len(found) > k:
        found.pop()
    return found[-1][0] if len(found) == k else cutoff


class State:
    """One schedule under construction.

    Occupancy is one bytearray per resource with a byte per elapsed minute, so a
    feasibility test is a C-speed `find` over the session's minutes:
    - a patient is taken over [start, end + rest) (rule 6),
    - a practitioner over [start, end), once per group occurrence (rule 4),
    - a room counts patients over [start, end + turnover) up to its capacity (rule 5).
    `objective` is kept up to date by insert/remove (delta scoring). When `undo_log` is a
    list, every change is appended to it so that a rejected move can be undone.
    """

    def __init__(self, inst: Instance):
        self.inst = inst
        horizon = inst.horizon_min
        days = inst.days
        self.horizon_min = horizon
        self.ones = memoryview(b"\x01" * horizon)  # views: a slice of them copies nothing
        self.zeros = memoryview(bytes(horizon))
        self.patient_occupancy = [bytearray(horizon) for _ in inst.patient_ids]
        self.practitioner_occupancy = [bytearray(horizon) for _ in inst.practitioner_ids]
        self.room_occupancy = [bytearray(horizon) for _ in inst.room_ids]
        self.patient_sessions_on = [[0] * days for _ in inst.patient_ids]  # [patient][date]
        self.practitioner_minutes = [[0] * days for _ in inst.practitioner_ids]  # [prac][date]
        n = inst.n_steps
        # Where each step is; step_start[i] < 0 when step i is unscheduled.
        self.step_start = [-1] * n
        self.step_date = [-1] * n
        self.step_practitioner = [-1] * n
        self.step_room = [-1] * n
        self.step_static_cost = [0] * n  # static part of the step's own cost
        self.step_own_cost = [0] * n  # static part + previous-resource part
        # Group occurrences: (therapy, prac, room, start) -> patients in it, and the
        # (prac, room) pairs of occurrences by (therapy, start) for joining.
        self.group_members: dict[tuple[int, int, int, int], int] = {}
        self.groups_at: dict[tuple[int, int], set[tuple[int, int]]] = {}
        self.steps_on_date: list[set[int]] = [set() for _ in range(days)]
        self.objective = sum(inst.step_unscheduled_cost)
        self.n_scheduled = 0
        self.undo_log: list | None = None
        # Starts allowed to placements made now (a search focused on some dates, see
        # lns.Search.focus): every placement goes through start_bounds.
        self.window = (-INF, INF)
        self._hold_booked_places()

    def _hold_booked_places(self) -> None:
        """Sessions booked before this problem that share a room: the places they take
        count in the room's occupancy, and a booked group occurrence holds its practitioner
        and is open to joiners (as one this schedule opened would be)."""
        inst = self.inst
        for r, shared in enumerate(inst.room_shared_busy):
            capacity = inst.room_capacity[r]
            for a, b, places in shared:
                a, b = self._clip(a, b)
                occupancy = self.room_occupancy[r]
                occupancy[a:b] = bytes(min(capacity, x + places) for x in occupancy[a:b])
        for therapy, s, p, r, members in inst.booked_groups:
            self._fill(
                self.practitioner_occupancy[p], s, s + inst.therapies[therapy].duration_min, True
            )
            self.group_members[(therapy, p, r, s)] = members
            self.groups_at.setdefault((therapy, s), set()).add((p, r))

    def copy(self) -> State:
        """An independent copy of this schedule (sharing the read-only instance), not logging."""
        other = State.__new__(State)
        other.inst = self.inst
        other.horizon_min = self.horizon_min
        other.ones, other.zeros = self.ones, self.zeros
        other.patient_occupancy = [bytearray(o) for o in self.patient_occupancy]
        other.practitioner_occupancy = [bytearray(o) for o in self.practitioner_occupancy]
        other.room_occupancy = [bytearray(o) for o in self.room_occupancy]
        other.patient_sessions_on = [list(row) for row in self.patient_sessions_on]
        other.practitioner_minutes = [list(row) for row in self.practitioner_minutes]
        other.step_start = list(self.step_start)
        other.step_date = list(self.step_date)
        other.step_practitioner = list(self.step_practitioner)
        other.step_room = list(self.step_room)
        other.step_static_cost = list(self.step_static_cost)
        other.step_own_cost = list(self.step_own_cost)
        other.group_members = dict(self.group_members)
        other.groups_at = {key: set(places) for key, places in self.groups_at.items()}
        other.steps_on_date = [set(steps) for steps in self.steps_on_date]
        other.objective = self.objective
        other.n_scheduled = self.n_scheduled
        other.undo_log = None
        other.window = self.window
        return other

    # -- occupancy helpers -----------------------------------------------------------------
    def _clip(self, a: int, b: int) -> tuple[int, int]:
        return max(0, a), min(self.horizon_min, b)

    def _fill(self, occupancy: bytearray, a: int, b: int, on: bool) -> None:
        if a < 0 or b > self.horizon_min:  # only a pinned session can reach outside the horizon
            a, b = self._clip(a, b)
        if b > a:
            occupancy[a:b] = self.ones[: b - a] if on else self.zeros[: b - a]

    def _add_patient(self, occupancy: bytearray, a: int, b: int, delta: int) -> None:
        if a < 0 or b > self.horizon_min:
            a, b = self._clip(a, b)
        if b > a:
            # One C-level byte translation adds or removes a patient on every minute at once.
            occupancy[a:b] = occupancy[a:b].translate(_PLUS_ONE if delta > 0 else _MINUS_ONE)

    def _join_occurrence(self, i: int, s: int, p: int, r: int) -> bool:
        """Count step i into its group occurrence; True when it opens a new one."""
        inst = self.inst
        occurrence = (inst.step_therapy[i], p, r, s)
        members = self.group_members.get(occurrence, 0)
        self.group_members[occurrence] = members + 1
        if members:
            return False
        self.groups_at.setdefault((inst.step_therapy[i], s), set()).add((p, r))
        return True

    def _leave_occurrence(self, i: int, s: int, p: int, r: int) -> bool:
        """Count step i out of its group occurrence; True when it was the last member."""
        therapy = self.inst.step_therapy[i]
        occurrence = (therapy, p, r, s)
        members = self.group_members[occurrence] - 1
        if members:
            self.group_members[occurrence] = members
            return False
        del self.group_members[occurrence]
        places = self.groups_at[(therapy, s)]
        places.discard((p, r))
        if not places:
            del self.groups_at[(therapy, s)]
        return True

    # -- moves -------------------------------------------------------------------------------
    def insert(self, i: int, s: int, d: int, p: int, r: int, static_cost: int) -> None:
        """Place step i at elapsed minute s on date d with practitioner p in room r."""
        inst = self.inst
        duration = inst.step_duration[i]
        e = s + duration
        pat = inst.step_patient[i]
        self._fill(self.patient_occupancy[pat], s, e + inst.step_patient_rest[i], True)
        inside = 0 <= d < inst.days
        if inside:
            self.patient_sessions_on[pat][d] += 1
            self.steps_on_date[d].add(i)
        pinned = inst.step_pinned[i] is not None
        own = static_cost + (
            0 if pinned else previous_resource_cost(inst.step_previous[i], s, p, r)
        )
        delta = own - inst.step_unscheduled_cost[i]
        new_occurrence = inst.step_group_size[i] <= 1 or self._join_occurrence(i, s, p, r)
        if p >= 0:
            if new_occurrence:
                self._fill(self.practitioner_occupancy[p], s, e, True)
                if inside:
                    minutes = self.practitioner_minutes[p]
                    old = minutes[d]
                    minutes[d] = old + duration
                    soft = inst.practitioner_soft_daily_min[p]
                    delta += overtime_cost(old + duration, soft) - overtime_cost(old, soft)
            partner = inst.step_same_practitioner_as[i]
            if partner >= 0 and self.step_start[partner] >= 0:
                delta += same_practitioner_cost(p, self.step_practitioner[partner])
            for j in inst.step_same_practitioner_followers[i]:
                if self.step_start[j] >= 0:
                    delta += same_practitioner_cost(p, self.step_practitioner[j])
        if r >= 0:
            if inst.room_capacity[r] == 1:
                self._fill(self.room_occupancy[r], s, e + inst.step_room_turnover[i], True)
            else:
                self._add_patient(self.room_occupancy[r], s, e + inst.step_room_turnover[i], 1)
        self.step_start[i] = s
        self.step_date[i] = d
        self.step_practitioner[i] = p
        self.step_room[i] = r
        self.step_static_cost[i] = static_cost
        self.step_own_cost[i] = own
        self.objective += delta
        self.n_scheduled += 1
        if self.undo_log is not None:
            self.undo_log.append((INSERTED, i))

    def remove(self, i: int) -> None:
        """Unschedule step i (exact inverse of insert)."""
        inst = self.inst
        s, d, p, r = (
            self.step_start[i],
            self.step_date[i],
            self.step_practitioner[i],
            self.step_room[i],
        )
        if self.undo_log is not None:
            self.undo_log.append((REMOVED, i, s, d, p, r, self.step_static_cost[i]))
        duration = inst.step_duration[i]
        e = s + duration
        pat = inst.step_patient[i]
        self._fill(self.patient_occupancy[pat], s, e + inst.step_patient_rest[i], False)
        inside = 0 <= d < inst.days
        if inside:
            self.patient_sessions_on[pat][d] -= 1
            self.steps_on_date[d].discard(i)
        delta = inst.step_unscheduled_cost[i] - self.step_own_cost[i]
        last_member = inst.step_group_size[i] <= 1 or self._leave_occurrence(i, s, p, r)
        self.step_start[i] = -1
        if p >= 0:
            if last_member:
                self._fill(self.practitioner_occupancy[p], s, e, False)
                if inside:
                    minutes = self.practitioner_minutes[p]
                    old = minutes[d]
                    minutes[d] = old - duration
                    soft = inst.practitioner_soft_daily_min[p]
                    delta += overtime_cost(old - duration, soft) - overtime_cost(old, soft)
            partner = inst.step_same_practitioner_as[i]
            if partner >= 0 and self.step_start[partner] >= 0:
                delta -= same_practitioner_cost(p, self.step_practitioner[partner])
            for j in inst.step_same_practitioner_followers[i]:
                if self.step_start[j] >= 0:
                    delta -= same_practitioner_cost(p, self.step_practitioner[j])
        if r >= 0:
            if inst.room_capacity[r] == 1:
                self._fill(self.room_occupancy[r], s, e + inst.step_room_turnover[i], False)
            else:
                self._add_patient(self.room_occupancy[r], s, e + inst.step_room_turnover[i], -1)
        self.step_date[i] = -1
        self.step_practitioner[i] = -1
        self.step_room[i] = -1
        self.objective += delta
        self.n_scheduled -= 1

    def undo(self, mark: int = 0) -> None:
        """Revert logged changes back to log position `mark`."""
        log = self.undo_log
        self.undo_log = None
        while len(log) > mark:
            entry = log.pop()
            if entry[0] == INSERTED:
                self.remove(entry[1])
            else:
                _, i, s, d, p, r, static_cost = entry
                self.insert(i, s, d, p, r, static_cost)
        self.undo_log = log

    def reset_to(self, snapshot) -> None:
        """Make this schedule equal to `snapshot` (pinned steps stay as they are)."""
        pinned = self.inst.step_pinned
        for i, current in enumerate(self.snapshot()):
            if current is not None and pinned[i] is None and current != snapshot[i]:
                self.remove(i)
        for i, placement in enumerate(snapshot):
            if placement is not None and self.step_start[i] < 0:
                self.insert(i, *placement)

    # -- queries -------------------------------------------------------------------------------
    def snapshot(self) -> list[tuple[int, int, int, int, int] | None]:
        """Per step, (start, date, practitioner, room, static cost), or None when unscheduled."""
        return [
            (
                s,
                self.step_date[i],
                self.step_practitioner[i],
                self.step_room[i],
                self.step_static_cost[i],
            )
            if s >= 0
            else None
            for i, s in enumerate(self.step_start)
        ]

    def start_bounds(self, i: int) -> tuple[int, int]:
        """Bounds [lo, hi] on step i's start from its scheduled plan neighbours (rule 8),
        within the window."""
        inst = self.inst
        step_start = self.step_start
        step_duration = inst.step_duration
        duration = step_duration[i]
        lo, hi = self.window
        predecessor = inst.step_predecessor[i]
        if predecessor >= 0 and step_start[predecessor] >= 0:
            lo = max(lo, step_start[predecessor] + step_duration[predecessor])
        after = inst.step_after[i]
        if after >= 0 and step_start[after] >= 0:
            after_end = step_start[after] + step_duration[after]
            lo = max(lo, after_end + inst.step_min_gap[i])
            max_gap = inst.step_max_gap[i]
            if max_gap != NO_LIMIT:
                hi = min(hi, after_end + max_gap)
        successor = inst.step_successor[i]
        if successor >= 0 and step_start[successor] >= 0:
            hi = min(hi, step_start[successor] - duration)
        for j in inst.step_after_followers[i]:
            sj = step_start[j]
            if sj >= 0:
                hi = min(hi, sj - inst.step_min_gap[j] - duration)
                max_gap = inst.step_max_gap[j]
                if max_gap != NO_LIMIT:
                    lo = max(lo, sj - max_gap - duration)
        return lo, hi

    def _linked_practitioners(self, i: int) -> list[int]:
        """Practitioners of step i's scheduled same-practitioner partners: each one that
        differs from step i's practitioner costs OTHER_PRACTITIONER."""
        inst = self.inst
        step_start, step_practitioner = self.step_start, self.step_practitioner
        partner = inst.step_same_practitioner_as[i]
        partner_prac = (
            step_practitioner[partner] if partner >= 0 and step_start[partner] >= 0 else -1
        )
        followers = [
            step_practitioner[j]
            for j in inst.step_same_practitioner_followers[i]
            if step_start[j] >= 0
        ]
        return ([partner_prac] if partner_prac >= 0 else []) + followers

    def cheapest_placements(
        self, i: int, k: int = 2, all_pracs: bool = False, options: list | None = None
    ) -> list[Placement]:
        """Up to k cheapest feasible placements of step i now, cheapest first (see
        `Placement`), among `options` (by default all of step i's). Best (prac, room) per
        start, or with `all_pracs` one placement per free practitioner at each start (see
        _cheapest_per_practitioner).

        The cost is what inserting adds to the objective apart from removing the
        unscheduled penalty. Options come sorted by static cost and every other part is
        >= 0, so the scan stops once static cost alone cannot beat the k-th best.
        """
        if all_pracs:
            return self._cheapest_per_practitioner(i, k)
        # The hot loop of the search: everything it reads is bound to a local first.
        inst = self.inst
        options = inst.step_options[i] if options is None else options
        lo, hi = self.start_bounds(i)
        duration = inst.step_duration[i]
        patient_time = duration + inst.step_patient_rest[i]
        pat = inst.step_patient[i]
        patient_occupancy = self.patient_occupancy[pat]
        sessions_on = self.patient_sessions_on[pat]
        max_daily = inst.patient_max_daily[pat]
        linked = self._linked_practitioners(i)
        # What a practitioner costs against the step's same-practitioner partners.
        unlinked_cost = OTHER_PRACTITIONER * len(linked)
        linked_cost = {q: unlinked_cost - OTHER_PRACTITIONER * linked.count(q) for q in linked}
        previous = inst.step_previous[i]
        previous_start, previous_prac, previous_room = previous or (-1, -1, -1)
        practitioner_occupancy = self.practitioner_occupancy
        minutes_on, soft_of = self.practitioner_minutes, inst.practitioner_soft_daily_min
        room_occupancy, room_capacity = self.room_occupancy, inst.room_capacity
        room_time = duration + inst.step_room_turnover[i]
        in_group, therapy, groups_at = (
            inst.step_group_size[i] > 1,
            inst.step_therapy[i],
            self.groups_at,
        )
        found: list[Placement] = []
        cutoff = INF  # the k-th best cost so far
        for static_cost, s, d, _t, pracs, rooms in options:
            if static_cost >= cutoff:
                break
            if (
                s < lo
                or s > hi
                or sessions_on[d] >= max_daily
                or patient_occupancy.find(1, s, s + patient_time) >= 0
            ):
                continue
            # Joining an open group occurrence first: a free practitioner must beat it.
            best_cost, best_p, best_r = (
                self._join_group(i, s, pracs, rooms, linked)
                if in_group and (therapy, s) in groups_at
                else NOTHING_FOUND
            )
            # A free room: the first in scarcity order, or the previous one at the previous start.
            room = -1
            for r in rooms:
                if room_occupancy[r].find(room_capacity[r], s, s + room_time) < 0:
                    room = r
                    break
            room = (
                self._previous_room_if_free(previous_room, s, s + room_time, rooms, room)
                if room >= 0 and s == previous_start and previous_room != room
                else room
            )
            e = s + duration
            at_previous_start = s == previous_start
            for p in pracs if room >= 0 else ():
                if practitioner_occupancy[p].find(1, s, e) >= 0:
                    continue
                cost = linked_cost.get(p, unlinked_cost)
                old = minutes_on[p][d]
                soft = soft_of[p]
                cost += (
                    overtime_cost(old + duration, soft) - overtime_cost(old, soft)
                    if old + duration > soft
                    else 0
                )
                moved = at_previous_start and (p != previous_prac or room != previous_room)
                cost += MOVED_RESOURCE if moved else 0
                if cost < best_cost:
                    best_cost, best_p, best_r = cost, p, room
                    if cost == 0:
                        break
            if best_p >= 0 and static_cost + best_cost < cutoff:
                placement = (static_cost + best_cost, s, d, best_p, best_r, static_cost)
                cutoff = _keep_cheapest(found, k, placement, cutoff)
        return found

    def cheapest_on_each_date(self, i: int, k: int) -> list[Placement]:
        """Step i's k cheapest placements, and then the cheapest on each other date it may
        take, in cost order (each date's scan stops at its own cheapest)."""
        found = self.cheapest_placements(i, k)
        dates = {placement[2] for placement in found}
        # A date wholly outside the step's start bounds has nothing to offer, but its scan
        # would read every option before knowing (no placement ever lowers the cutoff).
        lo, hi = self.start_bounds(i)
        day_start = self.inst.grid.day_start
        others = []
        for d, options in self.inst.step_options_by_date(i).items():
            if d not in dates and day_start[d] <= hi and lo < day_start[d + 1]:
                others += self.cheapest_placements(i, 1, options=options)
        return found + sorted(others, key=_first)

    def _cheapest_per_practitioner(self, i: int, k: int) -> list[Placement]:
        """cheapest_placements with all_pracs: at each start, a placement per free
        practitioner (in the first free room), then the best group occurrence to join."""
        inst = self.inst
        options = inst.step_options[i]
        if not options:
            return []
        lo, hi = self.start_bounds(i)
        duration = inst.step_duration[i]
        patient_time = duration + inst.step_patient_rest[i]
        pat = inst.step_patient[i]
        patient_occupancy = self.patient_occupancy[pat]
        sessions_on = self.patient_sessions_on[pat]
        max_daily = inst.patient_max_daily[pat]
        linked = self._linked_practitioners(i)
        in_group = inst.step_group_size[i] > 1
        found: list[Placement] = []
        cutoff = INF  # the k-th best cost so far
        for static_cost, s, d, _t, pracs, rooms in options:
            if static_cost >= cutoff:
                break
            if (
                s < lo
                or s > hi
                or sessions_on[d] >= max_daily
                or patient_occupancy.find(1, s, s + patient_time) >= 0
            ):
                continue
            joined = self._join_group(i, s, pracs, rooms, linked) if in_group else NOTHING_FOUND
            cutoff = self._add_each_practitioner(
                found, k, cutoff, i, static_cost, s, d, pracs, rooms, linked
            )
            cost, p, r = joined
            if p >= 0 and static_cost + cost < cutoff:
                cutoff = _keep_cheapest(
                    found, k, (static_cost + cost, s, d, p, r, static_cost), cutoff
                )
        return found

    def free_room(self, i: int, s: int, rooms: tuple[int, ...]) -> int:
        """A room with a place for step i at s: the first in scarcity order, or the step's
        previous room when it keeps its previous start; -1 when none."""
        inst = self.inst
        end = s + inst.step_duration[i] + inst.step_room_turnover[i]
        room_occupancy, room_capacity = self.room_occupancy, inst.room_capacity
        for r in rooms:
            if room_occupancy[r].find(room_capacity[r], s, end) < 0:
                previous = inst.step_previous[i]
                if previous is None or s != previous[0] or previous[2] == r:
                    return r
                return self._previous_room_if_free(previous[2], s, end, rooms, r)
        return -1

    def _previous_room_if_free(
        self, previous_room: int, s: int, end: int, rooms: tuple[int, ...], room: int
    ) -> int:
        """The previous room when it suits the step and has a place from s to end, else room."""
        capacity = self.inst.room_capacity
        if (
            previous_room in rooms
            and self.room_occupancy[previous_room].find(capacity[previous_room], s, end) < 0
        ):
            return previous_room
        return room

    def _join_group(
        self,
        i: int,
        s: int,
        pracs: tuple[int, ...],
        rooms: tuple[int, ...],
        linked: list[int],
    ) -> tuple[int, int, int]:
        """The cheapest open group occurrence of step i's therapy at s that step i can join
        (a member adds no practitioner time), as (extra cost, practitioner, room)."""
        inst = self.inst
        therapy = inst.step_therapy[i]
        best = NOTHING_FOUND
        places = self.groups_at.get((therapy, s))
        if not places:
            return best
        end = s + inst.step_duration[i] + inst.step_room_turnover[i]
        previous = inst.step_previous[i]
        for p, r in places:
            if (
                self.group_members[(therapy, p, r, s)] < inst.step_group_size[i]
                and p in pracs
                and r in rooms
                and self.room_occupancy[r].find(inst.room_capacity[r], s, end) < 0
            ):
                cost = OTHER_PRACTITIONER * (len(linked) - linked.count(p)) if linked else 0
                if (
                    previous is not None
                    and s == previous[0]
                    and (p != previous[1] or r != previous[2])
                ):
                    cost += MOVED_RESOURCE
                if cost < best[0]:
                    best = (cost, p, r)
        return best

    def _add_each_practitioner(
        self,
        found: list[Placement],
        k: int,
        cutoff: int,
        i: int,
        static_cost: int,
        s: int,
        d: int,
        pracs: tuple[int, ...],
        rooms: tuple[int, ...],
        linked: list[int],
    ) -> int:
        """One placement per free practitioner at s (in a free room) into the k best
        `found`; the new cutoff."""
        room = self.free_room(i, s, rooms)
        if room < 0:
            return cutoff
        inst = self.inst
        duration = inst.step_duration[i]
        previous = inst.step_previous[i]
        for p in pracs:
            if self.practitioner_occupancy[p].find(1, s, s + duration) >= 0:
                continue
            cost = OTHER_PRACTITIONER * (len(linked) - linked.count(p)) if linked else 0
            old = self.practitioner_minutes[p][d]
            soft = inst.practitioner_soft_daily_min[p]
            if old + duration > soft:
                cost += overtime_cost(old + duration, soft) - overtime_cost(old, soft)
            if (
                previous is not None
                and s == previous[0]
                and (p != previous[1] or room != previous[2])
            ):
                cost += MOVED_RESOURCE
            total = static_cost + cost
            if total < cutoff:
                found.append((total, s, d, p, room, static_cost))
                found.sort(key=_first)
                if len(found) > k:
                    found.pop()
                if len(found) == k:
                    cutoff = found[-1][0]
        return cutoff

    def feasible(self, i: int, s: int, d: int, p: int, r: int) -> bool:
        """Can step i be placed exactly so, now (statically and dynamically)?"""
        lo, hi = self.start_bounds(i)
        if s < lo or s > hi:
            return False
        among_options = any(
            option_start == s and p in pracs and r in rooms
            for _cost, option_start, _d, _t, pracs, rooms in self.inst.step_options[i]
        )
        return (
            among_options
            and self.patient_free(i, s, d)
            and self.room_free(i, s, r)
            and self.practitioner_free(i, s, p, r)
        )

    def patient_free(self, i: int, s: int, d: int) -> bool:
        """The patient is under their day limit and free, with rest, for step i at s."""
        inst = self.inst
        pat = inst.step_patient[i]
        if self.patient_sessions_on[pat][d] >= inst.patient_max_daily[pat]:
            return False
        end = s + inst.step_duration[i] + inst.step_patient_rest[i]
        return self.patient_occupancy[pat].find(1, s, end) < 0

    def room_free(self, i: int, s: int, r: int) -> bool:
        """Room r has a place for step i at s, until its turnover ends."""
        inst = self.inst
        end = s + inst.step_duration[i] + inst.step_room_turnover[i]
        return self.room_occupancy[r].find(inst.room_capacity[r], s, end) < 0

    def practitioner_free(self, i: int, s: int, p: int, r: int) -> bool:
        """Practitioner p is free for step i at s, or holds a group occurrence of its therapy
        in room r then with a place left."""
        inst = self.inst
        if inst.step_group_size[i] > 1:
            members = self.group_members.get((inst.step_therapy[i], p, r, s), 0)
            if members:
                return members < inst.step_group_size[i]
        return self.practitioner_occupancy[p].find(1, s, s + inst.step_duration[i]) < 0

    def static_cost_of(self, i: int, s: int) -> int:
        """The static cost of step i starting at s (0 when s is none of its options)."""
        for static_cost, option_start, _d, _t, _p, _r in self.inst.step_options[i]:
            if option_start == s:
                return static_cost
        return 0
