from django.urls import path

from forvalta.accounts import views

app_name = "accounts"
urlpatterns = [
    path("people/<int:pk>/end-sessions/", views.end_sessions, name="end_sessions"),
    path("sso/", views.sso_settings, name="sso_settings"),
    path("sso/domains/", views.email_domain_list, name="email_domain_list"),
    path(
        "sso/domains/<int:pk>/delete/",
        views.email_domain_delete_view,
        name="email_domain_delete",
    ),
    path(
        "sso/domains/<int:pk>/verify/",
        views.email_domain_verify_view,
        name="email_domain_verify",
    ),
]
