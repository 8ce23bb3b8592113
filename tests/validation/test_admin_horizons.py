"""The Django admin refuses the dates the pages and the API refuse, in the same words, and a
refused form changes nothing: care plans, leave, closures; a session's time is not typed there."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from clinics.models import Closure, Leave
from clinics.services import center_closures_record
from patients.models import CarePlan
from sessions.models import TherapySession
from tests.factories import CarePlanFactory, PatientFactory, TherapySessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def _errors(response) -> str:
    """The words the admin shows beside its fields and above its form."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _today(center) -> datetime.date:
    return timezone.localdate(timezone=center.tzinfo)


def _plan_data(clinic, patient, start_date, **extra):
    return {
        "patient": patient.pk,
        "protocol_version": clinic["version"].pk,
        "start_date": start_date,
        "status": CarePlan.Status.DRAFT,
        "priority": 3,
        **extra,
    }


def test_the_admin_refuses_a_care_plan_starting_in_the_year_9999(staff_client, clinic):
    patient = PatientFactory(center=clinic["center"])

    response = staff_client.post(
        reverse("admin:patients_careplan_add"), _plan_data(clinic, patient, "9999-12-31")
    )

    assert "plans are made at most 18 months ahead" in _errors(response)
    assert not CarePlan.objects.exists()


def test_the_admin_records_a_past_plan_only_when_told_to(staff_client, clinic):
    patient = PatientFactory(center=clinic["center"])
    last_month = _today(clinic["center"]) - datetime.timedelta(days=30)
    clinic["version"].effective_from = last_month - datetime.timedelta(days=365)
    clinic["version"].save(update_fields=["effective_from"])
    url = reverse("admin:patients_careplan_add")

    refused = staff_client.post(url, _plan_data(clinic, patient, last_month))
    assert "The first day cannot be in the past" in _errors(refused)
    assert not CarePlan.objects.exists()

    recorded = staff_client.post(url, _plan_data(clinic, patient, last_month, record_past="on"))
    assert recorded.status_code == 302
    assert CarePlan.objects.get().start_date == last_month


def test_a_plan_whose_status_changes_keeps_its_old_first_day(staff_client, clinic):
    plan = CarePlanFactory(
        patient=PatientFactory(center=clinic["center"]),
        protocol_version=clinic["version"],
        start_date=_today(clinic["center"]) - datetime.timedelta(days=900),
    )
    response = staff_client.post(
        reverse("admin:patients_careplan_change", args=[plan.pk]),
        _plan_data(clinic, plan.patient, plan.start_date, status=CarePlan.Status.CANCELLED),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == CarePlan.Status.CANCELLED


def test_the_admin_refuses_a_leave_from_2000_to_2099(staff_client, clinic):
    meera = clinic["practitioners"][0]

    response = staff_client.post(
        reverse("admin:clinics_leave_add"),
        {
            "practitioner": meera.pk,
            "kind": Leave.Kind.SICK,
            "starts_at_0": "2000-01-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": "2099-12-31",
            "ends_at_1": "23:59:00",
        },
    )

    assert "A leave lasts at most 365 days; record a longer absence in parts." in _errors(response)
    assert not Leave.objects.exists()


def test_the_admin_refuses_a_leave_that_ends_before_it_starts(staff_client, clinic):
    meera = clinic["practitioners"][0]
    day = (_today(clinic["center"]) + datetime.timedelta(days=3)).isoformat()

    response = staff_client.post(
        reverse("admin:clinics_leave_add"),
        {
            "practitioner": meera.pk,
            "kind": Leave.Kind.VACATION,
            "starts_at_0": day,
            "starts_at_1": "17:00:00",
            "ends_at_0": day,
            "ends_at_1": "09:00:00",
        },
    )

    assert "The leave must end after it starts." in _errors(response)
    assert not Leave.objects.exists()


def test_a_closure_of_several_days_closes_each_day_once(staff_client, clinic):
    center = clinic["center"]
    first = _today(center) + datetime.timedelta(days=10)

    response = staff_client.post(
        reverse("admin:clinics_closure_add"),
        {
            "center": center.pk,
            "date": first,
            "last_day": first + datetime.timedelta(days=2),
            "reason": "Monsoon repairs",
        },
    )

    assert response.status_code == 302
    assert list(Closure.objects.values_list("date", "reason")) == [
        (first + datetime.timedelta(days=n), "Monsoon repairs") for n in range(3)
    ]
    # Again from the last of those days to one more: that day keeps its row, takes the reason.
    again = staff_client.post(
        reverse("admin:clinics_closure_add"),
        {
            "center": center.pk,
            "date": first + datetime.timedelta(days=2),
            "last_day": first + datetime.timedelta(days=3),
            "reason": "Onam",
        },
    )
    assert again.status_code == 302
    assert Closure.objects.count() == 4
    assert Closure.objects.get(date=first + datetime.timedelta(days=2)).reason == "Onam"


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        (10, 420, "A closure lasts at most 365 days; record a longer one in parts."),
        (10, 5, "The closure's last day cannot be before its first."),
        (3000, None, "A closure can start no later than"),
        (-3000, None, "A closure cannot end before"),
    ],
)
def test_the_admin_refuses_a_closure_outside_the_horizons(staff_client, clinic, first, last, words):
    center = clinic["center"]
    today = _today(center)
    data = {"center": center.pk, "date": today + datetime.timedelta(days=first), "reason": "x"}
    if last is not None:
        data["last_day"] = today + datetime.timedelta(days=last)

    response = staff_client.post(reverse("admin:clinics_closure_add"), data)

    assert words in _errors(response)
    assert not Closure.objects.exists()


