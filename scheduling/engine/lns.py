"""Construction and adaptive large-neighbourhood search with late acceptance."""

from __future__ import annotations

import time
from random import Random

from .instance import NO_LIMIT, Option
from .repair import Repair
from .state import INF, State

LAHC_LENGTH = 100
MAX_ITERATIONS = 200_000
# Stop early once the best schedule has not improved for this many LNS iterations: it
# makes results reproducible (the stop does not depend on the clock) and small problems fast.
STALL_MIN, STALL_PER_STEP = 100, 4
EXACT_K = 10  # steps freed by the exact move
EXACT_WIDTH = 5  # placements tried per step in its search
EXACT_NODES = 200  # placements tried in all per exact move
FIRST_FIT_NODES_PER_STEP = 3  # placements first fit may try per step of a plan, backtracking
RESTART_AFTER = 1200  # iterations without a new best before the search resumes from it
K_MIN, K_MAX = 4, 24
FRONTS_PER_MOVE = 4  # unscheduled plan fronts retried on every move
LNS_BACKTRACK_NODES = 24
LNS_LOOKAHEAD_SHARE = 1.0  # of LNS repairs that look ahead along linked steps
OPERATORS = (
    "blockers",
    "plan",
    "day",
    "practitioner",
    "room",
    "random",
    "window",
    "exact",
    "partners",
    "slipped",
    "forced",
    "eject",
    "kempe",
    "swap",
    "shift_day",
)
SCARCE_RESOURCES = 3  # of a slipped step's rooms and of its practitioners, the most demanded
SLIPPED_MAX = 24  # sessions holding them freed at most by the slipped-step move
FORCED_PICKS = 12  # of a costly step's cheaper options, those weighed by the forced move
FORCED_TRIES = 3  # of them, the fewest-blocker ones tried until one frees up
MEND_TRIES = 8  # the same when mending a construction's plan fronts
MEND_DEPTH = 4  # fronts forced in one after another by one ejection chain
DAY_WIDTH = 8  # placements per step, fewest sessions in the way first, tried for a whole day
DAY_NODES = 400  # placements tried in all when forcing a whole day of a plan in
PARTNER_CANDIDATES = 6  # practitioners tried for a same-practitioner group
SWAP_CANDIDATES = 12  # other patients' days of sessions tried by one swap move
SEGMENT = 60  # iterations between operator weight updates
REACTION = 0.3
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPT = 6.0, 3.0, 1.0


def seed_previous(state: State) -> None:
    """Keep every previous (non-pinned) placement that is still feasible, in plan order."""
    inst = state.inst
    for ids in inst.plan_steps:
        for i in ids:
            if state.step_start[i] >= 0:
                continue
            previous = inst.step_previous[i]
            predecessor = inst.step_predecessor[i]
            if previous is None or (predecessor >= 0 and state.step_start[predecessor] < 0):
                break
            s, p, r = previous
            d = inst.grid.local_of_abs(s)[0]
            if p < 0 or r < 0 or not state.feasible(i, s, d, p, r):
                break
            state.insert(i, s, d, p, r, state.static_cost_of(i, s))


def place_pinned(state: State) -> None:
    inst = state.inst
    for i, pin in enumerate(inst.step_pinned):
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
    step_start = state.step_start
    for ids in inst.plan_steps:
        for i in ids:
            if step_start[i] >= 0:
                continue
            if inst.step_pinned[i] is not None or not _place_earliest(state, i):
                break


def first_fit_rest(state: State) -> None:
    """Every plan's unscheduled steps in list order, each at the first of its options (cheapest
    static cost first) that is free now; a step that fits nowhere moves its predecessors on to
    their next free options (a few tries each), else its plan stops there (rule 9).

    The fastest complete rule, for what a construction cut short by the clock did not reach:
    a step is left out only when nothing fits it, never for want of time."""
    inst = state.inst
    step_start = state.step_start
    logging = state.undo_log is not None
    if not logging:
        state.undo_log = []
    for ids in inst.plan_steps:
        rest = [i for i in ids if step_start[i] < 0]
        if not rest or inst.step_pinned[rest[0]] is not None:
            continue
        nodes = [FIRST_FIT_NODES_PER_STEP * len(rest)]
        _first_fit_chain(state, rest, 0, nodes)
    if not logging:
        state.undo_log = None


def _first_fit_chain(state: State, steps: list[int], level: int, nodes: list[int]) -> int:
    """Place steps[level:] by first fit, backtracking while `nodes` (a one-item counter)
    lasts; how many of `steps` end up placed, the state holding the longest prefix found."""
    if level == len(steps) or state.inst.step_pinned[steps[level]] is not None:
        return level
    best, kept = level, []
    for s, d, p, r, static_cost in _first_fits(state, steps[level]):
        nodes[0] -= 1
        mark = len(state.undo_log)
        state.insert(steps[level], s, d, p, r, static_cost)
        reached = _first_fit_chain(state, steps, level + 1, nodes)
        if reached == len(steps):
            return reached
        if reached > best:
            best, kept = reached, [(j, *_placement(state, j)) for j in steps[level:reached]]
        state.undo(mark)
        if nodes[0] <= 0:
            break
    for j, s, d, p, r, static_cost in kept:
        state.insert(j, s, d, p, r, static_cost)
    return best


def _placement(state: State, j: int) -> tuple[int, int, int, int, int]:
    return (
        state.step_start[j],
        state.step_date[j],
        state.step_practitioner[j],
        state.step_room[j],
        state.step_static_cost[j],
    )


def _first_with(state: State, i: int, practitioner: int) -> tuple | None:
    """Step i's first option (cheapest static cost first) where `practitioner` and a room
    are free now, as (start, date, practitioner, room, static cost); None if there is none."""
    lo, hi = state.start_bounds(i)
    for static_cost, s, d, _t, pracs, rooms in state.inst.step_options[i]:
        if practitioner not in pracs or s < lo or s > hi or not state.patient_free(i, s, d):
            continue
        r = state.free_room(i, s, rooms)
        if r >= 0 and state.practitioner_free(i, s, practitioner, r):
            return s, d, practitioner, r, static_cost
    return None


