"""Helpers for the tests of the practitioner's pages."""

import datetime
from decimal import Decimal

from django.utils import timezone

from protocols.models import SOPChecklistItem
from tests.factories import (
    SOPChecklistItemFactory,
    SOPChecklistTemplateFactory,
    TherapyTypeFactory,
)


def today_at(center, hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    """An aware instant on the center's own calendar day (today + `days`)."""
    day = timezone.now().astimezone(center.tzinfo).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=center.tzinfo)


def abhyanga_with_checklist(*, massage_seconds: int):
    """Abhyanga with its planned dose and a three-step SOP: a safety check, a step, a timer."""
    kind = SOPChecklistItem.Kind
    abhyanga = TherapyTypeFactory(
        code="abhyanga", name="Abhyanga", planned_dose=Decimal("200"), dose_unit="ml"
    )
    sop = SOPChecklistTemplateFactory(therapy=abhyanga, version=1, title="Abhyanga SOP")
    for order, (text, item_kind, seconds) in enumerate(
        [
            ("Check blood pressure and ask about fever", kind.SAFETY_CHECK, None),
            ("Warm the oil to body temperature", kind.STEP, None),
            ("Massage with synchronized strokes", kind.TIMER, massage_seconds),
        ],
        start=1,
    ):
        SOPChecklistItemFactory(
            template=sop, order=order, text=text, kind=item_kind, timer_seconds=seconds
        )
    return abhyanga
