"""Board fan-out: time from a status change's commit to its arrival on every open board.

python -m bench.board (make bench-board): one uvicorn process serving the portal, channels-redis
between, a database of the run's own; 1, then 100, WebSocket clients on one center's board; real
transitions made through sessions.services.session_transition in this process.
"""

# The clients run in this process, so their arrival times and the commit's share one clock
# (time.perf_counter). They also share this machine's two cores with uvicorn, Redis and
# PostgreSQL: what is measured includes reading 100 sockets in one Python process.

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime

from bench.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    OUT,
    fmt,
    forget_channels,
    machine_load,
    percentile,
    serving,
    session_cookie,
    setup_django,
    throwaway_database,
    verdict,
)

GOAL_P95_MS = 250.0
# Each session walks three steps of its day; a fresh session is taken for the next three.
WALK = ("in_preparation", "in_session", "recovery")
CONNECT_TIMEOUT = 10
ARRIVAL_TIMEOUT = 10


@dataclass
class Fanout:
    """One run: for each measured transition, when its first and its last client had it."""

    clients: int
    first_ms: list[float] = field(default_factory=list)
    last_ms: list[float] = field(default_factory=list)
    missed: int = 0  # client deliveries that never came within ARRIVAL_TIMEOUT

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "transitions": len(self.last_ms),
            "first_p50": percentile(self.first_ms, 0.5),
            "first_p95": percentile(self.first_ms, 0.95),
            "last_p50": percentile(self.last_ms, 0.5),
            "last_p95": percentile(self.last_ms, 0.95),
            "last_max": max(self.last_ms, default=None),
            "missed": self.missed,
        }


@dataclass
class Board:
    """The center whose board is watched, who watches it and who moves its sessions."""

    center_id: int
    cookie: str
    admin: object
    therapy: object


def board_setup() -> Board:
    """A center with an admin; its sessions are made as the walk needs them."""
    from clinics.choices import Role
    from tests.factories import (
        CenterFactory,
        MembershipFactory,
        TherapyTypeFactory,
        UserFactory,
    )

    center = CenterFactory(name="Board bench center")
    admin = UserFactory(email=f"board-admin-{uuid.uuid4().hex[:8]}@bench.example.org")
    MembershipFactory(user=admin, center=center, role=Role.CENTER_ADMIN)
    return Board(center.pk, session_cookie(admin), admin, TherapyTypeFactory())


def todays_session(board: Board):
    """A new session on today's board, with a room, practitioner and patient of its own."""
    from django.utils import timezone

    from clinics.models import Center
    from tests.factories import TherapySessionFactory

    return TherapySessionFactory(
        center=Center.objects.get(pk=board.center_id),
        therapy=board.therapy,
        starts_at=timezone.now().replace(second=0, microsecond=0),
    )


def transition_committed(board: Board, walk: list) -> tuple[int, str, float]:
    """Make the walk's next transition; returns (session id, new status, instant before commit)."""
    from django.db import transaction

    from sessions.services import session_transition

    if not walk or walk[-1][1] >= len(WALK):
        walk.append([todays_session(board), 0])
    session, step = walk[-1]
    status = WALK[step]
    with transaction.atomic():
        session_transition(session=session, to_status=status, by=board.admin)
        before_commit = time.perf_counter()
    # The board's broadcast went out on commit, before session_transition returned here.
    walk[-1][1] = step + 1
    return session.pk, status, before_commit


async def connect_board(url: str, cookie: str):
    import websockets

    socket_ = await websockets.connect(
        url, additional_headers={"Cookie": cookie}, open_timeout=CONNECT_TIMEOUT
    )
    snapshot = json.loads(await asyncio.wait_for(socket_.recv(), CONNECT_TIMEOUT))
    if snapshot.get("type") != "snapshot":
        raise RuntimeError(f"the board sent {snapshot.get('type')!r} before its snapshot")
    return socket_


async def listen(socket_, arrivals: dict, clients: int, complete: dict) -> None:
    """Note when each session event reaches this client, until the socket closes."""
    from websockets.exceptions import ConnectionClosed

    try:
        async for message in socket_:
            now = time.perf_counter()
            event = json.loads(message)
            if event.get("type") != "session.status":
                continue
            key = (event["id"], event["status"])
            arrivals.setdefault(key, []).append(now)
            if len(arrivals[key]) == clients:
                complete.setdefault(key, asyncio.Event()).set()
    except ConnectionClosed:
        pass


