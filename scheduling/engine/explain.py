"""Plain-language reasons for unscheduled steps and for placements off the first choice."""

from __future__ import annotations

from .instance import NO_LIMIT, Instance
from .model import Reason
from .state import INF, State
from .timegrid import clip, fmt_hm, in_windows, overlaps

GENDER_WORD = {"F": "female", "M": "male"}
MAX_NAMES = 4

# A diagnosis: (reason code, message), or None when nothing stands in the way.
Diagnosis = tuple[str, str] | None


def _names(ids: list[str]) -> str:
    if len(ids) <= MAX_NAMES:
        if len(ids) <= 2:
            return " and ".join(ids)
        return ", ".join(ids[:-1]) + " and " + ids[-1]
    return ", ".join(ids[:MAX_NAMES]) + f" and {len(ids) - MAX_NAMES} more"


def _spans(inst: Instance, spans: list[tuple[int, int]]) -> str:
    """Elapsed intervals of one date as '10:00–12:00, 14:00–15:00' (local wall time)."""
    grid = inst.grid
    out = []
    for a, b in spans[:6]:
        date_a, wall_a = grid.local_of_abs(a)
        date_b, wall_b = grid.local_of_abs(b)
        out.append(f"{fmt_hm(wall_a)}–{fmt_hm(wall_b if date_b == date_a else 1440)}")
    if len(spans) > 6:
        out.append("…")
    return ", ".join(out)


def _windows_text(windows: list[tuple[int, int]]) -> str:
    return ", ".join(f"{fmt_hm(a)}–{fmt_hm(b)}" for a, b in windows) or "no hours"


def _runs(occupancy: bytearray, level: int, a: int, b: int) -> list[tuple[int, int]]:
    """Maximal runs inside [a, b) where occupancy >= level (level 1: taken; capacity: full)."""
    a, b = max(0, a), min(len(occupancy), b)
    if level == 1:
        return _taken_runs(occupancy, a, b)
    runs = []
    start = -1
    for x in range(a, b):
        if occupancy[x] >= level:
            if start < 0:
                start = x
        elif start >= 0:
            runs.append((start, x))
            start = -1
    if start >= 0:
        runs.append((start, b))
    return runs


def _taken_runs(occupancy: bytearray, a: int, b: int) -> list[tuple[int, int]]:
    """Maximal runs inside [a, b) where occupancy is not zero."""
    runs = []
    x = a
    while x < b:
        start = occupancy.find(1, x, b)
        if start < 0:
            break
        end = start
        while end < b and occupancy[end]:
            end += 1
        runs.append((start, end))
        x = end
    return runs


def _join_parts(parts: list[str]) -> str:
    """'a and b', or 'a, b and c'."""
    return " and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _capitalised_reasons(reasons: dict[str, list[str]]) -> list[Reason]:
    out = []
    for code, messages in reasons.items():
        text = "; ".join(messages)
        out.append(Reason(code, text[0].upper() + text[1:]))
    return out


