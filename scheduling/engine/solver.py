"""solve(): construction, adaptive LNS and explanations within a time limit."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
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

SEED_OFFSET = 0  # experiments only: vary the search from one seed to another
MIN_STEPS_TO_SHARE = 60  # steps below which extra workers are not started
SEARCH_SHARE = 0.8  # of the time limit; the rest covers explanations and output


def problem_seed(problem: Problem) -> int:
    text = json.dumps(problem_to_dict(problem), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def restore(inst: Instance, snapshot) -> State:
    st = State(inst)
    st.reset_to(snapshot)
    return st


def solve(
    problem: Problem,
    *,
    time_limit: float = 5.0,
    workers: int = 1,
    _stats: dict | None = None,
) -> Solution:
    """Best schedule found within `time_limit` seconds (always valid unless pinned
    assignments themselves conflict). Deterministic for one input when the search ends by
    stalling rather than by the clock.

    With `workers` above 1, as many searches run side by side from differently seeded
    random choices (one here, the others in forked processes) and the best schedule wins:
    one search's result varies a lot with its random choices, the best of two much less."""
    t0 = time.perf_counter()
    deadline = t0 + SEARCH_SHARE * time_limit
    inst = Instance(problem)
    seed = problem_seed(problem) + SEED_OFFSET
    # A small problem's single search ends by stalling in moments; a fork would cost more.
    if inst.n < MIN_STEPS_TO_SHARE:
        workers = 1
    helpers = [_ForkedSearch(inst, seed + k, deadline) for k in range(1, workers)]
    snapshot, objective, stats = _search(inst, seed, deadline)
    for helper in helpers:
        found = helper.result()
        if found is not None and found[1] < objective:
            snapshot, objective, stats = found
    best = restore(inst, snapshot)
    # A last chance for steps left unscheduled: anything that fits now is strictly better.
    best.log = []
    Repair(best, Random(seed)).run([i for i in range(inst.n) if best.asg_s[i] < 0])
    best.log = None
    solution = build_solution(inst, best)
    if _stats is not None:
        _stats.update(stats, workers=1 + len(helpers), seconds=time.perf_counter() - t0)
    return solution


def _prepare(inst: Instance, seed: int) -> Search:
    """Construct a schedule and a search ready to improve it."""
    rng = Random(seed)
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
    return Search(st, rng, lb)


def _search(inst: Instance, seed: int, deadline: float) -> tuple[list, int, dict]:
    """Construct, then improve until `deadline`: the best snapshot, its objective, figures."""
    t0 = time.perf_counter()
    search = _prepare(inst, seed)
    stats = {"construct_seconds": time.perf_counter() - t0, "construct_objective": search.best_obj}
    search.run(deadline)
    return search.best, search.best_obj, _figures(search, stats)


def _figures(search: Search, stats: dict) -> dict:
    return dict(
        stats,
        lower_bound=search.lower,
        iterations=search.iterations,
        weights=dict(search.weights),
    )


class _ForkedSearch:
    """_search() in a forked child process, its result sent back through a pipe.

    A plain fork rather than multiprocessing: the child inherits the built instance for
    free, and it also works inside daemonic job-queue workers, which multiprocessing
    refuses to let have children. The child runs only this pure-Python search and leaves
    with os._exit, so it never touches its parent's open files or connections."""

    def __init__(self, inst: Instance, seed: int, deadline: float):
        self.pid = -1
        self.read = -1
        if not hasattr(os, "fork"):
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: whatever happens, it never returns into the caller's code
            try:
                os.close(read)
                found = _search(inst, seed, deadline)
                with os.fdopen(write, "wb") as out:
                    out.write(pickle.dumps(found))
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.read = pid, read

    def result(self) -> tuple[list, int, dict] | None:
        if self.pid < 0:
            return None
        with os.fdopen(self.read, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(self.pid, 0)
        return pickle.loads(payload) if payload else None


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
