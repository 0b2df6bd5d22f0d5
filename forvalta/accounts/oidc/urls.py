"""/accounts/oidc/<provider_id>/login/ and .../login/callback/ (allauth includes these
in place of its own openid_connect URLs: ForvaltaOIDCProvider.package)."""

from django.urls import path

from forvalta.accounts.oidc import views

urlpatterns = [
    path("oidc/<str:provider_id>/login/", views.login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/",
        views.callback,
        name="openid_connect_callback",
    ),
]
