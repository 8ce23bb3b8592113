"""Builds a scheduling problem (the engine's JSON format) from a center's data in the database.

The problem document is exactly what the engine solves and what a run stores, so that any
schedule the portal made can be replayed with `python -m scheduling.engine solve`.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Prefetch

from clinics.models import Center, Leave, PractitionerProfile, Room, RosterShift
from patients.models import CarePlan, Patient
from protocols.models import ProtocolStep, TherapyType
from scheduling.engine.model import FORMAT
from scheduling.engine.timegrid import WEEKDAYS
from sessions.models import RELEASED_STATUSES, TherapySession


@dataclass
class ProblemRefs:
    """How the problem's ids map back to database rows, for applying a solution."""

    rooms: dict[str, int] = field(default_factory=dict)
    practitioners: dict[str, int] = field(default_factory=dict)
    patients: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    steps: dict[tuple[str, str], int] = field(default_factory=dict)
    therapies: dict[str, int] = field(default_factory=dict)
    # Sessions being re-planned, by (plan, step): applying moves them instead of booking anew.
    sessions: dict[tuple[str, str], int] = field(default_factory=dict)
    # Leave that applying the run records (sick-leave re-plans).
    leave: dict | None = None
    # Where re-planned sessions were before, by "plan/step", to show what a run changes.
    before: dict[str, dict] = field(default_factory=dict)
    # Steps already booked that the problem keeps pinned: applying books them not again.
    kept: set[tuple[str, str]] = field(default_factory=set)

    def as_json(self) -> dict:
        return {
            "rooms": self.rooms,
            "practitioners": self.practitioners,
            "patients": self.patients,
            "plans": self.plans,
            "steps": {f"{plan}/{step}": pk for (plan, step), pk in self.steps.items()},
            "therapies": self.therapies,
            "sessions": {f"{plan}/{step}": pk for (plan, step), pk in self.sessions.items()},
            "leave": self.leave,
            "before": self.before,
            "kept": sorted(f"{plan}/{step}" for plan, step in self.kept),
        }

    @classmethod
    def from_json(cls, data: dict) -> "ProblemRefs":
        def by_step(mapping):
            return {tuple(key.split("/", 1)): pk for key, pk in mapping.items()}

        return cls(
            rooms=data["rooms"],
            practitioners=data["practitioners"],
            patients=data["patients"],
            plans=data["plans"],
            steps=by_step(data["steps"]),
            therapies=data["therapies"],
            sessions=by_step(data.get("sessions", {})),
            leave=data.get("leave"),
            before=data.get("before", {}),
            kept={tuple(key.split("/", 1)) for key in data.get("kept", [])},
        )


def plan_id(plan: CarePlan) -> str:
    return f"CP{plan.pk}"


def patient_id(patient: Patient) -> str:
    # Named by MRN: unique in the center, and what the front desk knows a patient by.
    return patient.mrn


def practitioner_id(practitioner: PractitionerProfile) -> str:
    return f"{practitioner.user.get_full_name() or practitioner.user.email} (T{practitioner.pk})"


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _windows_by_weekday(rows) -> dict[str, list[list[str]]]:
    """{"mon": [["07:00", "19:00"]], ...} from rows with weekday, opens/starts and closes/ends."""
    windows = defaultdict(list)
    for weekday, starts, ends in rows:
        windows[WEEKDAYS[weekday]].append(
            [_hhmm(starts), "24:00" if ends == time.max else _hhmm(ends)]
        )
    return {day: sorted(spans) for day, spans in windows.items()}


