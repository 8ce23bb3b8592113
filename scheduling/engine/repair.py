"""Regret insertion of pending steps with bounded backtracking inside a plan's chain."""

from __future__ import annotations

import heapq
from random import Random
from time import perf_counter

from .state import Placement, State

# Heap keys: a step with no feasible placement is handled first (it may backtrack while
# its predecessors can still move); a step with a single placement comes next.
NO_OPTION_KEY = 1 << 40
ONE_OPTION_BONUS = 1 << 20
BACKTRACK_DEPTH = 2  # how many predecessors may be re-placed together with a stuck step
BACKTRACK_WIDTH = 8  # placements tried per step in the backtracking search
BACKTRACK_NODES = 60  # placements tried in total per backtrack
LOOKAHEAD_WIDTH = 8  # placements of a step tried against its linked successors
CHAIN_DEPTH = 3  # linked successors placed to score one placement
DEADLINE_EVERY = 8  # heap pops between looks at the clock when run has a deadline


def _cost_then_start(placement: tuple) -> tuple[int, int]:
    return placement[0], placement[1]


class Repair:
    """Insert pending steps, most regretful first, keeping cached best placements fresh.

    Each active step caches its two best placements. Inserting a step can only invalidate
    (or raise the cost of) placements that share its patient, its practitioner on that
    date, its room on that date, or - for group therapies - its occurrence; those steps are
    re-scanned, every other cache stays exact because other placements only got worse.
    """

    def __init__(self, state: State, rng: Random):
        self.state = state
        self.inst = state.inst
        self.rng = rng

    def run(
        self,
        pending,
        *,
        extend: bool = True,
        noise: float = 0.0,
        backtrack_nodes: int = BACKTRACK_NODES,
        deadline: float | None = None,
        lookahead: bool = True,
    ) -> list[int]:
        """Try to schedule every step in `pending` (unscheduled steps). A step becomes active
        once its predecessor is scheduled; with `extend`, unscheduled successors of inserted
        steps join in. Returns the steps that had to stay unscheduled.

        With a `deadline` (a time.perf_counter() value), insertion stops when it passes and
        `timed_out` is set: the steps not reached yet are left unscheduled for a faster rule.
        Without `lookahead` a step takes its own cheapest placement, whatever it does to its
        linked successors: rougher, and about four times faster."""
        state, inst = self.state, self.inst
        if state.undo_log is None:
            state.undo_log = []
        self.noise = noise
        self.backtrack_nodes = backtrack_nodes
        self.active: set[int] = set()
        self.waiting: set[int] = set()
        self.best_placements: dict[int, list[Placement]] = {}  # per active step, its two best
        self.version: dict[int, int] = {}  # bumped on each re-scan: older heap entries are stale
        self.heap: list[tuple] = []
        # Who to re-scan when a placement changes: the steps whose cached placements use a
        # (practitioner, date) or (room, date), the active steps of each patient, and those
        # of each group therapy.
        self.watch_practitioner_date: dict[tuple[int, int], set[int]] = {}
        self.watch_room_date: dict[tuple[int, int], set[int]] = {}
        self.watch_patient: dict[int, set[int]] = {}
        self.watch_therapy: dict[int, set[int]] = {}
        # per active step, the (table, key) entries above that name it
        self.watch_keys: dict[int, list[tuple[dict, tuple]]] = {}
        self.extend = extend
        failed: list[int] = []
        self.failed = failed
        step_start = state.step_start
        pending = sorted(pending)
        for i in pending:
            if step_start[i] >= 0 or inst.step_pinned[i] is not None:
                continue
            predecessor = inst.step_predecessor[i]
            if predecessor < 0 or step_start[predecessor] >= 0:
                self._activate(i)
            else:
                self.waiting.add(i)
        heap = self.heap
        self.timed_out = False
        pops = 0
        while heap:
            pops += 1
            if deadline is not None and pops % DEADLINE_EVERY == 0 and perf_counter() > deadline:
                self.timed_out = True
                break
            item = heapq.heappop(heap)
            i, version = item[-2], item[-1]
            if i not in self.active or self.version[i] != version:
                continue
            found = self.best_placements[i]
            if found:
                choice = found[0]
                successor = inst.step_successor[i]
                if (
                    lookahead
                    and successor >= 0
                    and step_start[successor] < 0
                    and self._within_reach(i, successor)
                    and (successor in self.waiting or self.extend)
                    and inst.step_pinned[successor] is None
                    and inst.step_options[successor]
                ):
                    choice = self._lookahead(i, successor, choice)
                _c, s, d, p, r, static_cost = choice
                state.insert(i, s, d, p, r, static_cost)
                self._after_insert(i)
            elif not self._backtrack(i):
                self._fail(i)
        self.close_gaps({inst.step_plan[i] for i in pending})
        return failed

    def close_gaps(self, plans) -> None:
        """Rule 9 on the `plans` touched: a step placed after one of its plan's earlier steps
        was left out is taken out again. Forced moves take sessions out of the way anywhere,
        an earlier step of the forced step's own plan among them, and the repair may not
        place that one back; without this the search could carry (and return) a schedule
        with a gap in a plan (seen when mending fronts of gen-dst-groups, 2 seeds of 12)."""
        state, inst = self.state, self.inst
        step_start, pinned = state.step_start, inst.step_pinned
        for plan in sorted(plans):
            gap = False
            for j in inst.plan_steps[plan]:
                if step_start[j] < 0:
                    gap = True
                elif gap and pinned[j] is None:
                    state.remove(j)

    def _lookahead(self, i: int, successor: int, first: tuple) -> tuple:
        """Placement of step i that is cheapest together with its linked successors (a
        chain such as abhyanga -> swedana -> nasya on one day), whose windows (sequence,
        gaps, rest) and preferred practitioner depend on it.

        Forward: i's cheapest placement `first`, then - unless the chain after it is as cheap
        as it can ever be - other cheap placements of i: the cheapest starts, and the cheapest
        practitioner at each; each scored with the chain after it placed greedily. Backward:
        successor at its own best first, then i's best placement before it - this finds e.g. a
        morning session that lets the next one stay on the same day."""
        state = self.state
        chain, floor = self._chain_cost(i, first, successor)
        best, best_total = first, first[0] + chain
        if chain > floor:
            candidates = {
                (c[1], c[3], c[4]): c
                for c in state.cheapest_placements(i, LOOKAHEAD_WIDTH, all_pracs=True)
            }
            for c in self._with_other_dates(i, LOOKAHEAD_WIDTH):
                candidates.setdefault((c[1], c[3], c[4]), c)
            for cand in sorted(candidates.values(), key=_cost_then_start):
                if cand[0] >= best_total:
                    break
                total = cand[0] + self._chain_cost(i, cand, successor)[0]
                if total < best_total:
                    best, best_total = cand, total
        if best_total > best[0]:
            own = state.cheapest_placements(successor, 1)
            if own and own[0][0] < best_total - best[0]:
                mark = len(state.undo_log)
                _c, s, d, p, r, static_cost = own[0]
                state.insert(successor, s, d, p, r, static_cost)
                mine = state.cheapest_placements(i, 1)
                state.undo(mark)
                if mine and mine[0][0] + own[0][0] < best_total:
                    best = mine[0]
        return best

    def _with_other_dates(self, i: int, width: int) -> list[Placement]:
        """Step i's `width` cheapest placements, and then the cheapest on each other date it
        may take. The cheapest all fall on one date when slipping costs; a step that crowds
        its patient's day (daily limit, rest) or its linked successor's window there is only
        undone by trying the next date too."""
        return self.state.cheapest_on_each_date(i, width)

    def _within_reach(self, i: int, successor: int) -> bool:
        """Can step i's placement decide whether `successor` slips (a day at most)?"""
        inst = self.inst
        return (
            inst.step_target_date[successor]
            <= inst.step_target_date[i] + inst.step_slack_days[i] + 1
        )

    def _chain_cost(self, i: int, placement: tuple, successor: int) -> tuple[int, int]:
        """With step i at `placement`: what successor and the linked steps after it add when each
        takes its cheapest placement in turn (a step with none costs its penalty), and the
        least those steps could ever cost. The state is left as it was."""
        state, inst = self.state, self.inst
        options = inst.step_options
        mark = len(state.undo_log)
        _c, s, d, p, r, static_cost = placement
        state.insert(i, s, d, p, r, static_cost)
        total = floor = 0
        j = successor
        for _ in range(CHAIN_DEPTH):
            found = state.cheapest_placements(j, 1)
            if not found:
                total += inst.step_unscheduled_cost[j]
                # A step that can never be placed costs its penalty whatever i does.
                floor += options[j][0][0] if options[j] else inst.step_unscheduled_cost[j]
                break
            floor += options[j][0][0]
            c, s, d, p, r, static_cost = found[0]
            state.insert(j, s, d, p, r, static_cost)
            total += c
            after = inst.step_successor[j]
            if after < 0 or state.step_start[after] >= 0 or not self._within_reach(j, after):
                break
            j = after
        state.undo(mark)
        return total, floor

    # -- bookkeeping ---------------------------------------------------------------------------
    def _activate(self, i: int) -> None:
        inst = self.inst
        self.waiting.discard(i)
        self.active.add(i)
        self.watch_patient.setdefault(inst.step_patient[i], set()).add(i)
        if inst.step_group_size[i] > 1:
            self.watch_therapy.setdefault(inst.step_therapy[i], set()).add(i)
        self._evaluate(i)

    def _deactivate(self, i: int) -> None:
        inst = self.inst
        self.active.discard(i)
        self.watch_patient[inst.step_patient[i]].discard(i)
        if inst.step_group_size[i] > 1:
            self.watch_therapy[inst.step_therapy[i]].discard(i)
        for table, key in self.watch_keys.pop(i, ()):
            table[key].discard(i)

    def _evaluate(self, i: int) -> None:
        inst = self.inst
        found = self.state.cheapest_placements(i, 2)
        self.best_placements[i] = found
        for table, key in self.watch_keys.pop(i, ()):
            table[key].discard(i)
        keys = []
        for _cost, _s, d, p, r, _static_cost in found:
            keys.append((self.watch_practitioner_date, (p, d)))
            keys.append((self.watch_room_date, (r, d)))
        for table, key in keys:
            table.setdefault(key, set()).add(i)
        self.watch_keys[i] = keys
        penalty = inst.step_unscheduled_cost[i]
        if not found:
            key = NO_OPTION_KEY
        elif len(found) == 1:
            key = ONE_OPTION_BONUS + penalty - found[0][0]
        else:
            key = found[1][0] - found[0][0]
        if self.noise:
            key += self.rng.random() * self.noise
        version = self.version.get(i, 0) + 1
        self.version[i] = version
        heapq.heappush(self.heap, (-key, -penalty, len(inst.step_options[i]), i, version))

    def _touch(self, i: int, p: int, r: int, d: int) -> None:
        """Re-scan active steps whose cached placements may have changed after step i
        was placed at or removed from (p, r, d)."""
        inst = self.inst
        dirty = set()
        for table, key in ((self.watch_practitioner_date, (p, d)), (self.watch_room_date, (r, d))):
            watchers = table.get(key)
            if watchers:
                dirty |= watchers
        watchers = self.watch_patient.get(inst.step_patient[i])
        if watchers:
            dirty |= watchers
        if inst.step_group_size[i] > 1:
            watchers = self.watch_therapy.get(inst.step_therapy[i])
            if watchers:
                dirty |= watchers
        active = self.active
        for j in sorted(dirty):
            if j in active:
                self._evaluate(j)

    def _after_insert(self, i: int) -> None:
        state, inst = self.state, self.inst
        self._deactivate(i)
        self._touch(i, state.step_practitioner[i], state.step_room[i], state.step_date[i])
        successor = inst.step_successor[i]
        if (
            successor >= 0
            and state.step_start[successor] < 0
            and successor not in self.active
            and (successor in self.waiting or self.extend)
            and inst.step_pinned[successor] is None
        ):
            self._activate(successor)

    def _fail(self, i: int) -> None:
        """Step i stays unscheduled, so every later step of its plan does too (rule 9)."""
        state, inst = self.state, self.inst
        self._deactivate(i)
        self.failed.append(i)
        j = inst.step_successor[i]
        while j >= 0:
            if j in self.active:
                self._deactivate(j)
            self.waiting.discard(j)
            if state.step_start[j] >= 0 and inst.step_pinned[j] is None:
                p, r, d = state.step_practitioner[j], state.step_room[j], state.step_date[j]
                state.remove(j)
                self._touch(j, p, r, d)
            j = inst.step_successor[j]

    def _backtrack(self, i: int) -> bool:
        """Re-place up to BACKTRACK_DEPTH predecessors of stuck step i together with it."""
        state, inst = self.state, self.inst
        chain: list[int] = []
        j = inst.step_predecessor[i]
        while len(chain) < BACKTRACK_DEPTH and j >= 0 and state.step_start[j] >= 0:
            if inst.step_pinned[j] is not None:
                break
            chain.insert(0, j)
            j = inst.step_predecessor[j]
        if self.backtrack_nodes <= 0:
            return False
        for length in range(1, len(chain) + 1):
            seq = chain[-length:]
            old = [
                (j, state.step_practitioner[j], state.step_room[j], state.step_date[j]) for j in seq
            ]
            mark = len(state.undo_log)
            for j in seq:
                state.remove(j)
            # Placing the predecessors back only takes time and places away from step i, so
            # when it has no placement without them, none of their placements gives it one.
            if not state.cheapest_placements(i, 1):
                state.undo(mark)
                continue
            # Forward (predecessors first, cheapest) and then backward (the stuck step
            # first, so that its placement bounds the predecessors' windows).
            for order in ([*seq, i], [i, *reversed(seq)]):
                self._nodes = self.backtrack_nodes
                if self._dfs(order, 0):
                    for j, p, r, d in old:
                        self._touch(j, p, r, d)
                    for j in seq:
                        self._touch(
                            j, state.step_practitioner[j], state.step_room[j], state.step_date[j]
                        )
                    self._after_insert(i)
                    return True
            state.undo(mark)
        return False

    def _dfs(self, seq: list[int], level: int) -> bool:
        state = self.state
        step = seq[level]
        for _c, s, d, p, r, static_cost in self._with_other_dates(step, BACKTRACK_WIDTH):
            self._nodes -= 1
            if self._nodes < 0:
                return False
            mark = len(state.undo_log)
            state.insert(step, s, d, p, r, static_cost)
            if level == len(seq) - 1 or self._dfs(seq, level + 1):
                return True
            state.undo(mark)
        return False
