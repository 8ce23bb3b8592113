"""Command line: `python -m scheduling.engine solve|check ...` (see FORMAT.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


class _Unreadable(Exception):
    pass


def _read_json(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise _Unreadable(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"{what} {path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise _Unreadable(f"{what} {path} is not a JSON object")
    return doc


def _seconds_since_start() -> float:
    """How long this process has run (interpreter start and imports count against the time
    limit too); 0 where the system does not tell."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            started_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def _solve(args: argparse.Namespace) -> int:
    from .jsonio import FormatError, dump_json, problem_from_dict, solution_to_dict
    from .solver import solve

    t0 = time.perf_counter() - _seconds_since_start()
    doc = _read_json(args.problem, "problem")
    try:
        problem = problem_from_dict(doc)
    except FormatError as exc:
        raise _Unreadable(f"problem {args.problem}: {exc}") from exc
    budget = max(0.01, args.time_limit - (time.perf_counter() - t0))
    solution = solve(problem, time_limit=budget, workers=max(1, args.workers))
    text = dump_json(solution_to_dict(solution))
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise _Unreadable(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)
    placed = len(solution.assignments)
    total = placed + len(solution.unscheduled)
    print(
        f"placed {placed}/{total} steps, {len(solution.unscheduled)} unscheduled, "
        f"objective {solution.objective}, {time.perf_counter() - t0:.2f} s",
        file=sys.stderr,
    )
    return EXIT_VALID


def _check(args: argparse.Namespace) -> int:
    from .checker import check

    problem = _read_json(args.problem, "problem")
    solution = _read_json(args.solution, "solution")
    try:
        report = check(problem, solution)
    except Exception as exc:  # the checker should not raise; if it does, say so in one line
        raise _Unreadable(f"cannot check: {type(exc).__name__}: {exc}") from exc
    print("VALID" if report.valid else "INVALID")
    for v in report.violations:
        print(f"  {v}")
    parts = ", ".join(f"{k}={v}" for k, v in report.parts.items())
    print(f"objective {report.objective} ({parts})")
    return EXIT_VALID if report.valid else EXIT_INVALID


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scheduling.engine", description="Panchakarma scheduling engine"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_solve = sub.add_parser("solve", help="solve a problem, write the solution JSON")
    p_solve.add_argument("problem")
    p_solve.add_argument("--time-limit", type=float, default=5.0, help="seconds (default 5)")
    p_solve.add_argument("-o", "--output", help="solution file (default: stdout)")
    p_solve.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="searches run side by side, sharing their best (default: 2, or 1 on one core)",
    )
    p_check = sub.add_parser("check", help="check a solution against its problem")
    p_check.add_argument("problem")
    p_check.add_argument("solution")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_UNREADABLE if exc.code else EXIT_VALID
    try:
        return _solve(args) if args.command == "solve" else _check(args)
    except _Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
