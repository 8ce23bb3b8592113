"""URLs of the integrations: the account page with its calendar feeds, and the feeds."""

from django.urls import path

from integrations import views

urlpatterns = [
    path("account/", views.account, name="account"),
    path(
        "account/calendar-feeds/<int:pk>/revoke/",
        views.calendar_feed_revoke_view,
        name="calendar_feed_revoke",
    ),
    path("feeds/<str:secret>.ics", views.calendar_feed, name="calendar_feed"),
]
