"""Best-known solutions and lower bounds of the benchmark problems: python -m bench.references.

For each problem of `make bench-scheduler` (bench/scheduler.py's list), CP-SAT is given a long
budget, warm-started from the best schedule known so far (the stored reference, or our engine's
when better); whichever of CP-SAT's, ours and the stored one is best is kept, with the best
lower bound any run proved. Each problem's file under bench/references/ holds the solution (no
explanations), its objective, the best lower bound (CP-SAT's or the engine's static one,
whichever is higher) and every run that went into it (when, on what machine,
budget, workers, what each solver reached), so a later, longer run only ever improves it:

    python -m bench.references --budget 1200            # the issue's 20 minutes a problem
    python -m bench.references --only gen-1800 --budget 3600

A reference whose problem no longer hashes the same (the generator changed) is started afresh.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.cpsat import solve_cpsat
from bench.scheduler import load_engine, problems, steps_of
from scheduling.engine.checker import check

REFERENCES = Path(__file__).resolve().parent / "references"
SMALL_STEPS = 700  # below this a problem gets the small budget


def problem_hash(problem: dict) -> str:
    text = json.dumps(problem, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def load(name: str, digest: str) -> dict | None:
    path = REFERENCES / f"{name}.json"
    if not path.exists():
        return None
    stored = json.loads(path.read_text(encoding="utf-8"))
    return stored if stored.get("problem_sha256") == digest else None


def stripped(solution: dict) -> dict:
    """The solution without explanations (they are long and not part of the objective)."""
    return {
        "format": solution.get("format"),
        "assignments": [
            {k: v for k, v in a.items() if k != "explanation"} for a in solution["assignments"]
        ],
        "unscheduled": solution["unscheduled"],
        "objective": solution.get("objective"),
    }


def machine() -> str:
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load {load1:.1f} at start, Python {platform.python_version()}"
    )


def improve(name: str, problem: dict, engine, args) -> dict:
    digest = problem_hash(problem)
    stored = load(name, digest)
    candidates = []  # (objective, made_by, solution)
    if stored is not None:
        candidates.append((stored["objective"], stored["made_by"], stored["solution"]))
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "workers": args.workers,
    }
    if engine is not None and args.ours_limit > 0:
        solve, problem_from_dict, solution_to_dict = engine
        t0 = time.perf_counter()
        stats: dict = {}
        ours = solution_to_dict(
            solve(
                problem_from_dict(problem),
                time_limit=args.ours_limit,
                workers=args.workers,
                _stats=stats,
            )
        )
        report = check(problem, ours)
        run["ours"] = {
            "time_limit": args.ours_limit,
            "seconds": round(time.perf_counter() - t0, 1),
            "objective": report.objective if report.valid else None,
            "lower_bound": stats.get("lower_bound"),
        }
        if report.valid:
            candidates.append((report.objective, "engine", stripped(ours)))
    bound = stored.get("bound") if stored else None
    # The engine's own bound (every step at its cheapest static cost) is a true lower bound
    # too, and often the only one where CP-SAT cannot finish its model in the budget.
    engine_bound = run.get("ours", {}).get("lower_bound")
    if engine_bound is not None:
        bound = engine_bound if bound is None else max(bound, engine_bound)
    budget = args.budget if steps_of(problem) >= SMALL_STEPS else args.small_budget
    if budget > 0:
        hint = min(candidates, key=lambda c: c[0])[2] if candidates else None
        res = solve_cpsat(problem, time_limit=budget, workers=args.workers, hint=hint)
        valid = res.solution is not None and check(problem, res.solution).valid
        objective = check(problem, res.solution).objective if valid else None
        run["cpsat"] = {
            "budget": budget,
            "seconds": round(res.wall_time, 1),
            "build_seconds": round(res.build_time, 1),
            "status": res.status,
            "objective": objective,
            "bound": res.bound,
            "warm_start": min(candidates, key=lambda c: c[0])[1] if candidates else None,
        }
        if valid:
            candidates.append((objective, "cpsat", stripped(res.solution)))
        if res.bound is not None:
            bound = res.bound if bound is None else max(bound, res.bound)
    if not candidates:
        raise RuntimeError(f"{name}: no valid solution from any run")
    objective, made_by, solution = min(candidates, key=lambda c: c[0])
    return {
        "problem": name,
        "problem_sha256": digest,
        "steps": steps_of(problem),
        "objective": objective,
        "bound": bound,
        "made_by": made_by,
        "runs": [*(stored["runs"] if stored else []), run],
        "solution": solution,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=1200, help="CP-SAT seconds, large [1200]")
    parser.add_argument(
        "--small-budget",
        type=float,
        default=None,
        help=f"CP-SAT seconds below {SMALL_STEPS} steps [the large budget]",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ours-limit", type=float, default=10.0, help="our engine's seconds")
    parser.add_argument("--only", nargs="*", help="only these problem names")
    args = parser.parse_args(argv)
    if args.small_budget is None:
        args.small_budget = args.budget
    args.quick = False
    REFERENCES.mkdir(exist_ok=True)
    engine = load_engine()
    for name, problem in problems(args):
        print(f"... {name} ({steps_of(problem)} steps)", file=sys.stderr, flush=True)
        ref = improve(name, problem, engine, args)
        path = REFERENCES / f"{name}.json"
        path.write_text(json.dumps(ref, separators=(",", ":")) + "\n", encoding="utf-8")
        last = ref["runs"][-1]
        print(
            f"{name:<16} best {ref['objective']} ({ref['made_by']}), bound {ref['bound']}; "
            f"this run: ours {last.get('ours', {}).get('objective')}, "
            f"CP-SAT {last.get('cpsat', {}).get('objective')} "
            f"bound {last.get('cpsat', {}).get('bound')}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
