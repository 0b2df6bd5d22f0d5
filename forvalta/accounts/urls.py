from django.urls import path

from forvalta.accounts import views

app_name = "accounts"
urlpatterns = [
    path("people/<int:pk>/end-sessions/", views.end_sessions, name="end_sessions"),
]
