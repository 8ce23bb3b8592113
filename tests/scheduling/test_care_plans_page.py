"""The care plans page: a center's plans with their bookings, and a new plan."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import PatientFactory, ProtocolVersionFactory
from tests.scheduling.builders import plan_for

# Measured with one plan; the same bound holds with eleven (no query per plan).
CARE_PLANS_PAGE_QUERIES = 14


def test_a_care_plan_needs_a_protocol_in_force_on_its_first_day(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    old = ProtocolVersionFactory(
        template=clinic["version"].template,
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2021, 1, 1),
    )
    client.force_login(admin_user)

    response = client.post(
        reverse("care_plans"),
        {"patient": patient.pk, "protocol_version": old.pk, "start_date": clinic["start"]},
    )

    assert response.status_code == 200
    assert "is not in force on" in response.content.decode()
    assert not patient.care_plans.exists()


def test_a_new_care_plan_opens_its_page(client, admin_user, clinic):
    patient = PatientFactory(center=clinic["center"])
    client.force_login(admin_user)

    response = client.post(
        reverse("care_plans"),
        {
            "patient": patient.pk,
            "protocol_version": clinic["version"].pk,
            "start_date": clinic["start"],
        },
    )

    plan = patient.care_plans.get()
    assert response["Location"] == reverse("care_plan_detail", args=[plan.pk])
    assert plan.status == "draft"


def test_another_centers_admin_does_not_see_the_plans(client, outsider, clinic):
    plan = plan_for(clinic)
    client.force_login(outsider)

    assert plan.patient.full_name not in client.get(reverse("care_plans")).content.decode()


@pytest.mark.parametrize("plans", [1, 11])
def test_it_costs_a_fixed_number_of_queries(
    client, admin_user, clinic, plans, django_assert_max_num_queries
):
    shown = [plan_for(clinic) for _ in range(plans)]
    client.force_login(admin_user)

    with django_assert_max_num_queries(CARE_PLANS_PAGE_QUERIES):
        response = client.get(reverse("care_plans"))

    page = response.content.decode()
    assert all(plan.patient.full_name in page for plan in shown)
    assert page.count("0 / 6") == plans
