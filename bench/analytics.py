"""Dashboard latency on a busy center's year: /console/analytics/ against a trivial view, one run.

python -m bench.analytics (make bench-analytics): a database of the run's own filled with the
year `manage.py load_demo --large` loads (demo/busy_year.py: every room full all day, with the
care plans, scheduling runs, reminders, feedback, MYMOP forms and incidents the dashboards read),
one uvicorn process, each dashboard requested in
turn over HTTP keep-alive connections, over its default 30 days and over the whole year; p50/p95
per page and its ratio to the trivial view (/healthz/). Each twice: as kept (the dashboards keep
their figures until something at the center changes, console/dashboard_cache.py) and "afresh",
the center's analytics version renewed before each request as a change there would. Then each
page once more through Django's test client in this process: its queries (a fixed number
whatever the data), their time and the template's.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta

from bench.harness import fmt, forget_channels, run_and_record, serving, session_cookie
from bench.pages import Page, _profiled, busy_center, goal_checks, latency_rows, measure
from demo.busy_year import progress_bar

GOAL_RATIO = 3.0
AFRESH = " afresh"
DASHBOARDS = (
    ("attendance", "/console/analytics/"),
    ("utilisation", "/console/analytics/utilisation/"),
    ("reminders", "/console/analytics/reminders/"),
    ("adherence", "/console/analytics/adherence/"),
    ("centers", "/console/analytics/centers/"),
    ("bottlenecks", "/console/analytics/bottlenecks/"),
    ("outcome trends", "/console/analytics/outcome-trends/"),
)


def pages_of(today, days: int, how: str = "") -> tuple[Page, ...]:
    """The trivial view, then each dashboard over its default 30 days and over `days` days,
    named with `how` ("" as kept, or AFRESH)."""
    year = f"?start={today - timedelta(days=days - 1)}&end={today}"
    return (
        Page("trivial", "/healthz/", None),
        *(
            Page(f"{name}{period}{how}", path + query, "admin")
            for period, query in (("", ""), (" year", year))
            for name, path in DASHBOARDS
        ),
    )


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
    """Fill the database, serve it, measure; `server` as in bench.pages.run.

    Two passes, each with the trivial view: the dashboards as kept, then afresh (a renewed
    version drops every kept dashboard of the center, so the kept ones cannot share a pass).
    """
    from django.utils import timezone

    from clinics.models import Center
    from console.dashboard_cache import analytics_changed

    print("... booking a busy center's year with its outcomes", file=sys.stderr, flush=True)
    started = time.perf_counter()
    busy = busy_center(days=days, rooms=rooms, ahead=ahead, outcomes=True, progress=progress_bar())
    filled_s = time.perf_counter() - started
    _vacuum()
    today = timezone.now().astimezone(Center.objects.get(pk=busy.center_id).tzinfo).date()
    passes = {"kept": pages_of(today, days), "afresh": pages_of(today, days, AFRESH)}
    cookies = {who: session_cookie(user) for who, user in busy.users.items() if who}

    def recount(page: Page | None = None) -> None:
        if page is None or page.who:
            analytics_changed(busy.center_id)

    # A token left in the cache by an earlier run (whose center had the same id) must not
    # answer for this one.
    recount()
    timings = {}
    try:
        with serving(database_url, redis_url, channel_prefix, server) as server:
            for name, pages in passes.items():
                print(f"... {requests} requests of each page, {name}", file=sys.stderr, flush=True)
                timings[name] = measure(
                    server,
                    cookies,
                    requests,
                    warmup,
                    pages,
                    before_request=recount if name == "afresh" else None,
                )
    finally:
        forget_channels(redis_url, channel_prefix)
    profiled = {
        page.name: _profiled(page, busy.users, before_each=recount if name == "afresh" else None)
        for name, pages in passes.items()
        for page in pages
    }
    return {
        "busy": busy,
        "filled_s": filled_s,
        "passes": passes,
        "timings": timings,
        "profile": profiled,
        "counts": _counts(busy.center_id),
    }


def _vacuum() -> None:
    """What autovacuum does soon after a bulk insert, and long before a year went by: the
    visibility map lets the reminders dashboard read the outbox's index alone (book_history
    only ANALYZEs, inside load_demo's transaction, where VACUUM cannot run)."""
    from django.db import connection

    from feedback.models import MymopAnswer, SessionFeedback
    from notifications.models import OutboxMessage
    from patients.models import CarePlan
    from scheduling.models import SchedulingRun
    from sessions.models import TherapySession

    with connection.cursor() as cursor:
        for model in (
            TherapySession,
            OutboxMessage,
            SessionFeedback,
            CarePlan,
            MymopAnswer,
            SchedulingRun,
        ):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')


