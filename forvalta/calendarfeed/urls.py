from django.urls import path

from forvalta.calendarfeed import views

app_name = "calendarfeed"

urlpatterns = [
    path("", views.feed_settings, name="settings"),
    path("create/", views.feed_create, name="create"),
    path("revoke/", views.feed_revoke, name="revoke"),
    path("feed/<str:key>.ics", views.feed, name="feed"),
]
