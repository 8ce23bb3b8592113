"""Start-up check that the configured database and Redis answer, failing in one clear line."""

import sys

from django.conf import settings


def service_problems() -> dict[str, str]:
    """Return {service: what is wrong} for each configured service that does not answer."""
    from django.db import connection

    problems = {}
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means the same thing to an operator
        problems["database"] = _first_line(error)
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except Exception as error:
            problems["redis"] = _first_line(error)
    return problems


def exit_unless_services_answer() -> None:
    from django.db import connection

    problems = service_problems()
    # The command that follows opens its own connection; don't hand it this probe's.
    connection.close()
    if problems:
        described = "; ".join(f"{name}: {reason}" for name, reason in problems.items())
        sys.stderr.write(f"Cannot start the clinic portal: {described}\n")
        raise SystemExit(1)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
