"""Feedback at 390 px in real Chromium: thumbs on the buttons, an error, then the clinician's task
and the next session lowered."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sessions.models import SessionStatus
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, sign_in
from tests.factories import (
    AdaptationRuleFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    local_today_at,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "feedback-test-password"


def test_nausea_7_after_virechana_on_a_phone_puts_a_call_on_the_task_list(
    new_page, live_server, center, patient_user, patient, practitioner_user, practitioner
):
    virechana = TherapyTypeFactory(code="virechana", name="Virechana")
    virechana.planned_dose = Decimal("100")
    virechana.dose_unit = "ml"
    virechana.save()
    AdaptationRuleFactory(
        name="Nausea after Virechana",
        symptom="nausea",
        therapy=virechana,
        threshold=6,
        actions=["alert_clinician", "lower_intensity", "diet_alert"],
        intensity_lowered_by=20,
    )
    TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=virechana,
        starts_at=local_today_at(center, 9, days=-1),
        status=SessionStatus.COMPLETED,
    )
    next_session = TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=virechana,
        starts_at=local_today_at(center, 9, days=2),
    )
    for user in (patient_user, practitioner_user):
        user.set_password(PASSWORD)
        user.save()
    # The form answers a missing answer with 400 on purpose (bad input is a 4xx), which
    # Chromium logs as a failed resource: that one is expected.
    page = new_page(PHONE, allow=r"status of 400 .*/portal/feedback/\d+/")
    sign_in(page, live_server, patient_user.email, PASSWORD)

    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="Give feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your session?")
    assert horizontal_overflow(page) == 0

    # A tap on the drawn button (the label) chooses the hidden radio behind it.
    page.locator("label.tap:has(#id_symptom_relief_7)").click()
    page.locator("label.tap:has(#id_side_nausea_7)").click()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".field-error")).to_have_text(
        "Tell us whether you were listened to and treated with respect."
    )
    expect(page.locator("#id_side_nausea_7")).to_be_checked()
    screenshot(page, "feedback-error-phone")

    page.locator("label.tap", has_text="Yes, definitely").click()
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("Thank you: your practitioner will see your answers.")).to_be_visible()
    expect(page.get_by_role("link", name="Give feedback")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, live_server, practitioner_user.email, PASSWORD)
    page.goto(f"{live_server.url}/clinician-tasks/?mine=1")
    expect(page.get_by_text("Call Meera Iyer: Nausea after Virechana")).to_be_visible()
    expect(page.get_by_text("Nausea 7/10 reported after Virechana.")).to_be_visible()
    expect(page.get_by_text("lowered from 100 % to 80 %.")).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "clinician-tasks-phone")

    # The next session's runner gives 80 % of the dose, and says why.
    page.goto(f"{live_server.url}/my-day/sessions/{next_session.pk}/")
    dosage = page.locator("#dosage")
    expect(dosage.get_by_text("Planned: 80 ml")).to_be_visible()
    expect(
        dosage.get_by_text("Intensity lowered to 80 % of the protocol's 100 ml.")
    ).to_be_visible()
    expect(dosage).to_contain_text("Lowered 20 % by the rule “Nausea after Virechana”: Nausea 7/10")
    assert horizontal_overflow(page) == 0
    screenshot(page, "runner-lowered-intensity-phone")
