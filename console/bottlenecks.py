"""Reads of the bottlenecks dashboard: the rooms, practitioners and therapies that scheduling runs
most often name when they cannot place a session or place it off its first choice, and the
rooms and practitioners whose sessions ran over."""

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clinics.models import Center, PractitionerProfile, Room
from protocols.models import TherapyType
from scheduling.models import SchedulingRun
from sessions.models import SessionStatus, SessionStatusChange, TherapySession
from sessions.selectors import local_day_bounds

# The JSON a run stores is walked in SQL, so that a year of runs costs the same few queries.
# PostgreSQL and SQLite name their set-returning JSON functions differently; both give
# `key` and `value` columns and both read a member with ->>.
_SQL_DIALECT = {
    "postgresql": {
        "elements": "jsonb_array_elements({json} -> '{key}')",
        "entries": "jsonb_each_text({json} -> '{key}')",
        "position": "strpos({text}, {part})",
        # A step's protocol step, read by its key rather than by walking every step of the run.
        "step_ref": "CAST({json} -> 'steps' ->> ({key}) AS integer)",
    },
    "sqlite": {
        "elements": "json_each({json}, '$.{key}')",
        "entries": "json_each({json}, '$.{key}')",
        "position": "instr({text}, {part})",
        # A key may hold a dot, which SQLite's ->> would read as a path.
        "step_ref": (
            "(SELECT CAST(ref.value AS integer) FROM json_each({json}, '$.steps') AS ref"
            " WHERE ref.key = {key})"
        ),
    },
}

# Reasons that a resource stood in the way; the others (a step before it not placed, the
# horizon too short, the search out of time) follow from something else.
RESOURCE_REASONS = (
    "no_practitioner_with_skill",
    "no_room_of_type",
    "practitioner_unavailable",
    "room_unavailable",
    "gender_constraint",
)

# The engine's reason codes (scheduling FORMAT.md) in the clinic's words.
REASON_WORDS = {
    "no_practitioner_with_skill": gettext_lazy("No practitioner has the therapy's skill"),
    "no_room_of_type": gettext_lazy("No room of the kind the therapy needs"),
    "practitioner_unavailable": gettext_lazy("No practitioner with the skill was free"),
    "room_unavailable": gettext_lazy("No suitable room was free"),
    "patient_unavailable": gettext_lazy("The patient could not come or was busy"),
    "center_closed": gettext_lazy("The center was closed or its hours too short"),
    "sequence_gap": gettext_lazy("The protocol's gaps between steps did not fit"),
    "daily_limit": gettext_lazy("The patient already had their most sessions that day"),
    "gender_constraint": gettext_lazy("No practitioner or room of the gender asked for"),
    "horizon_exceeded": gettext_lazy("The days asked for ended first"),
    "predecessor_unscheduled": gettext_lazy("An earlier step of the plan was not placed"),
    "search_limit": gettext_lazy("The scheduler ran out of time"),
}

# What a run says in words: each reason an unscheduled step carries, and the notes of a placement
# off its first choice (the part of its explanation after "; ", but not "kept as pinned" or
# "unchanged", which name where a session stayed rather than what stood in its way).
_RUN_TEXTS = """
WITH runs AS (
    SELECT id, solution, refs FROM scheduling_schedulingrun
    WHERE center_id = %(center)s AND started_at >= %(starts)s AND started_at < %(ends)s
      AND solution IS NOT NULL
),
reasons AS (
    SELECT runs.id AS run_id, step.value ->> 'plan' AS plan, step.value ->> 'step' AS step,
           reason.value ->> 'code' AS code, reason.value ->> 'message' AS words
    FROM runs, {unscheduled} AS step, {reasons} AS reason
),
explained AS (
    SELECT runs.id AS run_id, placed.value ->> 'explanation' AS words
    FROM runs, {assignments} AS placed
),
named AS (
    SELECT run_id, words FROM reasons
    UNION ALL
    SELECT run_id, substr(words, {notes_at} + 2) FROM explained
    WHERE {notes_at} > 0
      AND substr(words, {notes_at} + 2) NOT LIKE 'kept as pinned%%'
      AND substr(words, {notes_at} + 2) NOT LIKE 'unchanged from%%'
),
-- Lowered once per text, not once per text and room of its run.
texts AS (
    SELECT run_id, words, lower(words) AS lowered FROM named
)
"""

