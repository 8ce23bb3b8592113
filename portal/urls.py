"""URLs of the patient portal."""

from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="portal_home"),
    path("timeline/", views.timeline, name="portal_timeline"),
    path("intake/", include("patients.urls")),
]
