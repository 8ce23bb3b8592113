"""Downloading a run's problem and solution, which replay on the command line."""

import json
import subprocess
import sys

from django.urls import reverse

from scheduling.services.care_plans import care_plan_schedule
from tests.factories import SchedulingRunFactory
from tests.scheduling.builders import plan_for


def _engine(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scheduling.engine", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_downloaded_problem_replays_on_the_command_line(client, admin_user, clinic, tmp_path):
    run = care_plan_schedule(care_plan=plan_for(clinic), time_limit=0.5)
    client.force_login(admin_user)

    response = client.get(reverse("scheduling_run_problem", args=[run.pk]))

    assert response["Content-Disposition"].startswith("attachment")
    problem_file = tmp_path / "problem.json"
    problem_file.write_bytes(response.content)
    solution_file = tmp_path / "solution.json"
    solved = _engine("solve", problem_file, "--time-limit", "1", "-o", solution_file)
    assert solved.returncode == 0, solved.stderr
    checked = _engine("check", problem_file, solution_file)
    assert checked.returncode == 0, checked.stdout
    assert json.loads(solution_file.read_text())["objective"] == run.objective


def test_a_run_still_at_work_has_no_solution_to_download(client, admin_user, center):
    run = SchedulingRunFactory(center=center, status="running", solution=None)
    client.force_login(admin_user)

    response = client.get(reverse("scheduling_run_solution", args=[run.pk]))

    assert response.status_code == 404
    assert response.json()["message"] == "This run has no solution yet."