_MENTIONS = (
    _RUN_TEXTS
    + """
SELECT 'room', CAST(room.value AS integer), COUNT(*), COUNT(DISTINCT texts.run_id)
FROM texts, runs, {rooms} AS room
WHERE runs.id = texts.run_id AND {room_named} > 0
  -- Implied by the test after it, and cheap: texts naming no room skip its rooms.
  AND {room_said} > 0
GROUP BY CAST(room.value AS integer)
UNION ALL
SELECT 'practitioner', CAST(who.value AS integer), COUNT(*), COUNT(DISTINCT texts.run_id)
FROM texts, runs, {practitioners} AS who
WHERE runs.id = texts.run_id AND {practitioner_named} > 0
GROUP BY CAST(who.value AS integer)
UNION ALL
SELECT 'therapy', protocol_step.therapy_id, COUNT(*), COUNT(DISTINCT unplaced.run_id)
FROM (SELECT DISTINCT run_id, plan, step FROM reasons WHERE code IN ({resource_codes})) AS unplaced,
     runs, protocols_protocolstep AS protocol_step
WHERE runs.id = unplaced.run_id AND protocol_step.id = {step_ref}
GROUP BY protocol_step.therapy_id
"""
)

_REASON_CODES = (
    _RUN_TEXTS
    + """
SELECT code, COUNT(*) FROM reasons GROUP BY code ORDER BY COUNT(*) DESC, code
"""
)


def _sql(template: str) -> str:
    dialect = _SQL_DIALECT[connection.vendor]

    def position(text: str, part: str) -> str:
        return dialect["position"].format(text=text, part=part)

    return template.format(
        unscheduled=dialect["elements"].format(json="runs.solution", key="unscheduled"),
        reasons=dialect["elements"].format(json="step.value", key="reasons"),
        assignments=dialect["elements"].format(json="runs.solution", key="assignments"),
        rooms=dialect["entries"].format(json="runs.refs", key="rooms"),
        practitioners=dialect["entries"].format(json="runs.refs", key="practitioners"),
        step_ref=dialect["step_ref"].format(
            json="runs.refs", key="unplaced.plan || '/' || unplaced.step"
        ),
        resource_codes=", ".join(f"'{code}'" for code in RESOURCE_REASONS),
        notes_at=position("words", "'; '"),
        # The engine writes "room R1 is booked …": the trailing space keeps R1 from matching R10.
        room_named=position("texts.lowered", "lower('room ' || room.key || ' ')"),
        room_said=position("texts.lowered", "'room '"),
        # A practitioner's id ("Asha Nair (T3)") is unique and written whole.
        practitioner_named=position("texts.words", "who.key"),
    )


class ResourceKind:
    ROOM = "room"
    PRACTITIONER = "practitioner"
    THERAPY = "therapy"


@dataclass
class Bottleneck:
    kind: str  # a ResourceKind
    name: str
    # Reasons and placement notes naming it; for a therapy, its steps left unplaced for want of
    # a practitioner or room (RESOURCE_REASONS).
    mentions: int = 0
    runs: int = 0  # scheduling runs those came from
    overruns: int = 0  # sessions in it (room) or with them (practitioner) that ran over

    @property
    def total(self) -> int:
        return self.mentions + self.overruns

    @property
    def kind_label(self) -> str:
        return {
            ResourceKind.ROOM: _("Room"),
            ResourceKind.PRACTITIONER: _("Practitioner"),
            ResourceKind.THERAPY: _("Therapy"),
        }[self.kind]

    @property
    def in_words(self) -> str:
        """One plain sentence: what the figures say about this resource."""
        overran = ngettext(
            "%(count)d session ran over", "%(count)d sessions ran over", self.overruns
        ) % {"count": self.overruns}
        if not self.mentions:
            return _("%(name)s: %(overran)s.") % {"name": self.name, "overran": overran}
        in_runs = ngettext(
            "in %(runs)d scheduling run", "in %(runs)d scheduling runs", self.runs
        ) % {"runs": self.runs}
        values = {"name": self.name, "count": self.mentions, "in_runs": in_runs}
        if self.kind == ResourceKind.THERAPY:
            named = (
                ngettext(
                    "%(name)s could not be placed %(count)d time for want of a free "
                    "practitioner or room, %(in_runs)s",
                    "%(name)s could not be placed %(count)d times for want of a free "
                    "practitioner or room, %(in_runs)s",
                    self.mentions,
                )
                % values
            )
        else:
            named = (
                ngettext(
                    "%(name)s was named %(count)d time as what stood in the way, %(in_runs)s",
                    "%(name)s was named %(count)d times as what stood in the way, %(in_runs)s",
                    self.mentions,
                )
                % values
            )
        if self.overruns:
            return _("%(named)s; %(overran)s.") % {"named": named, "overran": overran}
        return _("%(named)s.") % {"named": named}


