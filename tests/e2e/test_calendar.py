"""The resource calendar in real Chromium: an admin opens a session and follows Reschedule."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from clinics.choices import Role, Weekday
from patients.models import CarePlan
from sessions.models import SessionStatus
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    TABLET,
    VIEWPORTS,
    horizontal_overflow,
    screenshot,
    sign_in,
)
from tests.factories import (
    CarePlanFactory,
    ClosureFactory,
    LeaveFactory,
    MembershipFactory,
    OpeningHoursFactory,
    PatientFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    RoomFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)

PASSWORD = "calendar-test-password"
# A week with Christmas in it, a closure on the Wednesday and leave on the Tuesday.
MONDAY = datetime.date(2026, 12, 21)
TUESDAY = MONDAY + datetime.timedelta(days=1)


def at(center, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=center.tzinfo)


@pytest.fixture
def calendar_admin(center):
    admin = UserFactory(email="calendar-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    return admin


@pytest.fixture
def busy_week(center):
    """A week of six rooms and practitioners, with a plan's session to reschedule on Tuesday."""
    for weekday in Weekday.values:
        OpeningHoursFactory(
            center=center, weekday=weekday, opens=datetime.time(7), closes=datetime.time(19)
        )
    abhyanga = TherapyTypeFactory(code="abhyanga", name="Abhyanga", duration_minutes=60)
    rooms = [RoomFactory(center=center, code=f"PV{n}", name=f"Therapy room {n}") for n in range(6)]
    practitioners = []
    for n in range(6):
        practitioner = PractitionerProfileFactory(user__first_name=f"Vaidya{n}")
        MembershipFactory(user=practitioner.user, center=center, role=Role.PRACTITIONER)
        practitioners.append(practitioner)
    statuses = [
        SessionStatus.COMPLETED,
        SessionStatus.IN_SESSION,
        SessionStatus.SCHEDULED,
        SessionStatus.CANCELLED,
    ]
    for day in range(7):
        for n in range(6):
            for slot in range(4):
                TherapySessionFactory(
                    center=center,
                    therapy=abhyanga,
                    room=rooms[n],
                    practitioner=practitioners[n],
                    starts_at=at(
                        center, MONDAY + datetime.timedelta(days=day), 8 + slot * 2 + n % 2
                    ),
                    status=statuses[(day + n + slot) % len(statuses)],
                )
    LeaveFactory(
        practitioner=practitioners[5],
        starts_at=at(center, TUESDAY, 0),
        ends_at=at(center, TUESDAY + datetime.timedelta(days=1), 0),
    )
    ClosureFactory(center=center, date=MONDAY + datetime.timedelta(days=2), reason="Staff training")
    patient = PatientFactory(center=center, first_name="Lakshmi", last_name="Pillai")
    step = ProtocolStepFactory(therapy=abhyanga, day_offset=0)
    plan = CarePlanFactory(
        patient=patient,
        protocol_version=step.version,
        start_date=TUESDAY,
        status=CarePlan.Status.SCHEDULED,
    )
    return TherapySessionFactory(
        center=center,
        therapy=abhyanga,
        patient=patient,
        care_plan=plan,
        protocol_step=step,
        room=rooms[0],
        practitioner=practitioners[0],
        starts_at=at(center, TUESDAY, 17),
    )


def calendar_box_scrolls(page) -> bool:
    return page.evaluate(
        "(() => { const box = document.querySelector('.cal-scroll');"
        " return box.scrollWidth > box.clientWidth; })()"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=str)
def test_an_admin_opens_a_session_and_follows_reschedule(
    asgi_server, new_page, calendar_admin, busy_week, viewport
):
    session = busy_week
    page = new_page(viewport)
    sign_in(page, asgi_server, calendar_admin.email, PASSWORD)
    page.goto(f"{asgi_server}/console/calendar/?view=day&date={TUESDAY.isoformat()}")

    expect(page.get_by_role("heading", name="Tuesday 22 December 2026")).to_be_visible()
    expect(page.locator(".cal-shade")).to_have_text("Vacation")
    assert horizontal_overflow(page) == 0
    # The tablet scrolls the hours inside the calendar's box, never the page.
    assert calendar_box_scrolls(page) is (viewport == TABLET)
    screenshot(page, f"calendar-day-{viewport}")

    block = page.locator(
        f'.cal-row[data-lane="room-{session.room_id}"] [data-session-id="{session.pk}"]'
    )
    block.scroll_into_view_if_needed()
    block.click()
    dialog = page.locator("#session-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Abhyanga · Lakshmi Pillai")
    expect(dialog).to_contain_text("Tuesday 22 December 2026, 17:00–18:00")
    expect(dialog.get_by_role("button", name="Cancel this session")).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, f"calendar-session-{viewport}")

    dialog.get_by_role("link", name="Reschedule").click()
    expect(page).to_have_url(re.compile(rf"/scheduling/sessions/{session.pk}/reschedule/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reschedule")
    expect(page.get_by_role("button", name="Find other times")).to_be_visible()


def test_the_dialog_closes_and_the_week_shows_closures_and_leave(
    asgi_server, new_page, calendar_admin, busy_week
):
    page = new_page(DESKTOP)
    sign_in(page, asgi_server, calendar_admin.email, PASSWORD)
    page.goto(f"{asgi_server}/console/calendar/?view=day&date={TUESDAY.isoformat()}")
    page.locator(f'[data-session-id="{busy_week.pk}"]').first.click()
    expect(page.locator("#session-dialog")).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#session-dialog")).to_be_hidden()

    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.get_by_role("heading", name="Week of 21 Dec – 27 Dec 2026")).to_be_visible()
    expect(page.locator("thead .cal-closed")).to_have_text(["Staff training", "Christmas"])
    expect(page.locator("td.away .cal-away")).to_have_text("Vacation")
    assert horizontal_overflow(page) == 0
    assert not calendar_box_scrolls(page)
    screenshot(page, "calendar-week-desktop")

    page.get_by_role("link", name="Next week →").click()
    expect(page.get_by_role("heading", name="Week of 28 Dec – 3 Jan 2027")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=str)
def test_the_calendar_fits_every_width(asgi_server, new_page, calendar_admin, busy_week, viewport):
    page = new_page(viewport)
    sign_in(page, asgi_server, calendar_admin.email, PASSWORD)
    for view in ("day", "week"):
        page.goto(f"{asgi_server}/console/calendar/?view={view}&date={TUESDAY.isoformat()}")
        expect(page.locator(".cal-scroll")).to_be_visible()
        assert horizontal_overflow(page) == 0, f"the {view} view overflows at {viewport}"
        screenshot(page, f"calendar-{view}-{viewport}")
    if viewport == PHONE:
        assert calendar_box_scrolls(page)
