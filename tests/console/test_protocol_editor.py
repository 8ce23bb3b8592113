"""The console's protocol editor: protocols with their versions, a version's steps, and an
edit that makes a new version from a chosen day while care plans keep theirs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from clinics.choices import Role
from patients.models import CarePlan
from patients.services import care_plan_create
from portal.forms import BookingForm
from protocols.models import ProtocolStep, ProtocolVersion
from tests.console import protocol_fixtures
from tests.factories import (
    CarePlanFactory,
    MembershipFactory,
    PatientFactory,
    ProtocolStepFactory,
    ProtocolTemplateFactory,
    ProtocolVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
offered, protocol = protocol_fixtures.offered, protocol_fixtures.protocol

# Session, user, centers, roles and patient record (the menu), protocols, their versions with
# their counts.
LIST_QUERIES = 7
# Session, user, centers (twice: the protocol's and the page's), roles and patient record (the
# menu), versions with counts, steps, checklists and their items, may-edit.
VERSION_QUERIES = 11


def _today(center):
    return timezone.localdate(timezone=center.tzinfo)


def _form_data(template, *, effective_from, steps, center=None):
    """The edit page's POST: the version's start and its rows (dicts of the step fields)."""
    data = {
        "effective_from": effective_from.isoformat(),
        "notes": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "80",
    }
    if center is not None:
        data["center"] = str(center.pk)
    for index, step in enumerate(steps):
        row = {
            "therapy": "",
            "day_offset": "",
            "slack_days": "0",
            "after": "",
            "min_gap_minutes": "0",
            "max_gap_minutes": "",
            "same_practitioner_as": "",
            "code": "",
            "planned_dose": "",
            "instructions": "",
        } | {key: str(value) for key, value in step.items()}
        data |= {f"steps-{index}-{key}": value for key, value in row.items()}
    return data


def _v1_rows(offered):
    return [
        {"therapy": offered["abhyanga"].pk, "day_offset": 0, "code": "d0-abhyanga"},
        {
            "therapy": offered["swedana"].pk,
            "day_offset": 0,
            "after": 1,
            "max_gap_minutes": 30,
            "same_practitioner_as": 1,
            "code": "d0-swedana",
        },
        {"therapy": offered["abhyanga"].pk, "day_offset": 1, "code": "d1-abhyanga"},
        {
            "therapy": offered["swedana"].pk,
            "day_offset": 1,
            "after": 3,
            "max_gap_minutes": 30,
            "same_practitioner_as": 3,
            "code": "d1-swedana",
        },
    ]


def _edit(client, template, **kwargs):
    url = reverse("console_protocol_edit", args=[template.pk])
    return client.post(url, _form_data(template, **kwargs))


def test_the_list_shows_each_version_its_care_plans_and_the_one_in_force_today(
    client, admin_user, center, protocol, django_assert_max_num_queries
):
    v1 = protocol.versions.get()
    CarePlanFactory.create_batch(2, patient__center=center, protocol_version=v1)
    shared = ProtocolVersionFactory(template__name="7-day Virechana (shared)", version=1)
    client.force_login(admin_user)

    with django_assert_max_num_queries(LIST_QUERIES):
        page = client.get(reverse("console_protocols")).content.decode()

    assert "5-day Abhyanga course" in page and "7-day Virechana (shared)" in page
    assert "Every center (shared)" in page
    assert "2 care plans" in page  # v1 of the center's own course
    assert f"since {v1.effective_from:%-d %b %Y}" in page
    assert shared.template.name in page


def test_the_list_costs_the_same_queries_with_many_protocols_and_plans(
    client, admin_user, center, protocol, django_assert_max_num_queries
):
    for _n in range(6):
        version = ProtocolVersionFactory(template__center=center, version=1)
        ProtocolVersionFactory(template=version.template, version=2, effective_from=_today(center))
        CarePlanFactory.create_batch(2, patient__center=center, protocol_version=version)
    client.force_login(admin_user)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("console_protocols"))

    assert response.status_code == 200
    assert response.content.decode().count("In force today") >= 1


def test_a_version_page_shows_days_gaps_sequence_rules_and_the_checklist(
    client, admin_user, protocol
):
    client.force_login(admin_user)

    page = client.get(reverse("console_protocol", args=[protocol.pk])).content.decode()

    assert "In force today" in page
    assert "after step 1 (Abhyanga), 0–30 min later" in page
    assert "same practitioner as step 3" in page
    assert "Abhyanga SOP (1 item)" in page and "Warm the oil to body heat" in page
    assert "Edit: make a new version" in page


def test_saving_makes_version_2_from_the_day_chosen_and_closes_version_1_there(
    client, admin_user, center, protocol, offered
):
    client.force_login(admin_user)
    start = _today(center) + datetime.timedelta(days=10)
    rows = [*_v1_rows(offered), {"therapy": offered["abhyanga"].pk, "day_offset": 3}]

    response = _edit(client, protocol, effective_from=start, steps=rows)

    assert response.status_code == 302
    v1, v2 = protocol.versions.order_by("version")
    assert (v2.version, v2.effective_from, v2.effective_to, v2.status) == (
        2,
        start,
        None,
        ProtocolVersion.Status.ACTIVE,
    )
    assert v1.effective_to == start
    steps = list(v2.steps.order_by("order"))
    assert [s.code for s in steps] == [
        "d0-abhyanga",
        "d0-swedana",
        "d1-abhyanga",
        "d1-swedana",
        "s5-d3-abhyanga",
    ]
    assert steps[3].after_step == steps[2] and steps[3].same_practitioner_as == steps[2]
    assert v1.steps.count() == 4  # the old version is untouched
    page = client.get(response["Location"]).content.decode()
    assert f"Version 2 of 5-day Abhyanga course is in force from {start.isoformat()}." in page


def test_care_plans_keep_the_version_they_were_made_from(
    client, admin_user, center, protocol, offered
):
    """A plan made before the edit keeps v1; a plan starting on or after the new version's
    day gets v2, also when a patient books it having been shown v1."""
    v1 = protocol.versions.get()
    patient = PatientFactory(center=center)
    before = care_plan_create(
        patient=patient,
        protocol_version=v1,
        start_date=_today(center) + datetime.timedelta(days=20),
    )
    client.force_login(admin_user)
    start = _today(center) + datetime.timedelta(days=10)
    rows = _v1_rows(offered)[:2]
    assert _edit(client, protocol, effective_from=start, steps=rows).status_code == 302
    v2 = protocol.versions.get(version=2)

    before.refresh_from_db()
    assert before.protocol_version == v1
    after = care_plan_create(patient=patient, protocol_version=v2, start_date=start)
    assert after.protocol_version.version == 2
    with pytest.raises(ValidationError, match="Version 1 of this protocol is not in force"):
        care_plan_create(patient=patient, protocol_version=v1, start_date=start)
    # The booking page lists the version in force today (v1); a first day from the new
    # version's start books the version in force then.
    booking = BookingForm(
        {"center": center.pk, "protocol_version": v1.pk, "start_date": start.isoformat()},
        patient=patient,
    )
    assert booking.is_valid(), booking.errors
    assert booking.cleaned_data["protocol_version"] == v2
    assert CarePlan.objects.filter(protocol_version=v1).count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {2: {"therapy": "abhyanga", "day_offset": 1, "after": 4}},
            "after",
            "Choose an earlier step: a step can only follow one that comes before it.",
        ),
        (
            {4: {"therapy": "abhyanga", "day_offset": 0}},
            "day_offset",
            "Days cannot go back: the step before this one is on day 1.",
        ),
        (
            {4: {"therapy": "basti", "day_offset": 2}},
            "therapy",
            "Basti is not offered at Kerala Panchakarma Center: it has no room for it.",
        ),
        (
            {4: {"therapy": "abhyanga", "day_offset": 5}},
            "day_offset",
            "Day 5 (with slack) is past the protocol&#x27;s 5 days (days 0 to 4).",
        ),
        (
            {
                4: {
                    "therapy": "abhyanga",
                    "day_offset": 2,
                    "min_gap_minutes": 60,
                    "max_gap_minutes": 30,
                    "after": 1,
                }
            },
            "max_gap_minutes",
            "The longest gap cannot be below the shortest.",
        ),
    ],
    ids=[
        "gap-after-a-later-step",
        "days-decreasing",
        "therapy-not-offered",
        "past-last-day",
        "gap-range",
    ],
)
def test_a_broken_step_is_refused_by_its_field_and_nothing_is_saved(
    client, admin_user, center, protocol, offered, change, field, message
):
    client.force_login(admin_user)
    rows = [*_v1_rows(offered), {"therapy": offered["abhyanga"].pk, "day_offset": 2}]
    for index, values in change.items():
        rows[index] = {**values, "therapy": offered[values["therapy"]].pk}
    before = list(ProtocolStep.objects.values_list("pk", "version_id", "code"))

    response = _edit(
        client, protocol, effective_from=_today(center) + datetime.timedelta(days=3), steps=rows
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved. Please correct what is marked below." in page
    assert message in page
    assert protocol.versions.count() == 1
    assert protocol.versions.get().effective_to is None
    assert list(ProtocolStep.objects.values_list("pk", "version_id", "code")) == before


def test_a_start_in_the_past_is_refused(client, admin_user, center, protocol, offered):
    client.force_login(admin_user)
    yesterday = _today(center) - datetime.timedelta(days=1)

    response = _edit(client, protocol, effective_from=yesterday, steps=_v1_rows(offered))

    assert response.status_code == 400
    assert "A new version cannot start in the past" in response.content.decode()
    assert protocol.versions.count() == 1


def test_a_start_not_after_the_current_versions_start_is_refused(
    client, admin_user, center, protocol, offered
):
    # Version 1 was scheduled to start in five days; the new one cannot start on that day.
    v1_start = _today(center) + datetime.timedelta(days=5)
    protocol.versions.update(effective_from=v1_start)
    client.force_login(admin_user)

    response = _edit(client, protocol, effective_from=v1_start, steps=_v1_rows(offered))

    assert response.status_code == 400
    assert (
        f"The new version must start after {v1_start.isoformat()}, the day version 1 started."
        in response.content.decode()
    )
    assert protocol.versions.get().effective_to is None


def test_a_step_referring_to_a_removed_step_is_refused(
    client, admin_user, center, protocol, offered
):
    client.force_login(admin_user)
    rows = _v1_rows(offered)
    rows[2]["DELETE"] = "on"  # day 1's Abhyanga goes, but day 1's Swedana still follows it

    response = _edit(
        client, protocol, effective_from=_today(center) + datetime.timedelta(days=1), steps=rows
    )

    assert response.status_code == 400
    assert "That step is being removed or left empty." in response.content.decode()
    assert protocol.versions.count() == 1


def test_the_edit_page_starts_from_the_newest_version_and_adds_a_row_on_request(
    client, admin_user, center, protocol, offered
):
    client.force_login(admin_user)
    url = reverse("console_protocol_edit", args=[protocol.pk])

    page = client.get(url).content.decode()
    assert 'value="d1-swedana"' in page
    assert page.count('name="steps-') and 'name="steps-4-therapy"' in page  # one blank row

    data = _form_data(protocol, effective_from=_today(center), steps=_v1_rows(offered))
    data["add_step"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'name="steps-4-therapy"' in response.content.decode()
    assert protocol.versions.count() == 1


# --- who may see and edit -----------------------------------------------------------------


def test_a_medical_director_edits_the_centers_protocol(client, center, protocol, offered):
    director = UserFactory(email="director@kerala.example.org")
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    client.force_login(director)

    response = _edit(
        client,
        protocol,
        effective_from=_today(center) + datetime.timedelta(days=1),
        steps=_v1_rows(offered),
    )

    assert response.status_code == 302
    assert protocol.versions.count() == 2


def test_another_centers_admin_gets_404_and_changes_nothing(client, outsider, protocol, offered):
    client.force_login(outsider)

    assert client.get(reverse("console_protocol", args=[protocol.pk])).status_code == 404
    assert client.get(reverse("console_protocol_edit", args=[protocol.pk])).status_code == 404
    response = _edit(
        client, protocol, effective_from=datetime.date(2030, 1, 1), steps=_v1_rows(offered)
    )
    assert response.status_code == 404
    assert protocol.versions.count() == 1
    assert "5-day Abhyanga course" not in client.get(reverse("console_protocols")).content.decode()


@pytest.mark.parametrize("who", ["practitioner_user", "patient_user"])
def test_practitioners_and_patients_are_refused(request, client, protocol, who):
    client.force_login(request.getfixturevalue(who))

    for url in (
        reverse("console_protocols"),
        reverse("console_protocol", args=[protocol.pk]),
        reverse("console_protocol_edit", args=[protocol.pk]),
    ):
        assert client.get(url).status_code == 403


def test_a_shared_protocol_is_changed_by_a_medical_director_only(
    client, admin_user, center, offered
):
    shared = ProtocolTemplateFactory(name="Shared course", duration_days=5, center=None)
    ProtocolVersionFactory(template=shared, version=1)
    client.force_login(admin_user)

    page = client.get(reverse("console_protocol", args=[shared.pk])).content.decode()
    assert "Only a medical director may change a protocol every center shares." in page
    assert "Edit: make a new version" not in page
    rows = [{"therapy": offered["abhyanga"].pk, "day_offset": 0}]
    start = _today(center) + datetime.timedelta(days=1)
    assert _edit(client, shared, effective_from=start, steps=rows).status_code == 403

    director = UserFactory(email="director@kerala.example.org")
    MembershipFactory(user=director, center=center, role=Role.MEDICAL_DIRECTOR)
    client.force_login(director)
    response = _edit(client, shared, effective_from=start, steps=rows, center=center)
    assert response.status_code == 302
    assert shared.versions.count() == 2


def test_a_failure_while_writing_the_steps_leaves_version_1_open_and_no_version_2(
    client, admin_user, center, protocol, offered, monkeypatch
):
    """All or nothing even past the checks: a step the database refuses (here the third)
    undoes closing version 1 and every step written before it."""
    real_create = ProtocolStep.objects.create
    written = []

    def refuse_the_third(**fields):
        written.append(fields["code"])
        if len(written) == 3:
            raise IntegrityError("protocol_step_unique_order")
        return real_create(**fields)

    monkeypatch.setattr(ProtocolStep.objects, "create", refuse_the_third)
    client.force_login(admin_user)

    with pytest.raises(IntegrityError):
        _edit(
            client,
            protocol,
            effective_from=_today(center) + datetime.timedelta(days=2),
            steps=_v1_rows(offered),
        )

    assert len(written) == 3
    v1 = protocol.versions.get()
    assert (v1.version, v1.effective_to) == (1, None)
    assert ProtocolStep.objects.filter(version__template=protocol).count() == 4


def test_a_version_page_costs_the_same_queries_with_many_steps(
    client, admin_user, protocol, offered, django_assert_max_num_queries
):
    v1 = protocol.versions.get()
    for order in range(5, 25):
        ProtocolStepFactory(
            version=v1, order=order, therapy=offered["swedana"], day_offset=order // 5
        )
    client.force_login(admin_user)

    with django_assert_max_num_queries(VERSION_QUERIES):
        page = client.get(reverse("console_protocol", args=[protocol.pk])).content.decode()

    assert page.count("<tr>") == 25  # the header and 24 steps
