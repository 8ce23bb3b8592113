"""Top-level URL map of the clinic portal."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from audit import views as audit_views
from clinics import oidc as clinic_oidc
from clinics import token_views
from clinics import views as clinic_views
from observability import views as observability_views
from sessions import board as session_board

# The admin signs in through the portal's sign-in page, where staff give their TOTP code as
# well; its own form would open a session for a password alone (tests/security/test_admin_login.py).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz/", clinic_views.healthz, name="healthz"),
    path("metrics", observability_views.metrics, name="metrics"),
    path("favicon.ico", clinic_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # allauth's sign-in with the clinic's identity provider, made stricter (clinics.oidc): a
    # provider that does not answer is said so, the ID token's signature is always checked.
    path("accounts/oidc/<str:provider_id>/login/", clinic_oidc.login),
    path("accounts/oidc/<str:provider_id>/login/callback/", clinic_oidc.callback),
    path("accounts/", include("allauth.urls")),
    path("", clinic_views.home, name="home"),
    path("welcome/", clinic_views.no_role, name="no_role"),
    path("account/tokens/", token_views.token_list, name="api_tokens"),
    path(
        "account/health-record.json",
        audit_views.patient_record_download,
        name="patient_record_export",
    ),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    # The account page (calendar feeds) and the feeds calendar apps read (/feeds/<secret>.ics).
    path("", include("integrations.urls")),
    path("console/", include("console.urls")),
    path("my-day/", include("sessions.urls")),
    # The patient's messages and preferences (/portal/messages/, /portal/preferences/) and
    # Twilio's webhooks (/notifications/twilio/...).
    path("", include("notifications.urls")),
    path("board/", session_board.center_board, name="center_board"),
    path("portal/", include("portal.urls")),
    path("clinician-tasks/", include("feedback.urls")),
    path("scheduling/", include("scheduling.urls")),
    # The patient's waits (/waitlist/) and a center's queue on the console (/waitlist/console/).
    path("waitlist/", include("waitlist.urls")),
    path("api/", include("config.api_urls")),
]

# An address under /api/ that no route matches answers in the API's error shape, not a page.
handler404 = "config.api.not_found"
