"""Plain dataclasses for a scheduling problem and its solution (format panchakarma-schedule/2,
which reads panchakarma-schedule/1 documents unchanged; see FORMAT.md beside this file)."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT = "panchakarma-schedule/2"
# /2 only added optional busy-interval keys (`places`, `group`), so a /1 document reads as is.
READABLE_FORMATS = ("panchakarma-schedule/1", FORMAT)

# A window is a pair of local wall-clock times "HH:MM" (end exclusive, "24:00" allowed).
Window = tuple[str, str]
# A weekly schedule maps "mon".."sun" to a list of windows; missing days have none.
WeeklySchedule = dict[str, list[Window]]


@dataclass
class Therapy:
    id: str
    duration_min: int
    skill: str
    room_types: list[str]
    patient_rest_after_min: int = 0
    room_turnover_min: int = 0
    group_size: int = 1


@dataclass
class Room:
    id: str
    type: str
    capacity: int = 1
    gender: str | None = None


@dataclass
class BookedGroup:
    """A group occurrence already booked in a room that later plans may join: its therapy,
    its practitioner (busy for it from the interval's start for the therapy's duration) and
    how many more patients it can take."""

    therapy: str
    practitioner: str
    seats: int


@dataclass
class BusyInterval:
    """An absolute interval; `start`/`end` are ISO 8601 strings with a UTC offset.

    On a room, `places` is how many of its places the interval takes (None: all of them),
    and `group` makes it a booked group occurrence that a later plan's step can join.
    """

    start: str
    end: str
    resource: str | None = None
    places: int | None = None
    group: BookedGroup | None = None


@dataclass
class Practitioner:
    id: str
    gender: str | None
    skills: list[str]
    hours: WeeklySchedule
    off: list[BusyInterval] = field(default_factory=list)
    soft_daily_min: int | None = None


@dataclass
class Patient:
    id: str
    gender: str | None = None
    same_gender_practitioner: bool = False
    hours: WeeklySchedule | None = None
    preferred: list[Window] = field(default_factory=list)
    max_daily_sessions: int | None = None
    priority: int = 0


@dataclass
class After:
    step: str
    min_gap_min: int = 0
    max_gap_min: int | None = None


@dataclass
class Step:
    id: str
    therapy: str
    day: int
    slack_days: int = 0
    after: After | None = None
    same_practitioner_as: str | None = None


@dataclass
class Plan:
    id: str
    patient: str
    start: str  # local date YYYY-MM-DD
    steps: list[Step]
    extra: dict = field(default_factory=dict)  # unknown keys (e.g. "protocol"), kept verbatim


@dataclass
class Assignment:
    plan: str
    step: str
    start: str  # ISO 8601 with offset
    room: str
    practitioner: str
    pinned: bool = False
    explanation: str | None = None


@dataclass
class Reason:
    code: str
    message: str


@dataclass
class Unscheduled:
    plan: str
    step: str
    reasons: list[Reason]


@dataclass
class Problem:
    timezone: str
    horizon_start: str  # local date YYYY-MM-DD
    horizon_days: int
    slot_min: int
    center_hours: WeeklySchedule
    closed: list[str]
    therapies: dict[str, Therapy]
    rooms: list[Room]
    practitioners: list[Practitioner]
    patients: list[Patient]
    busy: list[BusyInterval]
    plans: list[Plan]
    previous: list[Assignment] = field(default_factory=list)
    format: str = FORMAT


@dataclass
class Solution:
    assignments: list[Assignment]
    unscheduled: list[Unscheduled]
    objective: int
    format: str = FORMAT