def _first_fits(state: State, i: int):
    """Step i's placements free now in first-fit order, one per start (the first free room,
    the first free practitioner)."""
    lo, hi = state.start_bounds(i)
    for static_cost, s, d, _t, pracs, rooms in state.inst.step_options[i]:
        if s < lo or s > hi or not state.patient_free(i, s, d):
            continue
        r = state.free_room(i, s, rooms)
        if r < 0:
            continue
        for p in pracs:
            if state.practitioner_free(i, s, p, r):
                yield s, d, p, r, static_cost
                break


def _place_earliest(state: State, i: int) -> bool:
    inst = state.inst
    lo, hi = state.start_bounds(i)
    previous = inst.step_previous[i]
    for static_cost, s, d, _t, pracs, rooms in sorted(inst.step_options[i], key=lambda o: o[1]):
        if s < lo:
            continue
        if s > hi:
            return False
        if not state.patient_free(i, s, d):
            continue
        if previous is not None and previous[0] == s:
            # Unchanged start: its previous room and practitioner first (a change costs).
            rooms = sorted(rooms, key=lambda r: r != previous[2])
            pracs = sorted(pracs, key=lambda p: p != previous[1])
        for r in rooms:
            if not state.room_free(i, s, r):
                continue
            for p in pracs:
                if state.practitioner_free(i, s, p, r):
                    state.insert(i, s, d, p, r, static_cost)
                    return True
    return False


def lower_bound(state: State) -> int:
    """Objective no schedule can beat, computed on a state holding only the pinned steps:
    their costs as they stand, the cheapest static cost of every other step that still has
    a placement next to them, and the penalty of steps (and their successors) that have none.
    """
    inst = state.inst
    bound = 0
    for ids in inst.plan_steps:
        dead = False  # an earlier step of the plan can never be placed
        for i in ids:
            if inst.step_pinned[i] is not None:
                bound += state.step_own_cost[i] if state.step_start[i] >= 0 else 0
                continue
            options = inst.step_options[i]
            if dead or not options or not state.cheapest_placements(i, 1):
                dead = True
                bound += inst.step_unscheduled_cost[i]
            else:
                bound += options[0][0]
    return bound


