"""URLs of the practitioner's pages, under /my-day/: the day, the runner and its writes."""

from django.urls import path

from sessions.views import my_day, offline, runner

urlpatterns = [
    path("", my_day.my_day, name="my_day"),
    path("sw.js", offline.service_worker, name="floor_service_worker"),
    path("sessions/<int:pk>/", runner.session_runner, name="session_runner"),
    path("sessions/<int:pk>/status/", runner.runner_status, name="runner_status"),
    path("sessions/<int:pk>/checklist/", runner.runner_tick, name="runner_tick"),
    path("sessions/<int:pk>/timer/", runner.runner_timer, name="runner_timer"),
    path("sessions/<int:pk>/vitals/", runner.runner_vitals, name="runner_vitals"),
    path("sessions/<int:pk>/dosage/", runner.runner_dosage, name="runner_dosage"),
    path("sessions/<int:pk>/materials/", runner.runner_materials, name="runner_materials"),
    path("sessions/<int:pk>/notes/", runner.runner_notes, name="runner_notes"),
    path("sessions/<int:pk>/incidents/", runner.runner_incident_report, name="runner_incidents"),
    path(
        "sessions/<int:pk>/incidents/<int:incident_pk>/",
        runner.runner_incident_step,
        name="runner_incident_step",
    ),
    path("sessions/<int:pk>/queued/", runner.runner_queued_write, name="runner_queued_write"),
]
