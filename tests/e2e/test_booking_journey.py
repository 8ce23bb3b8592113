"""A new patient on a phone: signs up, completes the intake, signs in again by emailed code,
books a package and sees its sessions on the live timeline; a contraindicated package waits
for the director's approval."""

import re

import pytest
from playwright.sync_api import expect

from clinics.choices import Role
from patients.models import CarePlan, Patient
from sessions.models import TherapySession
from tests.e2e.conftest import (
    PHONE,
    TABLET,
    horizontal_overflow,
    screenshot,
    sign_in,
    sign_out,
)
from tests.factories import MembershipFactory, PatientFactory, UserFactory
from tests.notifications.servers import smtp_server
from tests.portal.intake import with_intake_done
from tests.scheduling.conftest import clinic  # noqa: F401 (the clinic to book in)

pytestmark = pytest.mark.django_db(transaction=True)
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)
EMAIL = "devi@example.org"
PASSWORD = "booking-test-password"


@pytest.fixture
def smtp(settings):
    controller, inbox = smtp_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    yield inbox
    controller.stop()


def _sign_up(page, base, center):
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name=re.compile("Sign up", re.IGNORECASE)).first.click()
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", "a-long-Passphrase-91")
    page.fill("input[name=password2]", "a-long-Passphrase-91")
    page.fill("input[name=first_name]", "Devi")
    page.fill("input[name=last_name]", "Menon")
    page.select_option("select[name=sex]", "F")
    page.select_option("select[name=center]", str(center.pk))
    assert horizontal_overflow(page) == 0
    screenshot(page, "journey-signup-phone-390")
    page.locator("form:has(input[name=password1]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/intake/$"))


def _intake(page):
    expect(page.get_by_text("0 of 4 steps done")).to_be_visible()
    page.get_by_role("link", name="Start").first.click()
    for label in page.locator(".question .answers label").all()[2::3]:
        label.click()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your constitution: Kapha.")).to_be_visible()

    page.get_by_role("link", name="Start").first.click()
    page.get_by_label("Allergies").fill("None")
    page.get_by_role("button", name="Save", exact=True).click()

    page.get_by_role("link", name="Start").first.click()
    page.get_by_label("I agree to Panchakarma treatment").check()
    page.get_by_label("I agree that the clinic keeps").check()
    page.get_by_role("button", name="Save my consent").click()

    page.get_by_role("link", name="Start").click()
    page.get_by_text("Early morning (7–10)").click()
    page.get_by_text("Anyone qualified").click()
    page.get_by_label("Send me reminders and care guidance by email.").check()
    assert horizontal_overflow(page) == 0
    screenshot(page, "journey-preferences-phone-390")
    page.get_by_role("button", name="Save my preferences").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    expect(page.get_by_text("4 of 4 steps done")).to_be_visible()


def _sign_in_by_code(page, base, smtp):
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="Send me a sign-in code").click()
    page.fill("input[name=email]", EMAIL)
    page.locator("form:has(input[name=email]) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/"))
    code = CODE_LINE.search(smtp.messages[-1].get_body(("plain",)).get_content()).group(1)
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))


def test_a_new_patient_signs_up_completes_the_intake_books_and_sees_the_timeline_at_390px(
    new_page,
    asgi_server,
    smtp,
    clinic,  # noqa: F811
):
    page = new_page(PHONE)

    _sign_up(page, asgi_server, clinic["center"])
    patient = Patient.objects.get(user__email=EMAIL)
    assert patient.center == clinic["center"]
    _intake(page)
    sign_out(page)
    _sign_in_by_code(page, asgi_server, smtp)

    page.goto(f"{asgi_server}/portal/intake/")
    page.get_by_role("link", name="Book a package").click()
    page.select_option("select[name=protocol_version]", str(clinic["version"].pk))
    page.fill("input[name=start_date]", clinic["start"].isoformat())
    page.get_by_role("button", name="See my plan").click()
    expect(page.get_by_text("Your package has 6 sessions.")).to_be_visible()
    expect(page.get_by_text("Why this time:")).to_have_count(6)
    assert horizontal_overflow(page) == 0
    screenshot(page, "journey-proposal-phone-390")
    assert not TherapySession.objects.filter(patient=patient).exists()

    page.get_by_role("button", name="Confirm and book").click()
    expect(page.get_by_text("Booked: 6 sessions. They are on your timeline.")).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "journey-booked-phone-390")
    plan = CarePlan.objects.get(patient=patient)
    assert plan.status == CarePlan.Status.SCHEDULED
    booked = TherapySession.objects.filter(patient=patient, care_plan=plan)
    assert booked.count() == 6

    page.get_by_role("link", name="See your timeline").click()
    expect(page.locator("#timeline")).to_contain_text("Swedana")
    first = booked.order_by("starts_at").first()
    expect(page.locator(f"#session-{first.pk}")).to_be_visible()
    expect(page.locator("[id^=session-]")).to_have_count(6)
    assert horizontal_overflow(page) == 0
    screenshot(page, "journey-timeline-phone-390")


def test_a_contraindicated_package_waits_for_the_director_who_approves_it(
    new_page,
    asgi_server,
    clinic,  # noqa: F811
):
    """Phone for the patient, tablet for the director: held, then approved and booked."""
    clinic["abhyanga"].contraindications = "Fever, hypertension"
    clinic["abhyanga"].save()
    patient_user = UserFactory(email="ravi@example.org", password=PASSWORD)
    patient = with_intake_done(
        PatientFactory(
            user=patient_user,
            center=clinic["center"],
            first_name="Ravi",
            comorbidities="Hypertension",
        )
    )
    director = UserFactory(email="director@kerala.example.org", password=PASSWORD)
    MembershipFactory(user=director, center=clinic["center"], role=Role.MEDICAL_DIRECTOR)

    phone = new_page(PHONE)
    sign_in(phone, asgi_server, patient_user.email, PASSWORD)
    phone.goto(f"{asgi_server}/portal/book/")
    phone.select_option("select[name=protocol_version]", str(clinic["version"].pk))
    phone.fill("input[name=start_date]", clinic["start"].isoformat())
    phone.get_by_role("button", name="See my plan").click()
    phone.get_by_role("button", name="Confirm and book").click()
    expect(phone.get_by_text("Waiting for a practitioner's approval")).to_be_visible()
    expect(phone.get_by_text("Abhyanga is contraindicated with hypertension")).to_be_visible()
    assert horizontal_overflow(phone) == 0
    screenshot(phone, "journey-held-phone-390")
    assert not TherapySession.objects.filter(patient=patient).exists()
    plan_url = phone.url

    tablet = new_page(TABLET)
    sign_in(tablet, asgi_server, director.email, PASSWORD)
    tablet.get_by_role("link", name="Approvals").click()
    expect(tablet.get_by_text("Ravi")).to_be_visible()
    assert horizontal_overflow(tablet) == 0
    screenshot(tablet, "journey-approvals-tablet-768")
    tablet.get_by_role("button", name="Approve and book").click()
    expect(tablet.get_by_text("Approved: 6 sessions booked for")).to_be_visible()
    expect(tablet.get_by_text("No plans are waiting for approval.")).to_be_visible()

    phone.goto(plan_url)
    expect(phone.get_by_text("Your sessions")).to_be_visible()
    assert TherapySession.objects.filter(patient=patient).count() == 6
