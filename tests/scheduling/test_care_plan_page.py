"""A care plan's page: its steps, where each is booked or why not, and its runs."""

import datetime

import pytest
from django.urls import reverse

from scheduling.services.booking import scheduling_run_apply
from scheduling.services.care_plans import care_plan_schedule
from scheduling.services.replanning import session_alternatives_solve
from tests.factories import LeaveFactory
from tests.scheduling.builders import KOLKATA, active, plan_for, solved_run

# Measured with no earlier runs; the same bound holds with several (no query per run).
# One of them writes the audit log's row for this read of the patient's record.
PLAN_PAGE_QUERIES = 10


def test_it_says_why_steps_of_a_center_wide_run_were_not_booked(client, admin_user, clinic):
    # Everyone is away from the plan's third day on, so its last day cannot be booked.
    away_from = datetime.datetime.combine(
        clinic["start"] + datetime.timedelta(days=2), datetime.time(), KOLKATA
    )
    for practitioner in clinic["practitioners"]:
        LeaveFactory(
            practitioner=practitioner,
            starts_at=away_from,
            ends_at=away_from + datetime.timedelta(days=5),
            kind="vacation",
        )
    plans = [plan_for(clinic), plan_for(clinic)]
    # Like the demo's: one run for the whole center, tied to no single plan.
    run = solved_run(clinic, plans)
    scheduling_run_apply(run=run)
    client.force_login(admin_user)

    page = client.get(reverse("care_plan_detail", args=[plans[0].pk])).content.decode()

    assert active(plans[0].sessions).count() == 4
    assert page.count("not booked") == 2
    assert page.count("Meera Therapist") >= 2 and "on leave" in page  # the engine's own words
    assert reverse("scheduling_run", args=[run.pk]) in page


@pytest.mark.parametrize("reschedules", [0, 3])
def test_it_costs_a_fixed_number_of_queries(
    client, admin_user, clinic, reschedules, django_assert_max_num_queries
):
    plan = plan_for(clinic)
    care_plan_schedule(care_plan=plan, time_limit=0.3)
    for session in list(active(plan.sessions))[:reschedules]:
        session_alternatives_solve(session=session)
    client.force_login(admin_user)

    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(reverse("care_plan_detail", args=[plan.pk]))

    assert response.status_code == 200
    assert response.content.decode().count('reschedule/"') == 6  # a link per session


def test_another_centers_admin_cannot_see_it(client, outsider, clinic):
    plan = plan_for(clinic)
    client.force_login(outsider)

    assert client.get(reverse("care_plan_detail", args=[plan.pk])).status_code == 403


def test_a_booked_plan_leads_to_its_discharge_summary(client, admin_user, clinic):
    plan = plan_for(clinic)
    client.force_login(admin_user)
    discharge = reverse("console_care_plan_discharge", args=[plan.pk])
    assert discharge not in client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()

    care_plan_schedule(care_plan=plan, time_limit=0.3)
    page = client.get(reverse("care_plan_detail", args=[plan.pk])).content.decode()

    assert discharge in page
    response = client.get(discharge)
    assert response.status_code == 200
    assert plan.patient.full_name in response.content.decode()
