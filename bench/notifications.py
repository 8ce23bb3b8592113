"""Notifications: planning reminders for 2,000 sessions, then dispatching 10,000 due messages.

python -m bench.notifications: a database of the run's own; planning runs in this process;
dispatching runs in 1, then 2, worker processes (each as a django-q2 worker would run the job)
with the console email backend, SMS through the real twilio client to a fake Twilio on
loopback, and in-app rows. Goal: at least 200 messages a second with 2 workers.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta

from bench.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    OUT,
    REPO,
    machine_load,
    server_environment,
    setup_django,
    throwaway_database,
    verdict,
)

GOAL_PER_SECOND_TWO_WORKERS = 200.0
SESSIONS_PER_PATIENT = 10


def _clinic(patients: int):
    """A center, a therapy with the starter playbook, and patients who consent to every channel."""
    from notifications.services import starter_playbook_load
    from notifications.starter_playbook import STARTER_PLAYBOOK
    from patients.models import Consent
    from tests.factories import CenterFactory, PatientFactory, TherapyTypeFactory

    center = CenterFactory(slug="bench", timezone="Asia/Kolkata")
    therapy = TherapyTypeFactory(code="virechana", name="Virechana", name_hi="विरेचन")
    starter_playbook_load(entries=STARTER_PLAYBOOK, therapies={"virechana": therapy})
    people = [
        PatientFactory(center=center, language="hi" if n % 3 == 0 else "en")
        for n in range(patients)
    ]
    Consent.objects.bulk_create(
        Consent(patient=p, kind=kind, document_version="bench", signed_by=p.full_name)
        for p in people
        for kind in (Consent.Kind.SMS_MESSAGES, Consent.Kind.EMAIL_MESSAGES)
    )
    return center, therapy, people


def plan(sessions: int) -> dict:
    """Book `sessions` sessions (no room or practitioner: only the planning is measured) and
    plan each one's reminders through the service the booking signal calls."""
    from django.utils import timezone

    from notifications.models import OutboxMessage
    from notifications.services import reminders_plan
    from sessions.models import TherapySession

    center, therapy, people = _clinic(max(1, sessions // SESSIONS_PER_PATIENT))
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    booked = TherapySession.objects.bulk_create(
        TherapySession(
            center=center,
            patient=people[n % len(people)],
            therapy=therapy,
            starts_at=start + timedelta(days=n // len(people), hours=n % 7),
            ends_at=start + timedelta(days=n // len(people), hours=n % 7, minutes=60),
            room_released_at=start + timedelta(days=n // len(people), hours=n % 7, minutes=60),
            patient_released_at=start + timedelta(days=n // len(people), hours=n % 7, minutes=60),
        )
        for n in range(sessions)
    )
    began = time.perf_counter()
    for session in booked:
        reminders_plan(session=session)
    first = time.perf_counter() - began
    planned = OutboxMessage.objects.count()
    began = time.perf_counter()
    for session in booked:
        reminders_plan(session=session)
    again = time.perf_counter() - began
    return {
        "sessions": sessions,
        "messages_planned": planned,
        "seconds": round(first, 2),
        "sessions_per_second": round(sessions / first, 1),
        "replan_seconds": round(again, 2),
        "messages_after_replan": OutboxMessage.objects.count(),
    }


def _due_messages(count: int, people) -> None:
    from django.utils import timezone

    from notifications.models import Channel, OutboxMessage, OutboxStatus

    OutboxMessage.objects.all().delete()
    channels = [Channel.SMS, Channel.SMS, Channel.EMAIL, Channel.IN_APP]
    due = timezone.now() - timedelta(minutes=1)
    rows = []
    for n in range(count):
        patient = people[n % len(people)]
        channel = channels[n % len(channels)]
        recipient = {
            Channel.SMS: str(patient.phone),
            Channel.EMAIL: patient.email,
            Channel.IN_APP: f"patient:{patient.pk}",
        }[channel]
        rows.append(
            OutboxMessage(
                patient=patient,
                channel=channel,
                recipient=recipient,
                subject=f"Reminder {n}",
                body=f"bench message {n}",
                due_at=due,
                status=OutboxStatus.PLANNED,
                idempotency_key=f"bench:{uuid.uuid4().hex}",
            )
        )
    OutboxMessage.objects.bulk_create(rows, batch_size=2000)


def dispatch(count: int, workers: int, *, database_url: str, redis_url: str, prefix: str) -> dict:
    """Send `count` due messages with `workers` processes; messages per second, wall clock."""
    from notifications.models import OutboxMessage, OutboxStatus
    from patients.models import Patient
    from tests.notifications.servers import ACCOUNT_SID, AUTH_TOKEN, twilio_server

    people = list(Patient.objects.all())
    _due_messages(count, people)
    twilio = twilio_server()
    env = {
        **os.environ,
        **server_environment(database_url, redis_url, prefix),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": "+14155550100",
        "TWILIO_BASE_URL": twilio.url,
    }
    reports = [OUT / f"notifications-worker-{os.getpid()}-{n}.json" for n in range(workers)]
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    # This process does nothing else meanwhile but serve the fake Twilio.
    twilio_cpu_before = _cpu_seconds()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.notifications", "--worker", str(report)],
            cwd=REPO,
            env=env,
            # The console backends print every message; only their cost is measured.
            stdout=subprocess.DEVNULL,
        )
        for report in reports
    ]
    codes = [p.wait() for p in processes]
    twilio_cpu = _cpu_seconds() - twilio_cpu_before
    wall = time.perf_counter() - began
    # Dispatching proper: from the first worker's first claim to the last worker's end (the
    # wall clock includes starting Python and Django in each process).
    spans = [json.loads(report.read_text()) for report in reports]
    for report in reports:
        report.unlink()
    elapsed = max(s["finished"] for s in spans) - min(s["started"] for s in spans)
    twilio.shutdown()
    twilio.server_close()
    outcomes = collections.Counter(OutboxMessage.objects.values_list("status", flat=True))
    sms_bodies = collections.Counter(m["Body"] for m in twilio.sent)
    done = outcomes[OutboxStatus.SENT] + outcomes[OutboxStatus.DELIVERED]
    return {
        "workers": workers,
        "messages": count,
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed, 1),
        "wall_seconds_with_start_up": round(wall, 2),
        "per_worker": [s["sent"] for s in spans],
        # What the workers' own processes used, whatever else the machine was running: the
        # fake Twilio (this process) and PostgreSQL come on top.
        "worker_cpu_ms_per_message": round(1000 * sum(s["cpu_seconds"] for s in spans) / count, 2),
        "fake_twilio_cpu_ms_per_message": round(1000 * twilio_cpu / count, 2),
        "outcomes": dict(outcomes),
        "all_sent": done == count and all(code == 0 for code in codes),
        "sms_sent_twice": sum(1 for n in sms_bodies.values() if n > 1),
    }


def worker(report: str) -> int:
    from notifications.dispatch import outbox_dispatch

    sent = 0
    cpu_before = _cpu_seconds()
    started = time.time()
    while batch := outbox_dispatch(limit=100).total:
        sent += batch
    finished = time.time()
    with open(report, "w", encoding="utf-8") as out:
        json.dump(
            {
                "started": started,
                "finished": finished,
                "sent": sent,
                "cpu_seconds": _cpu_seconds() - cpu_before,
            },
            out,
        )
    return 0


def _cpu_seconds() -> float:
    """CPU time this process has used, user and system (threads included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=2000, help="sessions to plan [2000]")
    parser.add_argument("--messages", type=int, default=10000, help="messages to send [10000]")
    parser.add_argument("--worker", metavar="REPORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import django

        django.setup()
        return worker(args.worker)

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    prefix = f"bench-notifications-{uuid.uuid4().hex}"
    load_before = machine_load()
    with throwaway_database("notifications", server_url) as database_url:
        setup_django(database_url, redis_url, prefix)
        planning = plan(args.sessions)
        print(
            f"Planning: {planning['sessions']} sessions, {planning['messages_planned']} messages "
            f"in {planning['seconds']} s ({planning['sessions_per_second']} sessions/s); "
            f"planning again: {planning['replan_seconds']} s, "
            f"{planning['messages_after_replan']} messages (unchanged)."
        )
        runs = []
        for workers in (1, 2):
            run = dispatch(
                args.messages,
                workers,
                database_url=database_url,
                redis_url=redis_url,
                prefix=prefix,
            )
            runs.append(run)
            print(
                f"Dispatch, {workers} worker(s): {run['messages']} messages in {run['seconds']} s "
                f"= {run['per_second']}/s (by worker: {run['per_worker']}; wall clock with "
                f"start-up {run['wall_seconds_with_start_up']} s); CPU per message: workers "
                f"{run['worker_cpu_ms_per_message']} ms, fake Twilio "
                f"{run['fake_twilio_cpu_ms_per_message']} ms; all sent: {run['all_sent']}; "
                f"SMS sent twice: {run['sms_sent_twice']}"
            )
    two = runs[-1]
    ok = two["per_second"] >= GOAL_PER_SECOND_TWO_WORKERS and two["all_sent"]
    print(
        f"  [{verdict(ok):>4}] at least {GOAL_PER_SECOND_TWO_WORKERS:.0f} messages/s with 2 "
        f"workers, every message sent once"
    )
    print(f"Before the run: {load_before}; after: {machine_load()}.")
    record = {
        "when": datetime.now().strftime("%Y%m%d-%H%M%S"),
        "args": vars(args),
        "planning": planning,
        "dispatch": runs,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "notifications-latest.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
