"""Fixtures of the practitioner's pages (My day, the runner, offline writes): a session to run.

Abhyanga as the demo gives it: a safety check, a step, a timed massage and an optional timed
rest, 200 ml of oil planned, in a Kerala center whose stock of that oil is near reorder.
"""

from decimal import Decimal

import pytest

from clinics.choices import Role
from protocols.models import SOPChecklistItem
from tests.factories import (
    ConsumableFactory,
    MembershipFactory,
    PractitionerProfileFactory,
    SOPChecklistItemFactory,
    SOPChecklistTemplateFactory,
    TherapySessionFactory,
    TherapyTypeFactory,
    UserFactory,
)
from tests.sessions.floor import today_at

Kind = SOPChecklistItem.Kind


@pytest.fixture
def abhyanga(db):
    return TherapyTypeFactory(
        code="abhyanga",
        name="Abhyanga",
        duration_minutes=60,
        planned_dose=Decimal("200"),
        dose_unit="ml",
    )


@pytest.fixture
def abhyanga_sop(abhyanga):
    template = SOPChecklistTemplateFactory(therapy=abhyanga, version=1, title="Abhyanga SOP")
    items = [
        ("Check blood pressure and ask about fever", Kind.SAFETY_CHECK, None, True),
        ("Warm the oil to body temperature", Kind.STEP, None, True),
        ("Massage with synchronized strokes", Kind.TIMER, 2700, True),
        ("Rest the patient before Swedana", Kind.TIMER, 600, False),
    ]
    return [
        SOPChecklistItemFactory(
            template=template, order=order, text=text, kind=kind, timer_seconds=timer, required=req
        )
        for order, (text, kind, timer, req) in enumerate(items, start=1)
    ]


@pytest.fixture
def todays_session(center, practitioner, abhyanga, abhyanga_sop):
    """The practitioner's session today at 10:00 in the center's time zone."""
    return TherapySessionFactory(
        center=center,
        practitioner=practitioner,
        therapy=abhyanga,
        starts_at=today_at(center, 10),
    )


@pytest.fixture
def ksheerabala(center):
    return ConsumableFactory(
        center=center,
        name="Ksheerabala taila",
        stock_quantity=Decimal("1200"),
        reorder_level=Decimal("1000"),
    )


@pytest.fixture
def colleague_user(center):
    """Another practitioner of the same center: may see the center, not run others' sessions."""
    user = UserFactory(email="colleague@kerala.example.org", first_name="Lakshmi", last_name="P")
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    PractitionerProfileFactory(user=user)
    return user


@pytest.fixture
def director_user(center):
    user = UserFactory(email="director@kerala.example.org", first_name="Rajesh", last_name="M")
    MembershipFactory(user=user, center=center, role=Role.MEDICAL_DIRECTOR)
    return user
