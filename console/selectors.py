"""Reads of the console's resource calendar: a center's rooms and practitioners over some days."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinics.choices import Role
from clinics.models import Center, Closure, Leave, OpeningHours, PractitionerProfile, Room
from scheduling.problems import closed_dates
from sessions.models import TherapySession
from sessions.selectors import local_day_bounds, overrun_clashes, sessions_for_center_between

# The day view's grid: one column per quarter hour (the CSP allows no inline styles, so each
# block takes a class per start column and per span, written out in static/css/console.css).
SLOT = timedelta(minutes=15)
SLOTS_PER_HOUR = 4
# Hours shown when the center has neither opening hours nor sessions that day.
DEFAULT_HOURS = (8, 18)


@dataclass
class CalendarDay:
    date: date
    is_today: bool
    closed: str = ""  # why the center is closed that day (a closure's reason, a holiday)


@dataclass
class Shade:
    """Time a lane is not available on one day: a practitioner's leave."""

    label: str
    column: int = 1
    span: int = 1


@dataclass
class LaneDay:
    day: CalendarDay
    sessions: list[TherapySession] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)


@dataclass
class Lane:
    """One row of the calendar: a room or a practitioner, with its sessions day by day."""

    key: str
    label: str
    detail: str
    days: list[LaneDay]


@dataclass
class ResourceCalendar:
    days: list[CalendarDay]
    rooms: list[Lane]
    practitioners: list[Lane]
    sessions: list[TherapySession]
    first_hour: int
    hours: int
    clashes: dict[int, list[str]]

    @property
    def hour_marks(self) -> list[tuple[int, time]]:
        """Each hour of the day view's axis with the column it starts at."""
        return [
            (1 + index * SLOTS_PER_HOUR, time(self.first_hour + index))
            for index in range(self.hours)
        ]


def _columns(start: datetime, end: datetime, axis_start: datetime, slots: int) -> tuple[int, int]:
    """The first quarter-hour column (from 1) and how many a span of time covers, clipped."""
    first = math.floor((start - axis_start) / SLOT)
    last = math.ceil((end - axis_start) / SLOT)
    first, last = max(first, 0), min(last, slots)
    return first + 1, max(last - first, 1)


def _axis_hours(
    opening: list[OpeningHours], sessions: list[TherapySession], days: list[date], center: Center
) -> tuple[int, int]:
    """The local hours the day view spans: opening hours, widened to fit every session."""
    weekdays = {day.weekday() for day in days}
    starts = [row.opens.hour for row in opening if row.weekday in weekdays]
    ends = [
        row.closes.hour + (1 if row.closes.minute else 0)
        for row in opening
        if row.weekday in weekdays
    ]
    zone = center.tzinfo
    for session in sessions:
        local_start = session.starts_at.astimezone(zone)
        local_end = (session.overrun_until or session.ends_at).astimezone(zone)
        starts.append(local_start.hour)
        ends.append(24 if local_end.date() > local_start.date() else local_end.hour + 1)
    if not starts:
        return DEFAULT_HOURS
    return min(starts), min(max(ends), 24)


def _closed_days(center: Center, first_day: date, days: int) -> dict[date, str]:
    """Why each closed day is closed; which days are closed is the scheduler's own rule."""
    closed = {date.fromisoformat(day) for day in closed_dates(center, first_day, days)}
    reasons = dict(
        Closure.objects.filter(center=center, date__in=closed).values_list("date", "reason")
    )
    return {day: reasons.get(day) or _("Public holiday") for day in closed}


def _room_lanes(rooms, sessions_by_room, days: list[CalendarDay]) -> list[Lane]:
    lanes = []
    for room in sorted(rooms, key=lambda r: r.code):
        detail = room.name
        if room.capacity > 1:
            places = ngettext("%(places)s place", "%(places)s places", room.capacity)
            detail += " · " + places % {"places": room.capacity}
        by_day = sessions_by_room[room.pk]
        lanes.append(
            Lane(f"room-{room.pk}", room.code, detail, [LaneDay(d, by_day[d.date]) for d in days])
        )
    return lanes


