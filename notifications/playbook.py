"""The playbook's steps (when each message is due) and the {variables} its texts may use."""

import datetime
import string
import zoneinfo
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# What a template may say, filled in per session; the time and date in the patient's zone.
VARIABLES = ("patient", "therapy", "time", "date", "center", "practitioner", "feedback_link")
# Only a finished session has a feedback page to link to.
AFTER_SESSION_VARIABLES = ("feedback_link",)

# The check-in goes out the morning after the session, at this local time of the patient.
CHECK_IN_LOCAL_TIME = datetime.time(10, 0)


class NotificationEvent(models.TextChoices):
    PRE_24H = "pre_24h", _("24 hours before (T-24h)")
    PRE_2H = "pre_2h", _("2 hours before (T-2h)")
    POST_1H = "post_1h", _("1 hour after (T+1h)")
    POST_2H = "post_2h", _("2 hours after (T+2h)")
    POST_12H = "post_12h", _("12 hours after (T+12h)")
    POST_24H = "post_24h", _("24 hours after (T+24h)")
    CHECK_IN = "check_in", _("Check-in the day after")


# Pre-session steps count back from the session's start; they are planned at booking.
BEFORE_START = {
    NotificationEvent.PRE_24H: datetime.timedelta(hours=24),
    NotificationEvent.PRE_2H: datetime.timedelta(hours=2),
}
# Post-session steps count on from the moment the session was completed.
AFTER_END = {
    NotificationEvent.POST_1H: datetime.timedelta(hours=1),
    NotificationEvent.POST_2H: datetime.timedelta(hours=2),
    NotificationEvent.POST_12H: datetime.timedelta(hours=12),
    NotificationEvent.POST_24H: datetime.timedelta(hours=24),
}
PRE_SESSION = tuple(BEFORE_START)
POST_SESSION = (*AFTER_END, NotificationEvent.CHECK_IN)


def due_at(
    event: str,
    *,
    starts_at: datetime.datetime,
    completed_at: datetime.datetime | None,
    zone: zoneinfo.ZoneInfo,
) -> datetime.datetime:
    """When a playbook step is due, before quiet hours are applied."""
    if event in BEFORE_START:
        return starts_at - BEFORE_START[event]
    if completed_at is None:
        raise ValueError(f"{event} is due after a completed session")
    if event in AFTER_END:
        return completed_at + AFTER_END[event]
    next_day = completed_at.astimezone(zone).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(next_day, CHECK_IN_LOCAL_TIME, tzinfo=zone)


def variables_used(text: str) -> list[str]:
    """The {names} a template text uses; a malformed brace is a ValidationError in words.

    Only bare names are allowed: `{patient.user}` or `{time:%H}` would reach into objects
    or formats that an editor in the admin should not be able to reach.
    """
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            _(
                "A brace is not closed. Write variables as {patient}; for a brace itself use {{ or }}."
            ),
            code="malformed",
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValidationError(
                _(
                    "“{%(name)s}” is not a variable. Write variables as {patient}, with nothing else inside the braces."
                ),
                code="malformed",
                params={
                    "name": name
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else "")
                },
            )
        names.append(name)
    return names


def validate_template_text(text: str) -> None:
    """Refuse a template text that names a variable the playbook cannot fill."""
    unknown = sorted({name for name in variables_used(text) if name not in VARIABLES})
    if unknown:
        raise ValidationError(
            _("Unknown variable %(unknown)s. Use only: %(known)s."),
            code="unknown_variable",
            params={
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in VARIABLES),
            },
        )


def validate_variables_for_event(event: str, texts: list[str]) -> None:
    """Refuse a variable that means nothing at this step: a feedback link before the session."""
    if event in POST_SESSION:
        return
    used = sorted(
        {name for text in texts for name in variables_used(text)} & set(AFTER_SESSION_VARIABLES)
    )
    if used:
        raise ValidationError(
            _("%(names)s can only be used after the session (T+1h onwards and the check-in)."),
            code="after_session_only",
            params={"names": ", ".join(f"{{{name}}}" for name in used)},
        )


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill a validated template text; values are plain strings, never objects."""
    return text.format_map({name: values.get(name, "") for name in VARIABLES})
