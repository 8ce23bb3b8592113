"""Local wall time <-> elapsed minutes since the horizon's first local midnight, DST-aware."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_hm(text: str) -> int:
    """'HH:MM' -> minutes of the day ('24:00' -> 1440)."""
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


def fmt_hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def in_windows(windows: list[tuple[int, int]], loc_start: int, loc_end: int) -> bool:
    """True when [loc_start, loc_end) (wall minutes of one date) lies inside one window."""
    return any(a <= loc_start and loc_end <= b for a, b in windows)


def overlaps(intervals: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) meets one of the half-open `intervals` (elapsed minutes)."""
    return any(start < b and a < end for a, b in intervals)


def clip(intervals: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of `intervals` inside [lo, hi), in their order; those outside are dropped."""
    return [(max(a, lo), min(b, hi)) for a, b in intervals if a < hi and lo < b]


class TimeGrid:
    """The horizon's dates and slot grid as integers.

    An instant is an int: elapsed (real) minutes since local midnight of the horizon's first
    date. Dates are indices 0..days-1. A *slot* `t` indexes the grid of possible session
    starts: every local minute-of-day multiple of `slot_min` on every date (both readings of
    an ambiguous wall time, none of a skipped one), sorted by instant. Per slot,
    `slot_start` is its instant, `slot_wall` its wall minute of the day and `slot_date` its
    date; the slots of date d are first_slot[d] .. first_slot[d + 1] - 1.
    """

    def __init__(self, tz_name: str, start: str, days: int, slot_min: int):
        self.tz = ZoneInfo(tz_name)
        self.date0 = date.fromisoformat(start)
        self.days = days
        self.slot_min = slot_min
        self.utc_origin = datetime.combine(self.date0, time(0), tzinfo=self.tz).astimezone(UTC)
        # Elapsed minute of each local midnight, for dates 0..days (the last is the end).
        self.day_start = [self.abs_of_local(d, 0) for d in range(days + 1)]
        self.dates = [self.date0 + timedelta(days=d) for d in range(days + 1)]
        # A date is "uniform" when it is 1440 minutes long with one UTC offset throughout,
        # so wall minute = elapsed minute - day_start (the fast path; DST dates go slow).
        self.uniform = []
        for d in range(days):
            ds, de = self.day_start[d], self.day_start[d + 1]
            ok = de - ds == 1440 and self._offset(ds) == self._offset(de - 1)
            self.uniform.append(ok)
        self.slot_start: list[int] = []
        self.slot_date: list[int] = []
        self.slot_wall: list[int] = []
        self.first_slot: list[int] = []  # first slot of each date (plus a sentinel at the end)
        for d in range(days):
            self.first_slot.append(len(self.slot_start))
            if self.uniform[d]:
                ds = self.day_start[d]
                for m in range(0, 1440, slot_min):
                    self.slot_start.append(ds + m)
                    self.slot_date.append(d)
                    self.slot_wall.append(m)
                continue
            seen = set()
            entries = []
            for m in range(0, 1440, slot_min):
                for fold in (0, 1):
                    a = self._abs_of_local_checked(d, m, fold)
                    if a is not None and a not in seen:
                        seen.add(a)
                        entries.append((a, m))
            entries.sort()
            for a, m in entries:
                self.slot_start.append(a)
                self.slot_date.append(d)
                self.slot_wall.append(m)
        self.first_slot.append(len(self.slot_start))
        self._end_cache: dict[int, list[int]] = {}

    # -- conversions -------------------------------------------------------------------------
    def _offset(self, minute: int) -> timedelta:
        return (self.utc_origin + timedelta(minutes=minute)).astimezone(self.tz).utcoffset()

    def abs_of_local(self, d: int, minute: int, fold: int = 0) -> int:
        day = self.date0 + timedelta(days=d)
        if minute >= 1440:
            day += timedelta(days=1)
            minute -= 1440
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.tz).replace(
            fold=fold
        )
        return int((local.astimezone(UTC) - self.utc_origin).total_seconds() // 60)

    def _abs_of_local_checked(self, d: int, minute: int, fold: int) -> int | None:
        """Elapsed minute of a local wall time, or None when the wall time does not exist."""
        a = self.abs_of_local(d, minute, fold)
        dd, mm = self.local_of_abs(a, slow=True)
        return a if (dd, mm) == (d, minute) else None

    def local_of_abs(self, minute: int, slow: bool = False) -> tuple[int, int]:
        """(date index, wall minute of day) of an instant; date index may be outside range."""
        if not slow:
            d = bisect_right(self.day_start, minute) - 1
            if 0 <= d < self.days and self.uniform[d]:
                return d, minute - self.day_start[d]
        local = (self.utc_origin + timedelta(minutes=minute)).astimezone(self.tz)
        return (local.date() - self.date0).days, local.hour * 60 + local.minute

    def local_end(self, d: int, start: int, duration: int) -> int:
        """Wall minute (<= 1440) at which a session of `duration` starting at elapsed
        `start` on date `d` ends on that same date, or -1 when it crosses midnight."""
        end = start + duration
        if self.uniform[d]:
            le = end - self.day_start[d]
            return le if le <= 1440 else -1
        if end == self.day_start[d + 1]:
            return 1440
        ed, em = self.local_of_abs(end, slow=True)
        return em if ed == d else -1

    def slot_wall_ends(self, duration: int) -> list[int]:
        """local_end of a session of `duration` starting at each slot, cached per duration."""
        cached = self._end_cache.get(duration)
        if cached is None:
            cached = [
                self.local_end(d, a, duration)
                for a, d in zip(self.slot_start, self.slot_date, strict=True)
            ]
            self._end_cache[duration] = cached
        return cached

    def parse_instant(self, iso: str) -> int:
        """ISO 8601 instant with offset -> elapsed minutes (seconds floored)."""
        dt = datetime.fromisoformat(iso)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        return int((dt.astimezone(UTC) - self.utc_origin).total_seconds() // 60)

    def parse_instant_ceil(self, iso: str) -> int:
        dt = datetime.fromisoformat(iso)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        secs = (dt.astimezone(UTC) - self.utc_origin).total_seconds()
        return -int(-secs // 60)

    def iso(self, minute: int) -> str:
        """Elapsed minute -> ISO 8601 local time with UTC offset."""
        return (self.utc_origin + timedelta(minutes=minute)).astimezone(self.tz).isoformat()

    def weekday(self, d: int) -> str:
        return WEEKDAYS[self.dates[d].weekday()]

    def date_index(self, iso_date: str) -> int:
        return (date.fromisoformat(iso_date) - self.date0).days

    def date_label(self, d: int) -> str:
        """Human date like 'Wed 9 Dec' (works outside the horizon too)."""
        day = self.date0 + timedelta(days=d)
        return f"{WEEKDAYS[day.weekday()].capitalize()} {day.day} {MONTHS[day.month - 1]}"

    def label(self, minute: int) -> str:
        """Human local time of an instant, like 'Wed 9 Dec 10:00'."""
        d, m = self.local_of_abs(minute)
        return f"{self.date_label(d)} {fmt_hm(m)}"

    def span_label(self, start: int, end: int) -> str:
        """'Wed 9 Dec 10:00–12:00' (end on another date gets its own date)."""
        d1, m1 = self.local_of_abs(start)
        d2, m2 = self.local_of_abs(end)
        if d2 == d1 or (d2 == d1 + 1 and m2 == 0):
            return f"{self.date_label(d1)} {fmt_hm(m1)}–{fmt_hm(m2 if d2 == d1 else 1440)}"
        return f"{self.label(start)}–{self.label(end)}"
