"""Settings as an operator meets them: production passes the deploy check, bad services fail in one line."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
# Unused ports on the loopback: connecting there is refused at once.
CLOSED_DATABASE_URL = "postgres://postgres@127.0.0.1:1/portal"
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"


def working_database_url() -> str:
    """A URL of the PostgreSQL server the suite runs against, naming a database that exists."""
    db = settings.DATABASES["default"]
    assert db["ENGINE"].endswith("postgresql"), "these tests need DATABASE_URL=postgres://..."
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = db.get("PORT") or 5432
    # "postgres" always exists; the suite's own database is only created by the test run.
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port}/postgres"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py as an operator would: a fresh process with only the given environment."""
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return {
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://portal.example.org",
        "FIELD_ENCRYPTION_KEYS": f"k1:{key}",
        "DATABASE_URL": working_database_url(),
        "REDIS_URL": settings.REDIS_URL or "redis://127.0.0.1:6379/0",
    }


def assert_refuses_to_start(result: subprocess.CompletedProcess, naming: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    refusals = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("Cannot start the clinic portal")
    ]
    assert len(refusals) == 1, f"expected one refusal on stderr, got:\n{result.stderr}"
    assert naming in refusals[0].lower(), refusals[0]


@pytest.mark.django_db
def test_it_passes_the_deploy_check_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_production_with_a_short_secret_key():
    env = production_env() | {"SECRET_KEY": "too-short"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_to_migrate_with_a_malformed_database_url():
    result = manage("migrate", DATABASE_URL="nosuchdb://x", REDIS_URL=settings.REDIS_URL)

    assert_refuses_to_start(result, naming="database")


def test_it_refuses_to_migrate_when_the_database_does_not_answer():
    result = manage("migrate", DATABASE_URL=CLOSED_DATABASE_URL, REDIS_URL=settings.REDIS_URL)

    assert_refuses_to_start(result, naming="database")


def test_it_refuses_to_migrate_when_redis_does_not_answer():
    result = manage("migrate", DATABASE_URL=working_database_url(), REDIS_URL=CLOSED_REDIS_URL)

    assert_refuses_to_start(result, naming="redis")
    assert "database" not in result.stderr.lower()


def test_it_refuses_a_redis_url_that_is_not_redis():
    result = manage("migrate", DATABASE_URL=working_database_url(), REDIS_URL="http://127.0.0.1/")

    assert_refuses_to_start(result, naming="redis")


def test_the_refusal_is_the_only_line_on_stderr():
    result = manage("migrate", DATABASE_URL=CLOSED_DATABASE_URL, REDIS_URL=settings.REDIS_URL)

    assert result.returncode != 0
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("Cannot start the clinic portal: database")


def test_the_embedded_demo_database_lets_the_web_server_and_the_worker_wait_for_each_other(
    tmp_path,
):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    probe = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0])\n"
        "    cursor.execute('PRAGMA busy_timeout'); print(cursor.fetchone()[0])\n"
    )
    result = manage("shell", "-c", probe, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["wal", "20000"]
