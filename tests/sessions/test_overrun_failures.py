"""The over-run clock says on the board, in words, which session it could not move and why."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from sessions.models import OverrunFailure, SessionStatus, TherapySession
from sessions.tasks import session_overruns_extend_task
from tests.factories import PatientFactory, TherapySessionFactory, TherapyTypeFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("center_board")
WARNING = "The over-run clock could not move Abhyanga for Devi Menon"


@pytest.fixture
def late_sessions(center):
    """Two sessions still in progress ten minutes after their planned end."""
    started = timezone.now() - timedelta(minutes=70)
    refused = TherapySessionFactory(
        center=center,
        therapy=TherapyTypeFactory(name="Abhyanga", duration_minutes=60),
        patient=PatientFactory(center=center, first_name="Devi", last_name="Menon"),
        starts_at=started,
        status=SessionStatus.IN_SESSION,
    )
    moved = TherapySessionFactory(
        center=center,
        therapy=TherapyTypeFactory(name="Shirodhara", duration_minutes=60),
        starts_at=started,
        status=SessionStatus.IN_SESSION,
    )
    return refused, moved


def _database_refuses_overruns_of(session: TherapySession) -> None:
    """A real refusal by PostgreSQL for one row, as a corrupt or locked-down row would give."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION refuse_overrun() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'row % is read-only', NEW.id;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_overrun BEFORE UPDATE OF overrun_until
                ON therapy_sessions_therapysession
                FOR EACH ROW WHEN (NEW.id = {session.pk}) EXECUTE FUNCTION refuse_overrun();
            """
        )


def _database_accepts_again() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_overrun ON therapy_sessions_therapysession")


def test_a_session_the_database_refuses_is_reported_and_the_others_still_move(
    client, admin_user, center, late_sessions, django_assert_max_num_queries
):
    refused, moved = late_sessions
    _database_refuses_overruns_of(refused)

    assert session_overruns_extend_task() == 1

    refused.refresh_from_db()
    moved.refresh_from_db()
    assert refused.overrun_until is None
    assert moved.overrun_until == moved.ends_at + timedelta(minutes=15)
    failure = OverrunFailure.objects.get()
    assert failure.session == refused
    assert failure.reason == (
        f"The database refused the new end. (ProgrammingError: row {refused.pk} is read-only)"
    )

    client.force_login(admin_user)
    with django_assert_max_num_queries(13):
        page = client.get(BOARD).content.decode()
    assert (
        f"{WARNING}: The database refused the new end. (ProgrammingError: row {refused.pk} is "
        "read-only); its end on the board may be late."
    ) in page


def test_the_warning_goes_once_a_run_moves_the_session(client, admin_user, center, late_sessions):
    refused, _moved = late_sessions
    _database_refuses_overruns_of(refused)
    session_overruns_extend_task()
    client.force_login(admin_user)
    assert WARNING in client.get(BOARD).content.decode()

    _database_accepts_again()
    assert session_overruns_extend_task() == 1

    refused.refresh_from_db()
    assert refused.overrun_until == refused.ends_at + timedelta(minutes=15)
    assert not OverrunFailure.objects.exists()
    assert WARNING not in client.get(BOARD).content.decode()


def test_another_centers_board_does_not_show_the_warning(client, outsider, late_sessions):
    _database_refuses_overruns_of(late_sessions[0])
    session_overruns_extend_task()
    client.force_login(outsider)
    assert WARNING not in client.get(BOARD).content.decode()
