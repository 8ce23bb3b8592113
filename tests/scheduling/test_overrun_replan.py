"""Re-planning the rest of a day around over-running sessions, as few changes as possible."""

import datetime

import pytest

from scheduling.models import SchedulingRun
from scheduling.services.booking import scheduling_run_apply
from scheduling.services.replanning import overrun_clashes_replan
from scheduling.services.runs import SchedulingError
from sessions.models import SessionStatus, TherapySession
from tests.scheduling.builders import KOLKATA, overrunning_morning


@pytest.fixture
def now():
    today = datetime.datetime.now(KOLKATA).date()
    return datetime.datetime.combine(today, datetime.time(10, 5), tzinfo=KOLKATA)


def _placements():
    return {
        s.pk: (s.starts_at, s.practitioner_id, s.room_id)
        for s in TherapySession.objects.exclude(status=SessionStatus.IN_SESSION)
    }


def test_an_overrun_into_the_practitioners_next_session_moves_that_session_and_nothing_else(
    clinic, admin_user, now
):
    day = overrunning_morning(clinic, now)
    late, clashing = day["running_over"], day["next_of_meera"]
    before = _placements()

    run = overrun_clashes_replan(center=clinic["center"], now=now, requested_by=admin_user)

    assert run.kind == SchedulingRun.Kind.OVERRUN
    assert run.status == SchedulingRun.Status.SUCCEEDED  # for the admin to review
    assert run.unscheduled_count == 0
    assert _placements() == before  # nothing is booked before the admin applies it

    scheduling_run_apply(run=run, applied_by=admin_user)

    after = _placements()
    moved = {pk for pk in before if before[pk] != after[pk]}
    assert moved == {clashing.pk}
    clashing.refresh_from_db()
    assert clashing.status == SessionStatus.SCHEDULED
    assert clashing.starts_at >= now
    if clashing.practitioner_id == late.practitioner_id:
        assert clashing.starts_at >= late.overrun_until
    if clashing.room_id == late.room_id:
        assert clashing.starts_at >= late.overrun_until + datetime.timedelta(minutes=15)


def test_the_run_shows_only_the_clashing_session_as_changed(clinic, now):
    day = overrunning_morning(clinic, now)

    run = overrun_clashes_replan(center=clinic["center"], now=now, requested_by=None)

    keys = set(run.refs["before"])
    assert len(keys) == 2  # the clashing session and the later one of its plan
    changed = [
        a
        for a in run.solution["assignments"]
        if run.refs["before"][f"{a['plan']}/{a['step']}"]
        != {k: a[k] for k in ("start", "room", "practitioner")}
    ]
    assert [a["step"] for a in changed] == [day["next_of_meera"].protocol_step.code]


def test_a_day_without_overrun_clashes_has_nothing_to_replan(clinic, now):
    day = overrunning_morning(clinic, now)
    late = day["running_over"]
    late.overrun_until = None
    late.save(update_fields=["overrun_until"])

    with pytest.raises(SchedulingError, match="No session still to come today clashes"):
        overrun_clashes_replan(center=clinic["center"], now=now, requested_by=None)
    assert not SchedulingRun.objects.exists()