async def fan_out(server: str, board: Board, clients: int, transitions: int, warmup: int) -> Fanout:
    from asgiref.sync import sync_to_async
    from django.db import connections

    url = f"ws://{server}/ws/center/{board.center_id}/board/"
    sockets = []
    for _ in range(clients):
        sockets.append(await connect_board(url, board.cookie))
    arrivals: dict[tuple[int, str], list[float]] = {}
    complete: dict[tuple[int, str], asyncio.Event] = {}
    listeners = [asyncio.create_task(listen(s, arrivals, clients, complete)) for s in sockets]
    result = Fanout(clients)
    walk: list = []
    transition = sync_to_async(transition_committed)
    try:
        for index in range(warmup + transitions):
            session_id, status, before_commit = await transition(board, walk)
            key = (session_id, status)
            # A client that has not had it by then is counted as missed, not waited for.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    complete.setdefault(key, asyncio.Event()).wait(), ARRIVAL_TIMEOUT
                )
            if index < warmup:
                continue
            times = arrivals.get(key, [])
            result.missed += clients - len(times)
            if times:
                result.first_ms.append((min(times) - before_commit) * 1000)
                result.last_ms.append((max(times) - before_commit) * 1000)
    finally:
        for socket_ in sockets:
            await socket_.close()
        await asyncio.gather(*listeners, return_exceptions=True)
        await sync_to_async(connections.close_all)()
    return result


def run(
    *,
    database_url: str,
    redis_url: str,
    channel_prefix: str,
    clients: int,
    transitions: int,
    warmup: int,
    server: str | None = None,
) -> list[Fanout]:
    """One client, then `clients`, on one board of a center made here.

    Django must already be set up on the database; `server` is a uvicorn already serving it
    (the smoke test's), else one is started for the run.
    """
    board = board_setup()
    try:
        with serving(database_url, redis_url, channel_prefix, server) as server:
            runs = []
            for count in dict.fromkeys((1, clients)):
                print(f"... {count} client(s)", file=sys.stderr, flush=True)
                runs.append(asyncio.run(fan_out(server, board, count, transitions, warmup)))
            return runs
    finally:
        forget_channels(redis_url, channel_prefix)


def report(runs: list[Fanout]) -> dict:
    """Print the table, the ratios and the verdict; returns them for the JSON record."""
    rows = [r.summary() for r in runs]
    one, many = rows[0], rows[-1]
    head = (
        f"{'clients':>8}{'moves':>7}{'first p50':>11}{'first p95':>11}"
        f"{'last p50':>10}{'last p95':>10}{'last max':>10}{'missed':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['clients']:>8}{r['transitions']:>7}{fmt(r['first_p50'], '.1f'):>11}"
            f"{fmt(r['first_p95'], '.1f'):>11}{fmt(r['last_p50'], '.1f'):>10}"
            f"{fmt(r['last_p95'], '.1f'):>10}{fmt(r['last_max'], '.1f'):>10}{r['missed']:>8}"
        )
    ratios = {
        "median": _ratio(many["last_p50"], one["last_p50"]),
        "p95": _ratio(many["last_p95"], one["last_p95"]),
    }
    print()
    print(
        f"last of {many['clients']} / one client: median {fmt(ratios['median'], '.2f')}x, "
        f"p95 {fmt(ratios['p95'], '.2f')}x"
    )
    ok = None
    if many["last_p95"] is not None:
        ok = many["last_p95"] < GOAL_P95_MS and many["missed"] == 0
    checks = {
        f"p95 commit -> last of {many['clients']} clients < {GOAL_P95_MS:.0f} ms, none missed": (
            verdict(ok)
        )
    }
    for label, result in checks.items():
        print(f"  [{result:>4}] {label}")
    return {"rows": rows, "ratios": ratios, "checks": checks}


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100, help="board clients [100]")
    parser.add_argument("--transitions", type=int, default=50, help="measured transitions [50]")
    parser.add_argument("--warmup", type=int, default=3, help="transitions not measured [3]")
    args = parser.parse_args(argv)
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    channel_prefix = f"bench-board-{uuid.uuid4().hex}"
    load_before = machine_load()

    with throwaway_database("board", server_url) as database_url:
        setup_django(database_url, redis_url, channel_prefix)
        runs = run(
            database_url=database_url,
            redis_url=redis_url,
            channel_prefix=channel_prefix,
            clients=args.clients,
            transitions=args.transitions,
            warmup=args.warmup,
        )
    print()
    print(
        f"Milliseconds from just before a transition's commit to its session.status event "
        f"arriving: first = the first client to have it, last = the last one; "
        f"{args.warmup} warm-up transitions not counted; one uvicorn process, channels-redis."
    )
    print(f"Before the run: {load_before}; after: {machine_load()}.")
    record = {"when": datetime.now().strftime("%Y%m%d-%H%M%S"), "args": vars(args)}
    record.update(report(runs))
    record["runs"] = [asdict(r) for r in runs]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "board-latest.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
