"""Switching the language: a signed-in page renders in Hindi after choosing हिन्दी."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from notifications.services import HINDI_MONTHS
from sessions.models import SessionStatus
from sessions.services import session_overruns_extend, session_transition, vitals_record
from tests.factories import PatientFactory, RoomFactory, TherapySessionFactory, local_today_at


def html_lang(content: str) -> str:
    return re.search(r'<html lang="([^"]+)"', content).group(1)


@pytest.mark.django_db
def test_it_renders_english_by_default(client, practitioner_user):
    client.force_login(practitioner_user)

    page = client.get(reverse("my_day")).content.decode()

    assert html_lang(page) == "en"
    assert "My day" in page
    assert "मेरा दिन" not in page


@pytest.mark.django_db
def test_it_switches_a_signed_in_page_to_hindi(client, practitioner_user):
    client.force_login(practitioner_user)

    response = client.post(reverse("set_language"), {"language": "hi", "next": reverse("my_day")})
    assert response.status_code == 302
    assert response["Location"] == reverse("my_day")

    page = client.get(reverse("my_day")).content.decode()
    assert html_lang(page) == "hi"
    assert "मेरा दिन" in page  # the heading and the navigation
    assert "आज के सत्र" in page  # "sessions today"
    assert "साइन आउट करें" in page
    assert "My day" not in page
    assert "Sign out" not in page
    assert "sessions today" not in page


@pytest.mark.django_db
def test_it_switches_back_to_english(client, patient_user):
    client.force_login(patient_user)
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("portal_home")})
    assert "नमस्ते, Meera" in client.get(reverse("portal_home")).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": reverse("portal_home")})

    page = client.get(reverse("portal_home")).content.decode()
    assert html_lang(page) == "en"
    assert "Namaste, Meera" in page
    assert "नमस्ते" not in page


def visible_text(content: str) -> str:
    main = content[content.index("<main") :]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "hindi", "english"),
    [
        ("account_login", ["साइन इन करें", "पासवर्ड भूल गए?", "मुझे याद रखें"], ["Sign In"]),
        (
            "account_signup",
            ["साइन अप करें", "पासवर्ड (दोबारा)", "आपका पासवर्ड केवल अंकों का नहीं हो सकता।"],
            ["Sign Up", "Already have", "Your password"],
        ),
        ("account_reset_password", ["पासवर्ड रीसेट", "मेरा पासवर्ड रीसेट करें"], ["Forgotten"]),
        ("account_request_login_code", ["कोड मँगाएँ", "साइन इन के अन्य तरीके"], ["Request Code"]),
    ],
)
def test_the_sign_in_pages_speak_hindi_before_anyone_signs_in(client, url_name, hindi, english):
    # allauth ships no Hindi: these come from locale/hi (see clinics/package_texts.py).
    client.post(reverse("set_language"), {"language": "hi", "next": reverse(url_name)})

    text = visible_text(client.get(reverse(url_name)).content.decode())

    for phrase in hindi:
        assert phrase in text
    for phrase in english:
        assert phrase not in text


@pytest.mark.django_db
def test_a_wrong_password_is_explained_in_hindi(client, patient_user):
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("account_login")})

    response = client.post(
        reverse("account_login"), {"login": patient_user.email, "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert "आपका दिया गया ईमेल पता या पासवर्ड सही नहीं है।" in visible_text(response.content.decode())


# allauth's e-mails in Hindi, from locale/hi as its pages are (clinics/package_texts.py).
RESET_LINK = re.compile(r"http://testserver/accounts/password/reset/key/\S+/")


def request_password_reset(client, email: str):
    response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    return mail.outbox[0]


@pytest.mark.django_db
def test_the_password_reset_email_is_in_hindi_after_choosing_hindi(client, patient_user):
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("account_login")})

    message = request_password_reset(client, patient_user.email)

    assert message.to == [patient_user.email]
    assert message.subject == "[testserver] पासवर्ड रीसेट ईमेल"
    assert "testserver की ओर से नमस्ते!" in message.body
    assert "आपके खाते का पासवर्ड रीसेट करने का अनुरोध किया है" in message.body
    assert "नीचे दिए गए लिंक पर क्लिक करें" in message.body
    assert "testserver का उपयोग करने के लिए धन्यवाद!" in message.body
    assert RESET_LINK.search(message.body)
    for english in ["Password Reset", "Hello from", "receiving this email", "Click", "Thank you"]:
        assert english not in message.subject + message.body


@pytest.mark.django_db
def test_the_password_reset_email_stays_english_by_default(client, patient_user):
    message = request_password_reset(client, patient_user.email)

    assert message.subject == "[testserver] Password Reset Email"
    assert "Hello from testserver!" in message.body
    assert "requested a password reset for your user account" in message.body
    assert RESET_LINK.search(message.body)
    assert not re.search(r"[\u0900-\u097F]", message.subject + message.body)  # no Devanagari


@pytest.mark.django_db
def test_the_sign_in_code_email_is_in_hindi_after_choosing_hindi(client, patient_user):
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("account_login")})

    response = client.post(reverse("account_request_login_code"), {"email": patient_user.email})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "[testserver] साइन-इन कोड"
    assert "आपका साइन-इन कोड नीचे दिया गया है।" in message.body
    assert "आप इस ईमेल को अनदेखा कर सकते हैं।" in message.body
    assert re.search(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$", message.body, re.MULTILINE)
    for english in ["Sign-In Code", "Hello from", "sign-in code is listed", "safely ignored"]:
        assert english not in message.subject + message.body


@pytest.mark.django_db
def test_the_sign_in_code_email_stays_english_by_default(client, patient_user):
    client.post(reverse("account_request_login_code"), {"email": patient_user.email})

    (message,) = mail.outbox
    assert message.subject == "[testserver] Sign-In Code"
    assert "Your sign-in code is listed below." in message.body
    assert not re.search(r"[\u0900-\u097F]", message.subject + message.body)


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_is_answered_in_hindi(client, patient_user):
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("account_login")})

    message = request_password_reset(client, "stranger@example.org")

    assert message.to == ["stranger@example.org"]
    assert message.subject == "[testserver] अज्ञात खाता"
    assert "ईमेल stranger@example.org वाले खाते में जाने की कोशिश की" in message.body
    assert "नीचे दिए गए लिंक से साइन अप करके खाता बना सकते हैं।" in message.body
    assert "http://testserver/accounts/signup/" in message.body
    assert "Unknown Account" not in message.subject
    assert "receiving this email" not in message.body


# --- the practitioner's tablet, the center board and the patient's feedback ------------------


def choose_hindi(client, page: str) -> None:
    client.post(reverse("set_language"), {"language": "hi", "next": page})


def section_text(content: str, section_id: str) -> str:
    start = content.index(f'<section id="{section_id}"')
    section = content[start : content.index("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


@pytest.fixture
def session_today(center, practitioner):
    return TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=local_today_at(center, 10)
    )


@pytest.mark.django_db
def test_the_session_runner_gives_the_vitals_in_hindi(client, practitioner_user, session_today):
    vitals_record(
        session=session_today,
        by=practitioner_user,
        bp_systolic=120,
        bp_diastolic=80,
        pulse=72,
        temperature_c=Decimal("36.8"),
    )
    client.force_login(practitioner_user)
    runner = reverse("session_runner", args=[session_today.pk])
    choose_hindi(client, runner)

    # A slip of the finger on the tablet: the refusal names the reading in Hindi too.
    response = client.post(
        reverse("runner_vitals", args=[session_today.pk]), {"temperature_c": "50"}
    )

    assert response.status_code == 400
    vitals = section_text(response.content.decode(), "vitals")
    assert "रक्तचाप 120/80" in vitals
    assert "नाड़ी 72" in vitals
    assert "तापमान 50 °C संभव सीमा 33.0–43.0 °C से बाहर है; माप जाँचें।" in vitals
    for english in ("BP", "pulse", "Temperature", "plausible"):
        assert english not in vitals


@pytest.mark.django_db
def test_an_incident_is_reported_and_reviewed_in_hindi(
    client, practitioner_user, admin_user, session_today
):
    runner = reverse("session_runner", args=[session_today.pk])
    client.force_login(practitioner_user)
    choose_hindi(client, runner)

    form = section_text(client.get(runner).content.decode(), "incidents")
    assert "बाल-बाल बचाव (रोगी तक पहुँचने से पहले पकड़ लिया गया)" in form
    assert "Near miss" not in form

    client.post(
        reverse("runner_incidents", args=[session_today.pk]),
        {"severity": "minor", "near_miss": "on", "description": "Oil spilt by the table"},
    )
    client.force_login(admin_user)
    incident = session_today.incidents.get()
    client.post(
        reverse("runner_incident_step", args=[session_today.pk, incident.pk]), {"action": "review"}
    )

    incidents = section_text(client.get(runner).content.decode(), "incidents")
    assert "समीक्षाधीन" in incidents  # the status
    assert "Suresh Menon ने दर्ज किया" in incidents
    assert "Anjali Nair द्वारा समीक्षा" in incidents
    for english in ("Under review", "Near miss", "Reported by", "Review by"):
        assert english not in incidents


@pytest.mark.django_db
def test_the_center_board_speaks_hindi(client, admin_user, center, practitioner, practitioner_user):
    late = TherapySessionFactory(
        center=center, practitioner=practitioner, starts_at=local_today_at(center, 10, 50)
    )
    TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        patient=PatientFactory(center=center, first_name="Ravi", last_name="Kumar"),
        starts_at=late.ends_at + timedelta(minutes=5),
    )
    for status in (SessionStatus.IN_PREPARATION, SessionStatus.IN_SESSION):
        session_transition(session=late, to_status=status, by=practitioner_user)
    session_overruns_extend(now=late.ends_at + timedelta(minutes=7))
    steam = RoomFactory(center=center, code="ST9", capacity=3, room_type="steam")
    TherapySessionFactory(center=center, room=steam, starts_at=local_today_at(center, 12))
    client.force_login(admin_user)
    choose_hindi(client, reverse("center_board"))

    page = client.get(reverse("center_board")).content.decode()

    text = visible_text(page)
    assert "केंद्र बोर्ड" in text
    assert "अभी देर से चल रहे सत्र" in text
    assert "Ravi Kumar के" in text and "से टकराता है (वही चिकित्सक Suresh Menon)" in text
    assert "आज के बाकी सत्रों की फिर से योजना बनाएँ" in text
    assert 'aria-label="समय के अनुसार कक्ष"' in page
    # The occupancy the board's script fills in: its placeholders come through whole.
    assert 'data-template="%(capacity)s में से %(used)s स्थान उपयोग में"' in page
    for english in ("Center board", "Over-running now", "Runs into", "Re-plan the rest"):
        assert english not in text
    assert "Rooms against time" not in page
    assert "places in use" not in page


@pytest.mark.django_db
def test_the_patient_gives_feedback_in_hindi_and_sees_it_summed_up(
    client, patient_user, patient, center, practitioner
):
    finished = TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        starts_at=local_today_at(center, 9, days=-1),
        status=SessionStatus.COMPLETED,
    )
    feedback_page = reverse("portal_session_feedback", args=[finished.pk])
    client.force_login(patient_user)
    choose_hindi(client, feedback_page)

    page = visible_text(client.get(feedback_page).content.decode())
    assert "इस सत्र से आपको कितना आराम मिला?" in page
    assert "How much relief" not in page

    answers = {"symptom_relief": "8", "experience": "yes_definitely", "comment": ""}
    answers.update({f"side_{symptom}": "0" for symptom in ("nausea", "dizziness", "weakness")})
    answers["side_other"] = "0"
    response = client.post(feedback_page, answers, follow=True)
    thanks = response.content.decode()  # the message shows above the page's <main>
    assert "धन्यवाद: आपके वैद्य आपके जवाब देखेंगे।" in thanks
    assert "Thank you" not in thanks

    # One answer takes the singular sentence, which gives the day and relief in Hindi.
    progress = visible_text(client.get(reverse("portal_progress")).content.decode())
    day = finished.starts_at.astimezone(center.tzinfo).date()
    day = f"{day.day} {HINDI_MONTHS[day.month - 1]}"
    assert f"1 जवाब, {day} को: राहत 10 में से 8।" in progress
    assert "answer" not in progress
