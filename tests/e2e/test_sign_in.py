"""Every demo login signs in in real Chromium and lands on its own page, at every width."""

import re
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from demo.catalog import DEMO_PASSWORD
from tests.e2e.conftest import (
    PHONE,
    VIEWPORTS,
    horizontal_overflow,
    screenshot,
    set_viewport,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-test-password-0f-the-clinic"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    path: str
    heading: str  # the page's <h1>
    shows: tuple[str, ...]  # the user's own data, visible on the page
    hides: tuple[str, ...] = ()  # other people's data, nowhere on the page

    def __str__(self) -> str:
        return self.email.split("@")[0]


KOCHI = "Sukhayu Panchakarma Kendra, Kochi"
LONDON = "Lotus Ayurveda, London"
LOGINS = [
    DemoLogin(
        "admin@demo.clinic",
        "/console/",
        KOCHI,
        ("Anjali Nair", "Today's sessions", "Console"),
        (LONDON,),
    ),
    DemoLogin(
        "director@demo.clinic",
        "/console/",
        KOCHI,
        ("Dr. Rajesh Menon", "Today's sessions"),
        (LONDON,),
    ),
    DemoLogin(
        "practitioner@demo.clinic",
        "/my-day/",
        "My day",
        ("Meera Pillai", KOCHI, "Coming days"),
        ("Console",),
    ),
    DemoLogin(
        "patient@demo.clinic",
        "/portal/",
        "Namaste, Arjun",
        ("Arjun Menon", KOCHI, "Your recovery milestones"),
        ("Console", "Sita Raman"),
    ),
    DemoLogin(
        "london-admin@demo.clinic",
        "/console/",
        LONDON,
        ("Oliver Grant", "Today's sessions"),
        (KOCHI, "Arjun Menon"),
    ),
    DemoLogin(
        "london-patient@demo.clinic",
        "/portal/",
        "Namaste, Emma",
        ("Emma Clarke", LONDON),
        (KOCHI, "Console"),
    ),
    DemoLogin(
        "staff@demo.clinic",
        "/admin/",
        "Site administration",
        ("Therapy sessions", "Patients"),
    ),
]


def test_every_demo_login_lands_on_its_own_page_at_every_width(
    new_page, live_server, transactional_db, subtests
):
    # One test for every login, so that the demo is loaded once: live_server's database is
    # emptied after each test.
    call_command("load_demo", time_limit=1.0, stdout=open("/dev/null", "w"))  # noqa: SIM115

    for login in LOGINS:
        page = new_page()
        with subtests.test(login=str(login)):
            sign_in(page, live_server, login.email, DEMO_PASSWORD)
            expect(page).to_have_url(f"{live_server.url}{login.path}")
        for viewport in VIEWPORTS:
            with subtests.test(login=str(login), width=viewport.width):
                set_viewport(page, viewport)
                page.reload()
                expect(page.locator("h1", has_text=login.heading).first).to_be_visible()
                body = page.locator("body")
                for text in login.shows:
                    expect(body).to_contain_text(text)
                for text in login.hides:
                    expect(body).not_to_contain_text(text)
                assert horizontal_overflow(page) == 0, f"wider than {viewport.width}px"
                assert page.console_errors == []
                screenshot(page, f"{login}-{viewport}")
        page.context.close()


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def test_a_practitioner_switches_the_portal_to_hindi(page: Page, live_server, practitioner_user):
    sign_in(page, live_server, with_password(practitioner_user).email, PASSWORD)
    set_viewport(page, PHONE)
    expect(page.locator("h1")).to_have_text("My day")

    page.get_by_role("button", name="हिन्दी").click()

    expect(page).to_have_url(f"{live_server.url}/my-day/")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.locator("h1")).to_have_text("मेरा दिन")
    expect(page.locator("body")).to_contain_text("आज के सत्र")
    expect(page.locator("body")).not_to_contain_text("sessions today")
    expect(page.get_by_role("button", name="हिन्दी")).to_have_attribute("aria-pressed", "true")
    assert horizontal_overflow(page) == 0
    screenshot(page, f"practitioner-hindi-{PHONE}")

    # The choice outlives the page: it is still Hindi after signing out and in again.
    sign_out(page)
    sign_in(page, live_server, practitioner_user.email, PASSWORD)
    expect(page.locator("h1")).to_have_text("मेरा दिन")

    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("My day")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_wrong_password_keeps_the_visitor_on_the_sign_in_page(
    page: Page, live_server, admin_user
):
    with_password(admin_user)
    set_viewport(page, PHONE)
    page.goto(f"{live_server.url}/console/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/console/"))

    page.fill("input[name=login]", admin_user.email)
    page.fill("input[name=password]", "not-the-password")
    page.locator("form:has(input[name=login]) button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("body")).to_contain_text("not correct")
    expect(page.locator("body")).not_to_contain_text("Kerala Panchakarma Center")
    screenshot(page, f"sign-in-error-{PHONE}")


def test_a_patient_signs_in_on_a_hindi_page_and_is_told_in_hindi_what_went_wrong(
    page: Page, live_server, patient_user
):
    user = with_password(patient_user)
    set_viewport(page, PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="हिन्दी").click()

    expect(page.locator("h1")).to_have_text("साइन इन करें")
    expect(page.get_by_role("link", name="पासवर्ड भूल गए?")).to_be_visible()
    page.get_by_label("ईमेल").fill(user.email)
    page.get_by_label("कूटशब्द").fill("not-the-password")
    page.locator("main").get_by_role("button", name="साइन इन करें").click()

    expect(page.locator("main")).to_contain_text("आपका दिया गया ईमेल पता या पासवर्ड सही नहीं है।")
    assert horizontal_overflow(page) == 0
    screenshot(page, f"sign-in-hindi-{PHONE}")

    page.get_by_label("कूटशब्द").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="साइन इन करें").click()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
