"""A room whose name already says its code ("Room R1") is named once on the session cards
that patients (Home) and practitioners (My day) read, as on the timeline."""

import re

import pytest
from django.urls import reverse

from tests.factories import RoomFactory, TherapySessionFactory, local_today_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def room_r1_session(center, patient, practitioner):
    return TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        room=RoomFactory(center=center, code="R1", name="Room R1"),
        starts_at=local_today_at(center, 11, days=1),
    )


def test_home_names_the_room_once(client, patient_user, room_r1_session):
    client.force_login(patient_user)
    page = client.get(reverse("portal_home")).content.decode()
    wheres = re.findall(r'<span class="where">(.*?)</span>', page, re.S)
    assert wheres and all(where.startswith("Room R1") for where in wheres)
    assert "Room R1 · Room R1" not in page


def test_my_day_names_the_room_once(client, practitioner_user, center, room_r1_session):
    room_r1_session.starts_at = local_today_at(center, 12)
    room_r1_session.save(update_fields=["starts_at"])
    client.force_login(practitioner_user)
    page = client.get(reverse("my_day")).content.decode()
    assert re.findall(r'<span class="floor-room">(.*?)</span>', page, re.S) == ["Room R1"]
    assert "Room R1 · Room R1" not in page
