"""What the live views hear: group names, the JSON of a session event, and its broadcast."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.translation import override

from sessions.models import TherapySession

logger = logging.getLogger(__name__)

SESSION_EVENT = "session.status"
SNAPSHOT_EVENT = "snapshot"
# Many sessions changed at once (a booking, a re-plan): boards fetch the day again.
REFRESH_EVENT = "board.refresh"


def board_group(center_id: int) -> str:
    return f"center-{center_id}-board"


def timeline_group(patient_id: int) -> str:
    return f"patient-{patient_id}-timeline"


def session_payload(session: TherapySession, *, for_patient: bool = False) -> dict:
    """A session as the board and the timeline receive it.

    The patient's own timeline gets no other person's name but their practitioner's; the
    board (staff only) also names the patient.
    """
    payload = {
        "id": session.pk,
        "status": session.status,
        "status_label": str(session.Status(session.status).label),
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "overrun_until": session.overrun_until.isoformat() if session.overrun_until else None,
        "room": session.room.code if session.room_id else None,
        "room_id": session.room_id,
        "room_place": session.room_place,
        "therapy": session.therapy.name,
        "practitioner": str(session.practitioner) if session.practitioner_id else None,
    }
    if not for_patient:
        payload["patient"] = session.patient.full_name
    return payload


def session_broadcast(session: TherapySession) -> None:
    """Tell the center's boards and the patient's timeline that a session changed.

    Called after commit. A broadcast that fails (Redis down) must not undo or hide the
    change that was made: the boards resync from a fresh snapshot when they reconnect.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    # Labels go out in English; each page shows its own translated label from the status code.
    with override("en"):
        board = {"type": SESSION_EVENT, **session_payload(session)}
        timeline = {"type": SESSION_EVENT, **session_payload(session, for_patient=True)}
    try:
        send = async_to_sync(layer.group_send)
        send(board_group(session.center_id), {"type": "board.update", "payload": board})
        send(timeline_group(session.patient_id), {"type": "timeline.update", "payload": timeline})
    except Exception:
        logger.exception("Could not broadcast session %s; boards will resync", session.pk)


def board_refresh(center_id: int) -> None:
    """Tell a center's boards that many sessions changed at once, so they fetch the day again."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            board_group(center_id),
            {"type": "board.update", "payload": {"type": REFRESH_EVENT, "center": center_id}},
        )
    except Exception:
        logger.exception("Could not tell center %s's boards to refresh", center_id)
