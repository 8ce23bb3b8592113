"""URLs of the feedback app's staff pages."""

from django.urls import path

from feedback import views

urlpatterns = [
    path("", views.clinician_task_list, name="clinician_tasks"),
    path("<int:pk>/done/", views.clinician_task_done, name="clinician_task_done"),
]
