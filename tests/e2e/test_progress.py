"""Progress at 390 px in real Chromium: Plotly draws every chart, and a new answer adds a point."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, TABLET, horizontal_overflow, screenshot, sign_in
from tests.portal.progress_data import BOOKED, DONE, MISSED, virechana_course

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "progress-test-password"

# Two answered days, a missed one, today's session done but not yet answered, one to come.
COURSE = [
    (DONE, 3, {"nausea": 2}, "64.5"),
    (DONE, 5, {}, "64.0"),
    (MISSED, None, {}, None),
    (DONE, None, {}, "63.6"),
    (BOOKED, None, {}, None),
]


def relief_points(page):
    """The relief line's values as Plotly drew them."""
    return page.evaluate("document.getElementById('relief-chart').data[0].y")


def test_a_patient_on_a_phone_sees_the_charts_and_their_new_answer(
    new_page, live_server, center, patient_user, practitioner
):
    virechana_course(center, patient_user.patient_profile, practitioner, COURSE, start=-3)
    patient_user.set_password(PASSWORD)
    patient_user.save()
    page = new_page(PHONE)
    sign_in(page, live_server, patient_user.email, PASSWORD)

    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")
    for chart in ("relief-chart", "sessions-chart", "weight-chart"):
        expect(page.locator(f"#{chart} svg.main-svg").first).to_be_visible()
    assert relief_points(page) == [3, 5]
    expect(page.locator("#sessions-summary")).to_have_text(
        "Virechana 7 days: 3 of 5 sessions done, 1 missed, 1 to come. "
        "75% of the sessions that came due were attended."
    )
    # The chart says what it is and where its words are, for a screen reader.
    relief = page.locator("#relief-chart")
    expect(relief).to_have_attribute("role", "img")
    expect(relief).to_have_attribute("aria-describedby", "relief-summary")
    assert horizontal_overflow(page) == 0
    screenshot(page, "progress-phone")

    # Today's session answered on Home's card: the chart gains its point.
    page.get_by_role("link", name="My care").click()
    page.get_by_role("link", name="Give feedback").click()
    page.locator("label.tap:has(#id_symptom_relief_8)").click()
    page.locator("label.tap", has_text="Yes, definitely").click()
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.locator("#relief-chart svg.main-svg").first).to_be_visible()
    assert relief_points(page) == [3, 5, 8]
    expect(page.locator("#relief-summary")).to_contain_text("relief went from 3 to 8 out of 10")
    assert horizontal_overflow(page) == 0

    page.set_viewport_size({"width": TABLET.width, "height": TABLET.height})
    assert horizontal_overflow(page) == 0
    screenshot(page, "progress-tablet")
