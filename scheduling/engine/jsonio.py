"""Convert problems and solutions between JSON documents and the engine's dataclasses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import (
    FORMAT,
    READABLE_FORMATS,
    After,
    Assignment,
    BookedGroup,
    BusyInterval,
    Patient,
    Plan,
    Practitioner,
    Problem,
    Reason,
    Room,
    Solution,
    Step,
    Therapy,
    Unscheduled,
    WeeklySchedule,
)

_PLAN_KEYS = {"id", "patient", "start", "steps"}


class FormatError(ValueError):
    """The document does not follow the panchakarma-schedule format (/1 or /2)."""


def _schedule(raw: Any) -> WeeklySchedule:
    if raw is None:
        return {}
    return {day: [(str(w[0]), str(w[1])) for w in wins or []] for day, wins in raw.items()}


def _windows(raw: Any) -> list[tuple[str, str]]:
    return [(str(w[0]), str(w[1])) for w in raw or []]


def _busy(raw: Any, with_resource: bool) -> BusyInterval:
    return BusyInterval(
        start=raw["start"], end=raw["end"], resource=raw.get("resource") if with_resource else None
    )


def _room_busy(raw: Any) -> BusyInterval:
    """A `busy` entry: the old form, or with the places it takes and a joinable group."""
    busy = _busy(raw, True)
    places = raw.get("places")
    if places is not None:
        if isinstance(places, bool) or int(places) != places or places < 1:
            raise ValueError(f"busy places must be a whole number of at least 1, not {places!r}")
        busy.places = int(places)
    group = raw.get("group")
    if group is not None:
        seats = group.get("seats", 0)
        if isinstance(seats, bool) or int(seats) != seats or seats < 0:
            raise ValueError(f"busy group seats must be a whole number >= 0, not {seats!r}")
        busy.group = BookedGroup(
            therapy=str(group["therapy"]),
            practitioner=str(group["practitioner"]),
            seats=int(seats),
        )
    return busy


def _busy_to_dict(busy: BusyInterval) -> dict:
    out: dict[str, Any] = {"resource": busy.resource, "start": busy.start, "end": busy.end}
    if busy.places is not None:
        out["places"] = busy.places
    if busy.group is not None:
        out["group"] = {
            "therapy": busy.group.therapy,
            "practitioner": busy.group.practitioner,
            "seats": busy.group.seats,
        }
    return out


def _assignment(raw: dict) -> Assignment:
    return Assignment(
        plan=raw["plan"],
        step=raw["step"],
        start=raw["start"],
        room=raw["room"],
        practitioner=raw["practitioner"],
        pinned=bool(raw.get("pinned", False)),
        explanation=raw.get("explanation"),
    )


def problem_from_dict(doc: dict) -> Problem:
    """Build a Problem from a JSON document, filling FORMAT.md defaults."""
    if not isinstance(doc, dict):
        raise FormatError("problem must be a JSON object")
    if doc.get("format", FORMAT) not in READABLE_FORMATS:
        raise FormatError(
            f"unknown format {doc.get('format')!r}; this engine reads {', '.join(READABLE_FORMATS)}"
        )
    try:
        center = doc.get("center") or {}
        therapies = {
            tid: Therapy(
                id=tid,
                duration_min=int(t["duration_min"]),
                skill=t.get("skill", tid),
                room_types=list(t.get("room_types") or []),
                patient_rest_after_min=int(t.get("patient_rest_after_min") or 0),
                room_turnover_min=int(t.get("room_turnover_min") or 0),
                group_size=int(t.get("group_size") or 1),
            )
            for tid, t in (doc.get("therapies") or {}).items()
        }
        rooms = [
            Room(
                id=r["id"],
                type=r["type"],
                capacity=int(r.get("capacity", 1) if r.get("capacity") is not None else 1),
                gender=r.get("gender"),
            )
            for r in doc.get("rooms") or []
        ]
        practitioners = [
            Practitioner(
                id=p["id"],
                gender=p.get("gender"),
                skills=list(p.get("skills") or []),
                hours=_schedule(p.get("hours")),
                off=[_busy(o, False) for o in p.get("off") or []],
                soft_daily_min=p.get("soft_daily_min"),
            )
            for p in doc.get("practitioners") or []
        ]
        patients = [
            Patient(
                id=p["id"],
                gender=p.get("gender"),
                same_gender_practitioner=bool(p.get("same_gender_practitioner", False)),
                hours=None if p.get("hours") is None else _schedule(p["hours"]),
                preferred=_windows(p.get("preferred")),
                max_daily_sessions=p.get("max_daily_sessions"),
                priority=int(p.get("priority") or 0),
            )
            for p in doc.get("patients") or []
        ]
        plans = []
        for pl in doc.get("plans") or []:
            steps = []
            for s in pl.get("steps") or []:
                after = s.get("after")
                steps.append(
                    Step(
                        id=s["id"],
                        therapy=s["therapy"],
                        day=int(s.get("day") or 0),
                        slack_days=int(s.get("slack_days") or 0),
                        after=None
                        if after is None
                        else After(
                            step=after["step"],
                            min_gap_min=int(after.get("min_gap_min") or 0),
                            max_gap_min=after.get("max_gap_min"),
                        ),
                        same_practitioner_as=s.get("same_practitioner_as"),
                    )
                )
            extra = {k: v for k, v in pl.items() if k not in _PLAN_KEYS}
            plans.append(
                Plan(
                    id=pl["id"], patient=pl["patient"], start=pl["start"], steps=steps, extra=extra
                )
            )
        horizon = doc["horizon"]
        return Problem(
            format=doc.get("format", FORMAT),
            timezone=doc["timezone"],
            horizon_start=horizon["start"],
            horizon_days=int(horizon["days"]),
            slot_min=int(doc.get("slot_min") or 15),
            center_hours=_schedule(center.get("hours")),
            closed=list(center.get("closed") or []),
            therapies=therapies,
            rooms=rooms,
            practitioners=practitioners,
            patients=patients,
            busy=[_room_busy(b) for b in doc.get("busy") or []],
            plans=plans,
            previous=[_assignment(a) for a in doc.get("previous") or []],
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise FormatError(f"not a valid problem document: {exc!r}") from exc


def _schedule_to_json(sched: WeeklySchedule) -> dict:
    return {day: [list(w) for w in wins] for day, wins in sched.items()}


def _assignment_to_dict(a: Assignment, *, with_pinned: bool) -> dict:
    out: dict[str, Any] = {
        "plan": a.plan,
        "step": a.step,
        "start": a.start,
        "room": a.room,
        "practitioner": a.practitioner,
    }
    if with_pinned and a.pinned:
        out["pinned"] = True
    if a.explanation is not None:
        out["explanation"] = a.explanation
    return out


def problem_to_dict(problem: Problem) -> dict:
    """The JSON document of a Problem (inverse of problem_from_dict)."""
    return {
        "format": problem.format,
        "timezone": problem.timezone,
        "horizon": {"start": problem.horizon_start, "days": problem.horizon_days},
        "slot_min": problem.slot_min,
        "center": {
            "hours": _schedule_to_json(problem.center_hours),
            "closed": list(problem.closed),
        },
        "therapies": {
            t.id: {
                "duration_min": t.duration_min,
                "skill": t.skill,
                "room_types": list(t.room_types),
                "patient_rest_after_min": t.patient_rest_after_min,
                "room_turnover_min": t.room_turnover_min,
                "group_size": t.group_size,
            }
            for t in problem.therapies.values()
        },
        "rooms": [
            {"id": r.id, "type": r.type, "capacity": r.capacity, "gender": r.gender}
            for r in problem.rooms
        ],
        "practitioners": [
            {
                "id": p.id,
                "gender": p.gender,
                "skills": list(p.skills),
                "hours": _schedule_to_json(p.hours),
                "off": [{"start": o.start, "end": o.end} for o in p.off],
                "soft_daily_min": p.soft_daily_min,
            }
            for p in problem.practitioners
        ],
        "patients": [
            {
                "id": p.id,
                "gender": p.gender,
                "same_gender_practitioner": p.same_gender_practitioner,
                "hours": None if p.hours is None else _schedule_to_json(p.hours),
                "preferred": [list(w) for w in p.preferred],
                "max_daily_sessions": p.max_daily_sessions,
                "priority": p.priority,
            }
            for p in problem.patients
        ],
        "busy": [_busy_to_dict(b) for b in problem.busy],
        "plans": [
            {
                "id": pl.id,
                "patient": pl.patient,
                **pl.extra,
                "start": pl.start,
                "steps": [
                    {
                        "id": s.id,
                        "therapy": s.therapy,
                        "day": s.day,
                        "slack_days": s.slack_days,
                        "after": None
                        if s.after is None
                        else {
                            "step": s.after.step,
                            "min_gap_min": s.after.min_gap_min,
                            "max_gap_min": s.after.max_gap_min,
                        },
                        "same_practitioner_as": s.same_practitioner_as,
                    }
                    for s in pl.steps
                ],
            }
            for pl in problem.plans
        ],
        "previous": [_assignment_to_dict(a, with_pinned=True) for a in problem.previous],
    }


def solution_to_dict(solution: Solution) -> dict:
    """The JSON document of a Solution."""
    return {
        "format": solution.format,
        "assignments": [_assignment_to_dict(a, with_pinned=False) for a in solution.assignments],
        "unscheduled": [
            {
                "plan": u.plan,
                "step": u.step,
                "reasons": [{"code": r.code, "message": r.message} for r in u.reasons],
            }
            for u in solution.unscheduled
        ],
        "objective": solution.objective,
    }


def solution_from_dict(doc: dict) -> Solution:
    """Build a Solution from its JSON document."""
    if not isinstance(doc, dict):
        raise FormatError("solution must be a JSON object")
    try:
        return Solution(
            format=doc.get("format", FORMAT),
            assignments=[_assignment(a) for a in doc.get("assignments") or []],
            unscheduled=[
                Unscheduled(
                    plan=u["plan"],
                    step=u["step"],
                    reasons=[Reason(code=r["code"], message=r["message"]) for r in u["reasons"]],
                )
                for u in doc.get("unscheduled") or []
            ],
            objective=int(doc.get("objective") or 0),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"not a valid solution document: {exc!r}") from exc


def load_json(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_problem(path: str | Path) -> Problem:
    return problem_from_dict(load_json(path))


def load_solution(path: str | Path) -> Solution:
    return solution_from_dict(load_json(path))


def dump_json(doc: dict, path: str | Path | None = None) -> str:
    """Serialise a document; write it to `path` when given. Returns the text."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text


def dump_solution(solution: Solution, path: str | Path | None = None) -> str:
    return dump_json(solution_to_dict(solution), path)
