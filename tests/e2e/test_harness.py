"""The browser harness itself: it sees what it promises to fail on."""

import pytest

from tests.e2e.conftest import PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.head.appendChild(script);
}"""


def logged(page, text: str) -> bool:
    """Whether the page logged an error containing `text`, within a second."""
    for _ in range(50):
        if any(text in error for error in page.console_errors):
            return True
        page.wait_for_timeout(20)  # lets Playwright deliver the page's events
    return False


def test_the_page_records_a_content_security_policy_violation(
    new_page, live_server, transactional_db, request
):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.console_errors == []

    page.evaluate(INJECT_INLINE_SCRIPT)

    assert logged(page, "CSP violation: script-src")
    assert page.evaluate("window.injected === undefined")  # the policy blocked it
    # Expected here: keep it from failing this test.
    request.node.console_errors.clear()


def test_the_page_records_an_uncaught_script_error(
    new_page, live_server, transactional_db, request
):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")

    page.evaluate("() => setTimeout(() => { throw new Error('boom from the page'); })")

    assert logged(page, "boom from the page")
    request.node.console_errors.clear()


def test_overflow_is_measured_in_pixels_beyond_the_window(new_page, live_server, transactional_db):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    assert horizontal_overflow(page) == 0

    page.evaluate(
        "() => { const wide = document.createElement('div');"
        " wide.style.width = '600px'; wide.textContent = 'A very wide table';"
        " document.body.appendChild(wide); }"
    )

    assert horizontal_overflow(page) == 600 - PHONE.width
