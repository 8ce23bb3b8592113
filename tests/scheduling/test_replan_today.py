"""The over-run re-plan from the floor: queued for the center's staff, reviewed on the run page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling.models import SchedulingRun
from tests.scheduling.builders import KOLKATA, overrunning_morning


@pytest.fixture
def morning(clinic, monkeypatch):
    """The clock stopped at 10:05 in Kochi today, with Meera's morning running over."""
    today = datetime.datetime.now(KOLKATA).date()
    now = datetime.datetime.combine(today, datetime.time(10, 5), tzinfo=KOLKATA)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return overrunning_morning(clinic, now)


def test_it_queues_a_replan_and_opens_its_review(client, admin_user, clinic, morning, jobs):
    client.force_login(admin_user)

    with jobs():
        response = client.post(reverse("center_replan_today", args=[clinic["center"].pk]))
    run = SchedulingRun.objects.get(kind="overrun")
    assert response["Location"] == reverse("scheduling_run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()

    assert "What changes" in page
    assert "Apply: move these sessions" in page


def test_nothing_to_replan_is_said_on_the_board(client, admin_user, clinic, morning):
    late = morning["running_over"]
    late.overrun_until = None
    late.save(update_fields=["overrun_until"])
    client.force_login(admin_user)

    response = client.post(reverse("center_replan_today", args=[clinic["center"].pk]))

    assert response["Location"].startswith(reverse("center_board"))
    assert not SchedulingRun.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "practitioner_user"])
def test_only_the_centers_staff_may_replan(client, who, request, clinic, morning):
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse("center_replan_today", args=[clinic["center"].pk]))

    assert response.status_code == 403
    assert not SchedulingRun.objects.exists()


def test_it_takes_only_a_post(client, admin_user, clinic, morning):
    client.force_login(admin_user)

    assert client.get(reverse("center_replan_today", args=[clinic["center"].pk])).status_code == 405
