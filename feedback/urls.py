"""URLs of the feedback app's staff pages."""

from django.urls import path

from feedback import views

urlpatterns = [
    path("", views.clinician_task_list, name="clinician_tasks"),
    path("<int:pk>/done/", views.clinician_task_done, name="clinician_task_done"),
    path("my-day/", views.my_day_clinician_tasks, name="my_day_clinician_tasks"),
    path(
        "patients/<int:patient_id>/adaptations/",
        views.patient_adaptations,
        name="patient_adaptations",
    ),
    path("firings/<int:pk>/reverse/", views.rule_firing_reverse_view, name="rule_firing_reverse"),
]
