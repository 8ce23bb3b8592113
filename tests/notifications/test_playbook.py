"""Playbook templates: the variables they may use, which one a session gets, the starter seed."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Channel, NotificationTemplate
from notifications.playbook import NotificationEvent, render, validate_template_text
from notifications.services import local_date_text, starter_playbook_load, templates_for
from notifications.starter_playbook import STARTER_PLAYBOOK
from tests import factories

pytestmark = pytest.mark.django_db


def test_known_variables_render_and_double_braces_stay_braces():
    text = "{patient}: {therapy} on {date} at {time}, {center} with {practitioner} {{ok}}"
    validate_template_text(text)
    values = {
        "patient": "Meera",
        "therapy": "Abhyanga",
        "date": "Thursday 3 December",
        "time": "09:00",
        "center": "Kochi",
        "practitioner": "Dr Menon",
    }
    assert render(text, values) == (
        "Meera: Abhyanga on Thursday 3 December at 09:00, Kochi with Dr Menon {ok}"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Hello {name}", "Unknown variable {name}"),
        ("Hello {patient} and {doctor} {room}", "Unknown variable {doctor}, {room}"),
        ("{patient.user.password}", "is not a variable"),
        ("{time:%H}", "is not a variable"),
        ("{patient!r}", "is not a variable"),
        ("Reply {HELP", "A brace is not closed"),
    ],
)
def test_a_template_text_that_the_planner_cannot_fill_is_refused_in_words(text, says):
    with pytest.raises(ValidationError) as raised:
        validate_template_text(text)
    assert says in " ".join(raised.value.messages)


def test_an_unknown_variable_is_a_form_error_in_the_admin_and_nothing_is_saved(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:notifications_notificationtemplate_add"),
        {
            "event": NotificationEvent.PRE_24H,
            "channel": Channel.SMS,
            "locale": "en",
            "subject": "",
            "body": "Namaste {patient}, see you at {clock}.",
        },
    )
    assert response.status_code == 200
    assert "Unknown variable {clock}" in response.content.decode()
    assert not NotificationTemplate.objects.exists()


def test_an_email_template_needs_a_subject():
    template = NotificationTemplate(
        event=NotificationEvent.PRE_2H, channel=Channel.EMAIL, locale="en", body="{patient}"
    )
    with pytest.raises(ValidationError) as raised:
        template.full_clean()
    assert "subject" in raised.value.message_dict


def test_a_second_generic_template_for_the_same_step_is_refused_on_save():
    factories.NotificationTemplateFactory(event=NotificationEvent.PRE_2H)
    duplicate = NotificationTemplate(
        event=NotificationEvent.PRE_2H, channel=Channel.SMS, locale="en", body="{patient}"
    )
    with pytest.raises(ValidationError) as raised:
        duplicate.full_clean()
    assert "already a template" in " ".join(raised.value.messages)


def test_the_most_specific_template_in_the_patients_language_wins(center):
    therapy = factories.TherapyTypeFactory(code="virechana", name="Virechana")
    step = factories.ProtocolStepFactory(therapy=therapy)
    plan = factories.CarePlanFactory(protocol_version=step.version, patient__center=center)
    session = factories.TherapySessionFactory(
        center=center, patient=plan.patient, therapy=therapy, care_plan=plan
    )
    protocol = step.version.template
    make = factories.NotificationTemplateFactory
    make(body="generic en")
    make(body="generic hi", locale="hi")
    make(body="protocol hi", locale="hi", protocol=protocol)
    make(body="therapy hi", locale="hi", therapy=therapy)
    make(body="both en", therapy=therapy, protocol=protocol)
    make(body="other therapy hi", locale="hi", therapy=factories.TherapyTypeFactory())

    chosen = templates_for(session, events=[NotificationEvent.PRE_24H], locale="hi")
    assert chosen[(NotificationEvent.PRE_24H, Channel.SMS)].body == "therapy hi"

    # A step with no template in the patient's language falls back to English.
    make(body="post en", event=NotificationEvent.POST_1H)
    chosen = templates_for(session, events=[NotificationEvent.POST_1H], locale="hi")
    assert chosen[(NotificationEvent.POST_1H, Channel.SMS)].body == "post en"


def test_the_starter_playbook_loads_valid_templates_in_english_and_hindi_and_again_idempotently():
    therapies = {
        code: factories.TherapyTypeFactory(code=code)
        for code in ("virechana", "basti", "vamana", "nasya", "shirodhara")
    }
    count = starter_playbook_load(entries=STARTER_PLAYBOOK, therapies=therapies)
    assert count == len(STARTER_PLAYBOOK) * 2 * len(Channel.values)
    assert NotificationTemplate.objects.count() == count
    assert starter_playbook_load(entries=STARTER_PLAYBOOK, therapies=therapies) == count
    assert NotificationTemplate.objects.count() == count

    virechana_hi = NotificationTemplate.objects.get(
        event=NotificationEvent.PRE_24H,
        therapy=therapies["virechana"],
        channel=Channel.IN_APP,
        locale="hi",
    )
    assert "विरेचन" in virechana_hi.body and virechana_hi.subject
    generic_sms = NotificationTemplate.objects.get(
        event=NotificationEvent.POST_1H, therapy=None, channel=Channel.SMS, locale="en"
    )
    assert "HELP" in generic_sms.body and "4–6 hours" in generic_sms.body
    assert generic_sms.subject == ""
    assert NotificationTemplate.objects.filter(
        event=NotificationEvent.CHECK_IN, locale="hi", body__contains="0 (बहुत"
    ).exists()


def test_dates_in_hindi_are_spelt_as_a_hindi_reader_expects():
    moment = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert local_date_text(moment, locale="hi") == "गुरुवार, 3 दिसंबर"
    assert local_date_text(moment.replace(month=9, day=7), locale="hi") == "सोमवार, 7 सितंबर"
    assert local_date_text(moment, locale="en") == "Thursday 3 December"
