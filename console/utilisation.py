"""Reads of the utilisation dashboard: how much of the rooms' and therapists' time was booked,
by weekday and hour of the center's day, and per room and per therapist.

Booked time comes from SQL aggregates: sessions grouped by weekday, start time and length
(a few hundred groups at most, whatever the number of sessions), then spread over the hours
they cover, and sessions grouped by room and therapist. Available time comes from the
center's opening hours (rooms, per place) and roster shifts (therapists) on the days it was
open.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from clinics.choices import Role, Weekday
from clinics.models import Center, OpeningHours, PractitionerProfile, Room, RosterShift
from scheduling.problems import closed_dates
from sessions.models import SessionStatus, TherapySession
from sessions.selectors import local_day_bounds

# A cancelled session freed its room and therapist; a no-show still held them.
NOT_HELD = (SessionStatus.CANCELLED,)


def _length():
    """A session's booked length."""
    return ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


HOURS = range(24)


@dataclass
class ResourceUse:
    label: str
    booked_minutes: int
    available_minutes: int

    @property
    def percent(self) -> float | None:
        if not self.available_minutes:
            return None
        return round(100 * self.booked_minutes / self.available_minutes, 1)

    @property
    def booked_hours(self) -> float:
        return round(self.booked_minutes / 60, 1)

    @property
    def available_hours(self) -> float:
        return round(self.available_minutes / 60, 1)


@dataclass
class Heatmap:
    """Percent booked per weekday (rows, Monday first) and hour (columns, `hours`)."""

    hours: list[int]
    percent: list[list[float | None]]


@dataclass
class Utilisation:
    rooms: list[ResourceUse]
    therapists: list[ResourceUse]
    room_heatmap: Heatmap
    therapist_heatmap: Heatmap
    open_days: int


