"""Compile a Problem into integer arrays and each step's statically feasible options."""

from __future__ import annotations

from .model import Problem
from .objective import preferred_cost, previous_start_cost, slip_cost, unscheduled_cost
from .timegrid import TimeGrid, in_windows, parse_hm

NO_LIMIT = 1 << 30


def _sched(grid: TimeGrid, weekly: dict | None) -> list[list[tuple[int, int]]] | None:
    """Weekly schedule -> windows (wall minutes) per date index; None stays None."""
    if weekly is None:
        return None
    by_day = {day: [(parse_hm(a), parse_hm(b)) for a, b in wins] for day, wins in weekly.items()}
    return [by_day.get(grid.weekday(d), []) for d in range(grid.days)]


def _overlaps(intervals: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(s < b and a < e for a, b in intervals)


class Instance:
    """Everything the search needs, as lists indexed by integers.

    Steps are numbered 0..n-1 in plan order. An *option* of a step is a tuple
    (static_cost, start, date, t, practitioners, rooms): a grid start whose session fits the
    center, patient and date rules, with the practitioners and rooms that are statically
    free then (skill, gender, room type, shifts, leave, busy). Options are sorted by
    static cost (slip + preferred window + moved from previous start), then by start.
    """

    def __init__(self, problem: Problem):
        self.problem = problem
        g = self.grid = TimeGrid(
            problem.timezone, problem.horizon_start, problem.horizon_days, problem.slot_min
        )
        days = g.days
        self.days = days
        # Occupancy arrays cover the horizon plus the longest tail (rest/turnover).
        self.therapies = list(problem.therapies.values())
        tail = max(
            [
                t.duration_min + t.patient_rest_after_min + t.room_turnover_min
                for t in self.therapies
            ]
            or [0]
        )
        self.horizon_min = g.day_start[days] + tail + 1500

        # Resources --------------------------------------------------------------------
        self.prac_ids = [p.id for p in problem.practitioners]
        self.room_ids = [r.id for r in problem.rooms]
        self.pat_ids = [p.id for p in problem.patients]
        self.prac_index = {pid: i for i, pid in enumerate(self.prac_ids)}
        self.room_index = {rid: i for i, rid in enumerate(self.room_ids)}
        self.pat_index = {pid: i for i, pid in enumerate(self.pat_ids)}
        busy_by_res: dict[str, list[tuple[int, int]]] = {}
        self.busy_raw: dict[str, list[tuple[int, int]]] = busy_by_res
        for b in problem.busy:
            busy_by_res.setdefault(b.resource, []).append(
                (g.parse_instant(b.start), g.parse_instant_ceil(b.end))
            )
        self.prac_gender = [p.gender for p in problem.practitioners]
        self.prac_skills = [set(p.skills) for p in problem.practitioners]
        self.prac_soft = [
            NO_LIMIT if p.soft_daily_min is None else int(p.soft_daily_min)
            for p in problem.practitioners
        ]
        self.prac_hours = [_sched(g, p.hours) for p in problem.practitioners]
        self.prac_off = [
            [(g.parse_instant(o.start), g.parse_instant_ceil(o.end)) for o in p.off]
            for p in problem.practitioners
        ]
        self.prac_busy = [busy_by_res.get(p.id, []) for p in problem.practitioners]
        self.prac_block = [
            sorted(a + b) for a, b in zip(self.prac_off, self.prac_busy, strict=True)
        ]
        self.room_type = [r.type for r in problem.rooms]
        # Occupancy counts patients in a byte per minute; no room holds more than 255 at once.
        self.room_cap = [min(255, max(1, int(r.capacity))) for r in problem.rooms]
        self.room_gender = [r.gender for r in problem.rooms]
        self.room_busy = [sorted(busy_by_res.get(r.id, [])) for r in problem.rooms]
        self.pat_gender = [p.gender for p in problem.patients]
        self.pat_same_gender = [p.same_gender_practitioner for p in problem.patients]
        self.pat_hours = [_sched(g, p.hours) for p in problem.patients]
        self.pat_pref = [
            [(parse_hm(a), parse_hm(b)) for a, b in p.preferred] for p in problem.patients
        ]
        self.pat_maxd = [
            NO_LIMIT if p.max_daily_sessions is None else int(p.max_daily_sessions)
            for p in problem.patients
        ]
        self.pat_priority = [p.priority for p in problem.patients]
        self.pat_busy = [sorted(busy_by_res.get(p.id, [])) for p in problem.patients]
        self.center = _sched(g, problem.center_hours)
        closed = {g.date_index(c) for c in problem.closed}
        self.closed = [d in closed for d in range(days)]

        # Steps ------------------------------------------------------------------------
        self.plan_ids = [pl.id for pl in problem.plans]
        self.plan_steps: list[list[int]] = []
        self.step_key: list[tuple[str, str]] = []
        self.st_plan: list[int] = []
        self.st_pos: list[int] = []
        self.st_pat: list[int] = []
        self.st_ther: list[int] = []
        self.st_dur: list[int] = []
        self.st_rest: list[int] = []
        self.st_turn: list[int] = []
        self.st_gsize: list[int] = []
        self.st_pen: list[int] = []
        self.st_target: list[int] = []
        self.st_slack: list[int] = []
        self.st_prev: list[int] = []  # previous step in the plan's list, -1 for the first
        self.st_next: list[int] = []
        self.st_after: list[int] = []
        self.st_min_gap: list[int] = []
        self.st_max_gap: list[int] = []  # NO_LIMIT when none
        self.st_after_deps: list[list[int]] = []
        self.st_spa: list[int] = []
        self.st_spa_deps: list[list[int]] = []
        ther_index = {t.id: i for i, t in enumerate(self.therapies)}
        self.step_index: dict[tuple[str, str], int] = {}
        self.bad_steps: dict[int, str] = {}  # steps referencing unknown data -> why
        for pi, pl in enumerate(problem.plans):
            ids: list[int] = []
            local: dict[str, int] = {}
            pat = self.pat_index.get(pl.patient, -1)
            plan_day = g.date_index(pl.start)
            for pos, st in enumerate(pl.steps):
                i = len(self.st_plan)
                ids.append(i)
                local[st.id] = i
                self.step_index[(pl.id, st.id)] = i
                self.step_key.append((pl.id, st.id))
                th = problem.therapies.get(st.therapy)
                ti = ther_index.get(st.therapy, -1)
                if th is None:
                    self.bad_steps[i] = f"therapy {st.therapy!r} is not defined"
                if pat < 0:
                    self.bad_steps[i] = f"patient {pl.patient!r} is not defined"
                self.st_plan.append(pi)
                self.st_pos.append(pos)
                self.st_pat.append(max(pat, 0))
                self.st_ther.append(ti)
                self.st_dur.append(th.duration_min if th else 0)
                self.st_rest.append(th.patient_rest_after_min if th else 0)
                self.st_turn.append(th.room_turnover_min if th else 0)
                self.st_gsize.append(max(1, th.group_size) if th else 1)
                prio = self.pat_priority[pat] if pat >= 0 else 0
                self.st_pen.append(unscheduled_cost(prio))
                self.st_target.append(plan_day + st.day)
                self.st_slack.append(max(0, st.slack_days))
                self.st_prev.append(ids[pos - 1] if pos > 0 else -1)
                self.st_next.append(-1)
                if pos > 0:
                    self.st_next[ids[pos - 1]] = i
                a = st.after
                ai = local.get(a.step, -1) if a is not None else -1
                self.st_after.append(ai)
                self.st_min_gap.append(a.min_gap_min if a is not None and ai >= 0 else 0)
                self.st_max_gap.append(
                    a.max_gap_min
                    if a is not None and ai >= 0 and a.max_gap_min is not None
                    else NO_LIMIT
                )
                self.st_after_deps.append([])
                if ai >= 0:
                    self.st_after_deps[ai].append(i)
                spa = local.get(st.same_practitioner_as, -1) if st.same_practitioner_as else -1
                self.st_spa.append(spa)
                self.st_spa_deps.append([])
                if spa >= 0:
                    self.st_spa_deps[spa].append(i)
            self.plan_steps.append(ids)
        n = self.n = len(self.st_plan)

        # Previous schedule: pinned steps are fixed; the others are costly to move.
        self.st_prevasg: list[tuple[int, int, int] | None] = [None] * n
        self.st_pinned: list[tuple[int, int, int, int] | None] = [None] * n
        for a in problem.previous:
            i = self.step_index.get((a.plan, a.step))
            if i is None:
                continue
            s = g.parse_instant(a.start)
            p = self.prac_index.get(a.practitioner, -1)
            r = self.room_index.get(a.room, -1)
            if a.pinned:
                self.st_pinned[i] = (s, g.local_of_abs(s)[0], p, r)
            else:
                self.st_prevasg[i] = (s, p, r)

        # Eligible resources per step (skill + gender, room type + gender), ordered so
        # that the least demanded come first: a free choice should not eat a scarce one.
        self._elig_cache: dict[tuple, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self.st_elig_pracs: list[tuple[int, ...]] = []
        self.st_elig_rooms: list[tuple[int, ...]] = []
        for i in range(n):
            pr, rm = self._eligible(i)
            self.st_elig_pracs.append(pr)
            self.st_elig_rooms.append(rm)
        prac_demand = [0.0] * len(self.prac_ids)
        room_demand = [0.0] * len(self.room_ids)
        for i in range(n):
            pr, rm = self.st_elig_pracs[i], self.st_elig_rooms[i]
            for p in pr:
                prac_demand[p] += self.st_dur[i] / len(pr)
            for r in rm:
                room_demand[r] += (self.st_dur[i] + self.st_turn[i]) / len(rm) / self.room_cap[r]
        prac_supply = [
            1.0 + self._weekly_minutes(self.prac_hours[p]) for p in range(len(self.prac_ids))
        ]
        self.prac_rank = [prac_demand[p] / prac_supply[p] for p in range(len(self.prac_ids))]
        self.room_rank = room_demand
        for i in range(n):
            self.st_elig_pracs[i] = tuple(
                sorted(self.st_elig_pracs[i], key=lambda p: (self.prac_rank[p], p))
            )
            self.st_elig_rooms[i] = tuple(
                sorted(self.st_elig_rooms[i], key=lambda r: (self.room_rank[r], r))
            )

        # Static options, computed for every step that is not pinned.
        self._prac_ok_cache: dict[tuple[int, int, int], bytearray] = {}
        self._room_ok_cache: dict[tuple[int, int, int], bytearray] = {}
        self._center_cache: dict[tuple[int, int], list[int]] = {}
        self._tuple_cache: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.st_opts: list[list[tuple]] = [
            [] if self.st_pinned[i] is not None else self.options(i) for i in range(n)
        ]
        self._order_by_pressure()

    def _order_by_pressure(self) -> None:
        """Among options of equal static cost, try first the starts fewest other steps want
        (counted over their cheapest options, each step spreading one unit). Otherwise every
        flexible step would take the earliest slot of the day and crowd out the patients who
        prefer it; the start time breaks remaining ties so the order is deterministic."""
        g = self.grid
        pressure = [0.0] * (len(g.t_abs) + 1)
        for opts in self.st_opts:
            if not opts:
                continue
            best = opts[0][0]
            cheapest = [o for o in opts if o[0] == best]
            w = 1.0 / len(cheapest)
            for o in cheapest:
                pressure[o[3]] += w
        for opts in self.st_opts:
            opts.sort(key=lambda o: (o[0], round(pressure[o[3]], 3), o[1]))

    # -- eligibility ------------------------------------------------------------------------
    def _eligible(self, i: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if i in self.bad_steps:
            return (), ()
        th = self.therapies[self.st_ther[i]]
        pat = self.st_pat[i]
        pg = self.pat_gender[pat]
        key = (self.st_ther[i], pg, self.pat_same_gender[pat])
        cached = self._elig_cache.get(key)
        if cached is None:
            pracs = tuple(
                p
                for p in range(len(self.prac_ids))
                if th.skill in self.prac_skills[p]
                and (not self.pat_same_gender[pat] or self.prac_gender[p] == pg)
            )
            types = set(th.room_types)
            rooms = tuple(
                r
                for r in range(len(self.room_ids))
                if self.room_type[r] in types
                and (self.room_gender[r] is None or self.room_gender[r] == pg)
            )
            cached = self._elig_cache[key] = (pracs, rooms)
        return cached

    @staticmethod
    def _weekly_minutes(sched: list[list[tuple[int, int]]] | None) -> int:
        if not sched:
            return 0
        return sum(b - a for wins in sched for a, b in wins)

    # -- static availability ---------------------------------------------------------------
    def _center_ts(self, d: int, dur: int) -> list[int]:
        """Grid starts on date d where a session of `dur` fits a center window."""
        key = (d, dur)
        ts = self._center_cache.get(key)
        if ts is None:
            g = self.grid
            ends = g.ends_for(dur)
            wins = self.center[d]
            ts = []
            if not self.closed[d]:
                for t in range(g.t_first[d], g.t_first[d + 1]):
                    le = ends[t]
                    if le >= 0 and in_windows(wins, g.t_loc[t], le):
                        ts.append(t)
            self._center_cache[key] = ts
        return ts

    def _prac_ok(self, p: int, d: int, dur: int) -> bytearray:
        """Per grid start of date d (offset t_first[d]): 1 when practitioner p can hold a
        session of `dur` there (inside a shift, no leave or busy overlap)."""
        key = (p, d, dur)
        ok = self._prac_ok_cache.get(key)
        if ok is None:
            g = self.grid
            t0, t1 = g.t_first[d], g.t_first[d + 1]
            ok = bytearray(t1 - t0)
            ends = g.ends_for(dur)
            wins = self.prac_hours[p][d]
            block = self.prac_block[p]
            if wins:
                for t in range(t0, t1):
                    le = ends[t]
                    if le >= 0 and in_windows(wins, g.t_loc[t], le):
                        s = g.t_abs[t]
                        if not block or not _overlaps(block, s, s + dur):
                            ok[t - t0] = 1
            self._prac_ok_cache[key] = ok
        return ok

    def _room_ok(self, r: int, d: int, dur: int) -> bytearray | None:
        """Like _prac_ok for a room's busy intervals; None when the room is never busy.
        `dur` includes the turnover: a busy room interval takes every place (rule 5)."""
        busy = self.room_busy[r]
        if not busy:
            return None
        key = (r, d, dur)
        ok = self._room_ok_cache.get(key)
        if ok is None:
            g = self.grid
            t0, t1 = g.t_first[d], g.t_first[d + 1]
            ok = bytearray(t1 - t0)
            for t in range(t0, t1):
                s = g.t_abs[t]
                if not _overlaps(busy, s, s + dur):
                    ok[t - t0] = 1
            self._room_ok_cache[key] = ok
        return ok

    def _intern(self, tup: tuple[int, ...]) -> tuple[int, ...]:
        return self._tuple_cache.setdefault(tup, tup)

    def step_dates(self, i: int) -> range:
        """Allowed local dates of step i, clipped to the horizon."""
        lo = max(0, self.st_target[i])
        hi = min(self.days - 1, self.st_target[i] + self.st_slack[i])
        return range(lo, hi + 1)

    def options(self, i: int) -> list[tuple]:
        """All statically feasible options of step i, cheapest first."""
        pracs, rooms = self.st_elig_pracs[i], self.st_elig_rooms[i]
        if not pracs or not rooms:
            return []
        g = self.grid
        dur = self.st_dur[i]
        pat = self.st_pat[i]
        hours = self.pat_hours[pat]
        pbusy = self.pat_busy[pat]
        pref = self.pat_pref[pat]
        prev = self.st_prevasg[i]
        ends = g.ends_for(dur)
        t_abs, t_loc = g.t_abs, g.t_loc
        target = self.st_target[i]
        out = []
        for d in self.step_dates(i):
            ts = self._center_ts(d, dur)
            if not ts:
                continue
            t0 = g.t_first[d]
            pok = [(p, self._prac_ok(p, d, dur)) for p in pracs]
            rok = [(r, self._room_ok(r, d, dur + self.st_turn[i])) for r in rooms]
            pwins = hours[d] if hours is not None else None
            slip = slip_cost(d - target)
            for t in ts:
                le = ends[t]
                ls = t_loc[t]
                if pwins is not None and not in_windows(pwins, ls, le):
                    continue
                s = t_abs[t]
                if pbusy and _overlaps(pbusy, s, s + dur):
                    continue
                k = t - t0
                pr = tuple(p for p, ok in pok if ok[k])
                if not pr:
                    continue
                rm = tuple(r for r, ok in rok if ok is None or ok[k])
                if not rm:
                    continue
                cost = slip + preferred_cost(pref, ls, le) + previous_start_cost(prev, s)
                out.append((cost, s, d, t, self._intern(pr), self._intern(rm)))
        out.sort(key=lambda o: (o[0], o[1]))
        return out

    def static_cost(self, i: int, s: int, d: int) -> int:
        """Slip + preferred + moved-start cost of step i starting at elapsed minute s on date d
        (used for pinned steps, whose start need not be on the grid)."""
        g = self.grid
        _, ls = g.local_of_abs(s)
        _, le = g.local_of_abs(s + self.st_dur[i])
        if le == 0 and self.st_dur[i] > 0:
            le = 1440
        cost = slip_cost(d - self.st_target[i]) + preferred_cost(
            self.pat_pref[self.st_pat[i]], ls, le
        )
        return cost
