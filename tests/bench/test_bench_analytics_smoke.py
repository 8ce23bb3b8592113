"""The dashboard benchmark runs end to end on a tiny year and prints its table."""

import pytest

from bench import analytics
from demo.busy_year import SLOTS
from tests.bench.test_bench_smoke import private_channel_layer, served  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_analytics_benchmark_times_each_dashboard_against_the_trivial_view(served, capsys):  # noqa: F811
    result = analytics.run(days=3, rooms=2, ahead=1, requests=3, warmup=1, **served)
    outcome = analytics.report(result)

    # Three days past, today and one ahead, two rooms full all day; outcomes on the past ones.
    assert result["counts"]["sessions"] == 5 * SLOTS * 2
    assert result["counts"]["feedback"] > 0
    assert result["counts"]["messages"] > 0
    # Each dashboard over 30 days and the year, as kept, then afresh, each pass with the
    # trivial view.
    for name, how in (("kept", ""), ("afresh", analytics.AFRESH)):
        names = [page.name for page in result["passes"][name]]
        assert names[0] == "trivial"
        assert len(names) == 1 + 2 * len(analytics.DASHBOARDS)
        assert all(page.endswith(how) for page in names[1:])
        for page in names:
            timing = result["timings"][name][page]
            assert (len(timing.ms), timing.errors) == (3, 0), timing.last_error
            assert result["profile"][page]["status"] == 200
    assert result["profile"]["reminders year"]["queries"] > 0
    # Kept figures spare the counting that a renewed version makes the page do again.
    assert (
        result["profile"]["reminders year afresh"]["queries"]
        > result["profile"]["reminders year"]["queries"]
    )
    table = capsys.readouterr().out
    for name, _path in analytics.DASHBOARDS:
        assert f"{name} year afresh" in table
    assert "x p95" in table
    assert len(outcome["checks"]) == 4 * len(analytics.DASHBOARDS)
    assert set(outcome["checks"].values()) <= {"PASS", "FAIL"}
