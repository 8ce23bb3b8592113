"""The patient's timeline in real Chromium: a status change on the floor shows on the phone live."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from sessions.models import SessionStatus
from sessions.services import session_transition
from tests.e2e.conftest import PHONE, VIEWPORTS, horizontal_overflow, screenshot, sign_in
from tests.factories import TherapySessionFactory, TherapyTypeFactory, local_today_at

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "timeline-test-password"

# Wraps WebSocket so that a test can drop the page's connection as a flaky network would.
KEEP_LAST_SOCKET = """{
  const original = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new original(...args);
    window.lastSocket = socket;
    return socket;
  };
}"""


def elsewhere(work, **kwargs):
    """Run a write in another thread, as a practitioner's request would: this thread runs
    Playwright's event loop, where the broadcast's async_to_sync may not run."""

    def run():
        try:
            return work(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def patient_login(patient_user):
    patient_user.set_password(PASSWORD)
    patient_user.save()
    return patient_user


@pytest.fixture
def todays_session(center, patient, practitioner):
    return TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=TherapyTypeFactory(code="abhyanga", name="Abhyanga"),
        starts_at=local_today_at(center, 23),
    )


def chip(page, session):
    return page.locator(f'#timeline-days .badge[data-session-id="{session.pk}"]')


def open_timeline(page, base: str) -> None:
    page.goto(f"{base}/portal/timeline/")
    expect(page.locator("#timeline-connection")).to_have_text("Live")
    # Marks the page: a reload would lose it, so finding it later proves none happened.
    page.evaluate("window.notReloaded = true")


def test_a_patient_on_a_phone_sees_the_practitioners_moves_without_reloading(
    asgi_server, new_page, patient_login, todays_session, practitioner_user
):
    page = new_page(PHONE)
    sign_in(page, asgi_server, patient_login.email, PASSWORD)
    open_timeline(page, asgi_server)
    expect(chip(page, todays_session)).to_have_text("Scheduled")

    for status, label in [
        (SessionStatus.IN_PREPARATION, "In preparation"),
        (SessionStatus.IN_SESSION, "In session"),
    ]:
        elsewhere(
            session_transition, session=todays_session, to_status=status, by=practitioner_user
        )
        expect(chip(page, todays_session)).to_have_text(label, timeout=3_000)
        expect(chip(page, todays_session)).to_have_class(f"badge status-{status}")
        expect(page.locator(f"#session-{todays_session.pk}")).to_have_class(
            re.compile(f"status-{status}")
        )
    assert page.evaluate("window.notReloaded") is True
    assert horizontal_overflow(page) == 0
    screenshot(page, "timeline-live-phone")


def test_a_timeline_that_lost_its_connection_catches_up(
    asgi_server, new_page, patient_login, patient, center, todays_session, practitioner_user
):
    page = new_page(PHONE)
    page.context.add_init_script(KEEP_LAST_SOCKET)
    sign_in(page, asgi_server, patient_login.email, PASSWORD)
    open_timeline(page, asgi_server)

    page.evaluate("window.lastSocket.close()")
    expect(page.locator("#timeline-connection")).to_have_text("Offline: reconnecting…")
    # While it is away: one session moves on, and a new one is booked.
    elsewhere(
        session_transition,
        session=todays_session,
        to_status=SessionStatus.IN_PREPARATION,
        by=practitioner_user,
    )
    booked = TherapySessionFactory(
        center=center,
        patient=patient,
        therapy=TherapyTypeFactory(code="swedana", name="Swedana"),
        starts_at=local_today_at(center, 10, days=2),
    )

    expect(page.locator("#timeline-connection")).to_have_text("Live", timeout=5_000)
    expect(chip(page, todays_session)).to_have_text("In preparation", timeout=3_000)
    # The snapshot names a session the page did not show: the days are fetched again.
    expect(chip(page, booked)).to_have_text("Scheduled", timeout=3_000)
    expect(page.locator(f"#session-{booked.pk}")).to_contain_text("Swedana")
    assert page.evaluate("window.notReloaded") is True


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=str)
def test_the_timeline_fits_every_width(
    asgi_server, new_page, patient_login, todays_session, viewport
):
    page = new_page(viewport)
    sign_in(page, asgi_server, patient_login.email, PASSWORD)
    open_timeline(page, asgi_server)

    expect(page.get_by_role("heading", name="Your next session")).to_be_visible()
    expect(page.locator(f"#session-{todays_session.pk} details.care")).to_have_attribute("open", "")
    assert horizontal_overflow(page) == 0
    screenshot(page, f"timeline-{viewport}")
