"""Construction and adaptive large-neighbourhood search with late acceptance."""

from __future__ import annotations

import time
from random import Random

from .repair import Repair
from .state import State

LAHC_LENGTH = 100
MAX_ITERATIONS = 200_000
# Stop early once the best schedule has not improved for this many LNS iterations: it
# makes results reproducible (the stop does not depend on the clock) and small problems fast.
STALL_MIN, STALL_PER_STEP = 100, 4
EXACT_K = 10  # steps freed by the exact move
EXACT_WIDTH = 5  # placements tried per step in its search
EXACT_NODES = 200  # placements tried in all per exact move
RESTART_AFTER = 1200  # iterations without a new best before the search resumes from it
K_MIN, K_MAX = 4, 24
FRONTS_PER_MOVE = 4  # unscheduled plan fronts retried on every move
LNS_BACKTRACK_NODES = 24
OPERATORS = ("blockers", "plan", "day", "practitioner", "room", "random", "window", "exact")
SEGMENT = 60  # iterations between operator weight updates
REACTION = 0.3
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPT = 6.0, 3.0, 1.0


def seed_previous(state: State) -> None:
    """Keep every previous (non-pinned) placement that is still feasible, in plan order."""
    inst = state.inst
    for ids in inst.plan_steps:
        for i in ids:
            if state.asg_s[i] >= 0:
                continue
            prev = inst.st_prevasg[i]
            pv = inst.st_prev[i]
            if prev is None or (pv >= 0 and state.asg_s[pv] < 0):
                break
            s, p, r = prev
            d = inst.grid.local_of_abs(s)[0]
            if p < 0 or r < 0 or not state.feasible(i, s, d, p, r):
                break
            state.insert(i, s, d, p, r, state.static_cost_of(i, s))


def place_pinned(state: State) -> None:
    inst = state.inst
    for i, pin in enumerate(inst.st_pinned):
        if pin is not None:
            s, d, p, r = pin
            state.insert(i, s, d, p, r, inst.static_cost(i, s, d))


def earliest_fit(state: State) -> None:
    """Plans in order, each step at its earliest feasible placement; a plan stops at its first
    step that does not fit (rule 9).

    A second, plain construction: on a few small problems the regret construction's spreading
    of starts leaves a linked chain later in the day than it need be, and the search keeps
    to that shape; solve() starts from whichever construction is cheaper."""
    inst = state.inst
    asg_s = state.asg_s
    for ids in inst.plan_steps:
        for i in ids:
            if asg_s[i] >= 0:
                continue
            if inst.st_pinned[i] is not None or not _place_earliest(state, i):
                break


def _place_earliest(state: State, i: int) -> bool:
    inst = state.inst
    lo, hi = state.window(i)
    prev = inst.st_prevasg[i]
    for sc, s, d, _t, pracs, rooms in sorted(inst.st_opts[i], key=lambda o: o[1]):
        if s < lo:
            continue
        if s > hi:
            return False
        if not state.patient_free(i, s, d):
            continue
        if prev is not None and prev[0] == s:
            # Unchanged start: its previous room and practitioner first (a change costs).
            rooms = sorted(rooms, key=lambda r: r != prev[2])
            pracs = sorted(pracs, key=lambda p: p != prev[1])
        for r in rooms:
            if not state.room_free(i, s, r):
                continue
            for p in pracs:
                if state.practitioner_free(i, s, p, r):
                    state.insert(i, s, d, p, r, sc)
                    return True
    return False


def lower_bound(state: State) -> int:
    """Objective no schedule can beat, computed on a state holding only the pinned steps:
    their costs as they stand, the cheapest static cost of every other step that still has
    a placement next to them, and the penalty of steps (and their successors) that have none.
    """
    inst = state.inst
    lb = 0
    for ids in inst.plan_steps:
        dead = False
        for i in ids:
            if inst.st_pinned[i] is not None:
                lb += state.asg_c[i] if state.asg_s[i] >= 0 else 0
                continue
            opts = inst.st_opts[i]
            if dead or not opts or not state.scan(i, 1):
                dead = True
                lb += inst.st_pen[i]
            else:
                lb += opts[0][0]
    return lb