def _iso(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat()


def closed_dates(center: Center, start: date, days: int) -> list[str]:
    """The center's own closures plus its region's public holidays inside the horizon."""
    end = start + timedelta(days=days)
    dates = set(
        center.closures.filter(date__gte=start, date__lt=end).values_list("date", flat=True)
    )
    if center.holiday_country:
        calendar = holidays.country_holidays(
            center.holiday_country,
            subdiv=center.holiday_subdivision or None,
            years=range(start.year, end.year + 1),
        )
        dates.update(day for day in calendar if start <= day < end)
    return sorted(day.isoformat() for day in dates)


def horizon_for_plans(plans: list[CarePlan]) -> tuple[date, int]:
    """From the earliest plan start to the day after the latest step can possibly fall."""
    start = min(plan.start_date for plan in plans)
    last = start
    for plan in plans:
        for step in plan.protocol_version.steps.all():
            last = max(last, plan.start_date + timedelta(days=step.day_offset + step.slack_days))
    return start, (last - start).days + 1


def build_problem(
    *,
    center: Center,
    plans: list[CarePlan],
    start: date,
    days: int,
    exclude_sessions: list[int] | tuple = (),
    extra_leave: list[tuple[PractitionerProfile, datetime, datetime]] = (),
    previous: list[dict] = (),
    steps_by_plan: dict[int, list[ProtocolStep]] | None = None,
    not_before: datetime | None = None,
) -> tuple[dict, ProblemRefs]:
    """The problem of placing `plans` in `center` from `start` for `days` days.

    Every active session already booked in the horizon (except `exclude_sessions`, which
    are being re-planned) is a busy interval on its practitioner, room and patient; in a
    room of several places it takes one place, and a group occurrence with seats left is
    open to joiners (see `booked_busy`).
    `steps_by_plan` limits a plan to some of its steps (a re-plan moves only those); an
    `after` rule naming a step left out is then dropped. Nothing is placed before
    `not_before` (re-plans never move a session into the past).
    """
    zone = ZoneInfo(center.timezone)
    horizon_start = datetime.combine(start, time.min, tzinfo=zone)
    horizon_end = datetime.combine(start + timedelta(days=days), time.min, tzinfo=zone)
    refs = ProblemRefs()

    therapies = {
        t.code: t
        for t in TherapyType.objects.filter(is_active=True).select_related("required_skill")
    }
    rooms = list(Room.objects.filter(center=center, is_active=True).order_by("code"))
    practitioners = list(
        PractitionerProfile.objects.filter(shifts__center=center)
        .distinct()
        .select_related("user")
        .prefetch_related(
            "skills",
            Prefetch("shifts", queryset=RosterShift.objects.filter(center=center)),
            Prefetch(
                "leaves",
                queryset=Leave.objects.filter(starts_at__lt=horizon_end, ends_at__gt=horizon_start),
            ),
        )
        .order_by("pk")
    )

    problem_rooms = []
    for room in rooms:
        refs.rooms[room.code] = room.pk
        problem_rooms.append(
            {
                "id": room.code,
                "type": room.room_type,
                "capacity": room.capacity,
                "gender": room.gender or None,
            }
        )

    extra_off = defaultdict(list)
    for practitioner, starts_at, ends_at in extra_leave:
        extra_off[practitioner.pk].append((starts_at, ends_at))
    problem_practitioners = []
    for practitioner in practitioners:
        ident = practitioner_id(practitioner)
        refs.practitioners[ident] = practitioner.pk
        shifts = [
            (s.weekday, s.starts, s.ends)
            for s in practitioner.shifts.all()
            if (s.valid_from is None or s.valid_from < start + timedelta(days=days))
            and (s.valid_until is None or s.valid_until >= start)
        ]
        leave = [(off.starts_at, off.ends_at) for off in practitioner.leaves.all()] + extra_off[
            practitioner.pk
        ]
        problem_practitioners.append(
            {
                "id": ident,
                "gender": practitioner.gender,
                "skills": sorted(skill.code for skill in practitioner.skills.all()),
                "hours": _windows_by_weekday(shifts),
                "off": [{"start": _iso(a, zone), "end": _iso(b, zone)} for a, b in sorted(leave)],
                "soft_daily_min": practitioner.soft_daily_minutes,
            }
        )

    patients = {plan.patient_id: plan.patient for plan in plans}
    busy_sessions = list(
        TherapySession.objects.filter(
            center=center, starts_at__lt=horizon_end, patient_released_at__gt=horizon_start
        )
        .exclude(status__in=RELEASED_STATUSES)
        .exclude(pk__in=list(exclude_sessions))
        .select_related("room", "practitioner", "patient", "therapy")
    )
    busy = booked_busy(
        busy_sessions,
        zone=zone,
        practitioner_ids={p.pk: practitioner_id(p) for p in practitioners},
        rooms={room.pk: room for room in rooms},
        patient_ids={pk: patient_id(patient) for pk, patient in patients.items()},
        therapies=therapies,
    )

    if not_before is not None and not_before > horizon_start:
        busy.extend(
            {
                "resource": patient_id(patient),
                "start": _iso(horizon_start, zone),
                "end": _iso(not_before, zone),
            }
            for patient in patients.values()
        )

    problem_patients = []
    for patient in sorted(patients.values(), key=lambda p: p.pk):
        refs.patients[patient_id(patient)] = patient.pk
        priority = max(plan.priority for plan in plans if plan.patient_id == patient.pk)
        problem_patients.append(
            {
                "id": patient_id(patient),
                "gender": patient.sex,
                "same_gender_practitioner": patient.same_gender_practitioner,
                # The patient's windows hold every day; the format's hours are weekly.
                "hours": dict.fromkeys(WEEKDAYS, patient.available_windows)
                if patient.available_windows
                else None,
                "preferred": patient.preferred_windows or [],
                "max_daily_sessions": patient.max_daily_sessions,
                "priority": priority,
            }
        )

    problem_plans = []
    used_therapies = set()
    for plan in plans:
        refs.plans[plan_id(plan)] = plan.pk
        steps = []
        included = (
            plan.protocol_version.steps.all() if steps_by_plan is None else steps_by_plan[plan.pk]
        )
        included_ids = {step.pk for step in included}
        for step in included:
            refs.steps[(plan_id(plan), step.code)] = step.pk
            used_therapies.add(step.therapy.code)
            steps.append(
                {
                    "id": step.code,
                    "therapy": step.therapy.code,
                    "day": step.day_offset,
                    "slack_days": step.slack_days,
                    "after": (
                        {
                            "step": step.after_step.code,
                            "min_gap_min": step.min_gap_minutes,
                            "max_gap_min": step.max_gap_minutes,
                        }
                        if step.after_step_id in included_ids
                        else None
                    ),
                    "same_practitioner_as": (
                        step.same_practitioner_as.code
                        if step.same_practitioner_as_id in included_ids
                        else None
                    ),
                }
            )
        problem_plans.append(
            {
                "id": plan_id(plan),
                "patient": patient_id(plan.patient),
                "start": plan.start_date.isoformat(),
                "steps": steps,
            }
        )

    problem_therapies = {}
    for code in sorted(used_therapies | set(therapies)):
        therapy = therapies.get(code)
        if therapy is None:
            continue
        refs.therapies[code] = therapy.pk
        problem_therapies[code] = {
            "duration_min": therapy.duration_minutes,
            "skill": therapy.required_skill.code,
            "room_types": list(therapy.allowed_room_types),
            "patient_rest_after_min": therapy.patient_rest_after_minutes,
            "room_turnover_min": therapy.room_turnover_minutes,
            "group_size": therapy.group_size,
        }

    problem = {
        "format": FORMAT,
        "timezone": center.timezone,
        "horizon": {"start": start.isoformat(), "days": days},
        "slot_min": center.slot_minutes,
        "center": {
            "hours": _windows_by_weekday(
                (h.weekday, h.opens, h.closes) for h in center.opening_hours.all()
            ),
            "closed": closed_dates(center, start, days),
        },
        "therapies": problem_therapies,
        "rooms": problem_rooms,
        "practitioners": problem_practitioners,
        "patients": problem_patients,
        "busy": busy,
        "plans": problem_plans,
        "previous": list(previous),
    }
    return problem, refs


def booked_busy(
    sessions: list[TherapySession],
    *,
    zone: ZoneInfo,
    practitioner_ids: dict[int, str],
    rooms: dict[int, Room],
    patient_ids: dict[int, str],
    therapies: dict[str, TherapyType],
) -> list[dict]:
    """The busy intervals of sessions already booked (FORMAT.md, "Busy intervals").

    A session holds its practitioner and patient. In a room of one place it holds the whole
    room; in a room of several it takes one place ("places": 1), so that a later plan can
    use the others at the same time. A group occurrence (its sessions share `occurrence`)
    is one room interval taking a place per patient that names its therapy, practitioner and
    the seats the therapy's group size leaves, so that a later plan can join it while it has
    seats (and a run can say that it is full when it has none); its practitioner's time is
    then part of that interval.
    """
    busy = []
    occurrences: dict = defaultdict(list)
    for session in sessions:
        room = rooms.get(session.room_id)
        if session.therapy.group_size > 1 and room is not None and room.capacity > 1:
            occurrences[session.occurrence].append(session)
            continue
        if session.practitioner_id in practitioner_ids:
            busy.append(
                _held(
                    practitioner_ids[session.practitioner_id],
                    session.starts_at,
                    session.ends_at,
                    zone,
                )
            )
        if room is not None:
            held = _held(room.code, session.starts_at, session.room_released_at, zone)
            busy.append(held if room.capacity == 1 else {**held, "places": 1})
    for members in occurrences.values():
        busy.extend(
            _group_busy(
                members,
                zone=zone,
                practitioner_ids=practitioner_ids,
                rooms=rooms,
                therapies=therapies,
            )
        )
    busy.extend(
        _held(patient_ids[session.patient_id], session.starts_at, session.patient_released_at, zone)
        for session in sessions
        if session.patient_id in patient_ids
    )
    return busy


def _held(resource: str, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> dict:
    return {"resource": resource, "start": _iso(starts_at, zone), "end": _iso(ends_at, zone)}


def _group_busy(
    members: list[TherapySession],
    *,
    zone: ZoneInfo,
    practitioner_ids: dict[int, str],
    rooms: dict[int, Room],
    therapies: dict[str, TherapyType],
) -> list[dict]:
    """One booked group occurrence: its room places, joinable while it has seats (a full one
    says so with no seats left)."""
    first = members[0]
    therapy = first.therapy
    room = rooms[first.room_id]
    starts_at = min(m.starts_at for m in members)
    ends_at = max(m.ends_at for m in members)
    room_interval = {
        **_held(room.code, starts_at, max(m.room_released_at for m in members), zone),
        "places": len(members),
    }
    practitioner = practitioner_ids.get(first.practitioner_id)
    seats = therapy.group_size - len(members)
    # Joinable only as the engine sees it: one start, the therapy's own length, a known
    # practitioner and therapy; an occurrence that ran over is plainly busy instead.
    regular = (
        practitioner is not None
        and therapy.code in therapies
        and all(m.starts_at == starts_at for m in members)
        and ends_at == starts_at + timedelta(minutes=therapy.duration_minutes)
    )
    if regular:
        # A full class keeps its `group` with no seats: the engine then holds its practitioner
        # as plainly busy (FORMAT.md), and the run can say that the class is full rather than
        # only that the practitioner is booked (`full_class_reasons`).
        room_interval["group"] = {
            "therapy": therapy.code,
            "practitioner": practitioner,
            "seats": max(seats, 0),
        }
        return [room_interval]
    held = [room_interval]
    if practitioner is not None:
        held.append(_held(practitioner, starts_at, ends_at, zone))
    return held


def plans_with_steps(queryset) -> list[CarePlan]:
    """Care plans with everything the problem builder reads, in a fixed number of queries."""
    return list(
        queryset.select_related("patient", "protocol_version__template").prefetch_related(
            Prefetch(
                "protocol_version__steps",
                queryset=ProtocolStep.objects.select_related(
                    "therapy", "after_step", "same_practitioner_as"
                ).order_by("order"),
            )
        )
    )


def unscheduled_explain(problem: dict, unscheduled: list[dict]) -> None:
    """Add the portal's reasons to the engine's for the steps it left out (in place): today,
    the classes found full (`full_class_reasons`). Reads the therapies' names only when a
    class in the problem is full."""
    if unscheduled and any(
        (busy.get("group") or {}).get("seats", 1) <= 0 for busy in problem.get("busy", [])
    ):
        names = dict(TherapyType.objects.values_list("code", "name"))
        full_class_reasons(problem, unscheduled, names)


def full_class_reasons(problem: dict, unscheduled: list[dict], names: dict[str, str]) -> None:
    """Put first, among the reasons of each step of a group therapy left out, the classes of
    that therapy already booked full on the days it could take ("The Yoga class on Mon 7 Dec
    at 10:00 with Lakshmi Teacher (T9) is full: all 4 places are taken."). The engine sees a
    full class only as its practitioner being busy, which does not tell a reader that there
    was a class and why it could not be joined. `names` gives therapies' names by code.

    Only where the engine's own reasons are about practitioners or rooms, so that a step left
    out for another cause (its plan's order, a closed day) is not blamed on the class.
    """
    zone = ZoneInfo(problem["timezone"])
    therapies = problem.get("therapies", {})
    full: dict[tuple[str, date], list[dict]] = defaultdict(list)
    for busy in problem.get("busy", []):
        group = busy.get("group")
        if group and group.get("seats", 0) <= 0:
            day = datetime.fromisoformat(busy["start"]).astimezone(zone).date()
            full[(group["therapy"], day)].append(busy)
    if not full:
        return
    steps = {
        (plan["id"], step["id"]): (date.fromisoformat(plan["start"]), step)
        for plan in problem.get("plans", [])
        for step in plan["steps"]
    }
    for left_out in unscheduled:
        start, step = steps.get((left_out["plan"], left_out["step"]), (None, None))
        codes = {reason["code"] for reason in left_out["reasons"]}
        if step is None or not codes & {"practitioner_unavailable", "room_unavailable"}:
            continue
        first_day = start + timedelta(days=step["day"])
        days = [first_day + timedelta(days=k) for k in range(step.get("slack_days", 0) + 1)]
        therapy = step["therapy"]
        size = therapies.get(therapy, {}).get("group_size", 1)
        notes = [
            {
                "code": "practitioner_unavailable",
                "message": _full_class_text(
                    names.get(therapy, therapy), busy, size=size, zone=zone
                ),
            }
            for day in days
            for busy in full.get((therapy, day), [])
        ]
        left_out["reasons"] = notes + left_out["reasons"]


def _full_class_text(name: str, busy: dict, *, size: int, zone: ZoneInfo) -> str:
    # English, as the engine's own reasons are: the run stores them for every reader.
    starts = datetime.fromisoformat(busy["start"]).astimezone(zone)
    places = max(busy.get("places", size), size)
    return (
        f"The {name} class on {starts:%a} {starts.day} {starts:%b} at {starts:%H:%M} with "
        f"{busy['group']['practitioner']} in room {busy['resource']} is full: all {places} "
        "places are taken, so it cannot be joined."
    )
