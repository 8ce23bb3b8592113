"""The clinic floor in Hindi, in real Chromium: Hindi words run longer than the English ones,
so the runner on the practitioner's tablet and the board still have to fit the tablet and the
phone without scrolling sideways."""

from datetime import datetime, time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinics.choices import Role
from tests.e2e.conftest import PHONE, TABLET, horizontal_overflow, screenshot, sign_in
from tests.factories import MembershipFactory, TherapySessionFactory, UserFactory
from tests.sessions.floor import abhyanga_with_checklist

pytestmark = pytest.mark.e2e
PASSWORD = "hindi-floor-test-password"


@pytest.fixture
def floor(center, practitioner, practitioner_user):
    practitioner_user.set_password(PASSWORD)
    practitioner_user.save(update_fields=["password"])
    admin = UserFactory(email="hindi-floor-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    day = timezone.now().astimezone(center.tzinfo).date()
    session = TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy=abhyanga_with_checklist(massage_seconds=120),
        starts_at=datetime.combine(day, time(12), tzinfo=center.tzinfo),
    )
    return admin, session


def in_hindi(page) -> None:
    page.get_by_role("button", name="हिन्दी").click()
    expect(page.locator("html")).to_have_attribute("lang", "hi")


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=lambda viewport: viewport.name)
def test_the_runner_and_the_board_fit_in_hindi(
    asgi_server, new_page, floor, practitioner_user, viewport
):
    admin, session = floor
    tablet = new_page(viewport)
    sign_in(tablet, asgi_server, practitioner_user.email, PASSWORD)
    in_hindi(tablet)
    tablet.goto(f"{asgi_server}/my-day/sessions/{session.pk}/")
    expect(tablet.locator("body")).to_contain_text("रक्तचाप")
    expect(tablet.locator("body")).to_contain_text("तापमान")
    expect(tablet.locator("body")).not_to_contain_text("Temperature")
    assert horizontal_overflow(tablet) == 0
    screenshot(tablet, f"runner-hindi-{viewport.name}")

    board = new_page(viewport)
    sign_in(board, asgi_server, admin.email, PASSWORD)
    in_hindi(board)
    board.goto(f"{asgi_server}/board/")
    expect(board.locator("h1")).to_have_text("केंद्र बोर्ड")
    expect(board.locator(f'[data-session-id="{session.pk}"]')).to_be_visible()
    assert horizontal_overflow(board) == 0
    screenshot(board, f"board-hindi-{viewport.name}")