class Explainer:
    """Diagnoses, against a final schedule, why placements are impossible or not ideal.

    It works on its own copy of the schedule (to look at alternatives it takes steps out
    and puts them back), so the state it was given is never changed.
    """

    def __init__(self, state: State):
        self.state = state.copy()
        self.inst = state.inst

    # -- resource descriptions -----------------------------------------------------------------
    def _day_bounds(self, d: int) -> tuple[int, int]:
        grid = self.inst.grid
        return grid.day_start[d], grid.day_start[d + 1]

    def _practitioner_status(self, p: int, d: int) -> str:
        inst, state = self.inst, self.state
        name = inst.practitioner_ids[p]
        windows = inst.practitioner_hours[p][d]
        day_start, day_end = self._day_bounds(d)
        if not windows:
            return f"{name} has no shift on {inst.grid.weekday(d).capitalize()}"
        leave = inst.practitioner_leave[p]
        if any(a <= day_start and b >= day_end for a, b in leave):
            return f"{name} is on leave"
        parts = [f"{name} works {_windows_text(windows)}"]
        leave_today = clip(leave, day_start, day_end)
        if leave_today:
            parts.append(f"is on leave {_spans(inst, leave_today)}")
        busy = clip(inst.practitioner_busy[p], day_start, day_end)
        if busy:
            parts.append(f"has prior commitments {_spans(inst, busy)}")
        runs = _runs(state.practitioner_occupancy[p], 1, day_start, day_end)
        if runs:
            parts.append(f"is booked {_spans(inst, runs)}")
        return _join_parts(parts)

    def _room_status(self, r: int, d: int) -> str:
        inst, state = self.inst, self.state
        day_start, day_end = self._day_bounds(d)
        parts = []
        busy = clip(inst.room_busy[r], day_start, day_end)
        if busy:
            parts.append(f"is reserved {_spans(inst, busy)}")
        runs = _runs(state.room_occupancy[r], inst.room_capacity[r], day_start, day_end)
        if runs:
            word = "full" if inst.room_capacity[r] > 1 else "booked"
            parts.append(f"is {word} {_spans(inst, runs)} (incl. cleaning)")
        name = inst.room_ids[r]
        if not parts:
            return f"room {name} is free only at times that do not fit"
        return f"room {name} " + " and ".join(parts)

    def _patient_status(self, i: int, d: int) -> str:
        inst, state = self.inst, self.state
        pat = inst.step_patient[i]
        day_start, day_end = self._day_bounds(d)
        parts = []
        hours = inst.patient_hours[pat]
        if hours is not None:
            parts.append(f"can attend only {_windows_text(hours[d])}")
        busy = clip(inst.patient_busy[pat], day_start, day_end)
        if busy:
            parts.append(f"is busy {_spans(inst, busy)}")
        runs = _runs(state.patient_occupancy[pat], 1, day_start, day_end)
        if runs:
            parts.append(f"has sessions (with rest) {_spans(inst, runs)}")
        name = inst.patient_ids[pat]
        return f"patient {name} " + (" and ".join(parts) if parts else "is not available")

    # -- the funnel -------------------------------------------------------------------------------
    def funnel(
        self,
        i: int,
        d: int,
        *,
        times: set[int] | None = None,
        pracs: tuple[int, ...] | None = None,
        rooms: tuple[int, ...] | None = None,
    ) -> Diagnosis:
        """Why step i cannot start on date d (optionally only at elapsed `times`, only with
        `pracs`/`rooms`): filters are applied in order and the first one that removes every
        remaining start gives the reason. None when some start is actually feasible."""
        inst, state = self.inst, self.state
        grid = inst.grid
        label = grid.date_label(d)
        if inst.closed[d]:
            return "center_closed", f"the center is closed on {label}"
        slots = self._center_open_slots(i, d, times)
        if not slots:
            return self._center_reason(i, d, times)
        slots = [t for t in slots if self._patient_can_come(i, d, t)]
        if not slots:
            return "patient_unavailable", f"on {label} {self._patient_status(i, d)}"
        lo, hi = state.start_bounds(i)
        in_order = [t for t in slots if lo <= grid.slot_start[t] <= hi]
        if not in_order:
            starts = [grid.slot_start[t] for t in slots]
            return "sequence_gap", self._sequence_text(i, d, min(starts), max(starts))
        pat = inst.step_patient[i]
        if state.patient_sessions_on[pat][d] >= inst.patient_max_daily[pat]:
            return "daily_limit", (
                f"{inst.patient_ids[pat]} already has {state.patient_sessions_on[pat][d]} "
                f"sessions on {label} (at most {inst.patient_max_daily[pat]} a day)"
            )
        slots = [t for t in in_order if self._patient_free(i, grid.slot_start[t])]
        if not slots:
            return "patient_unavailable", f"on {label} {self._patient_status(i, d)}"
        pracs = inst.step_eligible_practitioners[i] if pracs is None else pracs
        slots = [
            t
            for t in slots
            if any(self._practitioner_free(i, p, d, t, grid.slot_start[t]) for p in pracs)
        ]
        if not slots:
            return self._practitioner_reason(d, pracs, times)
        rooms = inst.step_eligible_rooms[i] if rooms is None else rooms
        if self._some_room_free(i, slots, rooms):
            return None
        room_names = [self._room_status(r, d) for r in rooms[:MAX_NAMES]]
        return "room_unavailable", (
            f"on {label} no suitable room is free when a practitioner is: " + "; ".join(room_names)
        )

    def _center_open_slots(self, i: int, d: int, times: set[int] | None) -> list[int]:
        """Slots of date d (only those starting at `times`, when given) where step i's session
        fits the center's hours."""
        inst = self.inst
        grid = inst.grid
        wall_ends = grid.slot_wall_ends(inst.step_duration[i])
        slots = range(grid.first_slot[d], grid.first_slot[d + 1])
        if times is not None:
            slots = [t for t in slots if grid.slot_start[t] in times]
        return [
            t
            for t in slots
            if wall_ends[t] >= 0
            and in_windows(inst.center_hours[d], grid.slot_wall[t], wall_ends[t])
        ]

    def _center_reason(self, i: int, d: int, times: set[int] | None) -> Diagnosis:
        inst = self.inst
        label = inst.grid.date_label(d)
        windows = _windows_text(inst.center_hours[d])
        if times is not None:
            return "center_closed", f"the center is not open then on {label} ({windows})"
        return "center_closed", (
            f"the center's hours on {label} ({windows}) hold no "
            f"{inst.step_duration[i]}-minute session"
        )

    def _patient_can_come(self, i: int, d: int, t: int) -> bool:
        """Slot t suits step i's patient's hours and known commitments (not their sessions)."""
        inst = self.inst
        grid = inst.grid
        pat = inst.step_patient[i]
        hours = inst.patient_hours[pat]
        wall_end = grid.slot_wall_ends(inst.step_duration[i])[t]
        if hours is not None and not in_windows(hours[d], grid.slot_wall[t], wall_end):
            return False
        s = grid.slot_start[t]
        return not overlaps(inst.patient_busy[pat], s, s + inst.step_duration[i])

    def _patient_free(self, i: int, s: int) -> bool:
        """Step i's patient has no session (with its rest) in step i's time from s."""
        inst = self.inst
        occupancy = self.state.patient_occupancy[inst.step_patient[i]]
        return occupancy.find(1, s, s + inst.step_duration[i] + inst.step_patient_rest[i]) < 0

    def _practitioner_reason(
        self, d: int, pracs: tuple[int, ...], times: set[int] | None
    ) -> Diagnosis:
        label = self.inst.grid.date_label(d)
        who = [self._practitioner_status(p, d) for p in pracs[:MAX_NAMES]]
        more = "" if len(pracs) <= MAX_NAMES else f" (and {len(pracs) - MAX_NAMES} more)"
        when = " at that time" if times is not None else ""
        return "practitioner_unavailable", (
            f"on {label}{when} no suitable practitioner is free: " + "; ".join(who) + more
        )

    def _some_room_free(self, i: int, slots: list[int], rooms: tuple[int, ...]) -> bool:
        inst = self.inst
        room_time = inst.step_duration[i] + inst.step_room_turnover[i]
        starts = [inst.grid.slot_start[t] for t in slots]
        return any(self._room_free(r, s, s + room_time) for s in starts for r in rooms)

    def _practitioner_free(self, i: int, p: int, d: int, t: int, s: int) -> bool:
        inst, state = self.inst, self.state
        grid = inst.grid
        duration = inst.step_duration[i]
        wall_end = grid.slot_wall_ends(duration)[t]
        if not in_windows(inst.practitioner_hours[p][d], grid.slot_wall[t], wall_end):
            return False
        if overlaps(inst.practitioner_blocked[p], s, s + duration):
            return False
        if state.practitioner_occupancy[p].find(1, s, s + duration) < 0:
            return True
        group_size = inst.step_group_size[i]
        if group_size <= 1:
            return False
        therapy = inst.step_therapy[i]
        return any(
            q == p and state.group_members[(therapy, q, r, s)] < group_size
            for q, r in state.groups_at.get((therapy, s), ())
        )

    def _room_free(self, r: int, s: int, e: int) -> bool:
        inst = self.inst
        if overlaps(inst.room_busy[r], s, e):
            return False
        return self.state.room_occupancy[r].find(inst.room_capacity[r], s, e) < 0

    def _sequence_text(self, i: int, d: int, earliest: int, latest: int) -> str:
        """Why no start between `earliest` and `latest` on date d keeps the plan's order,
        naming the neighbours whose bound alone rules the day out (else all that cut into it):
        a step's later neighbour sits where it does because of this step, not the reverse."""
        rules = self._order_rules(i)  # (lowest start it allows, highest, text)
        deciding = [text for lo, hi, text in rules if lo > latest or hi < earliest]
        parts = deciding or [text for lo, hi, text in rules if lo > earliest or hi < latest]
        label = self.inst.grid.date_label(d)
        if not parts:
            return f"no start on {label} fits the order of the plan's steps"
        return f"on {label} " + " and ".join(parts) + ", and no such time works"

    def _order_rules(self, i: int) -> list[tuple[int, int, str]]:
        """The bounds step i's scheduled plan neighbours put on its start, with their text."""
        inst, state = self.inst, self.state
        grid = inst.grid
        step_start = state.step_start
        rules = []
        after = inst.step_after[i]
        predecessor = inst.step_predecessor[i]
        if after >= 0 and step_start[after] >= 0:
            after_end = step_start[after] + inst.step_duration[after]
            min_gap, max_gap = inst.step_min_gap[i], inst.step_max_gap[i]
            if max_gap != NO_LIMIT:
                gap = f"{min_gap}–{max_gap} minutes "
            elif min_gap:
                gap = f"at least {min_gap} minutes "
            else:
                gap = ""
            after_name = inst.step_key[after][1]
            rules.append(
                (
                    after_end + min_gap,
                    after_end + max_gap if max_gap != NO_LIMIT else INF,
                    f"it must start {gap}after {after_name} ends ({grid.label(after_end)})",
                )
            )
        elif predecessor >= 0 and step_start[predecessor] >= 0:
            end = step_start[predecessor] + inst.step_duration[predecessor]
            name = inst.step_key[predecessor][1]
            rules.append((end, INF, f"it must start after {name} ends at {grid.label(end)}"))
        successor = inst.step_successor[i]
        if successor >= 0 and step_start[successor] >= 0:
            start = step_start[successor]
            name = inst.step_key[successor][1]
            rules.append(
                (
                    -INF,
                    start - inst.step_duration[i],
                    f"it must end before {name} starts at {grid.label(start)}",
                )
            )
        return rules

    # -- unscheduled steps ---------------------------------------------------------------------------
    def unscheduled(self, i: int) -> list[Reason]:
        inst, state = self.inst, self.state
        grid = inst.grid
        name = inst.step_key[i][1]
        if i in inst.invalid_steps:
            message = inst.invalid_steps[i]
            code = "patient_unavailable" if "patient" in message else "no_practitioner_with_skill"
            return [Reason(code, f"{name}: {message}")]
        predecessor = inst.step_predecessor[i]
        if predecessor >= 0 and state.step_start[predecessor] < 0:
            return [
                Reason(
                    "predecessor_unscheduled",
                    f"{name} follows {inst.step_key[predecessor][1]}, which could not be scheduled",
                )
            ]
        static = self._static_reasons(i)
        if static:
            return static
        reasons: dict[str, list[str]] = {}
        for d in inst.step_dates(i):
            got = self.funnel(i, d)
            if got is None:
                got = (
                    "search_limit",
                    (
                        f"a place on {grid.date_label(d)} is free, but fitting it would have meant "
                        "moving other sessions further than the search had time for"
                    ),
                )
            reasons.setdefault(got[0], []).append(got[1])
        out = _capitalised_reasons(reasons)
        return out or [Reason("search_limit", "No placement was found in the time allowed")]

    def _static_reasons(self, i: int) -> list[Reason]:
        """Reasons that do not depend on the other sessions (empty when options exist)."""
        inst = self.inst
        grid = inst.grid
        if inst.step_options[i]:
            return []
        missing = self._missing_resource(i)
        if missing:
            return [missing]
        dates = inst.step_dates(i)
        if not dates:
            lo = inst.step_target_date[i]
            hi = lo + inst.step_slack_days[i]
            span = grid.date_label(lo) + (f" to {grid.date_label(hi)}" if hi > lo else "")
            return [
                Reason(
                    "horizon_exceeded",
                    f"It is due {span}, outside the horizon {grid.date_label(0)} to "
                    f"{grid.date_label(inst.days - 1)}",
                )
            ]
        reasons: dict[str, list[str]] = {}
        for d in dates:
            got = self.funnel(i, d)
            if got is not None:
                reasons.setdefault(got[0], []).append(got[1])
        out = _capitalised_reasons(reasons)
        if inst.step_target_date[i] + inst.step_slack_days[i] >= inst.days:
            out.append(
                Reason(
                    "horizon_exceeded",
                    f"Later days it could slip to lie after the horizon ends "
                    f"({grid.date_label(inst.days - 1)})",
                )
            )
        return out or [Reason("search_limit", "No placement fits the rules")]

    def _missing_resource(self, i: int) -> Reason | None:
        """No practitioner or no room could ever give step i (skill, room type, gender)."""
        inst = self.inst
        therapy = inst.therapies[inst.step_therapy[i]]
        skilled = [
            p
            for p in range(len(inst.practitioner_ids))
            if therapy.skill in inst.practitioner_skills[p]
        ]
        if not skilled:
            return Reason(
                "no_practitioner_with_skill", f"No practitioner has the skill {therapy.skill}"
            )
        if not inst.step_eligible_practitioners[i]:
            pat = inst.step_patient[i]
            gender = inst.patient_gender[pat]
            others = [inst.practitioner_ids[p] for p in skilled]
            word = GENDER_WORD.get(gender, str(gender))
            return Reason(
                "gender_constraint",
                f"{inst.patient_ids[pat]} needs a {word} practitioner and no {word} practitioner "
                f"has {therapy.skill} (only {_names(others)})",
            )
        room_types = " or ".join(therapy.room_types)
        typed = [r for r in range(len(inst.room_ids)) if inst.room_type[r] in therapy.room_types]
        if not typed:
            return Reason("no_room_of_type", f"No room of type {room_types} exists")
        if not inst.step_eligible_rooms[i]:
            rooms = [f"{inst.room_ids[r]} ({inst.room_gender[r]} only)" for r in typed]
            return Reason(
                "gender_constraint",
                f"Every {room_types} room is reserved for the other gender: {_names(rooms)}",
            )
        return None

    # -- scheduled steps ------------------------------------------------------------------------------
    def where(self, i: int) -> str:
        """Where step i is: its time, practitioner and room (the start of every explanation)."""
        inst, state = self.inst, self.state
        s, p, r = state.step_start[i], state.step_practitioner[i], state.step_room[i]
        prac_name = inst.practitioner_ids[p] if p >= 0 else "?"
        room_name = inst.room_ids[r] if r >= 0 else "?"
        return (
            f"{inst.grid.span_label(s, s + inst.step_duration[i])} with {prac_name} in {room_name}"
        )

    def assignment_in_short(self, i: int) -> str:
        """Where step i is, without the why (when the time limit leaves no time to work it out)."""
        return self.where(i) + "; placed as the time limit ended, alternatives not weighed."

    def unscheduled_in_short(self, i: int) -> list[Reason]:
        """Why step i is unscheduled, as far as is known without looking at alternatives."""
        inst = self.inst
        predecessor = inst.step_predecessor[i]
        if i in inst.invalid_steps or (predecessor >= 0 and self.state.step_start[predecessor] < 0):
            return self.unscheduled(i)
        if not inst.step_options[i]:
            return self._static_reasons(i)
        return [Reason("search_limit", "No free placement was found before the time limit ended")]

    def assignment(self, i: int) -> str:
        """Where step i is, and when not at the first choice, why."""
        inst, state = self.inst, self.state
        s, d, p, r = (
            state.step_start[i],
            state.step_date[i],
            state.step_practitioner[i],
            state.step_room[i],
        )
        base = self.where(i)
        if inst.step_pinned[i] is not None:
            return base + "; kept as pinned in the previous schedule."
        previous = inst.step_previous[i]
        slipped = d - inst.step_target_date[i]
        outside_preferred = self._outside_preferred(i)
        partner = inst.step_same_practitioner_as[i]
        other_prac = (
            partner >= 0
            and state.step_start[partner] >= 0
            and state.step_practitioner[partner] != p
        )
        moved = previous is not None and previous != (s, p, r)
        if not (slipped > 0 or outside_preferred or other_prac or moved):
            if previous is not None:
                return base + "; unchanged from the previous schedule."
            return base + "."
        notes = []
        static_cost = state.step_static_cost[i]
        # Look at the alternatives with this step taken out of the (explainer's own) schedule.
        state.remove(i)
        try:
            if moved:
                notes.append(self._moved_note(i, previous, s, p, r))
            if slipped > 0:
                notes.append(self._slip_note(i, d))
            if outside_preferred:
                notes.append(self._preferred_note(i, d, s, p))
            if other_prac:
                notes.append(self._other_practitioner_note(i, d, s))
        finally:
            state.insert(i, s, d, p, r, static_cost)
        return base + "; " + "; ".join(notes) + "."

    def _outside_preferred(self, i: int) -> bool:
        """Step i's patient has preferred windows and its session is not wholly inside one."""
        inst, state = self.inst, self.state
        grid = inst.grid
        preferred = inst.patient_preferred[inst.step_patient[i]]
        s, d = state.step_start[i], state.step_date[i]
        _, wall_start = grid.local_of_abs(s)
        end_date, wall_end = grid.local_of_abs(s + inst.step_duration[i])
        wall_end = wall_end if end_date == d else 1440
        return bool(preferred) and not in_windows(preferred, wall_start, wall_end)

    def _slip_note(self, i: int, d: int) -> str:
        """Why step i (taken out) is on date d, later than planned: what each earlier day lacks."""
        inst = self.inst
        grid = inst.grid
        target = inst.step_target_date[i]
        why = []
        for earlier in range(max(0, target), min(d, inst.days)):
            got = self.funnel(i, earlier)
            if got is not None and got[0] == "sequence_gap":
                whole_day = {
                    grid.slot_start[t]
                    for t in range(grid.first_slot[earlier], grid.first_slot[earlier + 1])
                }
                got = self._partner_reason(i, earlier, whole_day, later_only=True) or got
            why.append(got[1] if got else f"{grid.date_label(earlier)} would push other sessions")
        if target < 0:
            why.append("the planned day is before the horizon")
        slipped = d - target
        days = "day" if slipped == 1 else "days"
        return f"slipped {slipped} {days} from {grid.date_label(target)}: " + "; ".join(why)

    def _preferred_note(self, i: int, d: int, s: int, p: int) -> str:
        """Why step i (taken out) is outside its patient's preferred windows on date d."""
        inst = self.inst
        grid = inst.grid
        preferred = inst.patient_preferred[inst.step_patient[i]]
        wall_ends = grid.slot_wall_ends(inst.step_duration[i])
        times = {
            grid.slot_start[t]
            for t in range(grid.first_slot[d], grid.first_slot[d + 1])
            if wall_ends[t] >= 0 and in_windows(preferred, grid.slot_wall[t], wall_ends[t])
        }
        got = self.funnel(i, d, times=times) if times else None
        if got and got[0] == "sequence_gap":
            got = self._partner_reason(i, d, times) or got
        if got is None or got[0] == "sequence_gap":
            got = self._preferred_tradeoff(i, d, times, s, p, free=got is None) or got
        why = got[1] if got else "the preferred times are needed by other sessions"
        return f"outside the preferred {_windows_text(preferred)}: {why}"

    def _other_practitioner_note(self, i: int, d: int, s: int) -> str:
        """Why step i (taken out) is not with the practitioner of its same_practitioner_as
        step."""
        inst, state = self.inst, self.state
        partner = inst.step_same_practitioner_as[i]
        partner_prac = state.step_practitioner[partner]
        name = inst.practitioner_ids[partner_prac]
        got = self.funnel(i, d, times={s}, pracs=(partner_prac,))
        if partner_prac not in inst.step_eligible_practitioners[i]:
            why = f"{name} cannot give this therapy"
        elif got:
            why = got[1]
        else:
            why = f"keeping {name} would have cost more elsewhere"
        return f"not with {name}, who gave {inst.step_key[partner][1]}: {why}"

    def _partner_reason(
        self, i: int, d: int, times: set[int], *, later_only: bool = False
    ) -> Diagnosis:
        """Step i (taken out of the schedule) cannot start at `times` on date d only because
        of a same-day partner it must stay within a maximum gap of. Saying "it must end
        before its partner starts" would be circular, as the partner sits where it does
        because of step i; so the pair is looked at together: with the partner out too,
        what keeps step i or the partner from those times. With `later_only`, only partners
        after step i count (one before it moved first, and saying so is no circle). None
        when step i alone is held back by another neighbour."""
        state = self.state
        # (partner step, earliest and latest start offset of the partner from step i's start)
        partners = self._gap_partners(i, later_only)
        if not partners:
            return None
        kept = [
            (
                j,
                state.step_start[j],
                state.step_date[j],
                state.step_practitioner[j],
                state.step_room[j],
                state.step_static_cost[j],
            )
            for j, _, _ in partners
        ]
        for j, *_ in kept:
            state.remove(j)
        try:
            return self._pair_reason(i, d, times, partners)
        finally:
            for j, *placement in kept:
                state.insert(j, *placement)

    def _gap_partners(self, i: int, later_only: bool) -> list[tuple[int, int, int]]:
        """Scheduled steps bound to step i by a maximum gap, as (step, earliest, latest)
        offsets of their start from step i's."""
        inst, state = self.inst, self.state
        duration = inst.step_duration[i]
        partners = []
        after = inst.step_after[i]
        if (
            not later_only
            and after >= 0
            and state.step_start[after] >= 0
            and inst.step_max_gap[i] != NO_LIMIT
        ):
            lead = inst.step_duration[after]
            partners.append((after, -inst.step_max_gap[i] - lead, -inst.step_min_gap[i] - lead))
        for j in inst.step_after_followers[i]:
            if state.step_start[j] >= 0 and inst.step_max_gap[j] != NO_LIMIT:
                partners.append(
                    (j, duration + inst.step_min_gap[j], duration + inst.step_max_gap[j])
                )
        return partners

    def _pair_reason(
        self, i: int, d: int, times: set[int], partners: list[tuple[int, int, int]]
    ) -> Diagnosis:
        """_partner_reason's diagnosis, with step i and its `partners` all taken out."""
        alone = self.funnel(i, d, times=times)
        if alone is not None:
            return alone if alone[0] != "sequence_gap" else None
        for j, lo, hi in partners:
            their_times = {t + k for t in times for k in range(lo, hi + 1)}
            got = self.funnel(j, d, times=their_times)
            if got is not None and got[0] != "sequence_gap":
                return got[0], f"{self._closely(j, lo)} could not be then: {got[1]}"
        together = " and ".join(self._closely(j, lo) for j, lo, _ in partners)
        every = "both" if len(partners) == 1 else "all"
        return "sequence_gap", (
            f"it goes with {together}, and they could not {every} be placed then "
            "without pushing other sessions"
        )

    def _preferred_tradeoff(
        self, i: int, d: int, times: set[int], s: int, p: int, *, free: bool
    ) -> Diagnosis:
        """Step i stays at s with p although the preferred `times` are `free` for it (or are
        held only by its plan's order): say which part of the objective its place keeps
        down, when it is one this step alone decides."""
        inst, state = self.inst, self.state
        previous = inst.step_previous[i]
        if previous is not None and previous[0] == s:
            return "previous_change", (
                "it keeps its time from the previous schedule, and moving a booked session "
                "weighs more than the preferred hours"
            )
        partner = inst.step_same_practitioner_as[i]
        if (
            free
            and partner >= 0
            and state.step_start[partner] >= 0
            and state.step_practitioner[partner] == p
        ):
            got = self.funnel(i, d, times=times, pracs=(p,))
            if got is not None:
                partner_name = inst.step_key[partner][1]
                return got[0], (
                    f"it keeps {inst.practitioner_ids[p]}, who gave {partner_name}: {got[1]}"
                )
        return None

    def _closely(self, j: int, offset: int) -> str:
        return f"{self.inst.step_key[j][1]} (just {'after' if offset > 0 else 'before'} it)"

    def _moved_note(self, i: int, previous: tuple[int, int, int], s: int, p: int, r: int) -> str:
        inst = self.inst
        grid = inst.grid
        previous_start, previous_prac, previous_room = previous
        previous_date = grid.local_of_abs(previous_start)[0]
        prac_name = (
            inst.practitioner_ids[previous_prac]
            if previous_prac >= 0
            else "an unknown practitioner"
        )
        room_name = inst.room_ids[previous_room] if previous_room >= 0 else "an unknown room"
        where = f"{grid.label(previous_start)} with {prac_name} in {room_name}"
        if not 0 <= previous_date < inst.days or previous_date not in inst.step_dates(i):
            return f"moved from {where}: that date is no longer allowed"
        got = self.funnel(
            i,
            previous_date,
            times={previous_start},
            pracs=(previous_prac,) if previous_prac >= 0 else (),
            rooms=(previous_room,) if previous_room >= 0 else (),
        )
        if previous_prac >= 0 and previous_prac not in inst.step_eligible_practitioners[i]:
            why = f"{prac_name} can no longer give it"
        elif previous_room >= 0 and previous_room not in inst.step_eligible_rooms[i]:
            why = f"{room_name} no longer suits it"
        elif got:
            why = got[1]
        else:
            why = "other sessions had to move there"
        if previous_start == s:
            return f"same time as before but not with {prac_name} in {room_name}: {why}"
        return f"moved from {where}: {why}"
