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


def _first(item: tuple) -> int:
    return item[0]


class State:
    """One schedule under construction.

    Occupancy is one bytearray per resource with a byte per elapsed minute, so a
    feasibility test is a C-speed `find` over the session's minutes:
    - a patient is taken over [start, end + rest) (rule 6),
    - a practitioner over [start, end), once per group occurrence (rule 4),
    - a room counts patients over [start, end + turnover) up to its capacity (rule 5).
    `obj` is the objective, kept up to date by insert/remove (delta scoring). When `log`
    is a list, every change is appended so that a rejected move can be undone.
    """

    def __init__(self, inst: Instance):
        self.inst = inst
        h = inst.horizon_min
        days = inst.days
        self.h = h
        self.ones = memoryview(b"\x01" * h)  # views: a slice of them copies nothing
        self.zeros = memoryview(bytes(h))
        self.pat_occ = [bytearray(h) for _ in inst.pat_ids]
        self.prac_occ = [bytearray(h) for _ in inst.prac_ids]
        self.room_occ = [bytearray(h) for _ in inst.room_ids]
        self.pat_day = [[0] * days for _ in inst.pat_ids]
        self.load = [[0] * days for _ in inst.prac_ids]
        n = inst.n
        self.asg_s = [-1] * n
        self.asg_d = [-1] * n
        self.asg_p = [-1] * n
        self.asg_r = [-1] * n
        self.asg_sc = [0] * n  # static part of the step's own cost
        self.asg_c = [0] * n  # static part + previous-resource part
        # Group occurrences: (therapy, prac, room, start) -> patients in it, and the
        # (prac, room) pairs of occurrences by (therapy, start) for joining.
        self.groups: dict[tuple[int, int, int, int], int] = {}
        self.group_at: dict[tuple[int, int], set[tuple[int, int]]] = {}
        self.day_steps: list[set[int]] = [set() for _ in range(days)]
        self.obj = sum(inst.st_pen)
        self.n_sched = 0
        self.log: list | None = None

    # -- occupancy helpers -----------------------------------------------------------------
    def _clip(self, a: int, b: int) -> tuple[int, int]:
        return max(0, a), min(self.h, b)

    def _set(self, occ: bytearray, a: int, b: int, on: bool) -> None:
        if a < 0 or b > self.h:  # only a pinned session can reach outside the horizon
            a, b = self._clip(a, b)
        if b > a:
            occ[a:b] = self.ones[: b - a] if on else self.zeros[: b - a]

    def _count(self, occ: bytearray, a: int, b: int, delta: int) -> None:
        if a < 0 or b > self.h:
            a, b = self._clip(a, b)
        if b > a:
            # One C-level byte translation adds or removes a patient on every minute at once.
            occ[a:b] = occ[a:b].translate(_PLUS_ONE if delta > 0 else _MINUS_ONE)

    # -- moves -------------------------------------------------------------------------------
    def insert(self, i: int, s: int, d: int, p: int, r: int, sc: int) -> None:
        """Place step i at elapsed minute s on date d with practitioner p in room r."""
        inst = self.inst
        dur = inst.st_dur[i]
        e = s + dur
        pat = inst.st_pat[i]
        self._set(self.pat_occ[pat], s, e + inst.st_rest[i], True)
        inside = 0 <= d < inst.days
        if inside:
            self.pat_day[pat][d] += 1
            self.day_steps[d].add(i)
        delta = sc - inst.st_pen[i]
        pinned = inst.st_pinned[i] is not None
        own = sc + (0 if pinned else previous_resource_cost(inst.st_prevasg[i], s, p, r))
        delta += own - sc
        new_occurrence = True
        if inst.st_gsize[i] > 1:
            key = (inst.st_ther[i], p, r, s)
            c = self.groups.get(key, 0)
            self.groups[key] = c + 1
            if c == 0:
                self.group_at.setdefault((inst.st_ther[i], s), set()).add((p, r))
            else:
                new_occurrence = False
        if p >= 0:
            if new_occurrence:
                self._set(self.prac_occ[p], s, e, True)
                if inside:
                    ld = self.load[p]
                    old = ld[d]
                    ld[d] = old + dur
                    soft = inst.prac_soft[p]
                    delta += overtime_cost(old + dur, soft) - overtime_cost(old, soft)
            spa = inst.st_spa[i]
            if spa >= 0 and self.asg_s[spa] >= 0:
                delta += same_practitioner_cost(p, self.asg_p[spa])
            for j in inst.st_spa_deps[i]:
                if self.asg_s[j] >= 0:
                    delta += same_practitioner_cost(p, self.asg_p[j])
        if r >= 0:
            if inst.room_cap[r] == 1:
                self._set(self.room_occ[r], s, e + inst.st_turn[i], True)
            else:
                self._count(self.room_occ[r], s, e + inst.st_turn[i], 1)
        self.asg_s[i] = s
        self.asg_d[i] = d
        self.asg_p[i] = p
        self.asg_r[i] = r
        self.asg_sc[i] = sc
        self.asg_c[i] = own
        self.obj += delta
        self.n_sched += 1
        if self.log is not None:
            self.log.append((0, i))

    def remove(self, i: int) -> None:
        """Unschedule step i (exact inverse of insert)."""
        inst = self.inst
        s, d, p, r, sc = self.asg_s[i], self.asg_d[i], self.asg_p[i], self.asg_r[i], self.asg_sc[i]
        if self.log is not None:
            self.log.append((1, i, s, d, p, r, sc))
        dur = inst.st_dur[i]
        e = s + dur
        pat = inst.st_pat[i]
        self._set(self.pat_occ[pat], s, e + inst.st_rest[i], False)
        inside = 0 <= d < inst.days
        if inside:
            self.pat_day[pat][d] -= 1
            self.day_steps[d].discard(i)
        delta = inst.st_pen[i] - self.asg_c[i]
        last_member = True
        if inst.st_gsize[i] > 1:
            key = (inst.st_ther[i], p, r, s)
            c = self.groups[key] - 1
            if c == 0:
                del self.groups[key]
                at = self.group_at[(inst.st_ther[i], s)]
                at.discard((p, r))
                if not at:
                    del self.group_at[(inst.st_ther[i], s)]
            else:
                self.groups[key] = c
                last_member = False
        self.asg_s[i] = -1
        if p >= 0:
            if last_member:
                self._set(self.prac_occ[p], s, e, False)
                if inside:
                    ld = self.load[p]
                    old = ld[d]
                    ld[d] = old - dur
                    soft = inst.prac_soft[p]
                    delta += overtime_cost(old - dur, soft) - overtime_cost(old, soft)
            spa = inst.st_spa[i]
            if spa >= 0 and self.asg_s[spa] >= 0:
                delta -= same_practitioner_cost(p, self.asg_p[spa])
            for j in inst.st_spa_deps[i]:
                if self.asg_s[j] >= 0:
                    delta -= same_practitioner_cost(p, self.asg_p[j])
        if r >= 0:
            if inst.room_cap[r] == 1:
                self._set(self.room_occ[r], s, e + inst.st_turn[i], False)
            else:
                self._count(self.room_occ[r], s, e + inst.st_turn[i], -1)
        self.asg_d[i] = -1
        self.asg_p[i] = -1
        self.asg_r[i] = -1
        self.obj += delta
        self.n_sched -= 1

    def undo(self, mark: int = 0) -> None:
        """Revert logged changes back to log position `mark`."""
        log = self.log
        self.log = None
        while len(log) > mark:
            entry = log.pop()
            if entry[0] == 0:
                self.remove(entry[1])
            else:
                _, i, s, d, p, r, sc = entry
                self.insert(i, s, d, p, r, sc)
        self.log = log

    def reset_to(self, snapshot) -> None:
        """Make this schedule equal to `snapshot` (pinned steps stay as they are)."""
        pinned = self.inst.st_pinned
        for i, current in enumerate(self.snapshot()):
            if current is not None and pinned[i] is None and current != snapshot[i]:
                self.remove(i)
        for i, a in enumerate(snapshot):
            if a is not None and self.asg_s[i] < 0:
                self.insert(i, *a)

    # -- queries -------------------------------------------------------------------------------
    def snapshot(self) -> list[tuple[int, int, int, int, int] | None]:
        return [
            (s, self.asg_d[i], self.asg_p[i], self.asg_r[i], self.asg_sc[i]) if s >= 0 else None
            for i, s in enumerate(self.asg_s)
        ]

    def window(self, i: int) -> tuple[int, int]:
        """Bounds [lo, hi] on step i's start from its scheduled plan neighbours (rule 8)."""
        inst = self.inst
        asg_s = self.asg_s
        st_dur = inst.st_dur
        dur = st_dur[i]
        lo, hi = -INF, INF
        pv = inst.st_prev[i]
        if pv >= 0 and asg_s[pv] >= 0:
            lo = asg_s[pv] + st_dur[pv]
        a = inst.st_after[i]
        if a >= 0 and asg_s[a] >= 0:
            ea = asg_s[a] + st_dur[a]
            lo = max(lo, ea + inst.st_min_gap[i])
            mg = inst.st_max_gap[i]
            if mg != NO_LIMIT:
                hi = min(hi, ea + mg)
        nx = inst.st_next[i]
        if nx >= 0 and asg_s[nx] >= 0:
            hi = min(hi, asg_s[nx] - dur)
        for j in inst.st_after_deps[i]:
            sj = asg_s[j]
            if sj >= 0:
                hi = min(hi, sj - inst.st_min_gap[j] - dur)
                mg = inst.st_max_gap[j]
                if mg != NO_LIMIT:
                    lo = max(lo, sj - mg - dur)
        return lo, hi

    def scan(self, i: int, k: int = 2, all_pracs: bool = False) -> list[tuple]:
        """Up to k cheapest feasible placements of step i now, cheapest first, as tuples
        (total_cost_delta, start, date, prac, room, static_cost). Best (prac, room) per start,
        or with `all_pracs` one placement per free practitioner at each start.

        The cost is what inserting adds to the objective apart from removing the
        unscheduled penalty. Options come sorted by static cost and every other part is
        >= 0, so the scan stops once static cost alone cannot beat the k-th best.
        """
        inst = self.inst
        opts = inst.st_opts[i]
        if not opts:
            return []
        lo, hi = self.window(i)
        dur = inst.st_dur[i]
        rest = inst.st_rest[i]
        turn = inst.st_turn[i]
        pat = inst.st_pat[i]
        pocc = self.pat_occ[pat]
        pday = self.pat_day[pat]
        maxd = inst.pat_maxd[pat]
        asg_s, asg_p = self.asg_s, self.asg_p
        spa = inst.st_spa[i]
        spa_p = asg_p[spa] if spa >= 0 and asg_s[spa] >= 0 else -1
        dep_ps = [asg_p[j] for j in inst.st_spa_deps[i] if asg_s[j] >= 0]
        has_link = spa_p >= 0 or bool(dep_ps)
        prev = inst.st_prevasg[i]
        prev_s = prev[0] if prev is not None else -1
        prac_occ, room_occ = self.prac_occ, self.room_occ
        load, soft_of = self.load, inst.prac_soft
        room_cap = inst.room_cap
        gsize = inst.st_gsize[i]
        ther = inst.st_ther[i]
        found: list[tuple] = []
        worst = INF
        for sc, s, d, _t, pracs, rooms in opts:
            if sc >= worst:
                break
            if s < lo or s > hi or pday[d] >= maxd:
                continue
            e = s + dur
            if pocc.find(1, s, e + rest) >= 0:
                continue
            best_c = INF
            best_p = best_r = -1
            ee = e + turn
            # Join an existing group occurrence (no extra practitioner time).
            if gsize > 1:
                occs = self.group_at.get((ther, s))
                if occs:
                    for p, r in occs:
                        if (
                            self.groups[(ther, p, r, s)] < gsize
                            and p in pracs
                            and r in rooms
                            and room_occ[r].find(room_cap[r], s, ee) < 0
                        ):
                            c = 0
                            if has_link:
                                if spa_p >= 0 and p != spa_p:
                                    c += OTHER_PRACTITIONER
                                for q in dep_ps:
                                    if q != p:
                                        c += OTHER_PRACTITIONER
                            if s == prev_s and (p != prev[1] or r != prev[2]):
                                c += MOVED_RESOURCE
                            if c < best_c:
                                best_c, best_p, best_r = c, p, r
            # A free room (first in scarcity order; the previous room when it matters).
            room = -1
            for r in rooms:
                if room_occ[r].find(room_cap[r], s, ee) < 0:
                    room = r
                    break
            if room >= 0:
                if s == prev_s and prev[2] != room and prev[2] in rooms:
                    pr = prev[2]
                    if room_occ[pr].find(room_cap[pr], s, ee) < 0:
                        room = pr
                for p in pracs:
                    if prac_occ[p].find(1, s, e) >= 0:
                        continue
                    c = 0
                    if has_link:
                        if spa_p >= 0 and p != spa_p:
                            c += OTHER_PRACTITIONER
                        for q in dep_ps:
                            if q != p:
                                c += OTHER_PRACTITIONER
                    old = load[p][d]
                    soft = soft_of[p]
                    if old + dur > soft:
                        c += overtime_cost(old + dur, soft) - overtime_cost(old, soft)
                    if s == prev_s and (p != prev[1] or room != prev[2]):
                        c += MOVED_RESOURCE
                    if all_pracs:
                        total = sc + c
                        if total < worst:
                            found.append((total, s, d, p, room, sc))
                            found.sort(key=_first)
                            if len(found) > k:
                                found.pop()
                            if len(found) == k:
                                worst = found[-1][0]
                        continue
                    if c < best_c:
                        best_c, best_p, best_r = c, p, room
                        if c == 0:
                            break
            if best_p < 0:
                continue
            total = sc + best_c
            if total < worst:
                cand = (total, s, d, best_p, best_r, sc)
                # insertion into the short sorted list
                pos = len(found)
                while pos > 0 and found[pos - 1][0] > total:
                    pos -= 1
                found.insert(pos, cand)
                if len(found) > k:
                    found.pop()
                if len(found) == k:
                    worst = found[-1][0]
        return found

    def feasible(self, i: int, s: int, d: int, p: int, r: int) -> bool:
        """Can step i be placed exactly so, now (statically and dynamically)?"""
        inst = self.inst
        lo, hi = self.window(i)
        if s < lo or s > hi:
            return False
        ok = False
        for _sc, s2, _d2, _t, pracs, rooms in inst.st_opts[i]:
            if s2 == s and p in pracs and r in rooms:
                ok = True
                break
        return (
            ok
            and self.patient_free(i, s, d)
            and self.room_free(i, s, r)
            and self.practitioner_free(i, s, p, r)
        )

    def patient_free(self, i: int, s: int, d: int) -> bool:
        """The patient is under their day limit and free, with rest, for step i at s."""
        inst = self.inst
        pat = inst.st_pat[i]
        if self.pat_day[pat][d] >= inst.pat_maxd[pat]:
            return False
        return self.pat_occ[pat].find(1, s, s + inst.st_dur[i] + inst.st_rest[i]) < 0

    def room_free(self, i: int, s: int, r: int) -> bool:
        """Room r has a place for step i at s, until its turnover ends."""
        inst = self.inst
        end = s + inst.st_dur[i] + inst.st_turn[i]
        return self.room_occ[r].find(inst.room_cap[r], s, end) < 0

    def practitioner_free(self, i: int, s: int, p: int, r: int) -> bool:
        """Practitioner p is free for step i at s, or holds a group occurrence of its therapy
        in room r then with a place left."""
        inst = self.inst
        if inst.st_gsize[i] > 1:
            c = self.groups.get((inst.st_ther[i], p, r, s), 0)
            if c:
                return c < inst.st_gsize[i]
        return self.prac_occ[p].find(1, s, s + inst.st_dur[i]) < 0

    def static_cost_of(self, i: int, s: int) -> int:
        for sc, s2, _d, _t, _p, _r in self.inst.st_opts[i]:
            if s2 == s:
                return sc
        return 0
