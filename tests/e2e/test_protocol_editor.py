"""In real Chromium: a center admin adds a step to the center's protocol, is told what is wrong
with a first try, and then sees version 2 in force from the day chosen, version 1 kept."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from clinics.choices import Role
from tests.console import protocol_fixtures
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, set_viewport, sign_in
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "protocol-editor-test-password"
# A refused version answers 400 (the page names what is wrong); Chromium logs that status.
REFUSED_FORM = r"status of 400"
offered, protocol = protocol_fixtures.offered, protocol_fixtures.protocol


def test_an_admin_adds_a_step_and_sees_version_2(live_server, new_page, center, protocol):
    admin = UserFactory(email="protocols-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    start = timezone.localdate(timezone=center.tzinfo) + datetime.timedelta(days=7)
    page = new_page(allow=REFUSED_FORM)
    sign_in(page, live_server, admin.email, PASSWORD)

    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="Protocols and packages").click()
    page.get_by_role("link", name="5-day Abhyanga course").click()
    expect(page.get_by_text("In force today")).to_be_visible()
    page.get_by_role("link", name="Edit: make a new version").click()

    # The blank row at the end becomes step 5: a closing Abhyanga, first typed on day 0.
    new_step = page.locator("#step-5")
    new_step.get_by_label("Therapy").select_option(label="Abhyanga")
    new_step.get_by_label("Day", exact=True).fill("0")
    page.get_by_label("In force from").fill(start.isoformat())
    page.get_by_role("button", name="Save as a new version").click()

    expect(
        page.get_by_text("Nothing was saved. Please correct what is marked below.")
    ).to_be_visible()
    expect(
        page.locator("#step-5").get_by_text(
            "Days cannot go back: the step before this one is on day 1."
        )
    ).to_be_visible()
    assert protocol.versions.count() == 1

    page.locator("#step-5").get_by_label("Day", exact=True).fill("3")
    page.get_by_role("button", name="Save as a new version").click()

    expect(
        page.get_by_text(
            f"Version 2 of 5-day Abhyanga course is in force from {start.isoformat()}."
        )
    ).to_be_visible()
    expect(page.get_by_role("heading", name="5-day Abhyanga course · v2")).to_be_visible()
    steps = page.locator("#steps tbody tr")
    expect(steps).to_have_count(5)
    expect(steps.nth(4)).to_contain_text("Abhyanga")
    expect(steps.nth(4)).to_contain_text("3")

    # Version 1 stays, in force until the new day; the list shows both.
    page.get_by_role("link", name=re.compile("Protocols")).first.click()
    row = page.locator("#protocols tbody tr", has_text="5-day Abhyanga course")
    expect(row).to_contain_text("v1")
    expect(row).to_contain_text("v2")
    v1, v2 = protocol.versions.order_by("version")
    assert (v1.effective_to, v2.effective_from, v2.steps.count()) == (start, start, 5)

    set_viewport(page, PHONE)
    page.goto(f"{live_server.url}/console/protocols/{protocol.pk}/edit/")
    assert horizontal_overflow(page) == 0
    screenshot(page, "protocol-editor-phone")
