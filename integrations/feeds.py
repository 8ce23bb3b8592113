"""The iCalendar a feed serves: the user's sessions, in each center's own zone with its VTIMEZONE."""

from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from clinics.models import Membership, Role
from integrations.models import CalendarFeed, CalendarFeedKind
from sessions.models import SessionStatus, TherapySession

# How far back and ahead a feed reaches: enough to look back over a course of treatment and
# plan ahead, small enough that calendar apps fetch it quickly every hour.
PAST = timedelta(days=90)
AHEAD = timedelta(days=400)
# How often calendar apps are asked to read the feed again (Google takes its own pace).
REFRESH = timedelta(hours=1)
# Cancelled sessions are left out: a subscribed calendar drops what is no longer in the feed.
LEFT_OUT = (SessionStatus.CANCELLED,)


def feed_sessions(feed: CalendarFeed, *, now: datetime) -> QuerySet[TherapySession]:
    """The sessions a feed shows, in one query: those the user runs at a center where they
    still practise, or their own as a patient."""
    sessions = TherapySession.objects.filter(
        starts_at__gte=now - PAST, starts_at__lt=now + AHEAD, center__is_active=True
    ).exclude(status__in=LEFT_OUT)
    if feed.kind == CalendarFeedKind.PRACTITIONER:
        practising = Membership.objects.filter(
            user_id=feed.user_id, role=Role.PRACTITIONER, is_active=True
        ).values("center_id")
        sessions = sessions.filter(practitioner__user_id=feed.user_id, center_id__in=practising)
    else:
        sessions = sessions.filter(patient__user_id=feed.user_id)
    return sessions.select_related(
        "center", "therapy", "room", "patient", "practitioner__user"
    ).order_by("starts_at", "pk")


def _initials(patient) -> str:
    """Patients appear by initials only: a subscribed calendar is kept by another company."""
    return "".join(f"{name[0]}." for name in (patient.first_name, patient.last_name) if name)


def _therapy_name(therapy, language: str) -> str:
    return therapy.name_hi if language == "hi" and therapy.name_hi else therapy.name


def _event(session: TherapySession, kind: str, language: str, stamp: datetime) -> Event:
    zone = session.center.tzinfo
    therapy = _therapy_name(session.therapy, language)
    room = session.room.code if session.room else ""
    lines = []
    if kind == CalendarFeedKind.PRACTITIONER:
        summary = " · ".join(part for part in (therapy, room, _initials(session.patient)) if part)
    else:
        summary = _("%(therapy)s at %(center)s") % {
            "therapy": therapy,
            "center": session.center.name,
        }
        if session.practitioner:
            lines.append(_("With %(practitioner)s") % {"practitioner": session.practitioner})
    if room:
        lines.append(_("Room %(room)s") % {"room": room})
    lines.append(_("Status: %(status)s") % {"status": session.get_status_display()})
    location = ", ".join(
        part for part in (session.center.name, session.center.address.replace("\n", ", ")) if part
    )
    return Event.new(
        uid=f"therapy-session-{session.pk}@{session.center.slug}.panchakarma-portal",
        stamp=stamp,
        start=session.starts_at.astimezone(zone),
        end=session.ends_at.astimezone(zone),
        summary=summary,
        description="\n".join(lines),
        location=location,
        last_modified=session.updated_at,
        status="CONFIRMED",
    )


def feed_calendar(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The feed as iCalendar text, in the user's language, each session in its center's zone
    (TZID) with one VTIMEZONE per zone used."""
    now = now or timezone.now()
    language = feed.user.preferred_language
    with translation.override(language):
        calendar = Calendar.new(
            prodid="-//Panchakarma clinic portal//Calendar feed//EN",
            uid=f"calendar-feed-{feed.pk}@panchakarma-portal",
            name=_("Therapy sessions"),
            refresh_interval=REFRESH,
        )
        # Outlook reads its refresh hint from this older property rather than REFRESH-INTERVAL.
        calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
        for session in feed_sessions(feed, now=now):
            calendar.add_component(_event(session, feed.kind, language, now))
    # Offsets for the feed's window only, not every rule since 1970.
    window_start: date = (now - PAST).date()
    calendar.add_missing_timezones(first_date=window_start, last_date=(now + AHEAD).date())
    return calendar.to_ical()
