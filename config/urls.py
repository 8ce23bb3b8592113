"""Top-level URL map of the clinic portal."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinics import token_views
from clinics import views as clinic_views
from feedback import api as feedback_api
from observability import views as observability_views
from portal import api as portal_api
from scheduling import api as scheduling_api
from sessions import api as sessions_api
from sessions import board as session_board

urlpatterns = [
    path("healthz/", clinic_views.healthz, name="healthz"),
    path("metrics", observability_views.metrics, name="metrics"),
    path("favicon.ico", clinic_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", clinic_views.home, name="home"),
    path("welcome/", clinic_views.no_role, name="no_role"),
    path("account/tokens/", token_views.token_list, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    path("console/", include("console.urls")),
    path("my-day/", include("sessions.urls")),
    # The patient's messages and preferences (/portal/messages/, /portal/preferences/) and
    # Twilio's webhooks (/notifications/twilio/...).
    path("", include("notifications.urls")),
    path("board/", session_board.center_board, name="center_board"),
    path("portal/", include("portal.urls")),
    path("clinician-tasks/", include("feedback.urls")),
    path("scheduling/", include("scheduling.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "api/docs/",
        # Swagger UI sets inline styles from its own script; only this page allows them.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
    path("api/schedule/auto", scheduling_api.AutoScheduleApi.as_view(), name="api_schedule_auto"),
    path(
        "api/schedule/runs/<int:pk>", scheduling_api.RunDetailApi.as_view(), name="api_schedule_run"
    ),
    path("api/sessions", sessions_api.SessionListApi.as_view(), name="api_sessions"),
    path("api/feedback", feedback_api.FeedbackRecordApi.as_view(), name="api_feedback"),
    path(
        "api/progress/<int:patient_id>", portal_api.ProgressApi.as_view(), name="api_progress"
    ),
]