def _minutes_by_hour(start: int, length: int) -> dict[int, int]:
    """A span from minute `start` of a day, `length` minutes long, cut at the hours (clipped at
    midnight: nobody is treated across it)."""
    spread = defaultdict(int)
    minute, end = start, min(start + length, 24 * 60)
    while minute < end:
        hour_end = min((minute // 60 + 1) * 60, end)
        spread[minute // 60] += hour_end - minute
        minute = hour_end
    return spread


def _window_minutes(windows, weekday: int) -> dict[int, int]:
    """Minutes per hour of a weekday covered by (weekday, starts, ends) windows."""
    spread = defaultdict(int)
    for day, starts, ends in windows:
        if day == weekday:
            start = starts.hour * 60 + starts.minute
            for hour, minutes in _minutes_by_hour(
                start, ends.hour * 60 + ends.minute - start
            ).items():
                spread[hour] += minutes
    return spread


def _open_dates(center: Center, first_day: date, last_day: date) -> list[date]:
    days = (last_day - first_day).days + 1
    closed = set(closed_dates(center, first_day, days))
    every = (first_day + timedelta(days=n) for n in range(days))
    return [day for day in every if day.isoformat() not in closed]


# Sessions held over the days, grouped by local weekday, start and length (a few hundred
# groups at most). Grouped first by their start instant and length, since a busy center's
# rooms start together, so that each start is put into the center's zone once; date_part
# rather than EXTRACT, which computes in numeric.
_BOOKED_GROUPS_SQL = """
SELECT date_part('isodow', local_start)::int, date_part('hour', local_start)::int,
       date_part('minute', local_start)::int, length,
       sum(in_rooms)::bigint, sum(with_therapists)::bigint
FROM (
    SELECT starts_at AT TIME ZONE %(zone)s AS local_start, ends_at - starts_at AS length,
           count(*) FILTER (WHERE room_id IS NOT NULL) AS in_rooms,
           count(*) FILTER (WHERE practitioner_id IS NOT NULL) AS with_therapists
    FROM {sessions}
    WHERE center_id = %(center)s AND starts_at >= %(starts)s AND starts_at < %(ends)s
          AND NOT (status = ANY(%(not_held)s))
    GROUP BY starts_at, ends_at
) AS by_start
GROUP BY 1, 2, 3, 4
"""


def _booked_groups(center: Center, first_day: date, last_day: date):
    """(ISO weekday, hour, minute, length, sessions in rooms, sessions with therapists) of the
    sessions held over the days: one query."""
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    if connection.vendor != "postgresql":
        return _booked_groups_portable(center, starts, ends)
    sql = _BOOKED_GROUPS_SQL.format(
        sessions=connection.ops.quote_name(TherapySession._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "zone": center.timezone,
                "center": center.pk,
                "starts": starts,
                "ends": ends,
                "not_held": list(NOT_HELD),
            },
        )
        return cursor.fetchall()


def _booked_groups_portable(center: Center, starts, ends):
    """The same groups where the database has no time zones (SQLite, the embedded demo): sessions
    grouped by start instant and end in SQL, each start put into the center's zone here. Still
    one query; a demo's few hundred starts cost nothing."""
    zone = ZoneInfo(center.timezone)
    groups = defaultdict(lambda: [0, 0])
    by_start = (
        TherapySession.objects.filter(center=center, starts_at__gte=starts, starts_at__lt=ends)
        .exclude(status__in=NOT_HELD)
        .values_list("starts_at", "ends_at")
        .annotate(
            in_rooms=Count("pk", filter=Q(room__isnull=False)),
            with_therapists=Count("pk", filter=Q(practitioner__isnull=False)),
        )
        .order_by()
    )
    for starts_at, ends_at, in_rooms, with_therapists in by_start:
        local = starts_at.astimezone(zone)
        key = (local.isoweekday(), local.hour, local.minute, ends_at - starts_at)
        groups[key][0] += in_rooms
        groups[key][1] += with_therapists
    return [(*key, rooms, therapists) for key, (rooms, therapists) in groups.items()]


def _booked_by_resource(center: Center, first_day: date, last_day: date):
    """Time held per room and per therapist over the days, from sessions grouped by both (a
    few hundred groups at most): one query."""
    starts, _ = local_day_bounds(first_day, center.timezone)
    _, ends = local_day_bounds(last_day, center.timezone)
    by_room, by_therapist = defaultdict(timedelta), defaultdict(timedelta)
    groups = (
        TherapySession.objects.filter(center=center, starts_at__gte=starts, starts_at__lt=ends)
        .exclude(status__in=NOT_HELD)
        .values("room_id", "practitioner_id")
        .annotate(booked=Sum(_length()))
        .order_by()
    )
    for group in groups:
        by_room[group["room_id"]] += group["booked"]
        by_therapist[group["practitioner_id"]] += group["booked"]
    return by_room, by_therapist


def _heatmap(booked, available, hours: list[int]) -> Heatmap:
    return Heatmap(
        hours=hours,
        percent=[
            [
                round(100 * booked[weekday][hour] / available[weekday][hour], 1)
                if available[weekday][hour]
                else None
                for hour in hours
            ]
            for weekday in Weekday.values
        ],
    )


def utilisation(*, center: Center, first_day: date, last_day: date) -> Utilisation:
    """Rooms' places and therapists' rostered time booked over [first_day, last_day]."""
    open_dates = _open_dates(center, first_day, last_day)
    open_weekdays = defaultdict(int)
    for day in open_dates:
        open_weekdays[day.weekday()] += 1
    opening = list(
        OpeningHours.objects.filter(center=center).values_list("weekday", "opens", "closes")
    )
    rooms = list(Room.objects.filter(center=center, is_active=True).order_by("code"))
    shifts = list(
        RosterShift.objects.filter(center=center).values_list(
            "practitioner_id", "weekday", "starts", "ends", "valid_from", "valid_until"
        )
    )
    therapists = list(
        PractitionerProfile.objects.filter(
            user__memberships__center=center,
            user__memberships__role=Role.PRACTITIONER,
            user__memberships__is_active=True,
        ).select_related("user")
    )
    room_held, therapist_held = _booked_by_resource(center, first_day, last_day)

    # Available minutes per weekday and hour: each open day's opening hours, once per place.
    places = sum(room.capacity for room in rooms)
    open_minutes = {w: _window_minutes(opening, w) for w in Weekday.values}
    room_available = {
        w: {h: open_weekdays[w] * places * open_minutes[w][h] for h in HOURS}
        for w in Weekday.values
    }
    # A shift counts on the open days of its weekday within its validity.
    therapist_available = {w: defaultdict(int) for w in Weekday.values}
    rostered = defaultdict(int)
    for practitioner_id, weekday, starts, ends, valid_from, valid_until in shifts:
        days = sum(
            1
            for day in open_dates
            if day.weekday() == weekday
            and (valid_from is None or day >= valid_from)
            and (valid_until is None or day <= valid_until)
        )
        for hour, minutes in _window_minutes([(weekday, starts, ends)], weekday).items():
            therapist_available[weekday][hour] += days * minutes
            rostered[practitioner_id] += days * minutes

    room_booked = {w: defaultdict(int) for w in Weekday.values}
    therapist_booked = {w: defaultdict(int) for w in Weekday.values}
    for iso_weekday, hour, minute, length, in_rooms, with_therapists in _booked_groups(
        center, first_day, last_day
    ):
        weekday = iso_weekday - 1  # ISO Monday is 1; ours is 0
        for spread_hour, minutes in _minutes_by_hour(
            hour * 60 + minute, int(length.total_seconds() // 60)
        ).items():
            room_booked[weekday][spread_hour] += minutes * in_rooms
            therapist_booked[weekday][spread_hour] += minutes * with_therapists

    # Columns: the hours anyone was open, rostered or booked, so that nothing booked is hidden.
    used = {
        h
        for table in (room_available, therapist_available, room_booked, therapist_booked)
        for w in Weekday.values
        for h, value in table[w].items()
        if value
    }
    hours = list(range(min(used), max(used) + 1)) if used else list(range(8, 18))
    room_minutes_open = sum(
        sum(open_minutes[w].values()) * open_weekdays[w] for w in Weekday.values
    )
    return Utilisation(
        rooms=[
            ResourceUse(
                f"{room.code} · {room.name}",
                int(room_held[room.pk].total_seconds() // 60),
                room.capacity * room_minutes_open,
            )
            for room in rooms
        ],
        therapists=sorted(
            (
                ResourceUse(
                    str(therapist),
                    int(therapist_held[therapist.pk].total_seconds() // 60),
                    rostered[therapist.pk],
                )
                for therapist in therapists
            ),
            key=lambda row: row.label.lower(),
        ),
        room_heatmap=_heatmap(room_booked, room_available, hours),
        therapist_heatmap=_heatmap(therapist_booked, therapist_available, hours),
        open_days=len(open_dates),
    )
