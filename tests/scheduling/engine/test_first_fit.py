"""The first-fit baseline always produces schedules that the independent checker accepts."""

import json
from pathlib import Path

import pytest

from bench.first_fit import first_fit
from bench.generator import generate_problem
from scheduling.engine.checker import REASON_CODES, check

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "scheduling" / "samples"

CASES = [
    {"seed": s, "patients": 6 + 2 * s, "practitioners": 3 + s, "days": 7 + 2 * s} for s in range(5)
] + [
    {"seed": 11, "patients": 14, "practitioners": 8, "days": 14, "groups": True},
    {"seed": 12, "patients": 14, "practitioners": 8, "days": 14, "timezone": "Europe/London"},
    {"seed": 13, "patients": 14, "practitioners": 8, "days": 14, "sick_leave": True},
    {"seed": 14, "patients": 10, "practitioners": 6, "days": 10, "timezone": "America/New_York"},
]


@pytest.mark.parametrize("kwargs", CASES, ids=lambda k: "-".join(map(str, k.values())))
def test_first_fit_is_valid_on_generated_problems(kwargs):
    problem = generate_problem(**kwargs)
    solution = first_fit(problem)
    report = check(problem, solution)
    assert report.valid, report.violations[:5]
    assert solution["objective"] == report.objective
    for u in solution["unscheduled"]:
        assert u["reasons"] and all(r["code"] in REASON_CODES for r in u["reasons"])


def test_first_fit_keeps_pins_and_is_deterministic():
    problem = generate_problem(seed=13, patients=14, practitioners=8, days=14, sick_leave=True)
    a, b = first_fit(problem), first_fit(problem)
    assert a == b
    placed = {(x["plan"], x["step"]): x for x in a["assignments"]}
    for p in problem["previous"]:
        if p.get("pinned"):
            got = placed[(p["plan"], p["step"])]
            assert (got["start"], got["room"], got["practitioner"]) == (
                p["start"],
                p["room"],
                p["practitioner"],
            )


def test_first_fit_places_at_the_earliest_start():
    problem = generate_problem(seed=1, patients=1, practitioners=8, days=14)
    problem["patients"][0].update(hours=None, same_gender_practitioner=False)
    problem["busy"] = []
    solution = first_fit(problem)
    first = solution["assignments"][0]
    # An empty center: the first step starts when the center opens on the plan's first day.
    assert first["start"].startswith(problem["plans"][0]["start"] + "T07:00")


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")
def test_first_fit_reproduces_the_samples_previous_schedule():
    # The sick-leave sample's "previous" is yesterday's plain first-fit schedule of the medium
    # sample: an independent confirmation of both this baseline and the checker's reading.
    medium = json.loads((SAMPLES / "medium.json").read_text())
    sick = json.loads((SAMPLES / "sickleave.json").read_text())
    ours = first_fit(medium)

    def key(a):
        return (a["plan"], a["step"], a["start"], a["room"], a["practitioner"])

    assert sorted(map(key, ours["assignments"])) == sorted(map(key, sick["previous"]))
    assert check(medium, ours).valid
