"""The recurring jobs are in django-q2's schedule table after every migrate, even a flushed one."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from clinics.schedules import RECURRING_JOBS

pytestmark = pytest.mark.django_db


def test_migrate_writes_every_recurring_job_again_after_they_were_lost():
    Schedule.objects.all().delete()

    call_command("migrate", verbosity=0)

    jobs = {s.func: s for s in Schedule.objects.all()}
    assert set(jobs) == {task for _name, task, _type, _minutes in RECURRING_JOBS}
    dispatch = jobs["notifications.tasks.outbox_dispatch_task"]
    assert (dispatch.schedule_type, dispatch.minutes, dispatch.repeats) == ("I", 1, -1)
    assert jobs["feedback.tasks.adaptation_rules_daily_task"].schedule_type == Schedule.DAILY


def test_migrating_again_keeps_one_row_per_job():
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert Schedule.objects.count() == len(RECURRING_JOBS)
