"""An admin auto-schedules, reschedules and re-plans for sick leave in real Chromium, with the
real django-q2 worker running the scheduler beside the live server."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.catalog import DEMO_PASSWORD
from patients.models import CarePlan
from sessions.models import SessionStatus, TherapySession
from tests.e2e.conftest import PHONE, TABLET, horizontal_overflow, screenshot, set_viewport, sign_in

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
RUN_URL = re.compile(r"/scheduling/runs/\d+/$")


@pytest.fixture
def job_worker(live_server):
    """`manage.py qcluster` on the test database, as `make run` starts it beside the web server."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "Q_WORKERS": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def looks_right(page: Page, name: str) -> None:
    """No console error, nothing wider than the screen, at tablet and phone width."""
    for viewport in (TABLET, PHONE):
        set_viewport(page, viewport)
        assert horizontal_overflow(page) == 0, f"{name} is wider than {viewport.width}px"
        screenshot(page, f"scheduling-{name}-{viewport}")
    set_viewport(page, TABLET)
    assert page.console_errors == []


def test_an_admin_auto_schedules_reschedules_and_replans_sick_leave(
    new_page, live_server, transactional_db, job_worker
):
    call_command("load_demo", time_limit=1.0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # The demo's one plan left for an admin to book by hand (waitlist offers hold drafts too).
    draft = CarePlan.objects.get(
        status=CarePlan.Status.DRAFT,
        patient__center__slug="kochi",
        waitlist_entries__isnull=True,
    )
    patient = draft.patient.full_name
    page = new_page(TABLET)
    sign_in(page, live_server, "admin@demo.clinic", DEMO_PASSWORD)

    # Auto-schedule the draft plan from its page; the worker books it while the page waits.
    page.goto(f"{live_server.url}/scheduling/care-plans/")
    page.get_by_role("link", name=patient).first.click()
    expect(page.locator("h1")).to_have_text(draft.protocol_version.template.name)
    page.get_by_role("button", name="Auto-schedule this plan").click()
    expect(page).to_have_url(RUN_URL)
    expect(page.locator("#run-body")).to_contain_text("sessions placed", timeout=60_000)
    steps = draft.protocol_version.steps.count()
    booked = TherapySession.objects.filter(care_plan=draft, status=SessionStatus.SCHEDULED)
    assert booked.count() == steps
    first = booked.order_by("starts_at").select_related("room", "practitioner__user").first()
    placements = page.locator("#run-body table.list tbody tr")
    expect(placements).to_have_count(steps)
    expect(placements.first).to_contain_text(first.room.code)
    expect(placements.first.locator(".explanation")).to_contain_text(first.room.code)
    looks_right(page, "auto-schedule-run")

    # Reschedule that first session: ranked alternatives, each with a reason; take the best.
    page.goto(f"{live_server.url}/scheduling/care-plans/{draft.pk}/")
    page.get_by_role("link", name="Reschedule").first.click()
    page.get_by_role("button", name="Find other times").click()
    alternatives = page.locator("ol.alternatives > li")
    expect(alternatives.first).to_be_visible(timeout=30_000)
    looks_right(page, "reschedule")
    alternatives.first.get_by_role("button", name="Move it here").click()
    expect(page).to_have_url(RUN_URL)
    expect(page.locator("#run-body")).to_contain_text("Applied")
    before = (first.starts_at, first.room_id, first.practitioner_id)
    first.refresh_from_db()
    assert first.status == SessionStatus.SCHEDULED
    assert (first.starts_at, first.room_id, first.practitioner_id) != before

    # Sick leave: the practitioner of a future session is away on its day; review, then apply.
    later = (
        TherapySession.objects.filter(
            patient__center__slug="kochi",
            status=SessionStatus.SCHEDULED,
            starts_at__gte=timezone.now() + timedelta(days=3),
        )
        .select_related("practitioner__user", "patient__center")
        .order_by("starts_at")
        .first()
    )
    away = later.practitioner
    day = timezone.localtime(later.starts_at, later.patient.center.tzinfo).date()
    page.goto(f"{live_server.url}/scheduling/sick-leave/")
    page.get_by_label("Practitioner").select_option(label=str(away))
    page.get_by_label("First day away").fill(day.isoformat())
    page.get_by_label("Last day away").fill(day.isoformat())
    page.get_by_role("button", name="Re-plan their sessions").click()
    expect(page).to_have_url(RUN_URL)
    expect(page.locator("#run-body")).to_contain_text("sessions that move", timeout=60_000)
    expect(page.get_by_role("heading", name="What changes")).to_be_visible()
    looks_right(page, "sick-leave-review")
    page.get_by_role("button", name="Apply: record the leave and move these sessions").click()
    expect(page.locator("#run-body")).to_contain_text("Applied")

    zone = later.patient.center.tzinfo
    still_booked = [
        session
        for session in TherapySession.objects.filter(
            practitioner=away, status=SessionStatus.SCHEDULED
        )
        if timezone.localtime(session.starts_at, zone).date() == day
    ]
    assert still_booked == []
    assert away.leaves.filter(starts_at__date__lte=day, ends_at__date__gte=day).exists()
