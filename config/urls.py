"""Top-level URL map of the clinic portal."""

from django.contrib import admin
from django.urls import include, path

from clinics import views as clinic_views
from sessions import views as session_views

urlpatterns = [
    path("healthz/", clinic_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", clinic_views.home, name="home"),
    path("welcome/", clinic_views.no_role, name="no_role"),
    path("console/", session_views.console, name="console"),
    path("my-day/", session_views.my_day, name="my_day"),
    path("portal/", session_views.portal_home, name="portal_home"),
    path("scheduling/", include("scheduling.urls")),
]
