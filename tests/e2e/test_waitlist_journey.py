"""A patient on a phone joins the waitlist for a package that does not fit; the admin cancels
the session in its way on the console; the real django-q2 worker offers the freed place; the
patient accepts it and the package is booked."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions.models import SessionStatus, TherapySession
from tests.e2e.conftest import DESKTOP, PHONE, horizontal_overflow, screenshot, sign_in
from tests.e2e.test_scheduling import job_worker  # noqa: F401 (the real worker)
from tests.factories import UserFactory, WaitlistEntryFactory
from tests.waitlist.conftest import booked, one_place, waiting_patient  # noqa: F401
from waitlist.models import EntryStatus, WaitlistEntry

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "waitlist-journey-password"


def _reload_until(page: Page, text: str, *, tries: int = 30) -> None:
    """Reload until the worker's result shows: it answers within seconds, not at once."""
    for _attempt in range(tries):
        if page.get_by_text(text).count():
            return
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.get_by_text(text).first).to_be_visible()


def test_a_cancellation_offers_the_place_and_the_patient_books_it(
    new_page,
    live_server,
    job_worker,  # noqa: F811
    one_place,  # noqa: F811
    admin_user,
):
    day = one_place["day"]
    blocker = booked(one_place, one_place["one_day"], day, first_name="Arjun")
    user = UserFactory(email="devi@example.org", password=PASSWORD)
    patient = waiting_patient(one_place, user=user, first_name="Devi", last_name="Menon")
    admin_user.set_password(PASSWORD)
    admin_user.save()

    phone = new_page(PHONE)
    sign_in(phone, live_server, user.email, PASSWORD)
    phone.goto(f"{live_server.url}/waitlist/")
    phone.select_option("select[name=protocol_version]", str(one_place["one_day"].pk))
    phone.fill("input[name=earliest_start]", day.isoformat())
    phone.fill("input[name=latest_start]", day.isoformat())
    phone.get_by_label("Morning (7–12)").check()
    phone.get_by_role("button", name="Join the waitlist").click()
    expect(phone.get_by_text("You are on the waitlist.")).to_be_visible()
    expect(phone.get_by_text("Number 1 in the queue")).to_be_visible()
    assert horizontal_overflow(phone) == 0
    screenshot(phone, "waitlist-joined-phone-390")

    desk = new_page(DESKTOP)
    sign_in(desk, live_server, admin_user.email, PASSWORD)
    desk.goto(f"{live_server.url}/waitlist/console/")
    expect(desk.get_by_text("Devi Menon · One-day Abhyanga")).to_be_visible()
    # The worker's first look finds the day taken, and says so.
    _reload_until(desk, "The whole package does not fit")
    session = blocker.sessions.get()
    desk.goto(f"{live_server.url}/console/calendar/sessions/{session.pk}/")
    desk.get_by_role("button", name="Cancel this session").click()
    expect(desk.get_by_text("Session cancelled.")).to_be_visible()

    desk.goto(f"{live_server.url}/waitlist/console/")
    _reload_until(desk, "Places offered from")
    expect(desk.get_by_text("A session was cancelled")).to_be_visible()
    expect(desk.get_by_text("Routine priority").first).to_be_visible()
    assert horizontal_overflow(desk) == 0
    screenshot(desk, "waitlist-console-offer-1280")

    phone.goto(f"{live_server.url}/waitlist/")
    expect(phone.get_by_text("Places offered from")).to_be_visible()
    expect(phone.get_by_text("Why this time:").first).to_be_visible()
    assert horizontal_overflow(phone) == 0
    screenshot(phone, "waitlist-offer-phone-390")
    phone.get_by_role("button", name="Accept and book").click()
    expect(phone.get_by_text("Booked: 1 session. It is on the timeline.")).to_be_visible()
    expect(phone.get_by_text("See your package")).to_be_visible()

    entry = WaitlistEntry.objects.get(patient=patient)
    assert entry.status == EntryStatus.BOOKED
    booked_session = TherapySession.objects.get(patient=patient)
    assert booked_session.status == SessionStatus.SCHEDULED
    assert timezone.localtime(booked_session.starts_at, one_place["center"].tzinfo).date() == day
    # The package's page lists the booked session (the timeline needs the ASGI server's socket).
    phone.get_by_role("link", name="See your package").click()
    expect(phone.get_by_text(re.compile("Abhyanga")).first).to_be_visible()
    screenshot(phone, "waitlist-booked-phone-390")


def test_leaving_the_waitlist_asks_first(new_page, live_server, one_place):  # noqa: F811
    user = UserFactory(email="meera@example.org", password=PASSWORD)
    patient = waiting_patient(one_place, user=user, first_name="Meera", last_name="Iyer")
    entry = WaitlistEntryFactory(patient=patient, protocol_version=one_place["one_day"])
    phone = new_page(PHONE)
    sign_in(phone, live_server, user.email, PASSWORD)
    phone.goto(f"{live_server.url}/waitlist/")
    confirm = phone.get_by_role("button", name="Yes, leave the waitlist")
    expect(confirm).to_be_hidden()
    phone.get_by_text("Leave the waitlist…").click()
    expect(phone.get_by_text("You lose your place in the queue.")).to_be_visible()
    assert horizontal_overflow(phone) == 0
    screenshot(phone, "waitlist-leave-phone-390")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING  # opening the question changed nothing
    confirm.click()
    expect(phone.get_by_text("Taken off the waitlist.")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
