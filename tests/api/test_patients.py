"""POST /api/patients and POST /api/care-plans: staff register patients and prescribe plans."""

import datetime

import pytest
from django.utils import timezone

from patients.models import CarePlan, Consent, Patient
from tests.api.test_sessions import client_of
from tests.factories import (
    PatientFactory,
    ProtocolStepFactory,
    ProtocolTemplateFactory,
    ProtocolVersionFactory,
)

pytestmark = pytest.mark.django_db


def registration(center, **overrides):
    body = {
        "center": center.pk,
        "mrn": "KPC-0042",
        "first_name": "Lakshmi",
        "last_name": "Pillai",
        "sex": "F",
        "date_of_birth": "1971-04-09",
        "phone": "+919847012345",
        "email": "lakshmi@example.org",
        "language": "hi",
        "consents": {
            "given": ["treatment", "data_processing", "sms_messages"],
            "document_version": "2026.1",
            "signed_by": "Lakshmi Pillai",
        },
    }
    return {**body, **overrides}


def test_an_admin_registers_a_patient_with_their_consents(admin_user, center):
    response = client_of(admin_user).post("/api/patients", registration(center), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    patient = Patient.objects.get(pk=body["id"])
    assert (patient.center, patient.mrn, patient.language) == (center, "KPC-0042", "hi")
    assert [c["kind"] for c in body["consents"]] == ["data_processing", "sms_messages", "treatment"]
    assert set(patient.consents.values_list("document_version", "signed_by")) == {
        ("2026.1", "Lakshmi Pillai")
    }


def test_a_taken_record_number_is_refused_naming_it_and_changes_nothing(admin_user, center):
    PatientFactory(center=center, mrn="KPC-0042")

    response = client_of(admin_user).post("/api/patients", registration(center), format="json")

    assert response.status_code == 400
    assert "medical record number" in str(response.json()["extra"]["fields"]).lower()
    assert Patient.objects.filter(mrn="KPC-0042").count() == 1
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sex": "X"}, "sex"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not an email"}, "email"),
        ({"first_name": ""}, "first_name"),
        (
            {"consents": {"given": ["telepathy"], "document_version": "1", "signed_by": "x"}},
            "consents",
        ),
        (
            {"consents": {"given": ["treatment"], "document_version": "", "signed_by": "x"}},
            "consents",
        ),
    ],
)
def test_bad_fields_are_named_and_nothing_is_kept(admin_user, center, overrides, field):
    response = client_of(admin_user).post(
        "/api/patients", registration(center, **overrides), format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["message"]
    assert field in body["extra"]["fields"]
    assert not Patient.objects.filter(mrn="KPC-0042").exists()


def test_another_centers_admin_cannot_register_at_this_center(outsider, center):
    response = client_of(outsider).post("/api/patients", registration(center), format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"center": ["Not one of your centers."]}
    assert not Patient.objects.filter(mrn="KPC-0042").exists()


@pytest.mark.parametrize("who", ["practitioner_user", "patient_user"])
def test_only_staff_register_patients_and_are_told_before_the_body_is_read(request, center, who):
    user = request.getfixturevalue(who)

    response = client_of(user).post("/api/patients", {"nonsense": 1}, format="json")

    assert response.status_code == 403
    assert "center admin or medical director" in response.json()["message"]


# --- care plans ------------------------------------------------------------------------


@pytest.fixture
def protocol(center):
    version = ProtocolVersionFactory(
        template__name="7-day Virechana",
        effective_from=datetime.date(2020, 1, 1),
        status="active",
    )
    ProtocolStepFactory(version=version, order=1, code="d1-abhyanga")
    return version.template


def test_an_admin_prescribes_a_plan_from_a_template_and_start_date(admin_user, patient, protocol):
    start = timezone.localdate() + datetime.timedelta(days=10)

    response = client_of(admin_user).post(
        "/api/care-plans",
        {"patient": patient.pk, "protocol": protocol.pk, "start_date": start.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.json()
    plan = CarePlan.objects.get(pk=response.json()["id"])
    assert plan.patient == patient
    assert plan.protocol_version.template == protocol
    assert plan.status == CarePlan.Status.DRAFT
    assert plan.created_by == admin_user
    assert response.json()["version"] == plan.protocol_version.version


def test_the_version_in_force_on_the_start_date_is_taken(admin_user, patient, protocol):
    switch = timezone.localdate() + datetime.timedelta(days=30)
    first = protocol.versions.get()
    first.effective_to = switch
    first.save()
    second = ProtocolVersionFactory(
        template=protocol, version=first.version + 1, effective_from=switch
    )
    client = client_of(admin_user)

    def prescribe(start):
        body = {"patient": patient.pk, "protocol": protocol.pk, "start_date": start.isoformat()}
        return client.post("/api/care-plans", body, format="json").json()["protocol_version"]

    assert prescribe(switch - datetime.timedelta(days=1)) == first.pk
    assert prescribe(switch) == second.pk


@pytest.mark.parametrize(
    ("days", "words"), [(-1, "cannot be in the past"), (2000, "no later than")]
)
def test_a_start_outside_the_horizons_is_refused_in_words(
    admin_user, patient, protocol, days, words
):
    start = timezone.localdate() + datetime.timedelta(days=days)

    response = client_of(admin_user).post(
        "/api/care-plans",
        {"patient": patient.pk, "protocol": protocol.pk, "start_date": start.isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert words in response.json()["message"]
    assert "start_date" in response.json()["extra"]["fields"]
    assert not CarePlan.objects.exists()


def test_another_centers_patient_or_protocol_is_not_found(
    admin_user, other_center, protocol, center
):
    stranger = PatientFactory(center=other_center)
    london_only = ProtocolTemplateFactory(center=other_center)
    start = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    client = client_of(admin_user)

    foreign_patient = client.post(
        "/api/care-plans",
        {"patient": stranger.pk, "protocol": protocol.pk, "start_date": start},
        format="json",
    )
    foreign_protocol = client.post(
        "/api/care-plans",
        {
            "patient": PatientFactory(center=center).pk,
            "protocol": london_only.pk,
            "start_date": start,
        },
        format="json",
    )

    assert foreign_patient.status_code == 404
    assert foreign_protocol.status_code == 400
    assert foreign_protocol.json()["extra"]["fields"] == {"protocol": ["No such protocol."]}
    assert not CarePlan.objects.exists()


def test_refusals_read_in_hindi(practitioner_user, admin_user, patient, protocol):
    refused = client_of(practitioner_user).post(
        "/api/patients", {}, format="json", HTTP_ACCEPT_LANGUAGE="hi"
    )
    unknown = client_of(admin_user).post(
        "/api/care-plans",
        {"patient": 2**31 - 1, "protocol": protocol.pk, "start_date": "2030-01-07"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="hi",
    )

    assert refused.json()["message"] == ("यह केवल केंद्र के व्यवस्थापक या चिकित्सा निदेशक कर सकते हैं।")
    assert unknown.json()["message"] == "आपके केंद्रों में ऐसा कोई रोगी नहीं है।"
