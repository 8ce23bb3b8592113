"""The issue's whole journey in real Chromium, the patient on a 390 px phone: signed in by the
code mailed to them, intake, a Virechana package booked, the Virechana session done, feedback
with nausea 7; then a clinician, in a browser of their own, finds the call on the task list and
the next session lowered on the runner, and the patient's progress chart has the new point."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from patients.models import CarePlan
from sessions.models import SessionStatus, TherapySession
from sessions.services import session_transition
from tests.e2e.conftest import PHONE, horizontal_overflow, screenshot, sign_in
from tests.e2e.test_booking_journey import EMAIL, _intake, _sign_in_by_code, smtp  # noqa: F401
from tests.factories import (
    AdaptationRuleFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolVersionFactory,
    SkillFactory,
    TherapyTypeFactory,
    UserFactory,
)
from tests.scheduling.conftest import clinic  # noqa: F401 (the clinic to book in)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "feedback-loop-journey-password"


@pytest.fixture
def virechana_package(clinic):  # noqa: F811
    """A 3-day package with Virechana on its second day, bookable in the clinic: its
    practitioners have the skill, a therapy room takes it; and the seed's nausea rule."""
    skill = SkillFactory(code="virechana", name="Virechana")
    for practitioner in clinic["practitioners"]:
        practitioner.skills.add(skill)
    virechana = TherapyTypeFactory(
        code="virechana",
        name="Virechana",
        required_skill=skill,
        planned_dose=Decimal("100"),
        dose_unit="ml",
    )
    version = ProtocolVersionFactory(template__name="Virechana 3 days")
    abhyanga = ProtocolStepFactory(
        version=version, order=1, code="d0-abhyanga", therapy=clinic["abhyanga"], day_offset=0
    )
    ProtocolStepFactory(
        version=version,
        order=2,
        code="d0-swedana",
        therapy=clinic["swedana"],
        day_offset=0,
        after_step=abhyanga,
        min_gap_minutes=0,
        max_gap_minutes=30,
        same_practitioner_as=abhyanga,
    )
    ProtocolStepFactory(
        version=version, order=3, code="d1-virechana", therapy=virechana, day_offset=1
    )
    ProtocolStepFactory(
        version=version, order=4, code="d2-abhyanga", therapy=clinic["abhyanga"], day_offset=2
    )
    AdaptationRuleFactory(
        name="Nausea after Virechana",
        symptom="nausea",
        therapy=virechana,
        threshold=6,
        actions=["alert_clinician", "lower_intensity", "diet_alert"],
        intensity_lowered_by=20,
    )
    return version


def _complete(session: TherapySession) -> None:
    """The session run to its end as the runner would, by the portal itself."""
    for status in (SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION, SessionStatus.COMPLETED):
        session_transition(session=session, to_status=status, by=None)


def _relief_points(page):
    return page.evaluate("document.getElementById('relief-chart').data[0].y")


