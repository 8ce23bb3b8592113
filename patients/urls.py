"""URLs of the patient's intake, under /portal/intake/."""

from django.urls import path

from patients import views

urlpatterns = [
    path("", views.intake, name="patient_intake"),
    path("dosha/", views.intake_dosha, name="patient_intake_dosha"),
    path("health/", views.intake_health, name="patient_intake_health"),
    path("consents/", views.intake_consents, name="patient_intake_consents"),
]
