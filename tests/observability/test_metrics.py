"""/metrics: who may read it, what it serves, and that the portal's own figures move."""

import datetime

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import Channel, OutboxStatus
from scheduling.models import SchedulingRun
from sessions.models import SessionStatus
from sessions.services import TransitionError, session_transition
from tests.factories import OutboxMessageFactory, SchedulingRunFactory, TherapySessionFactory

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.9"


def samples(body: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition, keyed by name and labels, parsed as Prometheus would."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return samples(response.content.decode())


def transitions(figures, to_status) -> float:
    key = ("portal_session_transitions_total", frozenset({("to_status", to_status)}))
    return figures.get(key, 0.0)


def test_an_address_not_allowed_is_refused(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE)

    assert response.status_code == 404
    assert b"django_http_requests" not in response.content


def test_a_wrong_token_is_refused_and_the_right_one_served(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token-for-tests"

    wrong = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer guess")
    not_bearer = client.get(
        "/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Basic s3cret-scrape-token-for-tests"
    )
    right = client.get(
        "/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token-for-tests"
    )

    assert wrong.status_code == 404
    assert not_bearer.status_code == 404
    assert right.status_code == 200
    assert b"portal_session_transitions" in right.content


def test_no_token_configured_means_an_empty_bearer_opens_nothing(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 404


def test_an_allowed_network_is_served(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16"]

    inside = client.get("/metrics", REMOTE_ADDR="10.20.3.4")
    loopback_no_longer_listed = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert inside.status_code == 200
    assert loopback_no_longer_listed.status_code == 404


def test_loopback_gets_the_exposition_format_with_request_and_database_figures(client):
    client.get("/healthz/")
    response = client.get("/metrics")

    assert response.status_code == 200
    # Prometheus's text exposition format (the version depends on prometheus_client's).
    assert response["Content-Type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    # django-prometheus: requests by view and database queries by vendor.
    assert "django_http_requests_total_by_view_transport_method" in names
    assert "django_db_execute" in names
    assert {"portal_session_transitions", "portal_scheduling_runs", "portal_messages"} <= names


def test_a_session_transition_is_counted_once_it_commits(
    client, center, practitioner, practitioner_user, django_capture_on_commit_callbacks
):
    session = TherapySessionFactory(center=center, practitioner=practitioner)
    before = scrape(client)

    with django_capture_on_commit_callbacks(execute=True):
        session_transition(
            session=session, to_status=SessionStatus.IN_PREPARATION, by=practitioner_user
        )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionError):
        # Not a move the lifecycle allows: nothing changes, nothing is counted.
        session_transition(session=session, to_status=SessionStatus.RECOVERY, by=practitioner_user)
    after = scrape(client)

    assert transitions(after, "in_preparation") == transitions(before, "in_preparation") + 1
    assert transitions(after, "recovery") == transitions(before, "recovery")


def test_scheduling_runs_are_counted_with_their_durations(client, center):
    start = timezone.now() - datetime.timedelta(minutes=5)
    for seconds, status in ((3, "succeeded"), (20, "failed")):
        SchedulingRunFactory(
            center=center,
            status=status,
            started_at=start,
            finished_at=start + datetime.timedelta(seconds=seconds),
        )
    SchedulingRunFactory(center=center, kind=SchedulingRun.Kind.SICK_LEAVE)  # still running

    figures = scrape(client)

    def runs(kind, status):
        labels = frozenset({("kind", kind), ("status", status)})
        return figures.get(("portal_scheduling_runs_total", labels), 0)

    def bucket(le):
        labels = frozenset({("kind", "auto_schedule"), ("le", le)})
        return figures[("portal_scheduling_run_duration_seconds_bucket", labels)]

    assert runs("auto_schedule", "succeeded") == 1
    assert runs("auto_schedule", "failed") == 1
    assert runs("sick_leave", "running") == 1
    assert (bucket("2.0"), bucket("5.0"), bucket("10.0"), bucket("30.0"), bucket("+Inf")) == (
        0,
        1,
        1,
        2,
        2,
    )
    auto = frozenset({("kind", "auto_schedule")})
    assert figures[("portal_scheduling_run_duration_seconds_sum", auto)] == pytest.approx(23.0)
    assert figures[("portal_scheduling_run_duration_seconds_count", auto)] == 2
    # A run that has not finished has no duration yet.
    assert (
        "portal_scheduling_run_duration_seconds_count",
        frozenset({("kind", "sick_leave")}),
    ) not in figures


def test_messages_are_counted_as_sent_or_failed_by_channel(client):
    OutboxMessageFactory(channel=Channel.SMS, status=OutboxStatus.SENT)
    OutboxMessageFactory(channel=Channel.SMS, status=OutboxStatus.DELIVERED)
    OutboxMessageFactory(channel=Channel.SMS, status=OutboxStatus.PLANNED)
    OutboxMessageFactory(channel=Channel.EMAIL, status=OutboxStatus.FAILED)
    OutboxMessageFactory(channel=Channel.EMAIL, status=OutboxStatus.CANCELLED)

    figures = scrape(client)

    def messages(channel, outcome):
        labels = frozenset({("channel", channel), ("outcome", outcome)})
        return figures.get(("portal_messages_total", labels), 0)

    assert messages("sms", "sent") == 2
    assert messages("sms", "failed") == 0
    assert messages("email", "failed") == 1
    assert messages("email", "sent") == 0
