"""solve(): construction, adaptive LNS and explanations within a time limit."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from itertools import pairwise
from random import Random

from .evaluation import evaluate
from .explain import Explainer
from .instance import Instance
from .jsonio import problem_to_dict
from .lns import (
    Search,
    earliest_fit,
    first_fit_rest,
    lower_bound,
    place_pinned,
    seed_previous,
)
from .model import Assignment, Problem, Reason, Solution, Unscheduled
from .repair import Repair
from .state import State

MIN_STEPS_TO_SHARE = 60  # steps below which extra workers are not started
EXCHANGES = 4  # times within the limit that workers compare their best schedules
FOCUS_MIN_DAYS = 3  # dates per worker below which workers do not split the horizon
# Where the horizon is cut, stretch after stretch, as a share of a part's sessions: 0.5 cuts
# two workers' horizon in its middle.
FOCUS_SHIFTS = (0.5, 0.3, 0.7, 0.4, 0.6)
# The time limit is strict: a complete schedule is returned within it. Of the limit, this
# share is planned for, the rest absorbs the clock's coarseness and a loaded machine.
PLANNED_SHARE = 0.9
# Writing the solution out (explanations included) takes about this long per step; it is
# kept back from the search so that the answer still comes in time. Should explaining take
# longer, the last steps are explained in short.
OUTPUT_SECONDS_PER_STEP = 40e-6
OUTPUT_SECONDS_FIXED = 0.02
# Regret insertion with lookahead takes up to this many times as long as without; it is only
# tried when that fits before the deadline.
LOOKAHEAD_COST = 10
MEND_SHARE = 0.5  # of the search's time, at most this goes to mending plan fronts first
MIN_SEARCH_SECONDS = 0.05  # below this, no search is started (nor workers forked)


def problem_seed(problem: Problem) -> int:
    text = json.dumps(problem_to_dict(problem), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def restore(inst: Instance, snapshot) -> State:
    state = State(inst)
    state.reset_to(snapshot)
    return state


def solve(
    problem: Problem,
    *,
    time_limit: float = 5.0,
    workers: int = 1,
    seed: int = 0,
    _stats: dict | None = None,
) -> Solution:
    """Best schedule found within `time_limit` seconds (always valid unless pinned
    assignments themselves conflict). Deterministic for one input when the search ends by
    stalling rather than by the clock.

    The limit holds however large the problem: the regret construction stops at the search's
    deadline and whatever it has not reached is placed by first fit, so a short limit gives a
    rougher schedule, never a missing one.

    With `workers` above 1, as many searches run side by side (one here, the others in
    forked processes) from differently seeded random choices, and EXCHANGES times within
    the limit they compare their best schedules: the behind ones carry on from the best.
    One search's result varies a lot with its random path; this keeps the good paths.
    `seed` varies the random choices (the benchmark reports the spread over several)."""
    t0 = time.perf_counter()
    finish = t0 + PLANNED_SHARE * time_limit
    inst = Instance(problem)
    # The search stops early enough to leave time for writing the solution out.
    output_seconds = OUTPUT_SECONDS_FIXED + OUTPUT_SECONDS_PER_STEP * inst.n_steps
    deadline = finish - output_seconds
    state, lower = _construct(inst, deadline, finish - output_seconds / 2)
    stats = {"construct_seconds": time.perf_counter() - t0, "construct_objective": state.objective}
    search = None
    best = state
    if deadline - time.perf_counter() >= MIN_SEARCH_SECONDS:
        seed += problem_seed(problem)
        # A small problem's single search ends by stalling in moments; a fork would cost more.
        if inst.n_steps < MIN_STEPS_TO_SHARE:
            workers = 1
        search = Search(state, Random(seed), lower)
        # Mending plan fronts can take all the time on a center with too little room; the
        # search's own ejection moves carry on with what it leaves. Each worker mends with
        # its own random choices (and carries on after an exchange while it gets some in).
        search.mend_until = time.perf_counter() + MEND_SHARE * (deadline - time.perf_counter())
        if workers > 1:
            _cooperate(search, seed, workers, deadline, stats)
        else:
            search.run(deadline)
        # Without a single search iteration the constructed schedule is the best as it stands.
        if search.iterations:
            best = restore(inst, search.best)
        # A last chance for steps left unscheduled: anything that fits now is strictly better.
        best.undo_log = []
        Repair(best, Random(seed)).run(
            [i for i in range(inst.n_steps) if best.step_start[i] < 0], deadline=deadline
        )
        best.undo_log = None
    solution = build_solution(inst, best, deadline=finish - OUTPUT_SECONDS_FIXED)
    if _stats is not None:
        _stats.update(
            stats,
            lower_bound=lower,
            iterations=stats.get("iterations", 0) + (search.iterations if search else 0),
            weights=dict(search.weights) if search else {},
            workers=workers if search else 1,
            seconds=time.perf_counter() - t0,
        )
    return solution


def _construct(inst: Instance, deadline: float, finish: float) -> tuple[State, int]:
    """A first complete schedule and a lower bound on the objective.

    Regret insertion of each step at its own cheapest placement first (fast); when the clock
    stops it, first fit places what it has not reached. With time to spare, regret insertion
    that looks ahead along linked steps (several times slower, often better), and plain
    earliest fit; the cheapest of the complete schedules is kept."""
    t0 = time.perf_counter()
    state, lower = _regret_construction(inst, deadline, lookahead=False)
    quick_seconds = time.perf_counter() - t0
    if time.perf_counter() + LOOKAHEAD_COST * quick_seconds < deadline:
        other, _lower = _regret_construction(inst, deadline, lookahead=True)
        if other is not None and other.objective < state.objective:
            state = other
    # Plain earliest fit, keeping the previous schedule and (when there is one) ignoring it:
    # after sick leave, moving everything to the earliest free time can beat patching. It is
    # the benchmark's floor (first fit) and fast, so it runs whenever the output's time is not
    # yet being eaten into: with any limit the construction can meet, the schedule is never
    # worse than first fit.
    has_previous = any(previous is not None for previous in inst.step_previous)
    for keep_previous in (True, False) if has_previous else (True,):
        if time.perf_counter() > finish:
            break
        plain = State(inst)
        place_pinned(plain)
        if keep_previous:
            seed_previous(plain)
        earliest_fit(plain)
        if plain.objective < state.objective:
            state = plain
    return state, lower


def _regret_construction(
    inst: Instance, deadline: float, *, lookahead: bool
) -> tuple[State | None, int]:
    """Pinned steps, the previous schedule where it still fits, then regret insertion until
    `deadline`; if that is reached, first fit for the rest without lookahead, and no schedule
    (None) with it. Also the lower bound."""
    state = State(inst)
    place_pinned(state)
    lower = lower_bound(state)
    seed_previous(state)
    state.undo_log = []
    repair = Repair(state, Random(0))
    repair.run(range(inst.n_steps), deadline=deadline, lookahead=lookahead)
    state.undo_log = None
    if repair.timed_out:
        if lookahead:
            return None, lower
        first_fit_rest(state)
    return state, lower


def _cooperate(search: Search, seed: int, workers: int, deadline: float, stats: dict) -> None:
    """Run `search` here and workers - 1 copies in forked processes, exchanging the best
    schedule at EXCHANGES checkpoints; `search` ends holding the best of all.

    The first stretch, every search works on the whole schedule from its own random path (the
    best of them goes on). After it, on a horizon of enough dates, each works on its own run of
    dates (see Search.focus) and at each checkpoint their dates merge into one schedule: every
    process then improves a part of the size it can cover, as if it had that much more time.
    The dates are cut elsewhere each stretch, so that no seam stays where it was, and the last
    stretch is on the whole schedule again."""
    inst = search.inst
    start = time.perf_counter()
    checkpoints = [start + (deadline - start) * k / EXCHANGES for k in range(1, EXCHANGES + 1)]
    partners = [_Partner(search, seed + k, checkpoints) for k in range(1, workers)]
    partners = [p for p in partners if p.alive]
    focus = None  # the stretch under way: (date runs, owner of each step)
    for stretch, when in enumerate(checkpoints):
        finished = search.run(when)
        reports = []
        for p in partners:
            report = p.receive()
            if report is None:  # the child failed: carry on without it
                p.close()
            else:
                reports.append((p, report))
        partners = [p for p, _report in reports]
        leader = _leader(search, [report for _p, report in reports], focus)
        everyone_done = (
            finished
            and all(done for _p, (done, _o, _b) in reports)
            and leader[0] >= search.best_objective
        )
        last = when == checkpoints[-1]
        parts = len(partners) + 1
        # The last stretch works on the whole schedule again: it mends what the seams cut
        # (a plan that had to slip from one run of dates into the next).
        focus = (
            None
            if stretch >= len(checkpoints) - 2 or parts == 1 or inst.days < FOCUS_MIN_DAYS * parts
            else _date_runs(inst, leader[2], parts, stretch)
        )
        if focus is not None or search.best_objective > leader[0]:
            search.adopt(leader[2], leader[0])
        search.focus(*(focus[0][0], focus[1], 0) if focus else (None,))
        for k, (p, (_done, obj, _best)) in enumerate(reports, start=1):
            if last or everyone_done:
                p.send(_STOP)
            elif focus is not None:
                p.send((leader[2], leader[0], (focus[0][k], focus[1], k)))
            elif obj > leader[0]:
                p.send((leader[2], leader[0], None))
            else:
                p.send(None)
        if everyone_done:
            break
    for p in partners:
        stats["iterations"] = stats.get("iterations", 0) + p.finish()


def _leader(search: Search, reports: list, focus) -> tuple[int, int, list]:
    """The best schedule at a checkpoint as (objective, who, snapshot): the search's own, a
    child's (who is its index), or, after a stretch on separate dates, all of them merged
    (each child's dates into ours), which wins ties."""
    entries = [(search.best_objective, -1, search.best)]
    entries += [(objective, k, best) for k, (_done, objective, best) in enumerate(reports)]
    if focus is not None:
        owner = focus[1]
        search.state.reset_to(search.best)
        for k, (_done, _objective, best) in enumerate(reports, start=1):
            search.merge(best, owner, k)
        entries.append((search.state.objective, -2, search.state.snapshot()))
        search.state.reset_to(search.best)
    return min(entries, key=lambda entry: entry[:2])


def _date_runs(inst: Instance, snapshot, parts: int, stretch: int) -> tuple[list[range], list[int]]:
    """The horizon cut into `parts` runs of consecutive dates holding about as many sessions
    each (the cuts shifted by the stretch), and which run each step belongs to: the one of its
    date, or of its target date when it is unscheduled."""
    days = inst.days
    per_date = [0] * days
    for placement in snapshot:
        if placement is not None:
            per_date[placement[1]] += 1
    total = max(1, sum(per_date))
    shift = FOCUS_SHIFTS[stretch % len(FOCUS_SHIFTS)]
    cuts = []
    seen = 0
    for d in range(days - 1):
        seen += per_date[d]
        while len(cuts) < parts - 1 and seen >= total * (len(cuts) + 0.5 + shift) / parts:
            cuts.append(d + 1)
    while len(cuts) < parts - 1:
        cuts.append(days - 1)
    bounds = [0]
    for cut in cuts:
        bounds.append(min(days - (parts - len(bounds)), max(bounds[-1] + 1, cut)))
    bounds.append(days)
    runs = [range(a, b) for a, b in pairwise(bounds)]
    part_of = [0] * days
    for k, run in enumerate(runs):
        for d in run:
            part_of[d] = k
    owner = [
        part_of[placement[1]]
        if placement is not None
        else part_of[min(days - 1, max(0, inst.step_target_date[i]))]
        for i, placement in enumerate(snapshot)
    ]
    return runs, owner


_STOP = "stop"


class _Partner:
    """A copy of the search in a forked child process, talking through two pipes.

    A plain fork rather than multiprocessing: the child inherits the built instance and the
    constructed schedule for free, and it also works inside daemonic job-queue workers,
    which multiprocessing refuses to let have children. The child runs only this
    pure-Python search and leaves with os._exit, so it never touches its parent's open
    files or connections. At each checkpoint it reports (finished, objective, best) and
    is told to carry on, to adopt a better schedule, or to stop."""

    def __init__(self, search: Search, seed: int, checkpoints: list[float]):
        self.alive = False
        if not hasattr(os, "fork"):
            return
        up_read, up_write = os.pipe()
        down_read, down_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: whatever happens, it never returns into the caller's code
            try:
                os.close(up_read)
                os.close(down_write)
                with os.fdopen(up_write, "wb") as up, os.fdopen(down_read, "rb") as down:
                    _partner_loop(search.reseeded(Random(seed)), checkpoints, up, down)
            finally:
                os._exit(0)
        os.close(up_write)
        os.close(down_read)
        self.pid = pid
        self.up = os.fdopen(up_read, "rb")
        self.down = os.fdopen(down_write, "wb")
        self.alive = True

    def receive(self) -> tuple[bool, int, list] | None:
        try:
            return pickle.load(self.up)
        except (EOFError, pickle.UnpicklingError, OSError):
            return None

    def send(self, message) -> None:
        try:
            pickle.dump(message, self.down)
            self.down.flush()
        except OSError:
            pass

    def finish(self) -> int:
        """Wait for the child to leave; its iteration count."""
        iterations = self.receive() or 0
        self.close()
        return iterations

    def close(self) -> None:
        self.up.close()
        self.down.close()
        os.waitpid(self.pid, 0)


def _partner_loop(search: Search, checkpoints: list[float], up, down) -> None:
    for when in checkpoints:
        finished = search.run(when)
        pickle.dump((finished, search.best_objective, search.best), up)
        up.flush()
        reply = pickle.load(down)
        if reply == _STOP:
            break
        if reply is not None:
            snapshot, objective, focus = reply
            search.adopt(snapshot, objective)
            search.focus(*focus if focus else (None,))
    pickle.dump(search.iterations, up)
    up.flush()


def build_solution(inst: Instance, state: State, deadline: float | None = None) -> Solution:
    """The solution of `state`, explained; past `deadline` (a time.perf_counter() value)
    the remaining steps are explained in short, so that the time limit holds."""
    grid = inst.grid
    explainer = Explainer(state)
    assignments = []
    unscheduled = []
    in_short = False
    for i in range(inst.n_steps):
        plan, step = inst.step_key[i]
        if deadline is not None and not in_short and i % 16 == 0:
            in_short = time.perf_counter() > deadline
        if state.step_start[i] >= 0:
            p, r = state.step_practitioner[i], state.step_room[i]
            assignments.append(
                Assignment(
                    plan=plan,
                    step=step,
                    start=grid.iso(state.step_start[i]),
                    room=inst.room_ids[r] if r >= 0 else "",
                    practitioner=inst.practitioner_ids[p] if p >= 0 else "",
                    explanation=(
                        explainer.assignment_in_short(i) if in_short else explainer.assignment(i)
                    ),
                )
            )
        else:
            reasons = explainer.unscheduled_in_short(i) if in_short else explainer.unscheduled(i)
            unscheduled.append(Unscheduled(plan=plan, step=step, reasons=reasons))
    placements = [(a[0], a[1], a[2], a[3]) if a else None for a in state.snapshot()]
    objective = evaluate(inst, placements)["total"]
    return Solution(assignments=assignments, unscheduled=unscheduled, objective=objective)


__all__ = ["Reason", "solve"]