@dataclass
class BottleneckFigures:
    resources: list[Bottleneck]  # most named first
    reason_codes: list[tuple[str, str, int]]  # (engine's code, in words, how many reasons)
    runs: int  # scheduling runs with a solution in the days


def _runs_in_period(center: Center, starts, ends) -> int:
    return SchedulingRun.objects.filter(
        center=center, started_at__gte=starts, started_at__lt=ends, solution__isnull=False
    ).count()


def bottlenecks(*, center: Center, first_day: date, last_day: date) -> BottleneckFigures:
    """What scheduling runs started in the days (center's zone) named, and what ran over, ranked
    by how often; a fixed number of queries whatever the number of runs or sessions."""
    starts, _unused = local_day_bounds(first_day, center.timezone)
    _unused, ends = local_day_bounds(last_day, center.timezone)
    window = {"center": center.pk, "starts": starts, "ends": ends}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The JSON functions' row estimates (100 rows each) multiply into costs that switch
            # on JIT compilation: it took 1.1 s of a 1.2 s query over a busy center's month.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_sql(_MENTIONS), window)
        mentions = cursor.fetchall()
        cursor.execute(_sql(_REASON_CODES), window)
        reason_codes = [
            (code, str(REASON_WORDS.get(code, code)), count) for code, count in cursor.fetchall()
        ]

    # A session running over now has its expected end set; one that ran over before has it
    # cleared once it left the table, which it left after its planned end. The sessions that
    # left late are a small set read once (hashed), not joined: no session is repeated, and one
    # query by room and practitioner counts both (a session has one of each).
    left_late = SessionStatusChange.objects.filter(
        from_status=SessionStatus.IN_SESSION, changed_at__gt=F("session__ends_at")
    ).values("session_id")
    overran = (
        TherapySession.objects.filter(
            Q(overrun_until__isnull=False) | Q(pk__in=left_late),
            center=center,
            starts_at__gte=starts,
            starts_at__lt=ends,
        )
        .values_list("room", "practitioner")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overruns: dict[str, dict[int, int]] = {ResourceKind.ROOM: {}, ResourceKind.PRACTITIONER: {}}
    for room, practitioner, count in overran:
        for kind, pk in ((ResourceKind.ROOM, room), (ResourceKind.PRACTITIONER, practitioner)):
            if pk is not None:
                overruns[kind][pk] = overruns[kind].get(pk, 0) + count
    named: dict[tuple[str, int], Bottleneck] = {}
    for kind, pk, count, runs in mentions:
        named[(kind, pk)] = Bottleneck(kind=kind, name="", mentions=count, runs=runs)
    for kind, counts in overruns.items():
        for pk, count in counts.items():
            named.setdefault((kind, pk), Bottleneck(kind=kind, name="")).overruns = count

    def wanted(kind: str) -> list[int]:
        return [pk for (k, pk) in named if k == kind]

    names = {
        ResourceKind.ROOM: {
            room.pk: _("Room %(code)s · %(name)s") % {"code": room.code, "name": room.name}
            if not room.name_says_code
            else room.name
            for room in Room.objects.filter(center=center, pk__in=wanted(ResourceKind.ROOM))
        },
        ResourceKind.PRACTITIONER: {
            p.pk: p.user.get_full_name() or p.user.email
            for p in PractitionerProfile.objects.filter(
                pk__in=wanted(ResourceKind.PRACTITIONER)
            ).select_related("user")
        },
        ResourceKind.THERAPY: {
            t.pk: _("%(therapy)s (skill: %(skill)s)")
            % {"therapy": t.name, "skill": t.required_skill.name}
            for t in TherapyType.objects.filter(pk__in=wanted(ResourceKind.THERAPY)).select_related(
                "required_skill"
            )
        },
    }
    resources = []
    for (kind, pk), row in named.items():
        row.name = names[kind].get(pk, "?")
        resources.append(row)
    resources.sort(key=lambda row: (-row.total, -row.mentions, row.kind, row.name))
    return BottleneckFigures(
        resources=resources,
        reason_codes=reason_codes,
        runs=_runs_in_period(center, starts, ends),
    )