def _counts(center_id: int) -> dict[str, int]:
    """What the dashboards read, to print beside their times."""
    from feedback.models import MymopAnswer, SessionFeedback
    from notifications.models import OutboxMessage
    from patients.models import CarePlan
    from scheduling.models import SchedulingRun
    from sessions.models import TherapySession

    return {
        "sessions": TherapySession.objects.filter(center_id=center_id).count(),
        "feedback": SessionFeedback.objects.filter(session__center_id=center_id).count(),
        "messages": OutboxMessage.objects.filter(session__center_id=center_id).count(),
        "care_plans": CarePlan.objects.filter(patient__center_id=center_id).count(),
        "mymop": MymopAnswer.objects.filter(patient__center_id=center_id).count(),
        "runs": SchedulingRun.objects.filter(center_id=center_id).count(),
    }


def report(result: dict) -> dict:
    """Print the latency table and the verdicts; returns them for the JSON record."""
    busy, timings, profiled, counts = (
        result["busy"],
        result["timings"],
        result["profile"],
        result["counts"],
    )
    print(
        f"{counts['sessions']} sessions of one center ({busy.days} days of history, today, "
        f"{busy.ahead} days ahead; {busy.rooms} rooms full all day) in {counts['care_plans']} "
        f"care plans booked by as many scheduling runs, {counts['feedback']} feedback "
        f"answers, {counts['mymop']} MYMOP forms and {counts['messages']} reminders, "
        f"bulk-inserted in "
        f"{result['filled_s']:.1f} s. One uvicorn process, HTTP keep-alive, pages requested in "
        f"turn; x = ratio to the trivial view of the same pass; queries and SQL ms from the "
        f"test client. 'kept': the figures kept since the first request; 'afresh': the "
        f"center's analytics version renewed before each request, as a change at the center "
        f"would, so that they are counted again."
    )
    head = (
        f"{'page':<28}{'ok':>5}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'x p50':>7}{'x p95':>7}"
        f"{'queries':>9}{'sql ms':>8}"
    )
    rows, checks = [], {}
    for name, pages in result["passes"].items():
        print()
        print(f"{name}:")
        print(head)
        print("-" * len(head))
        pass_rows = latency_rows(pages, timings[name])
        for r in pass_rows:
            r["pass"] = name
            r["queries"] = profiled[r["page"]]["queries"]
            r["sql_ms"] = profiled[r["page"]]["sql_ms"]
            print(
                f"{r['page']:<28}{r['requests']:>5}{r['errors']:>7}"
                f"{fmt(r['p50'], '.1f'):>9}{fmt(r['p95'], '.1f'):>9}"
                f"{fmt(r['ratio_p50'], '.2f'):>7}{fmt(r['ratio_p95'], '.2f'):>7}"
                f"{r['queries']:>9}{r['sql_ms']:>8.1f}"
            )
            if r["last_error"]:
                print(f"    last error: {r['last_error']}")
        rows += pass_rows
        checks |= goal_checks(pass_rows)
    return {"rows": rows, "counts": counts, "checks": checks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365, help="days of history [365]")
    parser.add_argument("--ahead", type=int, default=14, help="days booked after today [14]")
    parser.add_argument("--rooms", type=int, default=12, help="rooms, each full all day [12]")
    parser.add_argument("--requests", type=int, default=100, help="measured, per page [100]")
    parser.add_argument("--warmup", type=int, default=5, help="requests not measured [5]")
    return run_and_record("analytics", parser.parse_args(argv), run, report)


if __name__ == "__main__":
    sys.exit(main())
