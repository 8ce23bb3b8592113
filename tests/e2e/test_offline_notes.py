"""The runner on a tablet that loses the network: what is taken offline arrives once, in order.

Real Chromium against the live server: Playwright's offline mode cuts the tablet off mid-session,
a checklist tick and a note are taken, the network comes back, and the portal has each once; a
note taken while the front desk cancelled the session comes back refused, on screen.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinics.choices import Role
from sessions.models import ChecklistItemResult, RunnerWrite, SessionNote, SessionStatus
from sessions.services import session_transition
from tests.e2e.conftest import PHONE, TABLET, horizontal_overflow, screenshot
from tests.e2e.conftest import sign_in as sign_in_through_the_form
from tests.factories import (
    ClinicalFlagFactory,
    ConsumableFactory,
    MembershipFactory,
    TherapySessionFactory,
    UserFactory,
)
from tests.sessions.floor import abhyanga_with_checklist

pytestmark = pytest.mark.e2e
PASSWORD = "offline-notes-test-password"


def in_a_thread(function, **kwargs):
    """Call a service as another request would: this thread runs Playwright's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, **kwargs).result()


def today_at(center, hour: int) -> datetime:
    day = timezone.now().astimezone(center.tzinfo).date()
    return datetime.combine(day, time(hour), tzinfo=center.tzinfo)


@pytest.fixture
def floor(center, practitioner, practitioner_user):
    practitioner_user.set_password(PASSWORD)
    practitioner_user.save(update_fields=["password"])
    admin = UserFactory(email="floor-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    abhyanga = abhyanga_with_checklist(massage_seconds=2700)
    session = TherapySessionFactory(
        center=center, practitioner=practitioner, therapy=abhyanga, starts_at=today_at(center, 10)
    )
    session.patient.allergies = "Sesame oil"
    session.patient.comorbidities = "Hypertension, controlled"
    session.patient.same_gender_practitioner = True
    session.patient.save()
    ClinicalFlagFactory(patient=session.patient, reason="Nausea score rose from 2 to 7")
    ConsumableFactory(center=center, name="Ksheerabala taila")
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy__name="Shirodhara",
        starts_at=today_at(center, 12),
    )
    return admin, session


