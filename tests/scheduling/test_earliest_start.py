"""The earliest start at which a whole plan fits, asked for from a run that left steps out."""

import datetime
import time

from django.urls import reverse

from scheduling.services.care_plans import EARLIEST_FIT_BUDGET, care_plan_earliest_fit
from tests.factories import LeaveFactory
from tests.scheduling.builders import KOLKATA, plan_for


def _arun_away(clinic, days):
    start = datetime.datetime.combine(clinic["start"], datetime.time(), KOLKATA)
    LeaveFactory(
        practitioner=clinic["practitioners"][1],
        starts_at=start,
        ends_at=start + datetime.timedelta(days=days),
        kind="sick",
    )


def test_it_names_the_first_day_the_plan_fits(client, admin_user, clinic):
    # A male patient who wants a male practitioner, and the only one is away four days.
    _arun_away(clinic, 4)
    plan = plan_for(clinic, sex="M", same_gender_practitioner=True)
    client.force_login(admin_user)

    response = client.get(reverse("care_plan_earliest_start", args=[plan.pk]))

    expected = clinic["start"] + datetime.timedelta(days=4)
    assert f"{expected.day} {expected:%B %Y}" in response.content.decode()


def test_it_says_how_far_it_looked_when_nothing_fits(client, admin_user, clinic):
    _arun_away(clinic, 60)
    plan = plan_for(clinic, sex="M", same_gender_practitioner=True)
    client.force_login(admin_user)

    response = client.get(reverse("care_plan_earliest_start", args=[plan.pk]))

    assert "does not fit with a start up to" in response.content.decode()


def test_the_search_stays_well_under_a_second(clinic):
    # Nothing fits for four weeks: every one of the 28 start dates is tried, or the budget ends.
    _arun_away(clinic, 60)
    plan = plan_for(clinic, sex="M", same_gender_practitioner=True)

    started = time.perf_counter(), time.process_time()
    fit = care_plan_earliest_fit(care_plan=plan)
    wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]

    assert fit.day is None
    # The engine's budget, plus one read of the calendar and the last try's set-up; the
    # wall clock also counts whatever else the machine is doing, so its margin is wider.
    assert EARLIEST_FIT_BUDGET <= 0.4
    assert cpu < 0.7, cpu
    assert wall < 1.5, wall
