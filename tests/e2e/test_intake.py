"""A patient on a phone signs in by the code mailed to them and completes the intake."""

import re

import pytest
from playwright.sync_api import expect

from patients.models import Consent
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot
from tests.factories import PatientFactory, UserFactory
from tests.notifications.servers import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


@pytest.fixture
def smtp(settings):
    controller, inbox = smtp_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    yield inbox
    controller.stop()


def test_a_patient_signs_in_by_code_and_completes_the_intake_at_390px(
    new_page, live_server, smtp, center
):
    user = UserFactory(email="asha@example.org", first_name="Asha")
    patient = PatientFactory(user=user, center=center, first_name="Asha", last_name="Nair")
    page = new_page(PHONE)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Send me a sign-in code").click()
    page.fill("input[name=email]", "asha@example.org")
    page.locator("form:has(input[name=email]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/"))
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == "asha@example.org"
    code = CODE_LINE.search(smtp.messages[0].get_body(("plain",)).get_content()).group(1)
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.get_by_role("link", name="Before your treatment: your intake").click()
    expect(page.get_by_text("0 of 4 steps done")).to_be_visible()
    page.get_by_role("link", name="Start").first.click()
    # Tap the middle of each answer's label, as a thumb would: all twelve say Kapha.
    for label in page.locator(".question .answers label").all()[2::3]:
        label.click()
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your constitution: Kapha.")).to_be_visible()

    page.get_by_role("link", name="Start").first.click()
    page.get_by_label("Allergies").fill("Sesame oil")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your health answers are saved.")).to_be_visible()

    page.get_by_role("link", name="Start").first.click()
    page.get_by_label("I agree to Panchakarma treatment").check()
    page.get_by_label("I agree that the clinic keeps").check()
    page.get_by_role("button", name="Save my consent").click()

    expect(page.get_by_text("3 of 4 steps done")).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "intake-done-phone-390")
    patient.refresh_from_db()
    assert (patient.dosha, patient.allergies) == ("kapha", "Sesame oil")
    assert set(
        Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    ) == {"treatment", "data_processing"}
