"""URLs of the waitlist: the patient's page, the console's page per center, offer answers."""

from django.urls import path

from waitlist import views

urlpatterns = [
    path("", views.patient_waitlist, name="waitlist_portal"),
    path("console/", views.center_waitlist, name="waitlist_console"),
    path("console/<int:center_id>/match/", views.center_match, name="waitlist_match"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="waitlist_entry_withdraw"),
    path("offers/<int:pk>/accept/", views.offer_accept, name="waitlist_offer_accept"),
    path("offers/<int:pk>/decline/", views.offer_decline, name="waitlist_offer_decline"),
]
