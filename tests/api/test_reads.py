"""GET /api/centers, rooms, practitioners, protocols and schedule/runs: scoped, filtered, paged."""

import pytest
from rest_framework.test import APIClient

from clinics.choices import Role, RoomType
from tests.api.test_sessions import client_of
from tests.factories import (
    MembershipFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    ProtocolTemplateFactory,
    ProtocolVersionFactory,
    RoomFactory,
    SchedulingRunFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_centers_are_those_the_caller_works_at_or_is_treated_at(
    admin_user, patient_user, center, other_center, outsider
):
    assert [c["slug"] for c in results(client_of(admin_user).get("/api/centers"))] == ["kerala"]
    assert [c["slug"] for c in results(client_of(patient_user).get("/api/centers"))] == ["kerala"]
    assert [c["slug"] for c in results(client_of(outsider).get("/api/centers"))] == ["london"]


def test_lists_need_credentials(db):
    response = APIClient().get("/api/rooms")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["message"]


def test_rooms_of_own_centers_filtered_and_ordered(admin_user, center, other_center):
    RoomFactory(center=center, code="PV1", capacity=1)
    RoomFactory(center=center, code="ST1", room_type=RoomType.STEAM, capacity=2)
    RoomFactory(center=center, code="OLD", is_active=False)
    RoomFactory(center=other_center, code="LDN1")
    client = client_of(admin_user)

    everything = [r["code"] for r in results(client.get("/api/rooms"))]
    steam = [r["code"] for r in results(client.get("/api/rooms", {"room_type": "steam"}))]
    active = [r["code"] for r in results(client.get("/api/rooms", {"is_active": "true"}))]
    biggest = [r["code"] for r in results(client.get("/api/rooms", {"ordering": "-capacity"}))]

    assert everything == ["OLD", "PV1", "ST1"]
    assert steam == ["ST1"]
    assert active == ["PV1", "ST1"]
    assert biggest[0] == "ST1"


def test_a_bad_filter_is_named(admin_user):
    response = client_of(admin_user).get("/api/rooms", {"room_type": "sauna", "center": "x"})

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"room_type", "center"}


def test_lists_come_in_pages(admin_user, center):
    for n in range(5):
        RoomFactory(center=center, code=f"R{n}")

    first = client_of(admin_user).get("/api/rooms", {"page_size": 2})
    beyond = client_of(admin_user).get("/api/rooms", {"page_size": 2, "page": 9})

    assert first.json()["count"] == 5
    assert len(first.json()["results"]) == 2
    assert "page=2" in first.json()["next"]
    assert beyond.status_code == 404
    assert beyond.json()["message"]


def practitioner_at(center, first_name, skills):
    user = UserFactory(first_name=first_name, last_name="Vaidya")
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    return PractitionerProfileFactory(user=user, skills=skills)


def test_practitioners_of_own_centers_with_their_skills_in_fixed_queries(
    admin_user, center, other_center, django_assert_max_num_queries
):
    abhyanga, basti = SkillFactory(code="abhyanga"), SkillFactory(code="basti")
    for n in range(3):
        practitioner_at(center, f"Meera{n}", [abhyanga])
    practitioner_at(center, "Arun", [abhyanga, basti])
    practitioner_at(other_center, "Oliver", [basti])
    client = client_of(admin_user)

    # Same bound for 4 practitioners as for 14: no query per row.
    with django_assert_max_num_queries(9):
        listed = results(client.get("/api/practitioners"))
    for n in range(10):
        practitioner_at(center, f"Kavya{n}", [basti])
    with django_assert_max_num_queries(9):
        assert len(results(client.get("/api/practitioners"))) == 14
    basti_givers = results(client.get("/api/practitioners", {"skill": "basti"}))

    assert listed[0] == {
        "id": listed[0]["id"],
        "name": "Arun Vaidya",
        "gender": "F",
        "skills": ["abhyanga", "basti"],
        "centers": [center.pk],
    }
    assert "Oliver Vaidya" not in {p["name"] for p in basti_givers}
    assert len(basti_givers) == 11


def test_protocols_are_the_shared_ones_and_the_centers_own_with_active_versions(
    admin_user, center, other_center, patient_user
):
    shared = ProtocolVersionFactory(template__name="Virechana", template__center=None)
    ProtocolStepFactory(version=shared, order=1, code="d1")
    ProtocolVersionFactory(template=shared.template, version=99, status="draft")
    ProtocolVersionFactory(template__name="Kerala Basti", template__center=center)
    ProtocolVersionFactory(template__name="London Detox", template__center=other_center)
    ProtocolTemplateFactory(name="Retired", is_active=False)

    listed = results(client_of(admin_user).get("/api/protocols"))

    assert [p["name"] for p in listed] == ["Kerala Basti", "Virechana"]
    virechana = listed[1]
    assert [(v["id"], v["step_count"]) for v in virechana["versions"]] == [(shared.pk, 1)]
    assert results(client_of(patient_user).get("/api/protocols")) == []


def test_runs_are_staff_only_newest_first_filtered_without_their_placements(
    admin_user, practitioner_user, center, other_center
):
    older = SchedulingRunFactory(center=center, status="succeeded", solution={"assignments": []})
    newer = SchedulingRunFactory(center=center, kind="reschedule", status="applied")
    SchedulingRunFactory(center=other_center)
    client = client_of(admin_user)

    listed = results(client.get("/api/schedule/runs"))
    applied = results(client.get("/api/schedule/runs", {"status": "applied"}))

    assert [r["id"] for r in listed] == [newer.pk, older.pk]
    assert "assignments" not in listed[0]
    assert listed[0]["url"].endswith(f"/api/schedule/runs/{newer.pk}")
    assert [r["id"] for r in applied] == [newer.pk]
    assert results(client_of(practitioner_user).get("/api/schedule/runs")) == []