def _practitioner_lanes(
    practitioners, sessions_by_practitioner, shades, days: list[CalendarDay]
) -> list[Lane]:
    lanes = []
    for practitioner in sorted(practitioners, key=lambda p: str(p).lower()):
        by_day = sessions_by_practitioner[practitioner.pk]
        away = shades[practitioner.pk]
        lanes.append(
            Lane(
                f"practitioner-{practitioner.pk}",
                str(practitioner),
                "",
                [LaneDay(d, by_day[d.date], away[d.date]) for d in days],
            )
        )
    return lanes


def _leave_shades(leave: list[Leave], dates: list[date], center: Center, first_hour: int, slots):
    """Each practitioner's leave cut into the days shown, placed on the day view's columns."""
    shades = defaultdict(lambda: defaultdict(list))
    for away in leave:
        for day in dates:
            day_start, day_end = local_day_bounds(day, center.timezone)
            if away.starts_at >= day_end or away.ends_at <= day_start:
                continue
            axis_start = datetime.combine(day, time(first_hour), tzinfo=center.tzinfo)
            column, span = _columns(
                max(away.starts_at, day_start), min(away.ends_at, day_end), axis_start, slots
            )
            shades[away.practitioner_id][day].append(Shade(away.get_kind_display(), column, span))
    return shades


def resource_calendar(
    *, center: Center, first_day: date, days: int, today: date
) -> ResourceCalendar:
    """A center's rooms and practitioners over `days` local days from `first_day`.

    A fixed number of queries whatever the days hold: the sessions with their related rows,
    the rooms, the practitioners, their leave, the opening hours and the closed days.
    """
    dates = [first_day + timedelta(days=offset) for offset in range(days)]
    starts, _day_end = local_day_bounds(dates[0], center.timezone)
    _start, ends = local_day_bounds(dates[-1], center.timezone)
    sessions = list(sessions_for_center_between(center=center, starts=starts, ends=ends))
    closed = _closed_days(center, first_day, days)
    calendar_days = [CalendarDay(day, day == today, closed.get(day, "")) for day in dates]

    rooms = {room.pk: room for room in Room.objects.filter(center=center, is_active=True)}
    # A room retired since, or a practitioner who has left, keeps the sessions they held.
    rooms.update({s.room_id: s.room for s in sessions if s.room_id and s.room_id not in rooms})
    practitioners = {
        p.pk: p
        for p in PractitionerProfile.objects.filter(
            user__memberships__center=center,
            user__memberships__role=Role.PRACTITIONER,
            user__memberships__is_active=True,
        ).select_related("user")
    }
    practitioners.update({s.practitioner_id: s.practitioner for s in sessions if s.practitioner_id})
    leave = list(
        Leave.objects.filter(
            practitioner_id__in=list(practitioners), starts_at__lt=ends, ends_at__gt=starts
        ).order_by("starts_at")
    )
    first_hour, last_hour = _axis_hours(
        list(OpeningHours.objects.filter(center=center)), sessions, dates, center
    )
    hours = max(last_hour - first_hour, 1)
    slots = hours * SLOTS_PER_HOUR

    by_room = defaultdict(lambda: defaultdict(list))
    by_practitioner = defaultdict(lambda: defaultdict(list))
    for session in sessions:
        day = session.starts_at.astimezone(center.tzinfo).date()
        axis_start = datetime.combine(day, time(first_hour), tzinfo=center.tzinfo)
        session.column, session.span = _columns(
            session.starts_at, session.overrun_until or session.ends_at, axis_start, slots
        )
        if session.room_id:
            by_room[session.room_id][day].append(session)
        if session.practitioner_id:
            by_practitioner[session.practitioner_id][day].append(session)

    shades = _leave_shades(leave, dates, center, first_hour, slots)
    return ResourceCalendar(
        days=calendar_days,
        rooms=_room_lanes(rooms.values(), by_room, calendar_days),
        practitioners=_practitioner_lanes(
            practitioners.values(), by_practitioner, shades, calendar_days
        ),
        sessions=sessions,
        first_hour=first_hour,
        hours=hours,
        clashes=overrun_clashes(sessions),
    )


def calendar_session(*, pk: int, centers) -> TherapySession:
    """One session of the given centers, with what its detail panel shows, or DoesNotExist."""
    return (
        TherapySession.objects.filter(pk=pk, center__in=centers)
        .select_related(
            "center",
            "patient",
            "therapy",
            "room",
            "practitioner__user",
            "care_plan__protocol_version__template",
            "protocol_step",
        )
        .get()
    )
