"""URLs of the scheduling pages."""

from django.urls import path

from scheduling import views

urlpatterns = [
    path("care-plans/", views.care_plans, name="care_plans"),
    path("care-plans/<int:pk>/", views.care_plan_detail, name="care_plan_detail"),
    path(
        "care-plans/<int:pk>/auto-schedule/",
        views.care_plan_auto_schedule,
        name="care_plan_auto_schedule",
    ),
    path(
        "care-plans/<int:pk>/earliest-start/",
        views.care_plan_earliest_start,
        name="care_plan_earliest_start",
    ),
    path("runs/<int:pk>/", views.scheduling_run, name="scheduling_run"),
    path("runs/<int:pk>/apply/", views.scheduling_run_apply_view, name="scheduling_run_apply"),
    path(
        "runs/<int:pk>/problem.json",
        views.scheduling_run_download,
        {"part": "problem"},
        name="scheduling_run_problem",
    ),
    path(
        "runs/<int:pk>/solution.json",
        views.scheduling_run_download,
        {"part": "solution"},
        name="scheduling_run_solution",
    ),
    path("sessions/<int:pk>/reschedule/", views.session_reschedule, name="session_reschedule"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sick-leave/", views.sick_leave, name="sick_leave"),
]
