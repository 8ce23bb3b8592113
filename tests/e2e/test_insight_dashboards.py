"""The bottlenecks and outcome trends dashboards in real Chromium: Plotly draws every chart
from our own static files with no console error, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from tests.console.test_bottlenecks import _resources, _run
from tests.console.test_outcome_trends import virechana_outcomes
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "dashboards-test-password"


def test_an_admin_sees_the_bottlenecks_and_outcome_charts_drawn(
    new_page, live_server, center, admin_user
):
    _run(center, _resources(center, "Kerala", "Asha"))
    virechana_outcomes(center)
    admin_user.set_password(PASSWORD)
    admin_user.save()
    page = new_page()
    sign_in(page, live_server, admin_user.email, PASSWORD)

    page.goto(f"{live_server.url}/console/analytics/")
    page.get_by_role("link", name="Bottlenecks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bottlenecks")
    expect(page.locator("#bottlenecks-chart svg.main-svg").first).to_be_visible()
    # The most named is drawn on top (Plotly's last row).
    names = page.evaluate("document.getElementById('bottlenecks-chart').data[0].y")
    assert names[-1] == "Room R1 · Kerala room 1 (Room)"

    page.get_by_role("link", name="Outcome trends").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome trends")
    for chart in ("relief-chart", "side-effect-chart", "mymop-chart", "steps-chart", "waits-chart"):
        expect(page.locator(f"#{chart} svg.main-svg").first).to_be_visible()
    relief = page.evaluate("document.getElementById('relief-chart').data[0].y")
    assert relief == [5.0, 7.0]
    assert horizontal_overflow(page) == 0
    screenshot(page, "outcome-trends-desktop")

    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    page.reload()
    expect(page.locator("#waits-chart svg.main-svg").first).to_be_visible()
    assert horizontal_overflow(page) == 0
    page.goto(f"{live_server.url}/console/analytics/bottlenecks/")
    expect(page.locator("#bottlenecks-chart svg.main-svg").first).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "bottlenecks-phone")