def open_runner(page, live_server, user, session):
    sign_in_through_the_form(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server.url}/my-day/sessions/{session.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Abhyanga")


def step(page, text):
    return page.locator(".step").filter(has=page.locator(".tick-text", has_text=text)).first


def test_notes_and_ticks_taken_offline_arrive_once_when_the_network_returns(
    live_server, new_page, floor, practitioner_user
):
    _admin, session = floor
    page = new_page(TABLET)
    open_runner(page, live_server, practitioner_user, session)

    page.context.set_offline(True)
    expect(page.locator("#connection")).to_contain_text("Offline")
    step(page, "Check blood pressure").get_by_role("button").first.click()
    page.locator("#notes textarea").fill("Mild sweating on the forehead at 20 minutes")
    page.get_by_role("button", name="Add note").click()

    expect(step(page, "Check blood pressure")).to_have_class(
        "step kind-safety_check is-next queued"
    )
    expect(page.locator("#notes .pending")).to_contain_text("waiting for the network")
    expect(page.locator("#connection")).to_contain_text("2 change(s) kept on this tablet")
    assert not SessionNote.objects.exists()
    assert not ChecklistItemResult.objects.exists()

    page.context.set_offline(False)

    expect(page.locator("#connection")).to_be_hidden()
    expect(page.locator("#notes .entries")).to_contain_text("Mild sweating on the forehead")
    expect(page.locator("#notes .pending")).to_have_count(0)
    expect(step(page, "Check blood pressure")).to_contain_text("done")
    assert SessionNote.objects.get().text == "Mild sweating on the forehead at 20 minutes"
    assert ChecklistItemResult.objects.get().done
    assert RunnerWrite.objects.filter(outcome=RunnerWrite.Outcome.APPLIED).count() == 2

    # A reload sends nothing again.
    page.reload()
    expect(page.locator("#notes .entries")).to_contain_text("Mild sweating on the forehead")
    page.wait_for_timeout(500)
    assert SessionNote.objects.count() == 1
    assert RunnerWrite.objects.count() == 2
    # Last: Playwright marks the page's inputs while it takes one, which htmx would settle.
    page.context.set_offline(True)
    page.locator("#notes textarea").fill("Pulse 76, regular")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes .pending")).to_have_count(1)
    screenshot(page, "runner-offline-tablet-768")


def test_a_note_taken_offline_while_the_session_was_cancelled_comes_back_refused(
    live_server, new_page, floor, practitioner_user
):
    admin, session = floor
    page = new_page(TABLET)
    open_runner(page, live_server, practitioner_user, session)

    page.context.set_offline(True)
    page.locator("#notes textarea").fill("Patient asked for warm water")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes .pending")).to_have_count(1)
    in_a_thread(session_transition, session=session, to_status=SessionStatus.CANCELLED, by=admin)
    page.context.set_offline(False)

    conflicts = page.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text("Patient asked for warm water")
    expect(conflicts).to_contain_text("This session is Cancelled; nothing more can be recorded")
    expect(page.locator("#status .badge")).to_have_text("Cancelled")
    assert not SessionNote.objects.exists()
    screenshot(page, "runner-conflict-tablet-768")

    # Still there after a reload, until the practitioner has read it and dismissed it.
    page.reload()
    expect(conflicts).to_contain_text("Patient asked for warm water")
    conflicts.get_by_role("button", name="Dismiss").click()
    expect(conflicts).to_be_hidden()


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=str)
def test_my_day_and_the_runner_fit_the_tablet_and_the_phone(
    live_server, new_page, floor, practitioner_user, viewport
):
    _admin, session = floor
    page = new_page(viewport)
    sign_in_through_the_form(page, live_server, practitioner_user.email, PASSWORD)
    page.goto(f"{live_server.url}/my-day/")
    expect(page.locator(".floor-session.is-next")).to_contain_text("Abhyanga")
    expect(page.locator(".floor-session.is-next")).to_contain_text("Nausea score rose")

    # Into the runner through the card: no full reload, and the back button returns.
    page.evaluate("window.notReloaded = true")
    page.locator(".floor-session.is-next a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Abhyanga")
    assert page.evaluate("window.notReloaded") is True
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("My day")

    # Screenshots last: Playwright marks inputs while it takes one, and htmx's history would
    # carry the mark into the page it restores.
    assert horizontal_overflow(page) == 0
    screenshot(page, f"my-day-{viewport}")
    page.goto(f"{live_server.url}/my-day/sessions/{session.pk}/")
    assert horizontal_overflow(page) == 0
    screenshot(page, f"runner-{viewport}")


FLOOR_PAGES_CACHED = """async () => {
  for (const name of await caches.keys()) {
    if (!name.startsWith("clinic-floor-")) continue;
    const cache = await caches.open(name);
    if ((await cache.keys()).some((r) => new URL(r.url).pathname.startsWith("/my-day/"))) {
      return true;
    }
  }
  return false;
}"""


def test_signing_out_forgets_the_pages_kept_for_offline_use(
    live_server, new_page, floor, practitioner_user
):
    page = new_page(TABLET)
    sign_in_through_the_form(page, live_server, practitioner_user.email, PASSWORD)
    page.goto(f"{live_server.url}/my-day/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The worker controls the page from the next visit on, and keeps a copy of it.
    page.reload()
    page.wait_for_function(FLOOR_PAGES_CACHED, polling=200, timeout=5_000)

    page.get_by_role("button", name="Sign out").click()
    expect(page).not_to_have_url(f"{live_server.url}/my-day/")

    assert page.evaluate(FLOOR_PAGES_CACHED) is False
