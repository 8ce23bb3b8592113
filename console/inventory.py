"""Reads of the console's inventory: stock, use from session logs, reorders and use per protocol.

Every figure is an SQL aggregate, so the page costs the same queries for ten sessions or ten
thousand.
"""

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from clinics.models import Center, Consumable
from sessions.models import MaterialUsage, StockAlert
from sessions.selectors import local_day_bounds

# The reorder report asks for enough to last this many days at the period's rate of use, on
# top of the reorder level (the buffer the center chose for the time a delivery takes).
COVER_DAYS = 30
ZERO = Decimal(0)


@dataclass
class StockRow:
    consumable_id: int
    name: str
    unit: str
    in_stock: Decimal
    reorder_level: Decimal
    used: Decimal  # in the period
    sessions: int  # sessions that used it in the period
    days: int  # days in the period
    alert_raised_at: object = None  # the open low-stock alert's time, when one is open
    alert_id: int | None = None

    @property
    def is_low(self) -> bool:
        return self.in_stock <= self.reorder_level

    @property
    def daily_use(self) -> Decimal:
        return self.used / self.days if self.days else ZERO

    @property
    def days_of_cover(self) -> int | None:
        """Whole days the stock lasts at the period's rate; None when nothing was used."""
        if not self.used:
            return None
        # in_stock / (used / days), multiplied out so that no rounded quotient is floored.
        return math.floor(self.in_stock * self.days / self.used)

    @property
    def to_order(self) -> Decimal:
        """What brings the stock back to its reorder level plus COVER_DAYS of use, in whole
        units; nothing for stock above its reorder level."""
        if not self.is_low:
            return ZERO
        cover = self.used * COVER_DAYS / self.days if self.days else ZERO
        wanted = self.reorder_level + cover - self.in_stock
        return max(wanted, ZERO).quantize(Decimal(1), rounding=ROUND_CEILING)


@dataclass
class ProtocolUseRow:
    protocol: str  # "" for sessions outside any care plan
    consumable: str
    unit: str
    used: Decimal
    sessions: int

    @property
    def per_session(self) -> Decimal:
        return (self.used / self.sessions).quantize(Decimal("0.01")) if self.sessions else ZERO


def _period(center: Center, first_day: date, last_day: date):
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    return starts, ends


def stock_by_consumable(*, center: Center, first_day: date, last_day: date) -> list[StockRow]:
    """Each of the center's consumables with what sessions used of it over the days (recorded
    in the center's zone), and its open alert, in one query."""
    starts, ends = _period(center, first_day, last_day)
    in_period = Q(usages__recorded_at__gte=starts, usages__recorded_at__lt=ends)
    open_alert = StockAlert.objects.filter(
        consumable=OuterRef("pk"), closed_at__isnull=True
    ).order_by("-raised_at")
    rows = (
        Consumable.objects.filter(center=center)
        .annotate(
            used=Coalesce(
                Sum("usages__quantity", filter=in_period),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            ),
            session_count=Count("usages__session", filter=in_period, distinct=True),
            alert_raised_at=Subquery(open_alert.values("raised_at")[:1]),
            alert_id=Subquery(open_alert.values("pk")[:1]),
        )
        .order_by("name", "pk")
    )
    days = (last_day - first_day).days + 1
    return [
        StockRow(
            consumable_id=row.pk,
            name=row.name,
            unit=row.get_unit_display(),
            in_stock=row.stock_quantity,
            reorder_level=row.reorder_level,
            used=row.used,
            sessions=row.session_count,
            days=days,
            alert_raised_at=row.alert_raised_at,
            alert_id=row.alert_id,
        )
        for row in rows
    ]


def use_by_protocol(*, center: Center, first_day: date, last_day: date) -> list[ProtocolUseRow]:
    """Material used over the days per protocol (the care plan's template) and consumable, in
    one grouped query; sessions booked outside a care plan make a group of their own."""
    starts, ends = _period(center, first_day, last_day)
    rows = (
        MaterialUsage.objects.filter(
            consumable__center=center, recorded_at__gte=starts, recorded_at__lt=ends
        )
        .values(
            "session__care_plan__protocol_version__template__name",
            "consumable__name",
            "consumable__unit",
        )
        .annotate(used=Sum("quantity"), sessions=Count("session", distinct=True))
        .order_by(
            "session__care_plan__protocol_version__template__name",
            "consumable__name",
            "consumable__unit",
        )
    )
    units = dict(Consumable.Unit.choices)
    return [
        ProtocolUseRow(
            protocol=row["session__care_plan__protocol_version__template__name"] or "",
            consumable=row["consumable__name"],
            unit=str(units.get(row["consumable__unit"], row["consumable__unit"])),
            used=row["used"],
            sessions=row["sessions"],
        )
        for row in rows
    ]
