"""URLs of the scheduling pages."""

from django.urls import path

from scheduling.views import approvals, care_plans, replanning, runs

urlpatterns = [
    path("care-plans/", care_plans.care_plans, name="care_plans"),
    path("care-plans/<int:pk>/", care_plans.care_plan_detail, name="care_plan_detail"),
    path("care-plans/held/", approvals.held_plans, name="care_plans_held"),
    path(
        "care-plans/<int:pk>/approve/", approvals.held_plan_approve, name="care_plan_held_approve"
    ),
    path(
        "care-plans/<int:pk>/decline/", approvals.held_plan_decline, name="care_plan_held_decline"
    ),
    path(
        "care-plans/<int:pk>/auto-schedule/",
        care_plans.care_plan_auto_schedule,
        name="care_plan_auto_schedule",
    ),
    path(
        "care-plans/<int:pk>/book-remaining/",
        care_plans.care_plan_book_remaining,
        name="care_plan_book_remaining",
    ),
    path(
        "care-plans/<int:pk>/earliest-start/",
        care_plans.care_plan_earliest_start,
        name="care_plan_earliest_start",
    ),
    path("runs/<int:pk>/", runs.scheduling_run, name="scheduling_run"),
    path("runs/<int:pk>/apply/", runs.scheduling_run_apply_view, name="scheduling_run_apply"),
    path("runs/<int:pk>/retry/", runs.scheduling_run_retry_view, name="scheduling_run_retry"),
    path("runs/<int:pk>/discard/", runs.scheduling_run_discard_view, name="scheduling_run_discard"),
    path(
        "runs/<int:pk>/problem.json",
        runs.scheduling_run_download,
        {"part": "problem"},
        name="scheduling_run_problem",
    ),
    path(
        "runs/<int:pk>/solution.json",
        runs.scheduling_run_download,
        {"part": "solution"},
        name="scheduling_run_solution",
    ),
    path("sessions/<int:pk>/reschedule/", replanning.session_reschedule, name="session_reschedule"),
    path("sessions/<int:pk>/cancel/", replanning.session_cancel, name="session_cancel"),
    path("sick-leave/", replanning.sick_leave, name="sick_leave"),
    path(
        "centers/<int:center_id>/replan-today/",
        replanning.center_replan_today,
        name="center_replan_today",
    ),
]
