from django.urls import path

from forvalta.audit import api

app_name = "audit_api"

urlpatterns = [
    path("events/", api.AuditEventListAPI.as_view(), name="event_list"),
]