class Search:
    """Adaptive LNS: destroy a related part of the schedule, repair it by regret insertion,
    accept by late acceptance, remember the best schedule. It runs in slices (`run` until a
    time, then resume), so that searches in other processes can hand it a better schedule
    between slices (`adopt`)."""

    def __init__(self, state: State, rng: Random, lower: int):
        self.state = state
        self.inst = state.inst
        self.rng = rng
        self.lower = lower
        self.repair = Repair(state, rng)
        inst = self.inst
        self.all_movable = [
            i for i in range(inst.n_steps) if inst.step_pinned[i] is None and inst.step_options[i]
        ]
        self.focus(None)
        self.stall_limit = max(STALL_MIN, STALL_PER_STEP * len(self.movable))
        self.weights = dict.fromkeys(OPERATORS, 1.0)
        self.scores = dict.fromkeys(OPERATORS, 0.0)
        self.uses = dict.fromkeys(OPERATORS, 0)
        self.iterations = 0
        self.since_best = 0
        # When set, runs mend plan fronts (mend_fronts) before searching, until then or until
        # no front gets in.
        self.mend_until: float | None = None
        self.best_objective = state.objective
        self.best = state.snapshot()
        self._restart_from_current()

    def focus(self, dates: range | None, owner: list[int] | None = None, mine: int = 0) -> None:
        """Search only `dates` (all when None): only the steps `owner` gives to `mine` move,
        and only to starts on those dates. Searches in other processes focus on the other
        dates at the same time; their schedules then merge into one (see `merge`), since
        sessions on different dates share no practitioner, room or patient time."""
        inst, state = self.inst, self.state
        if dates is None:
            state.window = (-INF, INF)
            self.in_focus = [True] * inst.n_steps
            self.dates = range(inst.days)
        else:
            grid = inst.grid
            lo = -INF if dates.start == 0 else grid.abs_of_local(dates.start, 0)
            hi = INF if dates.stop >= inst.days else grid.abs_of_local(dates.stop, 0) - 1
            state.window = (lo, hi)
            self.in_focus = [o == mine for o in owner]
            self.dates = dates
        in_focus = self.in_focus
        self.movable = [i for i in self.all_movable if in_focus[i]]
        # Plans with something that can move (others are entirely pinned or hopeless).
        self.plans = sorted({inst.step_plan[i] for i in self.movable})
        self.plan_last = [inst.plan_steps[pi][-1] for pi in self.plans]
        # Steps with a same_practitioner_as partner (their cost is not in step_own_cost).
        self.partnered = [i for i in self.movable if inst.step_same_practitioner_as[i] >= 0]

    def merge(self, other, owner: list[int], theirs: int) -> None:
        """Take from the schedule `other` (a snapshot) the steps `owner` gives to `theirs`,
        into the current schedule: each goes in only where it still fits (its neighbours in
        its plan may have moved meanwhile), and a plan that thereby loses a step loses the
        rest after it (rule 9)."""
        state, inst = self.state, self.inst
        window, state.window = state.window, (-INF, INF)
        mine = state.snapshot()
        changed = [i for i, o in enumerate(owner) if o == theirs and mine[i] != other[i]]
        for i in changed:
            if state.step_start[i] >= 0:
                state.remove(i)
        step_start, predecessor = state.step_start, inst.step_predecessor
        for i in changed:  # steps are numbered in plan order
            placement = other[i]
            if placement is None or (predecessor[i] >= 0 and step_start[predecessor[i]] < 0):
                continue
            s, d, p, r, static_cost = placement
            if state.feasible(i, s, d, p, r):
                state.insert(i, s, d, p, r, static_cost)
        self.repair.close_gaps({inst.step_plan[i] for i in changed})
        state.window = window

    # -- helpers ---------------------------------------------------------------------------------
    def _fronts(self) -> list[int]:
        """Unscheduled steps whose predecessor is scheduled and that have options."""
        state, inst = self.state, self.inst
        step_start = state.step_start
        out = []
        # A plan is scheduled as a prefix (rule 9): only one whose last step is unscheduled
        # has a front. (Steps a destroy operator just removed are pending anyway.)
        for pi, last in zip(self.plans, self.plan_last, strict=True):
            if step_start[last] < 0:
                for i in inst.plan_steps[pi]:
                    if step_start[i] < 0:
                        if inst.step_options[i] and inst.step_pinned[i] is None:
                            out.append(i)
                        break
        return out

    def _remove(self, steps) -> list[int]:
        state, inst = self.state, self.inst
        removed = []
        in_focus = self.in_focus
        for i in steps:
            if state.step_start[i] >= 0 and inst.step_pinned[i] is None and in_focus[i]:
                state.remove(i)
                removed.append(i)
        return removed

    def _sample(self, pool, k: int) -> list[int]:
        pool = sorted(pool)
        if len(pool) <= k:
            return pool
        return self.rng.sample(pool, k)

    # -- destroy operators -------------------------------------------------------------------------
    def op_random(self, k: int) -> tuple[list[int], list[int]]:
        state = self.state
        pool = self.rng.sample(self.movable, min(len(self.movable), 3 * k))
        return self._remove([i for i in pool if state.step_start[i] >= 0][:k]), []

    def op_plan(self, k: int) -> tuple[list[int], list[int]]:
        state, inst, rng = self.state, self.inst, self.rng
        costly = [
            pi
            for pi in self.plans
            if any(
                state.step_start[i] < 0 or state.step_own_cost[i] > 0 for i in inst.plan_steps[pi]
            )
        ]
        pi = rng.choice(costly) if costly and rng.random() < 0.7 else rng.choice(self.plans)
        ids = inst.plan_steps[pi]
        if not ids:
            return [], []
        start = rng.randrange(len(ids)) if rng.random() < 0.5 else 0
        chosen = ids[start : start + max(k, 6)]
        removed = self._remove(chosen)
        extra = [i for i in chosen if state.step_start[i] < 0]
        return removed, extra

    def op_day(self, k: int) -> tuple[list[int], list[int]]:
        state, rng = self.state, self.rng
        d = rng.choice(self.dates)
        pool = set(state.steps_on_date[d])
        if rng.random() < 0.5 and d + 1 < self.dates.stop:
            pool |= state.steps_on_date[d + 1]
        return self._remove(self._sample(pool, k)), []

    def _resource_window(self, k: int, attr: list[int], res: int) -> list[int]:
        state, rng = self.state, self.rng
        d0 = rng.choice(self.dates)
        span = rng.choice((1, 2, 3, 7))
        pool = []
        for d in range(d0, min(self.dates.stop, d0 + span)):
            pool.extend(i for i in state.steps_on_date[d] if attr[i] == res)
        return self._sample(pool, k)

    def op_practitioner(self, k: int) -> tuple[list[int], list[int]]:
        p = (
            self.rng.randrange(len(self.inst.practitioner_ids))
            if self.inst.practitioner_ids
            else -1
        )
        return self._remove(self._resource_window(k, self.state.step_practitioner, p)), []

    def op_room(self, k: int) -> tuple[list[int], list[int]]:
        r = self.rng.randrange(len(self.inst.room_ids)) if self.inst.room_ids else -1
        return self._remove(self._resource_window(k, self.state.step_room, r)), []

    def _costly(self) -> list[int]:
        """Scheduled steps that cost something: slipped, outside preferred, moved from
        previous, or away from their same_practitioner_as partner."""
        state, inst = self.state, self.inst
        step_start, step_practitioner = state.step_start, state.step_practitioner
        own_cost, partner_of = state.step_own_cost, inst.step_same_practitioner_as
        costly = [i for i in self.movable if own_cost[i] > 0 and step_start[i] >= 0]
        costly += [
            i
            for i in self.partnered
            if own_cost[i] == 0
            and step_start[i] >= 0
            and step_start[partner_of[i]] >= 0
            and step_practitioner[partner_of[i]] != step_practitioner[i]
        ]
        return costly

    def op_blockers(self, k: int) -> tuple[list[int], list[int]]:
        """Pick a costly step (unscheduled, slipped, outside preferred, moved, other
        practitioner) and eject the sessions that block its cheaper placements, together
        with its plan's steps of that day."""
        state, inst, rng = self.state, self.inst, self.rng
        fronts = self._fronts()
        if fronts and rng.random() < 0.7:
            target = rng.choice(fronts)
            current = inst.step_unscheduled_cost[target]
        else:
            costly = self._costly()
            if not costly:
                return self.op_random(k)
            # Weighted by cost: a day's slip (50) is worth ten preferred-window misses (5).
            target = rng.choices(costly, [state.step_own_cost[i] + 10 for i in costly])[0]
            current = state.step_own_cost[target]
        options = self._cheaper_options(target, current)
        if not options:
            return self.op_random(k)
        cheapest = options[0][0]
        if rng.random() < 0.5:
            options = [o for o in options if o[0] == cheapest]
        picks = [options[rng.randrange(len(options))] for _ in range(3)]
        chosen = self._sample(self._blockers(target, picks, self._partner_practitioner(target)), k)
        # The target's plan neighbours on its day move with it (gaps and partners), and so
        # do its later steps of the next day that slipped, often only because it did.
        target_date = state.step_date[target] if state.step_start[target] >= 0 else picks[0][2]
        for j in inst.plan_steps[inst.step_plan[target]]:
            if state.step_start[j] >= 0 and j != target:
                dj = state.step_date[j]
                if dj == target_date or (
                    dj == target_date + 1 and j > target and dj > inst.step_target_date[j]
                ):
                    chosen.append(j)
        if state.step_start[target] >= 0:
            chosen.append(target)
        removed = self._remove(chosen)
        return removed, [target]

    def _cheaper_options(self, target: int, current: int) -> list[Option]:
        """The target step's options cheaper than its `current` cost; when it is away from its
        same_practitioner_as partner's practitioner, those with that practitioner instead."""
        inst = self.inst
        partner_prac = self._partner_practitioner(target)
        if partner_prac >= 0:
            return [
                o for o in inst.step_options[target] if partner_prac in o[4] and o[0] <= current
            ]
        return [o for o in inst.step_options[target] if o[0] < current]

    def _partner_practitioner(self, target: int) -> int:
        """The practitioner of the target's same_practitioner_as partner when the (scheduled)
        target has another one, else -1."""
        state, inst = self.state, self.inst
        partner = inst.step_same_practitioner_as[target]
        if partner < 0 or state.step_start[partner] < 0 or state.step_start[target] < 0:
            return -1
        partner_prac = state.step_practitioner[partner]
        return partner_prac if partner_prac != state.step_practitioner[target] else -1

    def _blockers(self, target: int, picks: list[Option], practitioner: int = -1) -> set[int]:
        """Scheduled steps that take the target's patient, or a practitioner or room of one
        of the `picks`, at a time that option would need (rest and turnover included). With
        `practitioner`, only that one of the picks' practitioners counts: the target is to
        move to it, so only its sessions stand in the way."""
        state, inst = self.state, self.inst
        pat = inst.step_patient[target]
        duration = inst.step_duration[target]
        tail = inst.step_patient_rest[target] + inst.step_room_turnover[target]
        step_patient, step_start = inst.step_patient, state.step_start
        step_practitioner, step_room = state.step_practitioner, state.step_room
        step_duration = inst.step_duration
        step_rest, step_turnover = inst.step_patient_rest, inst.step_room_turnover
        blockers = set()
        for _cost, s, d, _t, pracs, rooms in picks:
            if practitioner >= 0:
                pracs = (practitioner,)
            e = s + duration + tail
            for j in state.steps_on_date[d]:
                sj = step_start[j]
                if (
                    sj < e
                    and s < sj + step_duration[j] + step_rest[j] + step_turnover[j]
                    and (
                        step_patient[j] == pat
                        or step_practitioner[j] in pracs
                        or step_room[j] in rooms
                    )
                ):
                    blockers.add(j)
        blockers.discard(target)
        return blockers

    def op_exact(self, k: int) -> tuple[list[int], list[int]]:
        """Free a costly step's blockers as op_blockers does, then lay the freed steps out
        again by a bounded branch and bound rather than by regret; when that finds nothing
        better than before, hand them to the regret repair as usual."""
        state, inst = self.state, self.inst
        before = state.objective
        removed, extra = self.op_blockers(min(k, EXACT_K))
        steps = sorted(
            {*removed, *(i for i in extra if state.step_start[i] < 0)},
            key=lambda i: (len(inst.step_options[i]), i),
        )
        if not steps or len(steps) > 2 * EXACT_K:
            return removed, extra
        # What each step can at best give back: its penalty less its cheapest static cost.
        gain = [
            inst.step_unscheduled_cost[i]
            - (inst.step_options[i][0][0] if inst.step_options[i] else 0)
            for i in steps
        ]
        rest_gain = [sum(gain[level:]) for level in range(len(steps) + 1)]
        self._best_objective, self._best_layout, self._nodes = before, None, EXACT_NODES
        self._exact_dfs(steps, 0, rest_gain)
        if self._best_layout is None:
            return removed, extra
        for i, placement in self._best_layout:
            state.insert(i, *placement)
        return [], []

    def _exact_dfs(self, steps: list[int], level: int, rest_gain: list[int]) -> None:
        state = self.state
        if level == len(steps):
            if state.objective < self._best_objective:
                self._best_objective = state.objective
                self._best_layout = [
                    (
                        i,
                        (
                            state.step_start[i],
                            state.step_date[i],
                            state.step_practitioner[i],
                            state.step_room[i],
                            state.step_static_cost[i],
                        ),
                    )
                    for i in steps
                ]
            return
        if state.objective - rest_gain[level] >= self._best_objective:
            return
        i = steps[level]
        for _c, s, d, p, r, static_cost in state.cheapest_placements(i, EXACT_WIDTH):
            self._nodes -= 1
            if self._nodes < 0:
                return
            mark = len(state.undo_log)
            state.insert(i, s, d, p, r, static_cost)
            self._exact_dfs(steps, level + 1, rest_gain)
            state.undo(mark)

    def op_partners(self, k: int) -> tuple[list[int], list[int]]:
        """A step away from its same_practitioner_as partner's practitioner: its whole group
        (the partner and every step naming it, e.g. a week of shirodhara or an abhyanga and
        its swedana) is laid out again once per practitioner who can give all of it, the
        group's first step with that practitioner and the rest of its plan on those dates each
        at its cheapest then; the cheapest layout stays if it beats the current one."""
        state, inst, rng = self.state, self.inst, self.rng
        mismatched = [i for i in self.partnered if self._partner_practitioner(i) >= 0]
        if not mismatched:
            return self.op_random(k)
        root = inst.step_same_practitioner_as[rng.choice(mismatched)]
        group = [root, *inst.step_same_practitioner_followers[root]]
        dates = {state.step_date[j] for j in group if state.step_start[j] >= 0}
        steps = [
            j
            for j in inst.plan_steps[inst.step_plan[root]]
            if state.step_start[j] >= 0
            and inst.step_pinned[j] is None
            and (j in group or state.step_date[j] in dates)
        ]
        if root not in steps:
            return self.op_random(k)
        before = state.objective
        mark = len(state.undo_log)
        for j in steps:
            state.remove(j)
        common = set(inst.step_eligible_practitioners[root])
        for j in group:
            common &= set(inst.step_eligible_practitioners[j])
        candidates = [q for q in inst.step_eligible_practitioners[root] if q in common]
        best_objective, best_layout = before, None
        for q in candidates[:PARTNER_CANDIDATES]:
            inner = len(state.undo_log)
            if self._lay_out(steps, root, q) and state.objective < best_objective:
                best_objective = state.objective
                best_layout = [(j, _placement(state, j)) for j in steps]
            state.undo(inner)
        if best_layout is None:
            state.undo(mark)
            return [], []
        self._lay(best_layout)
        return [], []

    def _lay_out(self, steps: list[int], root: int, practitioner: int) -> bool:
        """Place `steps` (in plan order, all unscheduled) each at its cheapest placement, the
        `root` with `practitioner`; False when one does not fit."""
        state = self.state
        for j in steps:
            if j == root:
                placement = _first_with(state, j, practitioner)
            else:
                found = state.cheapest_placements(j, 1)
                placement = found[0][1:] if found else None
            if placement is None:
                return False
            state.insert(j, *placement)
        return True

    def op_slipped(self, k: int) -> tuple[list[int], list[int]]:
        """A slipped step with the sessions that hold its scarce rooms and practitioners (the
        most demanded of those it can use) on the dates it could have had, and its plan's
        steps on those dates and its own: all laid out again, the step first in line."""
        state, inst, rng = self.state, self.inst, self.rng
        step_date, target_date = state.step_date, inst.step_target_date
        slipped = [
            i for i in self.movable if state.step_start[i] >= 0 and step_date[i] > target_date[i]
        ]
        if not slipped:
            return self.op_random(k)
        target = rng.choice(slipped)
        dates = range(max(0, target_date[target]), step_date[target])
        rooms = sorted(inst.step_eligible_rooms[target], key=lambda r: -inst.room_demand[r])
        pracs = sorted(
            inst.step_eligible_practitioners[target], key=lambda p: -inst.practitioner_demand[p]
        )
        rooms, pracs = set(rooms[:SCARCE_RESOURCES]), set(pracs[:SCARCE_RESOURCES])
        pool = [
            j
            for d in dates
            for j in state.steps_on_date[d]
            if state.step_room[j] in rooms or state.step_practitioner[j] in pracs
        ]
        chosen = self._sample(pool, SLIPPED_MAX)
        own_dates = {*dates, step_date[target]}
        chosen += [
            j
            for j in inst.plan_steps[inst.step_plan[target]]
            if state.step_start[j] >= 0 and step_date[j] in own_dates
        ]
        return self._remove(chosen), [target]

    def op_forced(self, k: int) -> tuple[list[int], list[int]]:
        """A costly step put by force into one of its cheaper placements: the sessions that
        hold that practitioner and room then are taken out and the step goes in before any
        of them is laid out again, so the freed place cannot go to another step first (as
        it may in op_blockers' regret repair). An unscheduled plan front thereby costs the
        penalties of the whole rest of its plan only while no placement of it is worth the
        sessions it displaces."""
        state, inst, rng = self.state, self.inst, self.rng
        fronts = self._fronts()
        if fronts and rng.random() < 0.7:
            target = rng.choice(fronts)
            current = inst.step_unscheduled_cost[target]
        else:
            costly = self._costly()
            if not costly:
                return self.op_random(k)
            target = rng.choices(costly, [state.step_own_cost[i] + 10 for i in costly])[0]
            current = state.step_own_cost[target]
        return self._force(target, current, rng.random() < 0.5) or self.op_random(k)

    def op_eject(self, k: int) -> tuple[list[int], list[int]]:
        """An ejection chain (see _eject) from an unscheduled plan front, the ones losing the
        most the likeliest; it keeps its result only when that is cheaper."""
        fronts = self._fronts()
        if not fronts:
            return self.op_forced(k)
        target = self.rng.choices(fronts, [self._tail_penalty(i) for i in fronts])[0]
        way = self.rng.randrange(3)
        self._eject(target, way == 1, set(fronts), whole_day=way == 2)
        return [], []

    def _force(
        self, target: int, current: int, chain: bool, tries: int = FORCED_TRIES, keep=()
    ) -> tuple[list[int], list[int]] | None:
        """op_forced on `target`, whose own cost is now `current`; None when it has no
        cheaper option. With `chain`, its plan's earlier steps of that day are forced in
        too, else left to the repair. The steps in `keep` are never taken out for it."""
        state, inst = self.state, self.inst
        options = self._cheaper_options(target, current)
        if not options:
            return None
        # Its plan neighbours on the day it holds now (a front: its predecessor's day) make
        # way too: they bound its start, and are laid out again around it.
        if state.step_start[target] >= 0:
            day = state.step_date[target]
        else:
            predecessor = inst.step_predecessor[target]
            day = state.step_date[predecessor] if predecessor >= 0 else -1
        removed = self._remove(
            [
                j
                for j in inst.plan_steps[inst.step_plan[target]]
                if state.step_start[j] >= 0 and state.step_date[j] == day
            ]
        )
        position = {j: n for n, j in enumerate(inst.plan_steps[inst.step_plan[target]])}
        before = sorted(
            (j for j in removed if chain and position[j] < position[target]), reverse=True
        )
        for placement_blockers in self._forced_picks(target, options)[:tries]:
            mark = len(state.undo_log)
            freed = self._put(target, *placement_blockers, keep)
            # Its earlier steps of that day, back to front, each as late as it is cheapest
            # before the next: a chain with gaps bounded above stays together.
            for j in before:
                if freed is None:
                    break
                lo, hi = state.start_bounds(j)
                window = [o for o in inst.step_options[j] if lo <= o[1] <= hi]
                window.sort(key=lambda o: -o[1])
                freed_j = None
                for candidate in self._forced_picks(j, window[: 2 * FORCED_PICKS])[:FORCED_TRIES]:
                    freed_j = self._put(j, *candidate, (target, *before, *keep))
                    if freed_j is not None:
                        break
                freed = None if freed_j is None else freed + freed_j
            if freed is not None:
                later = [j for j, n in position.items() if n > position[target]]
                return removed + freed, [j for j in later if state.step_start[j] < 0]
            state.undo(mark)
        return removed, [target]

    def _plan_day(self, target: int) -> list[int]:
        """The steps of the target's plan planned for the target's day, in plan order."""
        inst = self.inst
        day = inst.step_target_date[target]
        return [
            j for j in inst.plan_steps[inst.step_plan[target]] if inst.step_target_date[j] == day
        ]

    def op_shift_day(self, k: int) -> tuple[list[int], list[int]]:
        """A step that slipped or sits outside its patient's preferred hours moves with its
        whole day (see _force_day) to a layout of lower static cost where the fewest sessions
        stand in its way; those are laid out again by the repair. A morning patient's
        abhyanga, swedana and nasya move into the morning together, which moving any one of
        them alone cannot do within their gaps."""
        state, rng = self.state, self.rng
        costly = [i for i in self._costly() if state.step_static_cost[i] > 0]
        if not costly:
            return self.op_random(k)
        target = rng.choices(costly, [state.step_static_cost[i] + 10 for i in costly])[0]
        day = self._plan_day(target)
        if any(state.step_start[j] < 0 for j in day):
            return self.op_random(k)
        moved = self._force_day(target, (), sum(state.step_static_cost[j] for j in day))
        return moved if moved is not None else self.op_random(k)

    def _force_day(
        self, target: int, keep, budget: int | None = None
    ) -> tuple[list[int], list[int]] | None:
        """The target's whole day (the steps of its plan planned for the target's day, e.g.
        abhyanga, swedana and nasya) laid out together where the fewest sessions stand in
        their way, those taken out first: when the day's first steps sit where the last one
        can no longer follow within its gap, forcing the last one alone cannot help. Returns
        like _force; None (nothing changed) when no layout fits or one would take out a
        pinned step or one in `keep`. With a `budget`, only layouts whose static costs (slip,
        preferred hours) add up to less count."""
        state, inst = self.state, self.inst
        plan = inst.plan_steps[inst.step_plan[target]]
        day = self._plan_day(target)
        if any(inst.step_pinned[j] is not None for j in day):
            return None
        mark = len(state.undo_log)
        self._remove(day)
        self._day_best, self._day_nodes, self._day_budget = None, DAY_NODES, budget
        self._lay_day(day, 0, [], set())
        best = self._day_best
        if best is None or any(inst.step_pinned[j] is not None or j in keep for j in best[1]):
            state.undo(mark)
            return None
        _size, blockers, layout = best
        freed = self._remove(sorted(blockers))
        for j, placement in zip(day, layout, strict=True):
            if not state.feasible(j, *placement[:4]):
                state.undo(mark)
                return None
            state.insert(j, *placement)
        later = [j for j in plan if j > day[-1] and state.step_start[j] < 0]
        return freed, later

    def _lay_day(self, day: list[int], level: int, layout: list, blockers: set[int]) -> None:
        """Depth-first over placements of day[level:], each within the gaps that the
        placements before it in `layout` leave, counting the sessions in the way; the layout
        with the fewest (then cheapest) is kept in _day_best."""
        if self._day_best is not None and len(blockers) >= self._day_best[0]:
            return
        if level == len(day):
            budget = self._day_budget
            if budget is None or sum(placement[4] for placement in layout) < budget:
                self._day_best = (len(blockers), set(blockers), list(layout))
            return
        state, inst = self.state, self.inst
        j = day[level]
        lo, hi = state.start_bounds(j)
        placed = dict(zip(day[:level], layout, strict=True))
        predecessor = inst.step_predecessor[j]
        if predecessor in placed:
            s = placed[predecessor][0]
            lo = max(lo, s + inst.step_duration[predecessor] + inst.step_patient_rest[predecessor])
        after = inst.step_after[j]
        if after in placed:
            after_end = placed[after][0] + inst.step_duration[after]
            lo = max(lo, after_end + inst.step_min_gap[j])
            if inst.step_max_gap[j] != NO_LIMIT:
                hi = min(hi, after_end + inst.step_max_gap[j])
        options = [
            o
            for o in inst.step_options[j]
            if lo <= o[1] <= hi and (level or state.patient_free(j, o[1], o[2]))
        ]
        ranked = [self._forced_blockers(j, o) for o in options]
        ranked.sort(key=lambda pick: (len(blockers.union(pick[0])), pick[1][4], pick[1][0]))
        for found, placement in ranked[:DAY_WIDTH]:
            self._day_nodes -= 1
            if self._day_nodes < 0:
                return
            layout.append(placement)
            self._lay_day(day, level + 1, layout, blockers.union(found))
            layout.pop()

    def _forced_picks(self, i: int, options: list[Option]) -> list[tuple[list[int], tuple]]:
        """Of step i's `options` within its bounds and free for its patient (FORCED_PICKS of
        them at random when more), each with its blockers (see _forced_blockers), fewest
        blockers first, then cheapest, then in the given order."""
        state, rng = self.state, self.rng
        lo, hi = state.start_bounds(i)
        picks = [o for o in options if lo <= o[1] <= hi and state.patient_free(i, o[1], o[2])]
        if len(picks) > FORCED_PICKS:
            picks = rng.sample(picks, FORCED_PICKS)
        ranked = [self._forced_blockers(i, o) for o in picks]
        order = sorted(range(len(ranked)), key=lambda n: (len(ranked[n][0]), ranked[n][1][4], n))
        return [ranked[n] for n in order]

    def _put(self, i: int, blockers: list[int], placement: tuple, keep) -> list[int] | None:
        """Take `blockers` out and step i in at `placement`; the steps taken out, or None
        (nothing changed) when a blocker is pinned or in `keep`, or i still does not fit."""
        state, inst = self.state, self.inst
        if any(inst.step_pinned[j] is not None or j in keep for j in blockers):
            return None
        mark = len(state.undo_log)
        freed = self._remove(blockers)
        if not state.feasible(i, *placement[:4]):
            state.undo(mark)
            return None
        state.insert(i, *placement)
        return freed

    def _forced_blockers(
        self, target: int, option: Option
    ) -> tuple[list[int], tuple[int, int, int, int, int]]:
        """The scheduled sessions that keep `target` out of `option` with its least taken
        practitioner and room, and that placement as (start, date, practitioner, room,
        static cost)."""
        state, inst = self.state, self.inst
        static_cost, s, d, _t, pracs, rooms = option
        duration = inst.step_duration[target]
        room_end = s + duration + inst.step_room_turnover[target]
        on_date = state.steps_on_date[d]
        step_start, step_duration = state.step_start, inst.step_duration
        step_practitioner, step_room = state.step_practitioner, state.step_room
        best_prac, prac_blockers = -1, None
        for p in pracs:
            if state.practitioner_occupancy[p].find(1, s, s + duration) < 0:
                best_prac, prac_blockers = p, []
                break
            found = [
                j
                for j in on_date
                if step_practitioner[j] == p
                and step_start[j] < s + duration
                and s < step_start[j] + step_duration[j]
            ]
            if prac_blockers is None or len(found) < len(prac_blockers):
                best_prac, prac_blockers = p, found
        best_room, room_blockers = -1, None
        turnover = inst.step_room_turnover
        for r in rooms:
            if state.room_free(target, s, r):
                best_room, room_blockers = r, []
                break
            found = [
                j
                for j in on_date
                if step_room[j] == r
                and step_start[j] < room_end
                and s < step_start[j] + step_duration[j] + turnover[j]
            ]
            if room_blockers is None or len(found) < len(room_blockers):
                best_room, room_blockers = r, found
        blockers = sorted({*prac_blockers, *room_blockers})
        return blockers, (s, d, best_prac, best_room, static_cost)

    def _day_of(self, plan: int, d: int) -> list[int]:
        """A plan's scheduled, movable steps on date d, in plan order."""
        state, inst = self.state, self.inst
        return [
            j
            for j in inst.plan_steps[plan]
            if state.step_start[j] >= 0 and state.step_date[j] == d and inst.step_pinned[j] is None
        ]

    def op_swap(self, k: int) -> tuple[list[int], list[int]]:
        """A costly step's day of sessions (its plan's steps on that date) trades places with
        another patient's day of the same therapies in the same order: each session takes
        the other's start, room and practitioner. Two patients whose mornings suit the one and
        not the other, or whose practitioners fit the other's partner, swap in one move (a
        destroy-and-repair needs luck to free and refill exactly those places). Of a few
        such days, the cheapest swap that fits is made; late acceptance judges it."""
        state, inst, rng = self.state, self.inst, self.rng
        costly = self._costly()
        if not costly:
            return self.op_random(k)
        target = rng.choices(costly, [state.step_own_cost[i] + 10 for i in costly])[0]
        d = state.step_date[target]
        plan = inst.step_plan[target]
        mine = self._day_of(plan, d)
        therapies = [inst.step_therapy[j] for j in mine]
        dates = [d]
        if d > inst.step_target_date[target]:  # a slipped day may trade with an earlier one
            dates += range(max(0, inst.step_target_date[target]), d)
        others = {
            inst.step_plan[j]: date
            for date in dates
            for j in state.steps_on_date[date]
            if inst.step_plan[j] != plan
            and inst.step_therapy[j] == therapies[0]
            and inst.step_patient[j] != inst.step_patient[target]
        }
        candidates = self._sample(list(others), SWAP_CANDIDATES)
        best_objective, best_layout = None, None
        for other in candidates:
            theirs = self._day_of(other, others[other])
            if [inst.step_therapy[j] for j in theirs] != therapies:
                continue
            mark = len(state.undo_log)
            if self._trade(mine, theirs) and (
                best_objective is None or state.objective < best_objective
            ):
                best_objective = state.objective
                best_layout = [(j, _placement(state, j)) for j in (*mine, *theirs)]
            state.undo(mark)
        if best_layout is None:
            return [], []
        self._lay(best_layout)
        return [], []

    def _trade(self, mine: list[int], theirs: list[int]) -> bool:
        """Swap the placements of two equally long runs of steps; False (with the state
        partly changed, to be undone by the caller) when a placement does not fit."""
        state = self.state
        wanted = [(a, *_placement(state, b)[:4]) for a, b in zip(mine, theirs, strict=True)] + [
            (b, *_placement(state, a)[:4]) for a, b in zip(mine, theirs, strict=True)
        ]
        return self._move_to(wanted)

    def op_kempe(self, k: int) -> tuple[list[int], list[int]]:
        """A step away from its same_practitioner_as partner's practitioner gets it by a
        Kempe chain: on that date, the two practitioners trade every session of theirs that
        overlaps the step's, and each that overlaps one of those, and so on, so that neither
        is double booked; starts and rooms stay. Or the partner trades instead, to the step's
        practitioner. Of the two, the cheaper that fits (skills, shifts, gender) is made.
        An abhyanga and its swedana, or a week of shirodhara, come back to one practitioner
        when that takes turning a colleague's morning round; a destroy-and-repair rarely
        frees and refills exactly those places."""
        state, inst, rng = self.state, self.inst, self.rng
        mismatched = [i for i in self.partnered if self._partner_practitioner(i) >= 0]
        if not mismatched:
            return self.op_random(k)
        target = rng.choice(mismatched)
        partner = inst.step_same_practitioner_as[target]
        best_objective, best_layout = None, None
        for step, wanted in (
            (target, state.step_practitioner[partner]),
            (partner, state.step_practitioner[target]),
        ):
            chain = self._kempe_chain(step, wanted)
            if chain is None:
                continue
            mark = len(state.undo_log)
            if self._trade_practitioners(chain, state.step_practitioner[step], wanted) and (
                best_objective is None or state.objective < best_objective
            ):
                best_objective = state.objective
                best_layout = [(j, _placement(state, j)) for j in chain]
            state.undo(mark)
        if best_layout is None:
            return self.op_partners(k)
        self._lay(best_layout)
        return [], []

    def _kempe_chain(self, step: int, other: int) -> list[int] | None:
        """The sessions of step's practitioner and of `other` on step's date that are linked
        to step by overlapping in time, one after another; None when one of them is pinned or
        a group class (those do not trade)."""
        state, inst = self.state, self.inst
        mine = state.step_practitioner[step]
        d = state.step_date[step]
        step_start, duration = state.step_start, inst.step_duration
        pool = [j for j in state.steps_on_date[d] if state.step_practitioner[j] in (mine, other)]
        chain, frontier, seen = [], [step], {step}
        while frontier:
            i = frontier.pop()
            if inst.step_pinned[i] is not None or inst.step_group_size[i] > 1:
                return None
            chain.append(i)
            s, e = step_start[i], step_start[i] + duration[i]
            for j in pool:
                if (
                    j not in seen
                    and state.step_practitioner[j] != state.step_practitioner[i]
                    and step_start[j] < e
                    and s < step_start[j] + duration[j]
                ):
                    seen.add(j)
                    frontier.append(j)
        return chain

    def _trade_practitioners(self, chain: list[int], one: int, other: int) -> bool:
        """Give each step of `chain` held by `one` to `other` and the other way round, at the
        same start and room; False (the state partly changed, for the caller to undo) when
        one does not fit."""
        state = self.state
        wanted = [
            (j, s, d, other if p == one else one, r)
            for j, (s, d, p, r, _static_cost) in ((j, _placement(state, j)) for j in chain)
        ]
        return self._move_to(wanted)

    def _move_to(self, wanted: list[tuple[int, int, int, int, int]]) -> bool:
        """Each step of `wanted` (step, start, date, practitioner, room) taken out and put
        there; False (the state partly changed, for the caller to undo) when one does not
        fit."""
        state = self.state
        self._remove([j for j, *_where in wanted])
        for j, s, d, p, r in wanted:
            if not state.feasible(j, s, d, p, r):
                return False
            state.insert(j, s, d, p, r, state.static_cost_of(j, s))
        return True

    def _lay(self, layout: list[tuple[int, tuple]]) -> None:
        """Each step of `layout` (step, placement as _placement gives it) put there, taken out
        first where it is scheduled elsewhere."""
        self._remove([j for j, _placement_j in layout])
        for j, placement in layout:
            self.state.insert(j, *placement)

    def op_window(self, k: int) -> tuple[list[int], list[int]]:
        """Everything running in one stretch of a day (swaps between patients)."""
        state, rng = self.state, self.rng
        d = rng.choice(self.dates)
        if not state.steps_on_date[d]:
            return self.op_random(k)
        pivot = rng.choice(sorted(state.steps_on_date[d]))
        s0 = state.step_start[pivot] - rng.choice((30, 60, 120))
        e0 = state.step_start[pivot] + rng.choice((60, 120, 180))
        pool = [j for j in state.steps_on_date[d] if s0 <= state.step_start[j] < e0]
        return self._remove(self._sample(pool, k)), []

    def mend_fronts(self, until: float) -> bool:
        """Each unscheduled plan front in turn, the one losing the most first, forced in (see
        op_forced) and kept when that lowers the objective; while any front gets in, again.
        A construction that left whole plan tails out (a chain of steps with no slack whose
        every placement was taken) gets them back here in a few moves rather than by luck.
        True when it ended because no front got in, False when the clock stopped it."""
        state = self.state
        improved = True
        while improved and time.perf_counter() < until:
            improved = False
            fronts = self._fronts()
            loss = {i: self._tail_penalty(i) for i in fronts}
            for target in sorted(fronts, key=lambda i: -loss[i]):
                if time.perf_counter() >= until:
                    break
                if state.step_start[target] >= 0:
                    continue
                state.undo_log = []
                if (
                    self._eject(target, False, set(fronts))
                    or self._eject(target, True, set(fronts))
                    or self._eject(target, True, set(fronts), whole_day=True)
                ):
                    improved = True
                state.undo_log = None
        if state.objective < self.best_objective:
            self.best_objective = state.objective
            self.best = state.snapshot()
        self._restart_from_current()
        return not improved

    def _eject(
        self, target: int, chain: bool, fronts: set[int], *, whole_day: bool = False
    ) -> bool:
        """An ejection chain from the unscheduled front `target`: it is forced in, and while
        that costs more than it gains, the front it cut off that loses the most is forced in
        in turn (never displacing one forced before it), up to MEND_DEPTH; kept (True) when
        the objective ends lower, else undone."""
        state, inst = self.state, self.inst
        before = state.objective
        mark = len(state.undo_log)
        forced = {target}
        current = target
        for _ in range(MEND_DEPTH):
            moved = (
                self._force_day(current, forced)
                if whole_day
                else self._force(
                    current, inst.step_unscheduled_cost[current], chain, MEND_TRIES, forced
                )
            )
            if moved is None:
                break
            self.repair.run({*moved[0], *moved[1]}, backtrack_nodes=LNS_BACKTRACK_NODES)
            if state.objective < before:
                break
            cut = [i for i in self._fronts() if i not in fronts and i not in forced]
            if not cut:
                break
            current = max(cut, key=self._tail_penalty)
            forced.add(current)
        kept = state.objective < before
        if not kept:
            state.undo(mark)
        return kept

    def _tail_penalty(self, front: int) -> int:
        inst = self.inst
        plan = inst.plan_steps[inst.step_plan[front]]
        return sum(inst.step_unscheduled_cost[j] for j in plan[plan.index(front) :])

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
        self.state.reset_to(snapshot)
        self.best, self.best_objective = snapshot, objective
        self._restart_from_current()
        self.since_best = 0

    def _restart_from_current(self) -> None:
        self.current = self.state.objective
        # Late acceptance: the objective accepted LAHC_LENGTH iterations ago, per position.
        self.late_acceptance = [self.current] * LAHC_LENGTH

    def finished(self) -> bool:
        return (
            not self.movable
            or self.best_objective <= self.lower
            or self.since_best >= self.stall_limit
            or self.iterations >= MAX_ITERATIONS
        )

    def _mend_before(self, until: float) -> None:
        """Mend plan fronts until `until` or mend_until, whichever comes first; no more once
        mend_until has passed or a pass got no front in."""
        done = self.mend_fronts(min(until, self.mend_until))
        if done or time.perf_counter() >= self.mend_until:
            self.mend_until = None

    def run(self, until: float) -> bool:
        """Search until the clock reaches `until` or the search is finished (stalled,
        at the lower bound, out of iterations); it can be resumed. True when finished."""
        if self.mend_until is not None:
            self._mend_before(until)
        state, rng = self.state, self.rng
        k_max = max(K_MIN, min(K_MAX, len(self.movable) // 3))
        while not self.finished():
            if time.perf_counter() >= until:
                return False
            iteration = self.iterations
            self.iterations = iteration + 1
            op = self._pick_operator()
            self.uses[op] += 1
            k = rng.randint(K_MIN, k_max) if k_max > K_MIN else k_max
            state.undo_log = []
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
                lookahead=rng.random() < LNS_LOOKAHEAD_SHARE,
            )
            new = state.objective
            position = iteration % LAHC_LENGTH
            if new <= self.current or new <= self.late_acceptance[position]:
                if new < self.best_objective:
                    self.scores[op] += SCORE_BEST
                    self.best_objective = new
                    self.best = state.snapshot()
                    self.since_best = 0
                elif new < self.current:
                    self.scores[op] += SCORE_BETTER
                    self.since_best += 1
                else:
                    self.scores[op] += SCORE_ACCEPT
                    self.since_best += 1
                self.current = new
            else:
                state.undo()
                self.since_best += 1
            self.late_acceptance[position] = self.current
            state.undo_log = None
            since = self.since_best
            if since and since % RESTART_AFTER == 0 and self.current > self.best_objective:
                # Late acceptance has drifted without finding better: go back to the best.
                state.reset_to(self.best)
                self._restart_from_current()
            if (iteration + 1) % SEGMENT == 0:
                for name in OPERATORS:
                    if self.uses[name]:
                        rate = self.scores[name] / self.uses[name]
                        self.weights[name] = max(
                            0.05, (1 - REACTION) * self.weights[name] + REACTION * rate
                        )
                    self.scores[name] = 0.0
                    self.uses[name] = 0
        return True