class Search:
    """Adaptive LNS: destroy a related part of the schedule, repair it by regret insertion,
    accept by late acceptance, remember the best schedule. It runs in slices (`run` until a
    time, then resume), so that searches in other processes can hand it a better schedule
    between slices (`adopt`)."""

    def __init__(self, state: State, rng: Random, lower: int):
        self.st = state
        self.inst = state.inst
        self.rng = rng
        self.lower = lower
        self.repair = Repair(state, rng)
        inst = self.inst
        self.movable = [i for i in range(inst.n) if inst.st_pinned[i] is None and inst.st_opts[i]]
        # Plans with something that can move (others are entirely pinned or hopeless).
        self.plans = sorted({inst.st_plan[i] for i in self.movable})
        self.stall_limit = max(STALL_MIN, STALL_PER_STEP * len(self.movable))
        self.weights = dict.fromkeys(OPERATORS, 1.0)
        self.scores = dict.fromkeys(OPERATORS, 0.0)
        self.uses = dict.fromkeys(OPERATORS, 0)
        self.iterations = 0
        self.since_best = 0
        self.best_obj = state.obj
        self.best = state.snapshot()
        self._restart_from_current()

    # -- helpers ---------------------------------------------------------------------------------
    def _fronts(self) -> list[int]:
        """Unscheduled steps whose predecessor is scheduled and that have options."""
        st, inst = self.st, self.inst
        out = []
        for pi in self.plans:
            for i in inst.plan_steps[pi]:
                if st.asg_s[i] < 0:
                    if inst.st_opts[i] and inst.st_pinned[i] is None:
                        out.append(i)
                    break
        return out

    def _remove(self, steps) -> list[int]:
        st, inst = self.st, self.inst
        removed = []
        for i in steps:
            if st.asg_s[i] >= 0 and inst.st_pinned[i] is None:
                st.remove(i)
                removed.append(i)
        return removed

    def _sample(self, pool, k: int) -> list[int]:
        pool = sorted(pool)
        if len(pool) <= k:
            return pool
        return self.rng.sample(pool, k)

    # -- destroy operators -------------------------------------------------------------------------
    def op_random(self, k: int) -> tuple[list[int], list[int]]:
        st = self.st
        pool = self.rng.sample(self.movable, min(len(self.movable), 3 * k))
        return self._remove([i for i in pool if st.asg_s[i] >= 0][:k]), []

    def op_plan(self, k: int) -> tuple[list[int], list[int]]:
        st, inst, rng = self.st, self.inst, self.rng
        costly = [
            pi
            for pi in self.plans
            if any(st.asg_s[i] < 0 or st.asg_c[i] > 0 for i in inst.plan_steps[pi])
        ]
        pi = rng.choice(costly) if costly and rng.random() < 0.7 else rng.choice(self.plans)
        ids = inst.plan_steps[pi]
        if not ids:
            return [], []
        start = rng.randrange(len(ids)) if rng.random() < 0.5 else 0
        chosen = ids[start : start + max(k, 6)]
        removed = self._remove(chosen)
        extra = [i for i in chosen if st.asg_s[i] < 0]
        return removed, extra

    def op_day(self, k: int) -> tuple[list[int], list[int]]:
        st, rng = self.st, self.rng
        d = rng.randrange(self.inst.days)
        pool = set(st.day_steps[d])
        if rng.random() < 0.5 and d + 1 < self.inst.days:
            pool |= st.day_steps[d + 1]
        return self._remove(self._sample(pool, k)), []

    def _resource_window(self, k: int, attr: list[int], res: int) -> list[int]:
        st, rng = self.st, self.rng
        d0 = rng.randrange(self.inst.days)
        span = rng.choice((1, 2, 3, 7))
        pool = []
        for d in range(d0, min(self.inst.days, d0 + span)):
            pool.extend(i for i in st.day_steps[d] if attr[i] == res)
        return self._sample(pool, k)

    def op_practitioner(self, k: int) -> tuple[list[int], list[int]]:
        p = self.rng.randrange(len(self.inst.prac_ids)) if self.inst.prac_ids else -1
        return self._remove(self._resource_window(k, self.st.asg_p, p)), []

    def op_room(self, k: int) -> tuple[list[int], list[int]]:
        r = self.rng.randrange(len(self.inst.room_ids)) if self.inst.room_ids else -1
        return self._remove(self._resource_window(k, self.st.asg_r, r)), []

    def _costly(self) -> list[int]:
        """Scheduled steps that cost something: slipped, outside preferred, moved from
        previous, or away from their same_practitioner_as partner."""
        st, inst = self.st, self.inst
        asg_s, asg_p, asg_c, spa = st.asg_s, st.asg_p, st.asg_c, inst.st_spa
        return [
            i
            for i in self.movable
            if asg_s[i] >= 0
            and (asg_c[i] > 0 or (spa[i] >= 0 and asg_s[spa[i]] >= 0 and asg_p[spa[i]] != asg_p[i]))
        ]

    def op_blockers(self, k: int) -> tuple[list[int], list[int]]:
        """Pick a costly step (unscheduled, slipped, outside preferred, moved, other
        practitioner) and eject the sessions that block its cheaper placements, together
        with its plan's steps of that day."""
        st, inst, rng = self.st, self.inst, self.rng
        fronts = self._fronts()
        if fronts and rng.random() < 0.7:
            target = rng.choice(fronts)
            current = inst.st_pen[target]
        else:
            costly = self._costly()
            if not costly:
                return self.op_random(k)
            # Weighted by cost: a day's slip (50) is worth ten preferred-window misses (5).
            target = rng.choices(costly, [st.asg_c[i] + 10 for i in costly])[0]
            current = st.asg_c[target]
        spa = inst.st_spa[target]
        want_p = st.asg_p[spa] if spa >= 0 and st.asg_s[spa] >= 0 else -1
        if want_p >= 0 and want_p != st.asg_p[target] and st.asg_s[target] >= 0:
            opts = [o for o in inst.st_opts[target] if want_p in o[4] and o[0] <= current]
        else:
            opts = [o for o in inst.st_opts[target] if o[0] < current]
        if not opts:
            return self.op_random(k)
        cheapest = opts[0][0]
        if rng.random() < 0.5:
            opts = [o for o in opts if o[0] == cheapest]
        picks = [opts[rng.randrange(len(opts))] for _ in range(3)]
        pat = inst.st_pat[target]
        dur = inst.st_dur[target]
        tail = inst.st_rest[target] + inst.st_turn[target]
        blockers = set()
        st_pat, asg_s, asg_p, asg_r = inst.st_pat, st.asg_s, st.asg_p, st.asg_r
        st_dur, st_rest, st_turn = inst.st_dur, inst.st_rest, inst.st_turn
        for _sc, s, d, _t, pracs, rooms in picks:
            e = s + dur + tail
            for j in st.day_steps[d]:
                sj = asg_s[j]
                if (
                    sj < e
                    and s < sj + st_dur[j] + st_rest[j] + st_turn[j]
                    and (st_pat[j] == pat or asg_p[j] in pracs or asg_r[j] in rooms)
                ):
                    blockers.add(j)
        blockers.discard(target)
        chosen = self._sample(blockers, k)
        # The target's plan neighbours on its day move with it (gaps and partners), and so
        # do its later steps of the next day that slipped, often only because it did.
        d0 = st.asg_d[target] if st.asg_s[target] >= 0 else picks[0][2]
        for j in inst.plan_steps[inst.st_plan[target]]:
            if st.asg_s[j] >= 0 and j != target:
                dj = st.asg_d[j]
                if dj == d0 or (dj == d0 + 1 and j > target and st.asg_d[j] > inst.st_target[j]):
                    chosen.append(j)
        if st.asg_s[target] >= 0:
            chosen.append(target)
        removed = self._remove(chosen)
        return removed, [target]

    def op_exact(self, k: int) -> tuple[list[int], list[int]]:
        """Free a costly step's blockers as op_blockers does, then lay the freed steps out
        again by a bounded branch and bound rather than by regret; when that finds nothing
        better than before, hand them to the regret repair as usual."""
        st, inst = self.st, self.inst
        before = st.obj
        removed, extra = self.op_blockers(min(k, EXACT_K))
        steps = sorted(
            {*removed, *(i for i in extra if st.asg_s[i] < 0)},
            key=lambda i: (len(inst.st_opts[i]), i),
        )
        if not steps or len(steps) > 2 * EXACT_K:
            return removed, extra
        # What each step can at best give back: its penalty less its cheapest static cost.
        gain = [inst.st_pen[i] - (inst.st_opts[i][0][0] if inst.st_opts[i] else 0) for i in steps]
        rest_gain = [sum(gain[level:]) for level in range(len(steps) + 1)]
        self._best_obj, self._best_layout, self._nodes = before, None, EXACT_NODES
        self._exact_dfs(steps, 0, rest_gain)
        if self._best_layout is None:
            return removed, extra
        for i, placement in self._best_layout:
            st.insert(i, *placement)
        return [], []

    def _exact_dfs(self, steps: list[int], level: int, rest_gain: list[int]) -> None:
        st = self.st
        if level == len(steps):
            if st.obj < self._best_obj:
                self._best_obj = st.obj
                self._best_layout = [
                    (i, (st.asg_s[i], st.asg_d[i], st.asg_p[i], st.asg_r[i], st.asg_sc[i]))
                    for i in steps
                ]
            return
        if st.obj - rest_gain[level] >= self._best_obj:
            return
        i = steps[level]
        for _c, s, d, p, r, sc in st.scan(i, EXACT_WIDTH):
            self._nodes -= 1
            if self._nodes < 0:
                return
            mark = len(st.log)
            st.insert(i, s, d, p, r, sc)
            self._exact_dfs(steps, level + 1, rest_gain)
            st.undo(mark)

    def op_window(self, k: int) -> tuple[list[int], list[int]]:
        """Everything running in one stretch of a day (swaps between patients)."""
        st, rng = self.st, self.rng
        d = rng.randrange(self.inst.days)
        if not st.day_steps[d]:
            return self.op_random(k)
        pivot = rng.choice(sorted(st.day_steps[d]))
        s0 = st.asg_s[pivot] - rng.choice((30, 60, 120))
        e0 = st.asg_s[pivot] + rng.choice((60, 120, 180))
        pool = [j for j in st.day_steps[d] if s0 <= st.asg_s[j] < e0]
        return self._remove(self._sample(pool, k)), []

    # -- main loop ---------------------------------------------------------------------------------
    def _pick_operator(self) -> str:
        total = sum(self.weights.values())
        x = self.rng.random() * total
        for op in OPERATORS:
            x -= self.weights[op]
            if x <= 0:
                return op
        return OPERATORS[-1]

    def reseeded(self, rng: Random) -> Search:
        """This search with other random choices (for a copy in another process)."""
        self.rng = self.repair.rng = rng
        return self

    def adopt(self, snapshot, objective: int) -> None:
        """Continue from another search's better schedule (its best becomes ours)."""
        self.st.reset_to(snapshot)
        self.best, self.best_obj = snapshot, objective
        self._restart_from_current()
        self.since_best = 0

    def _restart_from_current(self) -> None:
        self.cur = self.st.obj
        self.lahc = [self.cur] * LAHC_LENGTH

    def finished(self) -> bool:
        return (
            not self.movable
            or self.best_obj <= self.lower
            or self.since_best >= self.stall_limit
            or self.iterations >= MAX_ITERATIONS
        )

    def run(self, until: float) -> bool:
        """Search until the clock reaches `until` or the search is finished (stalled,
        at the lower bound, out of iterations); it can be resumed. True when finished."""
        st, rng = self.st, self.rng
        n_mov = len(self.movable)
        k_max = max(K_MIN, min(K_MAX, n_mov // 3))
        while not self.finished():
            if time.perf_counter() >= until:
                return False
            it = self.iterations
            self.iterations = it + 1
            op = self._pick_operator()
            self.uses[op] += 1
            k = rng.randint(K_MIN, k_max) if k_max > K_MIN else k_max
            st.log = []
            removed, extra = getattr(self, "op_" + op)(k)
            pending = set(removed)
            pending.update(extra)
            fronts = self._fronts()
            if len(fronts) > FRONTS_PER_MOVE:
                fronts = rng.sample(fronts, FRONTS_PER_MOVE)
            pending.update(fronts)
            self.repair.run(
                pending,
                noise=rng.choice((0.0, 0.0, 5.0, 20.0)),
                backtrack_nodes=LNS_BACKTRACK_NODES,
            )
            new = st.obj
            v = it % LAHC_LENGTH
            if new <= self.cur or new <= self.lahc[v]:
                if new < self.best_obj:
                    self.scores[op] += SCORE_BEST
                    self.best_obj = new
                    self.best = st.snapshot()
                    self.since_best = 0
                elif new < self.cur:
                    self.scores[op] += SCORE_BETTER
                    self.since_best += 1
                else:
                    self.scores[op] += SCORE_ACCEPT
                    self.since_best += 1
                self.cur = new
            else:
                st.undo()
                self.since_best += 1
            self.lahc[v] = self.cur
            st.log = None
            since = self.since_best
            if since and since % RESTART_AFTER == 0 and self.cur > self.best_obj:
                # Late acceptance has drifted without finding better: go back to the best.
                st.reset_to(self.best)
                self._restart_from_current()
            if (it + 1) % SEGMENT == 0:
                for o in OPERATORS:
                    if self.uses[o]:
                        rate = self.scores[o] / self.uses[o]
                        self.weights[o] = max(
                            0.05, (1 - REACTION) * self.weights[o] + REACTION * rate
                        )
                    self.scores[o] = 0.0
                    self.uses[o] = 0
        return True
