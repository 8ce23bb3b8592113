"""The board and page benchmarks run end to end on tiny sizes and print their tables."""

import uuid

import pytest
from django.conf import settings as django_settings

from bench import board, pages
from bench.harness import database_url_of_connection, uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

# Real Redis under a prefix of this module's own, here and in the benchmarks' uvicorn.
CHANNEL_PREFIX = f"test-bench-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def served(django_db_setup):
    """One uvicorn serving the test database for both benchmarks: starting one takes seconds."""
    assert django_settings.REDIS_URL, "the benchmarks run against real Redis (set REDIS_URL)"
    database_url = database_url_of_connection()
    with uvicorn_server(database_url, django_settings.REDIS_URL, CHANNEL_PREFIX) as server:
        yield {
            "database_url": database_url,
            "redis_url": django_settings.REDIS_URL,
            "channel_prefix": CHANNEL_PREFIX,
            "server": server,
        }


@pytest.fixture(autouse=True)
def private_channel_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": CHANNEL_PREFIX},
        }
    }


def test_the_board_benchmark_times_each_transition_to_every_client(served, capsys):
    runs = board.run(clients=3, transitions=2, warmup=1, **served)
    outcome = board.report(runs)

    assert [run.clients for run in runs] == [1, 3]
    for run in runs:
        assert run.missed == 0
        assert len(run.last_ms) == 2
        assert all(0 < first <= last for first, last in zip(run.first_ms, run.last_ms, strict=True))
    table = capsys.readouterr().out
    assert "last p95" in table
    assert "last of 3 / one client" in table
    assert list(outcome["checks"].values()) in (["PASS"], ["FAIL"])


def test_the_page_benchmark_times_each_page_against_the_trivial_view(served, capsys):
    result = pages.run(days=1, rooms=2, ahead=1, requests=5, warmup=1, **served)
    outcome = pages.report(result)

    assert result["busy"].sessions == 3 * pages.SLOTS * 2
    timings = result["timings"]
    assert len(timings["trivial"].ms) == 5
    for page in ("my_day", "board"):
        assert len(timings[page].ms) + timings[page].errors == 5
        assert result["profile"][page]["queries"] > 0
    table = capsys.readouterr().out
    for path in ("/healthz/", "/my-day/", "/board/"):
        assert path in table
    assert "Where the time goes" in table
    assert len(outcome["checks"]) == 2
