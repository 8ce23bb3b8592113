"""Every API route, under /api/: the schema and its documentation, then one app at a time.

Routes have no trailing slash (integrations call /api/sessions, as the documentation shows).
"""

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinics import api as clinics_api
from feedback import api as feedback_api
from notifications import api as notifications_api
from patients import api as patients_api
from portal import api as portal_api
from protocols import api as protocols_api
from scheduling import api as scheduling_api
from sessions import api as sessions_api
from waitlist import api as waitlist_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        # Swagger UI sets inline styles from its own script; only this page allows them.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
    # clinics
    path("centers", clinics_api.CenterListApi.as_view(), name="api_centers"),
    path("rooms", clinics_api.RoomListApi.as_view(), name="api_rooms"),
    path("practitioners", clinics_api.PractitionerListApi.as_view(), name="api_practitioners"),
    # protocols
    path("protocols", protocols_api.ProtocolListApi.as_view(), name="api_protocols"),
    # patients
    path("patients", patients_api.PatientCreateApi.as_view(), name="api_patients"),
    path("care-plans", patients_api.CarePlanCreateApi.as_view(), name="api_care_plans"),
    path(
        "care-plans/<int:pk>/book-remaining",
        scheduling_api.BookRemainingApi.as_view(),
        name="api_care_plan_book_remaining",
    ),
    # sessions (a session's changes go through scheduling, which can move it)
    path("sessions", sessions_api.SessionListApi.as_view(), name="api_sessions"),
    path("sessions/<int:pk>", scheduling_api.SessionDetailApi.as_view(), name="api_session"),
    # scheduling
    path("schedule/auto", scheduling_api.AutoScheduleApi.as_view(), name="api_schedule_auto"),
    path("schedule/runs", scheduling_api.RunListApi.as_view(), name="api_schedule_runs"),
    path("schedule/runs/<int:pk>", scheduling_api.RunDetailApi.as_view(), name="api_schedule_run"),
    # notifications
    path(
        "notifications/test",
        notifications_api.NotificationTestApi.as_view(),
        name="api_notifications_test",
    ),
    # feedback
    path("feedback", feedback_api.FeedbackRecordApi.as_view(), name="api_feedback"),
    # portal
    path("progress/<int:patient_id>", portal_api.ProgressApi.as_view(), name="api_progress"),
    # waitlist
    path("waitlist", waitlist_api.WaitlistApi.as_view(), name="api_waitlist"),
]
