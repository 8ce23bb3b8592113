"""The portal's recurring jobs, kept in django-q2's schedule table.

Migrations first wrote them (notifications 0003, sessions 0004, feedback 0004). After every
`migrate`, and after a database is flushed (as the browser tests do between tests), the
`post_migrate` receiver writes them again, so the job worker and the tests always find them.
Named by dotted path, so that this bottom app imports none of the apps that own the jobs.
"""

RECURRING_JOBS = (
    # (name, task, schedule type, minutes between runs for an interval job)
    ("Send due notifications", "notifications.tasks.outbox_dispatch_task", "I", 1),
    ("Over-running sessions", "sessions.tasks.session_overruns_extend_task", "I", 1),
    ("Evaluate adaptation rules", "feedback.tasks.adaptation_rules_daily_task", "D", None),
    # Offers of freed places not accepted in time go back to the waitlist's queue.
    ("Expire waitlist offers", "waitlist.tasks.waitlist_offers_expire_task", "I", 5),
)


def recurring_jobs_ensure(*, using="default", **kwargs) -> None:
    from django.db import connections
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return  # a migrate that stopped short of django-q2's tables
    for name, task, schedule_type, minutes in RECURRING_JOBS:
        Schedule.objects.using(using).update_or_create(
            func=task,
            defaults={
                "name": name,
                "schedule_type": schedule_type,
                "minutes": minutes,
                "repeats": -1,
            },
        )
