"""Regret insertion of pending steps with bounded backtracking inside a plan's chain."""

from __future__ import annotations

import heapq
from random import Random

from .state import State

# Heap keys: a step with no feasible placement is handled first (it may backtrack while
# its predecessors can still move); a step with a single placement comes next.
NO_OPTION_KEY = 1 << 40
ONE_OPTION_BONUS = 1 << 20
BACKTRACK_DEPTH = 2  # how many predecessors may be re-placed together with a stuck step
BACKTRACK_WIDTH = 8  # placements tried per step in the backtracking search
BACKTRACK_NODES = 60  # placements tried in total per backtrack
LOOKAHEAD_WIDTH = 8  # placements of a step tried against its linked successors
CHAIN_DEPTH = 3  # linked successors placed to score one placement


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
        self.st = state
        self.inst = state.inst
        self.rng = rng

    def run(
        self,
        pending,
        *,
        extend: bool = True,
        noise: float = 0.0,
        backtrack_nodes: int = BACKTRACK_NODES,
    ) -> list[int]:
        """Try to schedule every step in `pending` (unscheduled steps). A step becomes active
        once its predecessor is scheduled; with `extend`, unscheduled successors of inserted
        steps join in. Returns the steps that had to stay unscheduled."""
        st, inst = self.st, self.inst
        if st.log is None:
            st.log = []
        self.noise = noise
        self.backtrack_nodes = backtrack_nodes
        self.active: set[int] = set()
        self.waiting: set[int] = set()
        self.cache: dict[int, list[tuple]] = {}
        self.ver: dict[int, int] = {}
        self.heap: list[tuple] = []
        self.w_pd: dict[tuple[int, int], set[int]] = {}
        self.w_rd: dict[tuple[int, int], set[int]] = {}
        self.w_pat: dict[int, set[int]] = {}
        self.w_grp: dict[int, set[int]] = {}
        self.reg: dict[int, list[tuple[dict, tuple]]] = {}
        self.extend = extend
        failed: list[int] = []
        self.failed = failed
        asg_s = st.asg_s
        for i in sorted(pending):
            if asg_s[i] >= 0 or inst.st_pinned[i] is not None:
                continue
            pv = inst.st_prev[i]
            if pv < 0 or asg_s[pv] >= 0:
                self._activate(i)
            else:
                self.waiting.add(i)
        heap = self.heap
        while heap:
            item = heapq.heappop(heap)
            i, v = item[-2], item[-1]
            if i not in self.active or self.ver[i] != v:
                continue
            found = self.cache[i]
            if found:
                choice = found[0]
                nx = inst.st_next[i]
                if (
                    nx >= 0
                    and asg_s[nx] < 0
                    and self._within_reach(i, nx)
                    and (nx in self.waiting or self.extend)
                    and inst.st_pinned[nx] is None
                    and inst.st_opts[nx]
                ):
                    choice = self._lookahead(i, nx, choice)
                _c, s, d, p, r, sc = choice
                st.insert(i, s, d, p, r, sc)
                self._after_insert(i)
            elif not self._backtrack(i):
                self._fail(i)
        return failed

    def _lookahead(self, i: int, nx: int, first: tuple) -> tuple:
        """Placement of step i that is cheapest together with its linked successors (a
        chain such as abhyanga -> swedana -> nasya on one day), whose windows (sequence,
        gaps, rest) and preferred practitioner depend on it.

        Forward: i's cheapest placement `first`, then - unless the chain after it is as cheap
        as it can ever be - other cheap placements of i: the cheapest starts, and the cheapest
        practitioner at each; each scored with the chain after it placed greedily. Backward:
        nx at its own best first, then i's best placement before it - this finds e.g. a
        morning session that lets the next one stay on the same day."""
        st = self.st
        chain, floor = self._chain_cost(i, first, nx)
        best, best_total = first, first[0] + chain
        if chain > floor:
            cands = {(c[1], c[3], c[4]): c for c in st.scan(i, LOOKAHEAD_WIDTH, all_pracs=True)}
            for c in st.scan(i, LOOKAHEAD_WIDTH):
                cands.setdefault((c[1], c[3], c[4]), c)
            for cand in sorted(cands.values(), key=_cost_then_start):
                if cand[0] >= best_total:
                    break
                total = cand[0] + self._chain_cost(i, cand, nx)[0]
                if total < best_total:
                    best, best_total = cand, total
        if best_total > best[0]:
            own = st.scan(nx, 1)
            if own and own[0][0] < best_total - best[0]:
                mark = len(st.log)
                _c, s, d, p, r, sc = own[0]
                st.insert(nx, s, d, p, r, sc)
                mine = st.scan(i, 1)
                st.undo(mark)
                if mine and mine[0][0] + own[0][0] < best_total:
                    best = mine[0]
        return best

    def _within_reach(self, i: int, nx: int) -> bool:
        """Can step i's placement decide whether its successor nx slips (a day at most)?"""
        inst = self.inst
        return inst.st_target[nx] <= inst.st_target[i] + inst.st_slack[i] + 1

    def _chain_cost(self, i: int, placement: tuple, nx: int) -> tuple[int, int]:
        """With step i at `placement`: what nx and the linked steps after it add when each
        takes its cheapest placement in turn (a step with none costs its penalty), and the
        least those steps could ever cost. The state is left as it was."""
        st, inst = self.st, self.inst
        opts = inst.st_opts
        mark = len(st.log)
        _c, s, d, p, r, sc = placement
        st.insert(i, s, d, p, r, sc)
        total = floor = 0
        j = nx
        for _ in range(CHAIN_DEPTH):
            found = st.scan(j, 1)
            if not found:
                total += inst.st_pen[j]
                # A step that can never be placed costs its penalty whatever i does.
                floor += opts[j][0][0] if opts[j] else inst.st_pen[j]
                break
            floor += opts[j][0][0]
            c, s, d, p, r, sc = found[0]
            st.insert(j, s, d, p, r, sc)
            total += c
            after = inst.st_next[j]
            if after < 0 or st.asg_s[after] >= 0 or not self._within_reach(j, after):
                break
            j = after
        st.undo(mark)
        return total, floor

    # -- bookkeeping ---------------------------------------------------------------------------
    def _activate(self, i: int) -> None:
        inst = self.inst
        self.waiting.discard(i)
        self.active.add(i)
        self.w_pat.setdefault(inst.st_pat[i], set()).add(i)
        if inst.st_gsize[i] > 1:
            self.w_grp.setdefault(inst.st_ther[i], set()).add(i)
        self._evaluate(i)

    def _deactivate(self, i: int) -> None:
        inst = self.inst
        self.active.discard(i)
        self.w_pat[inst.st_pat[i]].discard(i)
        if inst.st_gsize[i] > 1:
            self.w_grp[inst.st_ther[i]].discard(i)
        for table, key in self.reg.pop(i, ()):
            table[key].discard(i)

    def _evaluate(self, i: int) -> None:
        inst = self.inst
        found = self.st.scan(i, 2)
        self.cache[i] = found
        for table, key in self.reg.pop(i, ()):
            table[key].discard(i)
        keys = []
        for _c, _s, d, p, r, _sc in found:
            keys.append((self.w_pd, (p, d)))
            keys.append((self.w_rd, (r, d)))
        for table, key in keys:
            table.setdefault(key, set()).add(i)
        self.reg[i] = keys
        pen = inst.st_pen[i]
        if not found:
            key = NO_OPTION_KEY
        elif len(found) == 1:
            key = ONE_OPTION_BONUS + pen - found[0][0]
        else:
            key = found[1][0] - found[0][0]
        if self.noise:
            key += self.rng.random() * self.noise
        v = self.ver.get(i, 0) + 1
        self.ver[i] = v
        heapq.heappush(self.heap, (-key, -pen, len(inst.st_opts[i]), i, v))

    def _touch(self, i: int, p: int, r: int, d: int) -> None:
        """Re-scan active steps whose cached placements may have changed after step i
        was placed at or removed from (p, r, d)."""
        inst = self.inst
        dirty = set()
        for table, key in ((self.w_pd, (p, d)), (self.w_rd, (r, d))):
            ws = table.get(key)
            if ws:
                dirty |= ws
        ws = self.w_pat.get(inst.st_pat[i])
        if ws:
            dirty |= ws
        if inst.st_gsize[i] > 1:
            ws = self.w_grp.get(inst.st_ther[i])
            if ws:
                dirty |= ws
        active = self.active
        for j in sorted(dirty):
            if j in active:
                self._evaluate(j)

    def _after_insert(self, i: int) -> None:
        st, inst = self.st, self.inst
        self._deactivate(i)
        self._touch(i, st.asg_p[i], st.asg_r[i], st.asg_d[i])
        nx = inst.st_next[i]
        if (
            nx >= 0
            and st.asg_s[nx] < 0
            and nx not in self.active
            and (nx in self.waiting or self.extend)
            and inst.st_pinned[nx] is None
        ):
            self._activate(nx)

    def _fail(self, i: int) -> None:
        """Step i stays unscheduled, so every later step of its plan does too (rule 9)."""
        st, inst = self.st, self.inst
        self._deactivate(i)
        self.failed.append(i)
        j = inst.st_next[i]
        while j >= 0:
            if j in self.active:
                self._deactivate(j)
            self.waiting.discard(j)
            if st.asg_s[j] >= 0 and inst.st_pinned[j] is None:
                p, r, d = st.asg_p[j], st.asg_r[j], st.asg_d[j]
                st.remove(j)
                self._touch(j, p, r, d)
            j = inst.st_next[j]

    def _backtrack(self, i: int) -> bool:
        """Re-place up to BACKTRACK_DEPTH predecessors of stuck step i together with it."""
        st, inst = self.st, self.inst
        chain: list[int] = []
        j = inst.st_prev[i]
        while len(chain) < BACKTRACK_DEPTH and j >= 0 and st.asg_s[j] >= 0:
            if inst.st_pinned[j] is not None:
                break
            chain.insert(0, j)
            j = inst.st_prev[j]
        if self.backtrack_nodes <= 0:
            return False
        for length in range(1, len(chain) + 1):
            seq = chain[-length:]
            old = [(j, st.asg_p[j], st.asg_r[j], st.asg_d[j]) for j in seq]
            mark = len(st.log)
            for j in seq:
                st.remove(j)
            # Forward (predecessors first, cheapest) and then backward (the stuck step
            # first, so that its placement bounds the predecessors' windows).
            for order in ([*seq, i], [i, *reversed(seq)]):
                self._nodes = self.backtrack_nodes
                if self._dfs(order, 0):
                    for j, p, r, d in old:
                        self._touch(j, p, r, d)
                    for j in seq:
                        self._touch(j, st.asg_p[j], st.asg_r[j], st.asg_d[j])
                    self._after_insert(i)
                    return True
            st.undo(mark)
        return False

    def _dfs(self, seq: list[int], level: int) -> bool:
        st = self.st
        step = seq[level]
        for _c, s, d, p, r, sc in st.scan(step, BACKTRACK_WIDTH):
            self._nodes -= 1
            if self._nodes < 0:
                return False
            mark = len(st.log)
            st.insert(step, s, d, p, r, sc)
            if level == len(seq) - 1 or self._dfs(seq, level + 1):
                return True
            st.undo(mark)
        return False
