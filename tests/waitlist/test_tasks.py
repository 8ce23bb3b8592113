"""The matching job on SQLite (the demo's default): a write refused with "database is locked"
by another job's is tried again at once, not left to the worker's retry minutes later."""

import pytest
from django.db import OperationalError

from waitlist import tasks

pytestmark = pytest.mark.django_db


class _SQLite:
    vendor = "sqlite"


def test_a_locked_database_is_tried_again(monkeypatch, center):
    calls = []

    def match(**kwargs):
        calls.append(kwargs)
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return ["an offer"]

    monkeypatch.setattr(tasks, "waitlist_match", match)
    monkeypatch.setattr(tasks, "connection", _SQLite())
    monkeypatch.setattr(tasks, "LOCKED_PAUSE", 0)

    assert tasks.waitlist_match_task(center.pk, {}, None) == 1
    assert len(calls) == 3


def test_other_database_errors_are_not_hidden(monkeypatch, center):
    def match(**kwargs):
        raise OperationalError("no such table: waitlist_waitlistentry")

    monkeypatch.setattr(tasks, "waitlist_match", match)
    monkeypatch.setattr(tasks, "connection", _SQLite())

    with pytest.raises(OperationalError, match="no such table"):
        tasks.waitlist_match_task(center.pk, {}, None)