@override_settings(LEAVE_MAX_DAYS=7)
def test_the_longest_closure_comes_from_the_settings(staff_client, clinic):
    center = clinic["center"]
    first = _today(center) + datetime.timedelta(days=1)
    data = {"center": center.pk, "date": first, "reason": "Renovation"}

    too_long = staff_client.post(
        reverse("admin:clinics_closure_add"),
        {**data, "last_day": first + datetime.timedelta(days=7)},
    )
    assert "A closure lasts at most 7 days" in _errors(too_long)
    assert not Closure.objects.exists()

    week = staff_client.post(
        reverse("admin:clinics_closure_add"),
        {**data, "last_day": first + datetime.timedelta(days=6)},
    )
    assert week.status_code == 302
    assert Closure.objects.count() == 7


def test_a_sessions_time_is_not_typed_in_the_admin(staff_client, clinic):
    session = TherapySessionFactory(center=clinic["center"])
    url = reverse("admin:therapy_sessions_therapysession_change", args=[session.pk])
    before = TherapySession.objects.values("starts_at", "ends_at", "room", "practitioner").get()

    page = staff_client.get(url)
    assert "starts_at_0" not in page.content.decode()  # shown, not an input
    staff_client.post(
        url,
        {
            "center": session.center_id,
            "patient": session.patient_id,
            "therapy": session.therapy_id,
            "starts_at_0": "9999-12-31",
            "starts_at_1": "03:00:00",
            "ends_at_0": "9999-12-31",
            "ends_at_1": "04:00:00",
        },
    )

    assert TherapySession.objects.values("starts_at", "ends_at", "room", "practitioner").get() == (
        before
    )
    assert staff_client.get(reverse("admin:therapy_sessions_therapysession_add")).status_code == 403


def test_the_refusals_read_in_hindi(clinic):
    today = _today(clinic["center"])
    with translation.override("hi"), pytest.raises(ValidationError) as refused:
        center_closures_record(
            center=clinic["center"],
            first_day=today,
            last_day=today + datetime.timedelta(days=400),
        )
    assert refused.value.messages == [
        "एक बंदी अधिक से अधिक 365 दिन की होती है; लंबी बंदी हिस्सों में दर्ज करें।"
    ]
    assert not Closure.objects.exists()
