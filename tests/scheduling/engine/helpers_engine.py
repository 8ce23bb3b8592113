"""Small hand-made problems for the engine tests."""

from __future__ import annotations

import copy

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def every_day(start: str, end: str) -> dict:
    return {d: [[start, end]] for d in WEEK}


def tiny_problem(**over) -> dict:
    """One therapy, one room, one practitioner, one patient with a one-step plan."""
    doc = {
        "format": "panchakarma-schedule/1",
        "timezone": "Asia/Kolkata",
        "horizon": {"start": "2026-12-07", "days": 7},
        "slot_min": 15,
        "center": {"hours": every_day("07:00", "19:00"), "closed": []},
        "therapies": {
            "abhyanga": {
                "duration_min": 60,
                "skill": "abhyanga",
                "room_types": ["therapy"],
                "patient_rest_after_min": 0,
                "room_turnover_min": 0,
            }
        },
        "rooms": [{"id": "R1", "type": "therapy", "capacity": 1, "gender": None}],
        "practitioners": [
            {
                "id": "T1",
                "gender": "F",
                "skills": ["abhyanga"],
                "hours": every_day("07:00", "19:00"),
                "off": [],
                "soft_daily_min": None,
            }
        ],
        "patients": [{"id": "P1", "gender": "F"}],
        "busy": [],
        "plans": [
            {
                "id": "CP1",
                "patient": "P1",
                "start": "2026-12-07",
                "steps": [{"id": "s1", "therapy": "abhyanga", "day": 0, "slack_days": 1}],
            }
        ],
        "previous": [],
    }
    doc.update(copy.deepcopy(over))
    return doc
