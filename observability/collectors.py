"""Figures read from the database when Prometheus scrapes: scheduling runs and messages out.

Runs finish and messages go out in django-q2 workers, other processes than the web process
serving /metrics, so an in-process counter there would never be seen here. The rows are the
truth shared by every process: each scrape counts them (three grouped queries).
"""

import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

from notifications.models import OutboxMessage, OutboxStatus
from scheduling.models import SchedulingRun

# Seconds; runs are given a 10 s limit by default, replans of a whole center take longer.
RUN_DURATION_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

# What "sent" means by channel: SMS and email are sent (and maybe later delivered), in-app
# messages are delivered at once.
OUTBOX_OUTCOMES = {
    OutboxStatus.SENT: "sent",
    OutboxStatus.DELIVERED: "sent",
    OutboxStatus.FAILED: "failed",
}


def _runs_family() -> CounterMetricFamily:
    return CounterMetricFamily(
        "portal_scheduling_runs",
        "Scheduling runs started, by kind and current status.",
        labels=["kind", "status"],
    )


def _durations_family() -> HistogramMetricFamily:
    return HistogramMetricFamily(
        "portal_scheduling_run_duration_seconds",
        "Time from start to finish of finished scheduling runs, by kind.",
        labels=["kind"],
    )


def _messages_family() -> CounterMetricFamily:
    return CounterMetricFamily(
        "portal_messages",
        "Messages to patients that went out (sent or delivered) or failed for good, by channel.",
        labels=["channel", "outcome"],
    )


class ClinicRecordsCollector:
    """A prometheus_client collector over SchedulingRun and OutboxMessage rows."""

    def describe(self):
        # Without describe() the registry would call collect() at registration, which runs
        # in AppConfig.ready(), before any database may be reachable.
        return [_runs_family(), _durations_family(), _messages_family()]

    def collect(self):
        runs = _runs_family()
        for row in SchedulingRun.objects.values("kind", "status").annotate(n=Count("pk")):
            runs.add_metric([row["kind"], row["status"]], row["n"])
        yield runs
        yield self._durations()
        messages = _messages_family()
        totals: dict[tuple[str, str], int] = {}
        for row in (
            OutboxMessage.objects.filter(status__in=OUTBOX_OUTCOMES)
            .values("channel", "status")
            .annotate(n=Count("pk"))
        ):
            key = (row["channel"], OUTBOX_OUTCOMES[row["status"]])
            totals[key] = totals.get(key, 0) + row["n"]
        for (channel, outcome), count in sorted(totals.items()):
            messages.add_metric([channel, outcome], count)
        yield messages

    def _durations(self) -> HistogramMetricFamily:
        family = _durations_family()
        duration = ExpressionWrapper(
            F("finished_at") - F("started_at"), output_field=DurationField()
        )
        buckets = {
            f"le_{i}": Count("pk", filter=Q(duration__lte=datetime.timedelta(seconds=bound)))
            for i, bound in enumerate(RUN_DURATION_BUCKETS)
        }
        rows = (
            SchedulingRun.objects.filter(finished_at__isnull=False)
            .annotate(duration=duration)
            .values("kind")
            .annotate(n=Count("pk"), total=Sum("duration"), **buckets)
        )
        for row in rows:
            cumulative = [
                (str(bound), row[f"le_{i}"]) for i, bound in enumerate(RUN_DURATION_BUCKETS)
            ]
            cumulative.append(("+Inf", row["n"]))
            total = row["total"].total_seconds() if row["total"] is not None else 0.0
            family.add_metric([row["kind"]], cumulative, total)
        return family
