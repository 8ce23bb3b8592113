"""An admin books the remaining steps of a scheduled plan in real Chromium: the plan page
offers it, the real django-q2 worker books only the missing step, the booked ones stay."""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from demo.catalog import DEMO_PASSWORD
from patients.models import CarePlan
from sessions.models import SessionStatus, TherapySession
from tests.e2e.conftest import TABLET, sign_in
from tests.e2e.test_scheduling import RUN_URL, job_worker, looks_right  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e


def test_an_admin_books_the_remaining_steps_of_a_plan(
    new_page,
    live_server,
    transactional_db,
    job_worker,  # noqa: F811 - the imported fixture
):
    call_command("load_demo", time_limit=1.0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    soon = timezone.now() + timedelta(days=1)
    # A plan with every step booked, the last one still to come.
    plan = next(
        plan
        for plan in CarePlan.objects.filter(
            status=CarePlan.Status.SCHEDULED,
            patient__center__slug="kochi",
            sessions__status=SessionStatus.SCHEDULED,
            sessions__starts_at__gt=soon,
        )
        .distinct()
        .order_by("pk")
        if plan.sessions.filter(status=SessionStatus.SCHEDULED).count()
        == plan.protocol_version.steps.count()
    )
    booked = TherapySession.objects.filter(care_plan=plan, status=SessionStatus.SCHEDULED)
    # Its last step was left out (here: cancelled), so the plan has a step with no session.
    last = booked.latest("starts_at")
    TherapySession.objects.filter(pk=last.pk).update(status=SessionStatus.CANCELLED)
    kept = dict(booked.exclude(pk=last.pk).values_list("pk", "starts_at"))
    page = new_page(TABLET)
    sign_in(page, live_server, "admin@demo.clinic", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/scheduling/care-plans/{plan.pk}/")
    expect(page.get_by_text("1 step has no session yet")).to_be_visible()
    looks_right(page, "book-remaining-offer")
    page.get_by_role("button", name="Book the remaining steps").click()

    expect(page).to_have_url(RUN_URL)
    expect(page.locator("#run-body")).to_contain_text("Applied", timeout=60_000)
    expect(page.locator("#run-body")).to_contain_text("booked before, kept where they were")
    looks_right(page, "book-remaining-run")
    now_booked = TherapySession.objects.filter(care_plan=plan, status=SessionStatus.SCHEDULED)
    assert dict(now_booked.filter(pk__in=kept).values_list("pk", "starts_at")) == kept
    new = now_booked.exclude(pk__in=kept).get()
    assert new.protocol_step_id == last.protocol_step_id

    page.goto(f"{live_server.url}/scheduling/care-plans/{plan.pk}/")
    expect(page.get_by_role("button", name="Book the remaining steps")).to_have_count(0)
