"""The center board: today's rooms against time, each session's live status, over-run flags."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from clinics.access import STAFF_ROLES, centers_for
from clinics.models import Membership, OpeningHours, Room
from sessions.floor_cache import floor_version
from sessions.models import OverrunFailure, SessionStatus, TherapySession
from sessions.selectors import board_sessions, overrun_clashes

# Shown when a center has no opening hours for the day and nothing booked.
DEFAULT_DAY = (time(8), time(18))


@dataclass(frozen=True)
class BoardBlock:
    """A session drawn on the board: where it starts and how long it lasts, in minutes."""

    session: TherapySession
    offset_minutes: int
    length_minutes: int
    flags: list[str]


@dataclass
class BoardLane:
    """One place of one room: a row of the board."""

    room: Room
    place: int
    blocks: list[BoardBlock] = field(default_factory=list)


@dataclass
class BoardDay:
    """What the board draws of one center's day: its lanes, and the span of time they cover."""

    lanes: list[BoardLane]
    elsewhere: list[BoardBlock]  # sessions without a room, or in a room since closed
    overruns: list[BoardBlock]  # over-running sessions that run into others
    day_start: datetime
    day_minutes: int
    hours: list[tuple[datetime, int]]  # each hour mark and its offset in minutes

    @property
    def day_start_ms(self) -> int:
        # The page places its "now" line from this and the server's clock (board.js).
        return int(self.day_start.timestamp() * 1000)


def board_day(*, center, now: datetime) -> BoardDay:
    zone = ZoneInfo(center.timezone)
    today = now.astimezone(zone).date()
    sessions = board_sessions(center=center, now=now, day=today)
    rooms = list(Room.objects.filter(center=center, is_active=True).order_by("code"))
    lanes = {(room.pk, place): BoardLane(room, place) for room in rooms for place in _places(room)}
    day_start, day_end = _board_hours(center, today, sessions, zone)
    flags = overrun_clashes(sessions)
    elsewhere = []
    for session in sessions:
        end = session.overrun_until or session.ends_at
        block = BoardBlock(
            session=session,
            offset_minutes=int((session.starts_at - day_start).total_seconds() // 60),
            length_minutes=int((end - session.starts_at).total_seconds() // 60),
            flags=flags.get(session.pk, []),
        )
        lane = lanes.get((session.room_id, session.room_place))
        # A session in a room since closed, or with no room (a consultation by phone).
        (lane.blocks if lane else elsewhere).append(block)
    placed = elsewhere + [b for lane in lanes.values() for b in lane.blocks]
    return BoardDay(
        # A hall of twelve places would draw eleven empty rows: show the places in use today.
        lanes=[lane for lane in lanes.values() if lane.place == 1 or lane.blocks],
        elsewhere=elsewhere,
        overruns=[b for b in placed if b.session.overrun_until and b.flags],
        day_start=day_start,
        day_minutes=int((day_end - day_start).total_seconds() // 60),
        hours=[
            (mark, int((mark - day_start).total_seconds() // 60))
            for mark in _hour_marks(day_start, day_end)
        ],
    )


@login_required
@require_safe
def center_board(request: HttpRequest) -> HttpResponse:
    centers = list(centers_for(request.user))
    if not centers:
        raise PermissionDenied
    wanted = request.GET.get("center")
    center = next((c for c in centers if str(c.pk) == wanted), centers[0])
    now = timezone.now()
    context = {
        "centers": centers,
        "center": center,
        "today": now.astimezone(ZoneInfo(center.timezone)).date(),
        "server_now_ms": int(now.timestamp() * 1000),
        # Read only when the board's drawing is not in the cache (sessions/floor_cache.py).
        "board": SimpleLazyObject(lambda: board_day(center=center, now=now)),
        "may_replan": SimpleLazyObject(
            lambda: Membership.objects.filter(
                user=request.user, center=center, role__in=STAFF_ROLES, is_active=True
            ).exists()
        ),
        # Over-runs come with a re-plan form, whose CSRF token must not be kept: when there are
        # some, the board is worked out afresh for that section; the rest stays kept.
        "overrunning": TherapySession.objects.filter(
            center=center,
            status=SessionStatus.IN_SESSION,
            overrun_until__isnull=False,
            starts_at__gte=now - timedelta(days=2),
        ).exists(),
        # Kept out of the cached drawing: the warning lasts exactly while the job is failing.
        # Prefetched rather than joined, so that a board with none reads no sessions here.
        "overrun_failures": OverrunFailure.objects.filter(center=center).prefetch_related(
            Prefetch("session", TherapySession.objects.select_related("therapy", "patient"))
        ),
        "floor_version": floor_version(center.pk),
        "floor_seconds": settings.FLOOR_PAGE_CACHE_SECONDS,
        "statuses": SessionStatus,
        # Named, not imported: the re-plan lives in scheduling, above this app.
        "replan_url": reverse("center_replan_today", args=[center.pk]),
    }
    template = "sessions/board.html#grid" if request.htmx else "sessions/board.html"
    return render(request, template, context)


def _places(room: Room) -> range:
    return range(1, max(room.capacity, 1) + 1)


def _board_hours(center, day, sessions, zone) -> tuple[datetime, datetime]:
    """The span the board draws: the day's opening hours, widened to whatever is booked."""
    hours = OpeningHours.objects.filter(center=center, weekday=day.weekday()).order_by("opens")
    opens, closes = DEFAULT_DAY
    if hours:
        opens, closes = hours[0].opens, max(h.closes for h in hours)
    start = datetime.combine(day, time(opens.hour), tzinfo=zone)
    end = datetime.combine(day, closes, tzinfo=zone)
    for session in sessions:
        start = min(start, session.starts_at.astimezone(zone).replace(minute=0))
        end = max(end, (session.overrun_until or session.ends_at).astimezone(zone))
    if end.minute:
        end = end.replace(minute=0) + timedelta(hours=1)
    return start, end


def _hour_marks(start: datetime, end: datetime) -> list[datetime]:
    marks = []
    mark = start
    while mark < end:
        marks.append(mark)
        mark += timedelta(hours=1)
    return marks
