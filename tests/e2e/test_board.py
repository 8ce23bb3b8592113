"""The center board in real Chromium: statuses arrive live, and a dropped board catches up."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinics.choices import Role
from sessions.models import SessionStatus
from sessions.services import session_transition
from tests.e2e.conftest import PHONE, TABLET, screenshot, sign_in
from tests.factories import MembershipFactory, TherapySessionFactory, UserFactory

PASSWORD = "board-test-password"


def transition(**kwargs):
    """session_transition from another thread, as a request would make it: this thread runs
    Playwright's event loop, where the broadcast's async_to_sync may not run."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(session_transition, **kwargs).result()


def noon_today(center) -> datetime:
    zone = ZoneInfo(center.timezone)
    return datetime.combine(timezone.now().astimezone(zone).date(), time(12), tzinfo=zone)


@pytest.fixture
def floor(center, practitioner, practitioner_user):
    admin = UserFactory(email="board-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    director = UserFactory(email="board-director@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    session = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=noon_today(center)
    )
    later = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=noon_today(center) + timedelta(hours=2)
    )
    return admin, director, session, later


def chip(page, session):
    return page.locator(f'[data-session-id="{session.pk}"] [data-status-label]')


def test_every_open_board_sees_each_status_change_without_reloading(
    asgi_server, new_page, floor, practitioner_user
):
    admin, director, session, _later = floor
    tablet = new_page(TABLET)
    phone = new_page(PHONE)
    sign_in(tablet, asgi_server, admin.email, PASSWORD)
    sign_in(phone, asgi_server, director.email, PASSWORD)
    boards = [tablet, phone]
    for board in boards:
        board.goto(f"{asgi_server}/board/")
        expect(board.locator("#board-connection")).to_have_text("Live")
        expect(chip(board, session)).to_have_text("Scheduled")
        # Marks the page: a reload would lose it, so seeing it later proves none happened.
        board.evaluate("window.notReloaded = true")

    for status, label in [
        (SessionStatus.IN_PREPARATION, "In preparation"),
        (SessionStatus.IN_SESSION, "In session"),
        (SessionStatus.RECOVERY, "Recovery"),
    ]:
        transition(session=session, to_status=status, by=practitioner_user)
        for board in boards:
            expect(chip(board, session)).to_have_text(label, timeout=2_000)
            expect(board.locator(f'[data-session-id="{session.pk}"]')).to_have_class(
                re.compile(f"status-{status}")
            )
    for board in boards:
        assert board.evaluate("window.notReloaded") is True
    screenshot(tablet, "board-live-tablet")
    screenshot(phone, "board-live-phone")
    for board in boards:
        assert not board.evaluate("document.documentElement.scrollWidth > window.innerWidth"), (
            "the board overflows the page"
        )


def test_a_board_that_lost_its_connection_catches_up(
    asgi_server, new_page, floor, practitioner_user
):
    admin, _director, _session, later = floor
    board = new_page(TABLET)
    sign_in(board, asgi_server, admin.email, PASSWORD)
    board.goto(f"{asgi_server}/board/")
    expect(board.locator("#board-connection")).to_have_text("Live")

    # Close the socket from the page's side, as a flaky network would, and change a session
    # meanwhile: the snapshot sent on reconnect must bring the board up to date.
    board.context.add_init_script(
        """{
          const original = window.WebSocket;
          window.WebSocket = function (...args) {
            const socket = new original(...args);
            window.lastSocket = socket;
            return socket;
          };
        }"""
    )
    board.reload()
    expect(board.locator("#board-connection")).to_have_text("Live")
    board.evaluate("window.lastSocket.close()")
    expect(board.locator("#board-connection")).to_have_text("Offline: reconnecting…")
    transition(session=later, to_status=SessionStatus.CANCELLED, by=practitioner_user)
    expect(board.locator("#board-connection")).to_have_text("Live", timeout=5_000)
    expect(chip(board, later)).to_have_text("Cancelled", timeout=3_000)
