"""A scheduling run's page: what it placed, what it left out and why, and who may see it."""

import pytest
from django.urls import reverse

from scheduling.services.booking import scheduling_run_apply
from scheduling.services.care_plans import care_plan_schedule
from tests.scheduling.builders import plan_for, solved_run

# The same for a run of one plan and of six (no query per placement or plan).
RUN_PAGE_QUERIES = 9


@pytest.mark.parametrize("plans", [1, 6])
def test_it_costs_a_fixed_number_of_queries(
    client, admin_user, clinic, plans, django_assert_max_num_queries
):
    run = solved_run(clinic, [plan_for(clinic) for _ in range(plans)])
    scheduling_run_apply(run=run)
    client.force_login(admin_user)

    with django_assert_max_num_queries(RUN_PAGE_QUERIES):
        response = client.get(reverse("scheduling_run", args=[run.pk]))

    page = response.content.decode()
    assert (
        page.count("Meera Therapist") + page.count("Arun Therapist") + page.count("Kavya Therapist")
        >= run.placed_count
    )


def test_an_htmx_poll_gets_only_the_run_body(client, admin_user, clinic):
    run = solved_run(clinic, [plan_for(clinic)])
    client.force_login(admin_user)

    response = client.get(reverse("scheduling_run", args=[run.pk]), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="run-body"')
    assert "<html" not in page


def test_another_centers_admin_cannot_see_it(client, outsider, clinic):
    run = care_plan_schedule(care_plan=plan_for(clinic), time_limit=0.3)
    client.force_login(outsider)

    assert client.get(reverse("scheduling_run", args=[run.pk])).status_code == 403
    assert client.get(reverse("scheduling_run_problem", args=[run.pk])).status_code == 403
