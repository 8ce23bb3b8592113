"""Runs the outbox dispatcher every minute in every deployment, the demo's included."""

from django.db import migrations

TASK = "notifications.tasks.outbox_dispatch_task"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="Send due notifications",
        defaults={"func": TASK, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_playbooks_outbox_states_replies"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
