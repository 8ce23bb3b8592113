"""The API's documentation page renders its served schema in real Chromium, within the CSP."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, set_viewport

pytestmark = pytest.mark.e2e


def test_the_api_docs_list_the_scheduling_endpoints_without_console_errors(page, live_server):
    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .title")).to_contain_text("Panchakarma clinic portal API")
    expect(page.locator(".opblock-summary-path", has_text="/api/schedule/auto")).to_be_visible()
    set_viewport(page, PHONE)
    assert horizontal_overflow(page) == 0
    screenshot(page, f"api-docs-{PHONE}")
    assert page.console_errors == []
