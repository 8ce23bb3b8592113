"""Page latency on a busy center: My day and the board against a trivial view, in one run.

python -m bench.pages (make bench-pages): a database of the run's own filled with a year of one
center's sessions (bulk-inserted), one uvicorn process, each page requested in turn over HTTP
keep-alive connections; p50/p95 per page and its ratio to the trivial view (/healthz/). Then,
in this process, each page once more through Django's test client: its queries, their time and
the template's, so that a page that misses shows where its time goes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time as clock

from bench.harness import (
    fmt,
    forget_channels,
    percentile,
    run_and_record,
    serving,
    session_cookie,
    verdict,
)
from demo.busy_year import PATIENTS_PER_PLACE, SLOTS, Progress, book_history

GOAL_RATIO = 3.0
# The longest (75 min) and its turnover (15 min) fit one of demo.busy_year's 90-minute slots.
THERAPY_MINUTES = (45, 60, 60, 75)
PROFILE_REPEATS = 3


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str | None  # whose session cookie the request carries


PAGES = (
    Page("trivial", "/healthz/", None),
    Page("my_day", "/my-day/", "practitioner"),
    Page("board", "/board/", "admin"),
)


@dataclass
class BusyCenter:
    center_id: int
    days: int
    ahead: int
    rooms: int
    sessions: int
    users: dict  # who -> User
    todays_sessions: int
    practitioners_day: int


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    errors: int = 0
    last_error: str = ""


def busy_center(
    *, days: int, rooms: int, ahead: int, outcomes: bool = False, progress: Progress | None = None
) -> BusyCenter:
    """One center's `days` of history, today and `ahead` days booked, `rooms` rooms all day;
    with `outcomes`, the reminders and feedback the dashboards read (demo.busy_year)."""
    from django.db import connection

    from clinics.choices import Role
    from patients.models import ClinicalFlag, Patient
    from tests.factories import (
        CenterFactory,
        MembershipFactory,
        OpeningHoursFactory,
        PatientFactory,
        PractitionerProfileFactory,
        RoomFactory,
        TherapyTypeFactory,
        UserFactory,
    )

    run = uuid.uuid4().hex[:8]
    center = CenterFactory(name="Busy Panchakarma Center", slug=f"busy-{run}")
    for weekday in range(7):
        OpeningHoursFactory(center=center, weekday=weekday, opens=clock(7), closes=clock(20))
    therapies = [
        TherapyTypeFactory(
            duration_minutes=minutes, room_turnover_minutes=15, patient_rest_after_minutes=15
        )
        for minutes in THERAPY_MINUTES
    ]
    room_list = [RoomFactory(center=center) for _ in range(rooms)]
    practitioners = []
    for index in range(rooms):
        user = UserFactory(email=f"vaidya-{index}-{run}@bench.example.org")
        MembershipFactory(user=user, center=center, role=Role.PRACTITIONER)
        practitioners.append(PractitionerProfileFactory(user=user))
    admin = UserFactory(email=f"admin-{run}@bench.example.org")
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    patients = Patient.objects.bulk_create(
        PatientFactory.build_batch(rooms * SLOTS * PATIENTS_PER_PLACE, center=center)
    )
    ClinicalFlag.objects.bulk_create(
        ClinicalFlag(patient=p, reason="Nausea score rose after Virechana", source="feedback")
        for p in patients[::10]
    )
    total = book_history(
        center,
        therapies,
        room_list,
        practitioners,
        patients,
        days,
        ahead,
        outcomes=outcomes,
        progress=progress,
    )
    with connection.cursor() as cursor:
        # As autovacuum would have, long before a year went by (book_history analyzes the
        # tables it fills).
        for model in (Patient, ClinicalFlag):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return BusyCenter(
        center_id=center.pk,
        days=days,
        ahead=ahead,
        rooms=rooms,
        sessions=total,
        users={"practitioner": practitioners[0].user, "admin": admin, None: None},
        todays_sessions=rooms * SLOTS,
        practitioners_day=SLOTS,
    )


def measure(
    server: str,
    cookies: dict,
    requests: int,
    warmup: int,
    pages: tuple[Page, ...] = PAGES,
    before_request: Callable[[Page], None] | None = None,
) -> dict[str, Timings]:
    """Each page in turn, so that whatever else loads the machine weighs on all of them alike;
    `before_request(page)`, untimed, before each request (to drop what a page keeps)."""
    host, port = server.split(":")
    connections = {page.name: http.client.HTTPConnection(host, int(port)) for page in pages}
    timings = {page.name: Timings() for page in pages}
    try:
        for round_ in range(warmup + requests):
            for page in pages:
                if before_request:
                    before_request(page)
                headers = {"Cookie": cookies[page.who]} if page.who else {}
                response, body, elapsed = _timed_get(connections[page.name], page.path, headers)
                if round_ < warmup:
                    continue
                timing = timings[page.name]
                if response.status != 200:
                    timing.errors += 1
                    timing.last_error = f"{response.status} {body[:160]!r}"
                    continue
                timing.ms.append(elapsed)
    finally:
        for connection in connections.values():
            connection.close()
    return timings


def _timed_get(connection: http.client.HTTPConnection, path: str, headers: dict):
    """GET over the page's keep-alive connection: the response, its body and the ms it took.

    uvicorn closes a connection idle for 5 s, which a round of many pages on a loaded machine
    can outlast; the request is then sent again on a new connection, and that one is timed.
    """
    try:
        return _get_once(connection, path, headers)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        connection.close()
        return _get_once(connection, path, headers)


def _get_once(connection: http.client.HTTPConnection, path: str, headers: dict):
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response, body, (time.perf_counter() - started) * 1000


@contextlib.contextmanager
def timed_rendering(spent: list[float]):
    """Time every template rendered through django.shortcuts.render (render_to_string)."""
    from django.template import loader

    original = loader.render_to_string

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - started) * 1000)

    loader.render_to_string = timed
    try:
        yield
    finally:
        loader.render_to_string = original


def profile(busy: BusyCenter) -> dict[str, dict]:
    """Each page through the test client in this process: total, SQL and template time.

    Twice: as kept (My day and the board keep their drawing until something at the center
    changes, sessions/floor_cache.py) and drawn afresh, just after such a change.
    """
    from sessions.floor_cache import floor_changed

    out = {}
    for page in PAGES:
        out[page.name] = _profiled(page, busy.users, before_each=None)
        if page.who:
            out[page.name + " afresh"] = _profiled(
                page, busy.users, before_each=lambda: floor_changed(busy.center_id)
            )
    return out


def _profiled(page: Page, users: dict, before_each) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if page.who:
        client.force_login(users[page.who])
    samples = []
    for _ in range(PROFILE_REPEATS):
        if before_each:
            before_each()
        rendering: list[float] = []
        with CaptureQueriesContext(connection) as queries, timed_rendering(rendering):
            started = time.perf_counter()
            status = client.get(page.path).status_code
            total = (time.perf_counter() - started) * 1000
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries]
        slowest = max(timed, default=(0.0, ""))
        samples.append(
            {
                "status": status,
                "total_ms": total,
                "queries": len(timed),
                "sql_ms": sum(t for t, _ in timed),
                "render_ms": sum(rendering),
                "slowest_ms": slowest[0],
                "slowest_sql": slowest[1][:300],
            }
        )
    # The median run by total time, so that one stall does not speak for the page.
    return sorted(samples, key=lambda s: s["total_ms"])[PROFILE_REPEATS // 2]


def run(
    *,
    database_url: str,
    redis_url: str,
    channel_prefix: str,
    days: int,
    rooms: int,
    ahead: int,
    requests: int,
    warmup: int,
    server: str | None = None,
) -> dict:
    """Fill the database, serve it, measure.

    Django must already be set up on the database; `server` is a uvicorn already serving it
    (the smoke test's), else one is started for the run.
    """
    print("... booking a busy center's history", file=sys.stderr, flush=True)
    started = time.perf_counter()
    busy = busy_center(days=days, rooms=rooms, ahead=ahead)
    filled_s = time.perf_counter() - started
    cookies = {who: session_cookie(user) for who, user in busy.users.items() if who}
    try:
        with serving(database_url, redis_url, channel_prefix, server) as server:
            print(f"... {requests} requests of each page", file=sys.stderr, flush=True)
            timings = measure(server, cookies, requests, warmup)
    finally:
        forget_channels(redis_url, channel_prefix)
    return {
        "busy": busy,
        "filled_s": filled_s,
        "timings": timings,
        "profile": profile(busy),
    }


def report(result: dict) -> dict:
    """Print the latency table, the profile and the verdicts; returns them for the JSON record."""
    busy, timings, profiled = result["busy"], result["timings"], result["profile"]
    print(
        f"{busy.sessions} sessions of one center ({busy.days} days of history, today, "
        f"{busy.ahead} days ahead; {busy.rooms} rooms full all day), bulk-inserted in "
        f"{result['filled_s']:.1f} s. Today's board: {busy.todays_sessions} sessions; the "
        f"practitioner's day: {busy.practitioners_day}. One uvicorn process, HTTP keep-alive, "
        f"pages requested in turn; x = ratio to the trivial view."
    )
    rows = latency_rows(PAGES, timings)
    head = (
        f"{'page':<9}{'path':<11}{'ok':>5}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'x p50':>7}{'x p95':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['page']:<9}{r['path']:<11}{r['requests']:>5}{r['errors']:>7}"
            f"{fmt(r['p50'], '.1f'):>9}{fmt(r['p95'], '.1f'):>9}"
            f"{fmt(r['ratio_p50'], '.2f'):>7}{fmt(r['ratio_p95'], '.2f'):>7}"
        )
        if r["last_error"]:
            print(f"    last error: {r['last_error']}")
    print()
    print(
        f"Where the time goes (in this process, test client, median of {PROFILE_REPEATS}; "
        "'afresh' just after a change at the center, when the kept drawing is dropped):"
    )
    head = (
        f"{'page':<15}{'status':>7}{'total ms':>10}{'queries':>9}{'sql ms':>8}"
        f"{'template ms':>13}{'slowest q ms':>14}"
    )
    print(head)
    print("-" * len(head))
    for name, p in profiled.items():
        print(
            f"{name:<15}{p['status']:>7}{p['total_ms']:>10.1f}{p['queries']:>9}"
            f"{p['sql_ms']:>8.1f}{p['render_ms']:>13.1f}{p['slowest_ms']:>14.1f}"
        )
    for name, p in profiled.items():
        if name != "trivial":
            print(f"  slowest query of {name}: {p['slowest_sql'][:200]}")
    checks = goal_checks(rows)
    return {"sessions": busy.sessions, "rows": rows, "profile": profiled, "checks": checks}


def latency_rows(pages: tuple[Page, ...], timings: dict[str, Timings]) -> list[dict]:
    """p50/p95 of each page and their ratios to the first page's (the trivial view)."""
    base = timings[pages[0].name]
    base_p50, base_p95 = percentile(base.ms, 0.5), percentile(base.ms, 0.95)
    rows = []
    for page in pages:
        t = timings[page.name]
        p50, p95 = percentile(t.ms, 0.5), percentile(t.ms, 0.95)
        rows.append(
            {
                "page": page.name,
                "path": page.path,
                "requests": len(t.ms),
                "errors": t.errors,
                "last_error": t.last_error,
                "p50": p50,
                "p95": p95,
                "ratio_p50": None if p50 is None or not base_p50 else p50 / base_p50,
                "ratio_p95": None if p95 is None or not base_p95 else p95 / base_p95,
            }
        )
    return rows


def goal_checks(rows: list[dict]) -> dict[str, str]:
    """Printed and returned: each page but the trivial one within GOAL_RATIO of it at p95."""
    checks = {}
    for r in rows[1:]:
        ok = None if r["ratio_p95"] is None else r["ratio_p95"] <= GOAL_RATIO and not r["errors"]
        checks[f"{r['page']} p95 <= {GOAL_RATIO:g}x the trivial view's, no errors"] = verdict(ok)
    print()
    for label, outcome in checks.items():
        print(f"  [{outcome:>4}] {label}")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365, help="days of history [365]")
    parser.add_argument("--ahead", type=int, default=14, help="days booked after today [14]")
    parser.add_argument("--rooms", type=int, default=12, help="rooms, each full all day [12]")
    parser.add_argument("--requests", type=int, default=200, help="measured, per page [200]")
    parser.add_argument("--warmup", type=int, default=10, help="requests not measured [10]")
    return run_and_record("pages", parser.parse_args(argv), run, report)


if __name__ == "__main__":
    sys.exit(main())
