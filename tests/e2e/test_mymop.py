"""MYMOP at 390 px in real Chromium: Home's card, the intake form tapped one-handed with a
refusal on the way, then the profile on the progress chart and its sentence."""

import re

import pytest
from playwright.sync_api import expect

from feedback.models import MymopAnswer
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "mymop-test-password"


def test_a_patient_answers_mymop_on_a_phone_and_sees_the_profile(
    new_page, live_server, patient_user
):
    patient_user.set_password(PASSWORD)
    patient_user.save()
    # A missing answer is refused with 400 on purpose, which Chromium logs as a failed resource.
    page = new_page(PHONE, allow=r"status of 400 .*/portal/mymop/")
    sign_in(page, live_server, patient_user.email, PASSWORD)

    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="Answer now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How have you been this week?")
    assert horizontal_overflow(page) == 0

    page.get_by_label("Which symptom bothers you most?").fill("Back pain")
    page.get_by_label("An activity your problem makes hard (if there is one)").fill("Walking")
    page.locator("label.tap:has(#id_symptom_1_4)").click()
    page.locator("label.tap:has(#id_activity_5)").click()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".field-error")).to_have_text(
        "Choose a score from 0 (as good as it could be) to 6 (as bad as it could be)."
    )
    expect(page.locator("#id_activity_5")).to_be_checked()
    screenshot(page, "mymop-error-phone")

    page.locator("label.tap:has(#id_wellbeing_3)").click()
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Answer now")).to_have_count(0)
    # (4 + 5 + 3) / 3 = 4.00
    assert str(MymopAnswer.objects.get().profile) == "4.00"

    page.goto(f"{live_server.url}/portal/progress/")
    expect(page.locator("#mymop-summary")).to_contain_text("MYMOP profile 4.00 out of 6")
    expect(page.locator("#mymop-chart .main-svg").first).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "mymop-progress-phone")
