"""A session run on the tablet, watched on the board: two browsers, one clinic floor.

Real Chromium against uvicorn serving the ASGI app with Redis between: the practitioner at
768 px runs a session from Scheduled to Completed through the runner (safety check, timer,
vitals, materials, every step ticked) while the admin's board, in a context of its own, shows
each status change as it happens, without reloading.
"""

import re
from datetime import datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinics.choices import Role
from clinics.models import Consumable
from sessions.models import ChecklistItemResult, SessionStatus, VitalsReading
from tests.e2e.conftest import DESKTOP, TABLET, horizontal_overflow, screenshot, sign_in
from tests.factories import (
    ConsumableFactory,
    MembershipFactory,
    TherapySessionFactory,
    UserFactory,
)
from tests.sessions.floor import abhyanga_with_checklist

pytestmark = pytest.mark.e2e
PASSWORD = "runner-board-test-password"


@pytest.fixture
def floor(center, practitioner, practitioner_user):
    practitioner_user.set_password(PASSWORD)
    practitioner_user.save(update_fields=["password"])
    admin = UserFactory(email="runner-board-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    abhyanga = abhyanga_with_checklist(massage_seconds=120)
    day = timezone.now().astimezone(center.tzinfo).date()
    session = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy=abhyanga,
        starts_at=datetime.combine(day, time(12), tzinfo=center.tzinfo),
    )
    oil = ConsumableFactory(center=center, name="Ksheerabala taila", stock_quantity=Decimal("1250"))
    return admin, session, oil


def step(page, text):
    return page.locator(".step").filter(has=page.locator(".tick-text", has_text=text)).first


def board_chip(board, session):
    return board.locator(f'[data-session-id="{session.pk}"] [data-status-label]')


def move(tablet, board, session, button: str, status: str, label: str) -> None:
    tablet.get_by_role("button", name=button).click()
    expect(tablet.locator("#status .badge")).to_have_text(label)
    expect(board_chip(board, session)).to_have_text(label, timeout=3_000)
    expect(board.locator(f'[data-session-id="{session.pk}"]')).to_have_class(
        re.compile(f"status-{status}")
    )


def test_a_session_run_on_the_tablet_shows_on_the_board_as_it_happens(
    asgi_server, new_page, floor, practitioner_user
):
    admin, session, oil = floor
    board = new_page(DESKTOP)
    sign_in(board, asgi_server, admin.email, PASSWORD)
    board.goto(f"{asgi_server}/board/")
    expect(board.locator("#board-connection")).to_have_text("Live")
    expect(board_chip(board, session)).to_have_text("Scheduled")
    # A reload would lose this mark: finding it at the end proves the board never reloaded.
    board.evaluate("window.notReloaded = true")

    tablet = new_page(TABLET)
    sign_in(tablet, asgi_server, practitioner_user.email, PASSWORD)
    tablet.goto(f"{asgi_server}/my-day/sessions/{session.pk}/")
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("Abhyanga")

    move(tablet, board, session, "Start preparation", "in_preparation", "In preparation")
    step(tablet, "Check blood pressure").get_by_role("button").first.click()
    expect(step(tablet, "Check blood pressure")).to_contain_text("done")
    tablet.fill("input[name=bp_systolic]", "128")
    tablet.fill("input[name=bp_diastolic]", "82")
    tablet.fill("input[name=pulse]", "74")
    tablet.get_by_role("button", name="Record vitals").click()
    expect(tablet.locator("#vitals .entries")).to_contain_text("128/82")
    step(tablet, "Warm the oil").get_by_role("button").first.click()
    expect(step(tablet, "Warm the oil")).to_contain_text("done")

    move(tablet, board, session, "Start the session", "in_session", "In session")
    massage = step(tablet, "Massage with synchronized")
    massage.get_by_role("button", name="Start timer").click()
    expect(massage.get_by_role("button", name="Pause")).to_be_visible()
    # The clock counts down in the browser from the server's start time.
    expect(massage.locator("[data-timer-clock]")).not_to_have_text("02:00", timeout=3_000)
    tablet.select_option("select[name=consumable]", value=str(oil.pk))
    tablet.fill("input[name=quantity]", "180")
    tablet.get_by_role("button", name="Take from stock").click()
    expect(tablet.locator("#materials .entries")).to_contain_text("Ksheerabala taila")
    massage.locator("button.tick").click()
    expect(step(tablet, "Massage with synchronized")).to_contain_text("done")

    move(tablet, board, session, "Move to recovery", "recovery", "Recovery")
    move(tablet, board, session, "Complete the session", "completed", "Completed")

    assert board.evaluate("window.notReloaded") is True
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    assert ChecklistItemResult.objects.filter(run__session=session, done=True).count() == 3
    vitals = VitalsReading.objects.get(session=session)
    assert (vitals.bp_systolic, vitals.bp_diastolic, vitals.pulse) == (128, 82, 74)
    assert Consumable.objects.get(pk=oil.pk).stock_quantity == Decimal("1070")
    assert horizontal_overflow(tablet) == 0
    assert horizontal_overflow(board) == 0
    screenshot(tablet, "runner-completed-tablet-768")
    screenshot(board, "board-after-runner-desktop-1280")
