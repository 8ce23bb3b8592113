"""Browser-test harness: headless Chromium, a page per test that fails on console errors.

Every browser test builds on this: `page` (errors recorded, CSP violations included),
`sign_in`, `screenshot` and the three widths the portal is used at (a desktop at the front
desk, a practitioner's tablet, a patient's phone).
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.name}-{self.width}"


DESKTOP = Viewport("desktop", 1280, 800)
TABLET = Viewport("tablet", 768, 1024)
PHONE = Viewport("phone", 390, 844)
VIEWPORTS = [DESKTOP, TABLET, PHONE]

# Chromium reports a Content-Security-Policy violation in the console too, but only once per
# resource; this listener makes every violation an error we see, whatever its source.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser() -> Browser:
    """Headless Chromium for one test module.

    Playwright's sync API keeps an asyncio loop running in this thread for as long as it is
    started, so Django must be told that ORM calls made meanwhile (fixtures, flushes) are
    safe. Per module rather than per session: a loop left running would break every later
    test that starts one of its own (asyncio.run, pytest-asyncio), and the flag would hide
    real async-safety mistakes in them.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Browser, request):
    """Open a page in a fresh browser context (no cookies), recording its console errors.

    `page.console_errors` lists what that page logged; the test fails after it runs if any
    page logged an error that its `allow` pattern (a regular expression for a known, named
    bug) does not cover.
    """
    contexts = []
    request.node.console_errors = []

    def open_page(viewport: Viewport = DESKTOP, allow: str | None = None) -> Page:
        context = browser.new_context(
            viewport={"width": viewport.width, "height": viewport.height}, locale="en-GB"
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.console_errors = []

        def record(error: str) -> None:
            if allow is None or not re.search(allow, error):
                page.console_errors.append(error)
                request.node.console_errors.append(error)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                record(f"{message.text} ({message.location.get('url', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: record(f"uncaught: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A page at desktop width in a fresh context; the test fails if it logs a console error."""
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Fail the test itself (not its teardown) when a page logged an error while it ran.
    result = yield
    errors = getattr(item, "console_errors", None)
    if errors:
        pytest.fail("Console errors in the browser:\n" + "\n".join(errors), pytrace=False)
    return result


def sign_in(page: Page, server, email: str, password: str) -> None:
    """Sign in through the real login form and wait until the portal has taken us elsewhere.

    `server` is pytest-django's live_server or the base URL of the ASGI server.
    """
    page.goto(f"{getattr(server, 'url', server)}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=login]) button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Sign out|साइन आउट")).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under tests/e2e/screenshots/ (git-ignored), for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=path, full_page=True)
    return path


def set_viewport(page: Page, viewport: Viewport) -> None:
    page.set_viewport_size({"width": viewport.width, "height": viewport.height})


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
