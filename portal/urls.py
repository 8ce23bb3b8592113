"""URLs of the patient portal."""

from django.urls import include, path

from console.discharge import my_discharge_pdf
from feedback.views import mymop_answer, session_feedback
from portal import booking, intake, views

urlpatterns = [
    path("", views.home, name="portal_home"),
    path("timeline/", views.timeline, name="portal_timeline"),
    path("progress/", views.progress, name="portal_progress"),
    path("feedback/<int:session_id>/", session_feedback, name="portal_session_feedback"),
    path("mymop/", mymop_answer, name="portal_mymop"),
    # Above patients.urls: the preferences step writes notification preferences too.
    path("intake/preferences/", intake.intake_preferences, name="patient_intake_preferences"),
    path("intake/", include("patients.urls")),
    path("discharge/<int:pk>.pdf", my_discharge_pdf, name="portal_discharge_pdf"),
    path("book/", booking.book, name="portal_book"),
    path("book/<int:pk>/", booking.book_plan, name="portal_book_plan"),
    path("book/<int:pk>/confirm/", booking.book_confirm, name="portal_book_confirm"),
]