def test_nausea_after_virechana_from_sign_in_to_the_clinicians_task_and_chart(
    new_page,
    asgi_server,
    smtp,  # noqa: F811
    clinic,  # noqa: F811
    virechana_package,
):
    center = clinic["center"]
    user = UserFactory(email=EMAIL, first_name="Devi", last_name="Menon")
    patient = PatientFactory(user=user, center=center, first_name="Devi", last_name="Menon")
    page = new_page(PHONE)

    # Signed in by the code read from the loopback SMTP server; then the intake, step by step.
    _sign_in_by_code(page, asgi_server, smtp)
    page.get_by_role("link", name="Before your treatment: your intake").click()
    _intake(page)

    page.get_by_role("link", name="Book a package").click()
    page.select_option("select[name=protocol_version]", str(virechana_package.pk))
    page.fill("input[name=start_date]", clinic["start"].isoformat())
    page.get_by_role("button", name="See my plan").click()
    expect(page.get_by_text("Your package has 4 sessions.")).to_be_visible()
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.get_by_text("Booked: 4 sessions. They are on your timeline.")).to_be_visible()
    assert horizontal_overflow(page) == 0
    plan = CarePlan.objects.get(patient=patient)
    sessions = list(TherapySession.objects.filter(care_plan=plan).order_by("starts_at", "pk"))
    assert [s.therapy.name for s in sessions] == ["Abhyanga", "Swedana", "Virechana", "Abhyanga"]

    page.get_by_role("link", name="See your timeline").click()
    expect(page.locator("[id^=session-]")).to_have_count(4)
    virechana = sessions[2]
    expect(page.locator(f"#session-{virechana.pk}")).to_contain_text("Virechana")
    # The room once ("Room R1"), then the practitioner.
    expect(page.locator(f"#session-{virechana.pk} .where")).to_have_text(
        f"{virechana.room.name} · {virechana.practitioner}"
    )
    assert horizontal_overflow(page) == 0
    screenshot(page, "feedback-loop-timeline-phone-390")

    # The first day and Virechana are done (run through the session service, not the runner).
    for session in sessions[:3]:
        _complete(session)

    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")
    expect(page.locator("#relief-chart")).to_have_count(0)

    page.get_by_role("link", name="My care").click()
    page.get_by_role("link", name="Give feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your session?")
    expect(page.locator("main")).to_contain_text("Virechana")
    page.locator("label.tap:has(#id_symptom_relief_6)").click()
    page.locator("label.tap:has(#id_side_nausea_7)").click()
    page.locator("label.tap", has_text="Yes, definitely").click()
    assert horizontal_overflow(page) == 0
    screenshot(page, "feedback-loop-nausea-7-phone-390")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("Thank you: your practitioner will see your answers.")).to_be_visible()

    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.locator("#relief-chart svg.main-svg").first).to_be_visible()
    assert _relief_points(page) == [6]
    nausea = page.evaluate(
        "document.getElementById('relief-chart').data.find((t) => t.name === 'Nausea').y"
    )
    assert nausea == [7]
    expect(page.locator("#relief-summary")).to_contain_text(
        "relief 6 out of 10. The strongest side effect was nausea, 7 out of 10"
    )
    assert horizontal_overflow(page) == 0
    screenshot(page, "feedback-loop-progress-phone-390")

    # The clinician: the practitioner of the session that was lowered, on a phone too.
    lowered = sessions[3]
    lowered.refresh_from_db()
    clinician = lowered.practitioner.user
    clinician.set_password(PASSWORD)
    clinician.save(update_fields=["password"])
    clinic_phone = new_page(PHONE)
    sign_in(clinic_phone, asgi_server, clinician.email, PASSWORD)
    clinic_phone.goto(f"{asgi_server}/clinician-tasks/")
    expect(clinic_phone.get_by_text("Call Devi Menon: Nausea after Virechana")).to_be_visible()
    expect(clinic_phone.get_by_text("Nausea 7/10 reported after Virechana.")).to_be_visible()
    expect(clinic_phone.get_by_text("lowered from 100 % to 80 %.")).to_be_visible()
    assert horizontal_overflow(clinic_phone) == 0
    screenshot(clinic_phone, "feedback-loop-tasks-phone-390")

    clinic_phone.goto(f"{asgi_server}/my-day/sessions/{lowered.pk}/")
    expect(clinic_phone.get_by_role("heading", level=1)).to_contain_text("Abhyanga")
    minutes = lowered.therapy.duration_minutes * 80 // 100
    expect(clinic_phone.locator(".intensity")).to_contain_text(
        f"Intensity lowered to 80 %: give the therapy for {minutes} min."
    )
    expect(clinic_phone.locator(".intensity")).to_contain_text(
        "Lowered 20 % by the rule “Nausea after Virechana”: Nausea 7/10"
    )
    assert horizontal_overflow(clinic_phone) == 0
    screenshot(clinic_phone, "feedback-loop-runner-phone-390")
    assert lowered.intensity_percent == 80
