"""Sessions for the feedback tests: the patient's finished Virechana and a session still to come."""

import pytest

from sessions.models import SessionStatus
from tests.factories import TherapySessionFactory, TherapyTypeFactory, local_today_at


@pytest.fixture
def virechana(db):
    return TherapyTypeFactory(code="virechana", name="Virechana", name_hi="विरेचन")


@pytest.fixture
def finished_session(center, patient, practitioner, virechana):
    return TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=virechana,
        starts_at=local_today_at(center, 9, days=-1),
        status=SessionStatus.COMPLETED,
    )


@pytest.fixture
def coming_session(center, patient, practitioner, virechana):
    return TherapySessionFactory(
        center=center,
        patient=patient,
        practitioner=practitioner,
        therapy=virechana,
        starts_at=local_today_at(center, 9, days=2),
    )
