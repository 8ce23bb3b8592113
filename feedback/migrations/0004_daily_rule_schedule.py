"""Runs the adaptation rules once a day (adherence, and recent feedback again) everywhere."""

from django.db import migrations

TASK = "feedback.tasks.adaptation_rules_daily_task"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="Evaluate adaptation rules",
        defaults={"func": TASK, "schedule_type": "D", "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_rule_versions_firings_runs"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
