from django.urls import path

from forvalta.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditSearchView.as_view(), name="search"),
    path("verify/", views.AuditVerifyView.as_view(), name="verify"),
    path(
        "checkpoints.<str:fmt>",
        views.checkpoints_export,
        name="checkpoints_export",
    ),
]
