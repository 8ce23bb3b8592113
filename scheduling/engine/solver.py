"""solve(): construction, adaptive LNS and explanations within a time limit."""

from __future__ import annotations

import hashlib
import json
import time
from random import Random

from .explain import Explainer
from .instance import Instance
from .jsonio import problem_to_dict
from .lns import Search, earliest_fit, lower_bound, place_pinned, seed_previous
from .model import Assignment, Problem, Reason, Solution, Unscheduled
from .objective import evaluate
from .repair import Repair
from .state import State

MAX_ITERATIONS = 200_000
# Stop early once the best schedule has not improved for this many LNS iterations: it
# makes results reproducible (the stop does not depend on the clock) and small problems fast.
STALL_MIN, STALL_PER_STEP = 100, 4
SEED_OFFSET = 0  # experiments only: vary the search from one seed to another
SEARCH_SHARE = 0.8  # of the time limit; the rest covers explanations and output


def problem_seed(problem: Problem) -> int:
    text = json.dumps(problem_to_dict(problem), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def restore(inst: Instance, snapshot) -> State:
    st = State(inst)
    for i, a in enumerate(snapshot):
        if a is not None:
            s, d, p, r, sc = a
            st.insert(i, s, d, p, r, sc)
    return st


def solve(problem: Problem, *, time_limit: float = 5.0, _stats: dict | None = None) -> Solution:
    """Best schedule found within `time_limit` seconds (always valid unless pinned
    assignments themselves conflict). Deterministic for one input when the search ends by
    stalling rather than by the clock."""
    t0 = time.perf_counter()
    deadline = t0 + SEARCH_SHARE * time_limit
    inst = Instance(problem)
    rng = Random(problem_seed(problem) + SEED_OFFSET)
    st = State(inst)
    place_pinned(st)
    lb = lower_bound(st)
    seed_previous(st)
    st.log = []
    Repair(st, rng).run(range(inst.n))
    st.log = None
    # Plain earliest fit, keeping the previous schedule and (when there is one) ignoring it:
    # after sick leave, moving everything to the earliest free time can beat patching.
    has_previous = any(pv is not None for pv in inst.st_prevasg)
    for keep_previous in (True, False) if has_previous else (True,):
        plain = State(inst)
        place_pinned(plain)
        if keep_previous:
            seed_previous(plain)
        earliest_fit(plain)
        if plain.obj < st.obj:
            st = plain
    t_construct = time.perf_counter() - t0
    construct_obj = st.obj
    search = Search(st, rng, deadline)
    stall = max(STALL_MIN, STALL_PER_STEP * len(search.movable))
    search.run(MAX_ITERATIONS, stall, lb)
    best = restore(inst, search.best)
    # A last chance for steps left unscheduled: anything that fits now is strictly better.
    best.log = []
    Repair(best, rng).run([i for i in range(inst.n) if best.asg_s[i] < 0])
    best.log = None
    solution = build_solution(inst, best)
    if _stats is not None:
        _stats.update(
            construct_seconds=t_construct,
            construct_objective=construct_obj,
            lower_bound=lb,
            iterations=search.iterations,
            weights=dict(search.weights),
            seconds=time.perf_counter() - t0,
        )
    return solution


def build_solution(inst: Instance, st: State) -> Solution:
    g = inst.grid
    ex = Explainer(st)
    assignments = []
    unscheduled = []
    for i in range(inst.n):
        plan, step = inst.step_key[i]
        if st.asg_s[i] >= 0:
            p, r = st.asg_p[i], st.asg_r[i]
            assignments.append(
                Assignment(
                    plan=plan,
                    step=step,
                    start=g.iso(st.asg_s[i]),
                    room=inst.room_ids[r] if r >= 0 else "",
                    practitioner=inst.prac_ids[p] if p >= 0 else "",
                    explanation=ex.assignment(i),
                )
            )
        else:
            unscheduled.append(Unscheduled(plan=plan, step=step, reasons=ex.unscheduled(i)))
    snap = [(a[0], a[1], a[2], a[3]) if a else None for a in st.snapshot()]
    objective = evaluate(inst, snap)["total"]
    return Solution(assignments=assignments, unscheduled=unscheduled, objective=objective)


__all__ = ["Reason", "solve"]
