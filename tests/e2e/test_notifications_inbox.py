"""The inbox and preferences in real Chromium at a phone's, a tablet's and a desktop's width."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from notifications.backends import ConsoleSms
from notifications.dispatch import outbox_dispatch
from notifications.models import Channel
from tests.e2e.conftest import PHONE, VIEWPORTS, horizontal_overflow, screenshot, sign_in
from tests.factories import InAppNotificationFactory, OutboxMessageFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "inbox-test-password"


@pytest.fixture
def patient_login(patient_user):
    patient_user.set_password(PASSWORD)
    patient_user.save()
    return patient_user


def dispatch_elsewhere() -> None:
    """The dispatcher in another thread, as a worker process would run it: this thread runs
    Playwright's event loop, where the push's async_to_sync may not run."""

    def work():
        try:
            outbox_dispatch(sms=ConsoleSms())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


def test_a_patient_on_a_phone_sees_a_message_arrive_without_reloading(
    asgi_server, new_page, patient_login
):
    patient = patient_login.patient_profile
    InAppNotificationFactory(patient=patient, title="Welcome to your care portal")
    page = new_page(PHONE)
    sign_in(page, asgi_server, patient_login.email, PASSWORD)
    page.goto(f"{asgi_server}/portal/messages/")
    expect(page.locator("#inbox-unread")).to_have_text("1")
    # Let the socket open before the message goes out.
    page.wait_for_timeout(500)

    OutboxMessageFactory(
        patient=patient,
        channel=Channel.IN_APP,
        recipient=f"patient:{patient.pk}",
        subject="Rest after your Abhyanga",
        body="Rest 4–6 hours.\nReply HELP if dizzy <now>.",
        due_at=timezone.now() - timedelta(minutes=1),
    )
    dispatch_elsewhere()

    newest = page.locator("#inbox > li").first
    expect(newest).to_contain_text("Rest after your Abhyanga")
    expect(newest).to_contain_text("Reply HELP if dizzy <now>.")
    expect(page.locator("#inbox-unread")).to_have_text("2")
    assert horizontal_overflow(page) == 0
    screenshot(page, "notifications-inbox-live-phone")

    # Marking the live message read works like any other (htmx, no reload).
    newest.get_by_role("button", name="Mark as read").click()
    expect(page.locator("#inbox-unread")).to_have_text("1")
    expect(page.locator("#inbox > li").first).not_to_have_class(re.compile(r"\bunread\b"))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=str)
def test_the_preferences_page_fits_every_width(asgi_server, new_page, patient_login, viewport):
    page = new_page(viewport)
    sign_in(page, asgi_server, patient_login.email, PASSWORD)
    page.goto(f"{asgi_server}/portal/preferences/")
    expect(page.get_by_role("heading", name="Message preferences")).to_be_visible()
    page.get_by_label("Quiet from").fill("22:30")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your message preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Quiet from")).to_have_value("22:30")
    assert horizontal_overflow(page) == 0
    screenshot(page, f"notifications-preferences-{viewport}")
    page.goto(f"{asgi_server}/portal/messages/")
    assert horizontal_overflow(page) == 0
    screenshot(page, f"notifications-inbox-{viewport}")
