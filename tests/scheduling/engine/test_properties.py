"""Property tests: on small generated problems the engine is valid and never worse than first fit."""

import gc
import time

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bench.first_fit import first_fit
from bench.generator import generate_problem
from scheduling.engine.checker import check

problems = st.builds(
    generate_problem,
    seed=st.integers(0, 10_000),
    patients=st.integers(1, 6),
    practitioners=st.integers(2, 6),
    days=st.integers(3, 10),
    timezone=st.sampled_from(["Asia/Kolkata", "Europe/London", "America/New_York"]),
    groups=st.booleans(),
    sick_leave=st.booleans(),
)

FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: CI failures must reproduce locally
    # No shrinking: each example costs a solver run, and the generator's arguments already make
    # a failing example small and readable.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@FAST
@given(problems)
# Found by this test: two patients where first fit is optimal (21015) and the engine gave 21020.
@example(generate_problem(seed=924, patients=2, practitioners=3, days=10))
def test_engine_solutions_pass_the_checker_and_beat_first_fit(problem):
    from scheduling.engine import problem_from_dict, solution_to_dict, solve

    solution = solution_to_dict(solve(problem_from_dict(problem), time_limit=0.5))
    report = check(problem, solution)
    assert report.valid, report.violations[:5]
    assert report.claimed_objective_matches, (solution.get("objective"), report.objective)
    baseline = check(problem, first_fit(problem))
    assert baseline.valid, baseline.violations[:5]
    assert report.objective <= baseline.objective


def solve_timed(problem: dict, limit: float) -> tuple[dict, float]:
    """The solution and the CPU seconds the engine used for it.

    Objects the rest of the suite left alive are frozen out of the garbage collector first:
    in a long test run a full collection during the solve scans them all, which is the test
    process's cost, not the engine's (it once took 0.64 s for a 0.05 s limit)."""
    from scheduling.engine import problem_from_dict, solution_to_dict, solve

    gc.collect()
    gc.freeze()
    try:
        started = time.process_time()
        solution = solution_to_dict(solve(problem_from_dict(problem), time_limit=limit))
        return solution, time.process_time() - started
    finally:
        gc.unfreeze()


@settings(max_examples=30, deadline=None, derandomize=True, phases=FAST.phases)
@given(problems)
def test_first_fit_solutions_pass_the_checker(problem):
    report = check(problem, first_fit(problem))
    assert report.valid, report.violations[:5]


@settings(max_examples=12, deadline=None, derandomize=True, phases=FAST.phases)
@given(problems, st.sampled_from([0.0, 0.02, 0.1]))
def test_a_time_limit_too_short_to_search_still_gives_a_complete_valid_schedule(problem, limit):
    """Below what the construction needs, the clock cuts it short and first fit places the
    rest: every step is placed or has a reason, the schedule is valid, and it comes about when
    asked for. (Not always as good as plain first fit here: with no time at all, our first fit
    takes the cheapest options, the benchmark's the earliest; from 0.5 s, the limit the format
    promises, the test above holds it to first fit.)

    Time is measured as the CPU the engine used (one worker, no fork): the wall clock of a
    shared test machine also counts other jobs' turns on its cores."""
    solution, elapsed = solve_timed(problem, limit)
    report = check(problem, solution)
    assert report.valid, report.violations[:5]
    assert all(u["reasons"] for u in solution["unscheduled"])
    assert elapsed < limit * 1.1 + 0.15, elapsed


def test_the_time_limit_holds_on_a_larger_problem_and_more_time_gives_a_better_schedule():
    """~400 steps: a limit far too short for the construction still returns a complete, valid
    schedule in time (CPU time, as above), and a longer one does better, no worse than first
    fit."""
    problem = generate_problem(seed=12, patients=30, practitioners=10, days=14)
    objectives = []
    for limit in (0.05, 10.0):
        solution, elapsed = solve_timed(problem, limit)
        report = check(problem, solution)
        assert report.valid, report.violations[:5]
        assert elapsed < limit * 1.1 + 0.15, (limit, elapsed)
        objectives.append(report.objective)
    assert objectives[1] < objectives[0]
    assert objectives[1] <= check(problem, first_fit(problem)).objective
