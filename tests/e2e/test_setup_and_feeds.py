"""In real Chromium: an admin sets a center up from CSV files (staff, then their roster), and a
patient makes a calendar feed on their phone and reads it."""

import re

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from clinics.choices import Role
from clinics.models import RosterShift, User
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, sign_in
from tests.factories import MembershipFactory, PatientFactory, TherapySessionFactory, UserFactory

PASSWORD = "setup-test-password"
# A file with a wrong row answers 400 (the page names the problems); Chromium logs that status.
REFUSED_FORM = r"status of 400"
STAFF_WITH_A_MISTAKE = (
    "email,first_name,last_name,role,gender\n"
    "asha.nair@example.org,Asha,Nair,practitioner,F\n"
    "ravi@example.org,Ravi,Kumar,nurse,\n"
)
STAFF = (
    "email,first_name,last_name,role,gender\n"
    "asha.nair@example.org,Asha,Nair,practitioner,F\n"
    "ravi@example.org,Ravi,Kumar,center_admin,\n"
)
ROSTER = "practitioner_email,weekday,starts,ends\nasha.nair@example.org,Monday,08:00,14:00\n"


@pytest.fixture
def setup_admin(center):
    admin = UserFactory(email="setup-admin@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    return admin


def _check_file(page, kind: str, text: str) -> None:
    page.get_by_label("The file holds").select_option(kind)
    page.set_input_files(
        "input[name=file]",
        files=[{"name": f"{kind}.csv", "mimeType": "text/csv", "buffer": text.encode()}],
    )
    page.get_by_role("button", name="Check the file").click()


def test_an_admin_sets_up_staff_and_their_roster_from_csv(live_server, new_page, setup_admin):
    page = new_page(allow=REFUSED_FORM)
    sign_in(page, live_server, setup_admin.email, PASSWORD)
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="Set up from CSV").click()

    _check_file(page, "staff", STAFF_WITH_A_MISTAKE)
    expect(page.get_by_text("role: “nurse” is not one of:")).to_be_visible()
    expect(page.get_by_text("Nothing will be imported until every row is right.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Import"))).to_have_count(0)

    _check_file(page, "staff", STAFF)
    page.get_by_role("button", name="Import these 2 rows").click()
    expect(page.get_by_text("2 new, 0 changed, 0 unchanged")).to_be_visible()
    assert User.objects.get(email="asha.nair@example.org").practitioner_profile.gender == "F"

    _check_file(page, "roster", ROSTER)
    page.get_by_role("button", name="Import this row").click()
    expect(page.get_by_text("1 new, 0 changed, 0 unchanged")).to_be_visible()
    assert RosterShift.objects.get().practitioner.user.first_name == "Asha"

    # The same file again, on a phone: every row unchanged, nothing sticking out.
    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    _check_file(page, "roster", ROSTER)
    expect(page.locator(".badge", has_text="Unchanged")).to_have_count(1)
    expect(page.get_by_text("importing this file would change nothing")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Import"))).to_have_count(0)
    assert horizontal_overflow(page) == 0
    screenshot(page, "setup-import-roster-phone")


def test_a_patient_subscribes_to_their_sessions_from_the_phone(live_server, new_page, center):
    user = UserFactory(email="feed-patient@example.org", password=PASSWORD, first_name="Meera")
    patient = PatientFactory(user=user, center=center, first_name="Meera")
    TherapySessionFactory(center=center, patient=patient)
    page = new_page(PHONE)
    sign_in(page, live_server, user.email, PASSWORD)

    page.get_by_role("link", name=str(user)).click()
    page.get_by_role("button", name="New feed: My sessions").click()
    address = page.locator("code.token-secret").inner_text()

    assert re.fullmatch(rf"{re.escape(live_server.url)}/feeds/cal_[\w-]+\.ics", address)
    assert horizontal_overflow(page) == 0
    screenshot(page, "account-calendar-feed-phone")
    feed = page.request.get(address)
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(feed.body())
    assert [tz["TZID"] for tz in calendar.timezones] == ["Asia/Kolkata"]
    assert len(calendar.events) == 1
    # Revoked from the same page, the address is gone.
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Revoked")).to_be_visible()
    assert page.request.get(address).status == 404
