"""The portal under benchmark: a database of its own, Django in this process, uvicorn beside it."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Migrating an empty database takes over a minute on this machine and cloning a migrated one
# about a second, so an empty migrated schema is kept under this name. It is rebuilt whenever
# the migration files change (their hash is the database's comment).
TEMPLATE_DATABASE = "bench_template"
# Two benchmarks started at once must not both migrate or clone the template.
TEMPLATE_LOCK = 0x62656E6368
SERVER_START_SECONDS = 60


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(REPO.glob("*/migrations/*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _migrate(database_url: str) -> None:
    print("... migrating the benchmarks' template database", file=sys.stderr, flush=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"},
        check=True,
    )


def _ensure_template(admin, server_url: str) -> None:
    wanted = migrations_hash()
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [TEMPLATE_DATABASE],
    ).fetchone()
    if row is not None and row[0] == wanted:
        return
    admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DATABASE}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{TEMPLATE_DATABASE}"')
    _migrate(with_database(server_url, TEMPLATE_DATABASE))
    # Marked only once migrated: a failed migrate is redone from nothing next time.
    admin.execute(f"COMMENT ON DATABASE \"{TEMPLATE_DATABASE}\" IS '{wanted}'")


@contextlib.contextmanager
def throwaway_database(kind: str, server_url: str) -> Iterator[str]:
    """A migrated, empty database for one run (`bench_<kind>_<pid>`), dropped afterwards."""
    import psycopg

    name = f"bench_{kind}_{os.getpid()}"
    maintenance = with_database(server_url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])
        try:
            _ensure_template(admin, server_url)
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DATABASE}"')
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])
    try:
        yield with_database(server_url, name)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_environment(database_url: str, redis_url: str, channel_prefix: str) -> dict[str, str]:
    """The settings a benchmark runs the portal with, here and in its uvicorn process.

    DEBUG off as in production: persistent database connections and no query log.
    """
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_PREFIX": channel_prefix,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }


def setup_django(database_url: str, redis_url: str, channel_prefix: str) -> None:
    import django

    os.environ.update(server_environment(database_url, redis_url, channel_prefix))
    # WhiteNoise's notice that collectstatic has not run: static files are not measured.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def database_url_of_connection() -> str:
    """The URL of the database Django is connected to (under pytest: the test database)."""
    from django.db import connection

    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def uvicorn_server(database_url: str, redis_url: str, channel_prefix: str) -> Iterator[str]:
    """One uvicorn process serving config.asgi:application on a loopback port: yields host:port."""
    port = free_port()
    env = {**os.environ, **server_environment(database_url, redis_url, channel_prefix)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--lifespan",
        "off",
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            _wait_until_listening(server, port, log)
            yield f"127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def serving(database_url: str, redis_url: str, channel_prefix: str, server: str | None = None):
    """`server` (host:port) if one already serves this database, else a uvicorn of our own."""
    if server:
        return contextlib.nullcontext(server)
    return uvicorn_server(database_url, redis_url, channel_prefix)


def _wait_until_listening(server: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"uvicorn exited ({server.returncode}):\n{log.read()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not listen on port {port} within {SERVER_START_SECONDS} s")


def session_cookie(user) -> str:
    """A Cookie header value signing `user` in, the way a browser that logged in would send."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def forget_channels(redis_url: str, channel_prefix: str) -> None:
    """Delete what the run left in Redis (group memberships live a day otherwise)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{channel_prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `fraction` of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def machine_load() -> str:
    """The machine's load while a run took place: other work on these cores skews its figures."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def fmt(value, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def run_and_record(kind: str, args, run, report) -> int:
    """A page benchmark's main: a throwaway database with Django on it, `run(**vars(args))`,
    `report` of its result, the machine's load, all kept in bench/out/<kind>-latest.json."""
    import json
    import uuid
    from datetime import datetime

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    channel_prefix = f"bench-{kind}-{uuid.uuid4().hex}"
    load_before = machine_load()
    with throwaway_database(kind, server_url) as database_url:
        setup_django(database_url, redis_url, channel_prefix)
        result = run(
            database_url=database_url,
            redis_url=redis_url,
            channel_prefix=channel_prefix,
            **vars(args),
        )
        print()
        load_after = machine_load()
        print(f"Before the run: {load_before}; after: {load_after}.")
        record = {"when": datetime.now().strftime("%Y%m%d-%H%M%S"), "args": vars(args)}
        record["load"] = {"before": load_before, "after": load_after}
        record.update(report(result))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{kind}-latest.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return 0
