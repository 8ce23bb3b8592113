"""A center's own protocol to edit, and the therapies it can and cannot give, for the protocol
editor's tests (pages and browser)."""

import datetime

import pytest

from clinics.choices import Role, RoomType
from tests.factories import (
    MembershipFactory,
    PractitionerProfileFactory,
    ProtocolStepFactory,
    ProtocolTemplateFactory,
    ProtocolVersionFactory,
    RoomFactory,
    SkillFactory,
    SOPChecklistItemFactory,
    SOPChecklistTemplateFactory,
    TherapyTypeFactory,
    UserFactory,
)


@pytest.fixture
def offered(center):
    """Abhyanga and Swedana, given at `center` (rooms and a practitioner with the skills);
    Basti, which needs a private room the center does not have."""
    abhyanga_skill = SkillFactory(code="abhyanga", name="Abhyanga")
    swedana_skill = SkillFactory(code="swedana", name="Swedana")
    basti_skill = SkillFactory(code="basti", name="Basti")
    abhyanga = TherapyTypeFactory(code="abhyanga", name="Abhyanga", required_skill=abhyanga_skill)
    swedana = TherapyTypeFactory(
        code="swedana",
        name="Swedana",
        required_skill=swedana_skill,
        allowed_room_types=[RoomType.STEAM.value],
    )
    basti = TherapyTypeFactory(
        code="basti",
        name="Basti",
        required_skill=basti_skill,
        allowed_room_types=[RoomType.PRIVATE.value],
    )
    RoomFactory(center=center, code="R1")
    RoomFactory(center=center, code="ST1", room_type=RoomType.STEAM)
    user = UserFactory(first_name="Kavya", last_name="Therapist")
    MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
    PractitionerProfileFactory(
        user=user, gender="F", skills=[abhyanga_skill, swedana_skill, basti_skill]
    )
    checklist = SOPChecklistTemplateFactory(therapy=abhyanga, title="Abhyanga SOP")
    SOPChecklistItemFactory(template=checklist, order=1, text="Warm the oil to body heat")
    return {"abhyanga": abhyanga, "swedana": swedana, "basti": basti}


@pytest.fixture
def protocol(center, offered):
    """Version 1 of the center's own 5-day course, in force since 1 January: Abhyanga on
    days 0 and 1, each followed by Swedana within 30 minutes with the same practitioner."""
    template = ProtocolTemplateFactory(name="5-day Abhyanga course", duration_days=5, center=center)
    v1 = ProtocolVersionFactory(
        template=template, version=1, effective_from=datetime.date(2026, 1, 1)
    )
    order = 0
    for day in (0, 1):
        first = ProtocolStepFactory(
            version=v1,
            order=(order := order + 1),
            code=f"d{day}-abhyanga",
            therapy=offered["abhyanga"],
            day_offset=day,
        )
        ProtocolStepFactory(
            version=v1,
            order=(order := order + 1),
            code=f"d{day}-swedana",
            therapy=offered["swedana"],
            day_offset=day,
            after_step=first,
            max_gap_minutes=30,
            same_practitioner_as=first,
        )
    return template
