"""/login/saml/<organisation id>/: the login, the assertion consumer service and the
SP metadata of an organisation's SAML 2.0 IdP (docs/login.md)."""

from django.urls import path

from forvalta.accounts.saml import views

urlpatterns = [
    path("<int:organisation_id>/login/", views.login, name="saml_login"),
    path("<int:organisation_id>/acs/", views.acs, name="saml_acs"),
    path("<int:organisation_id>/metadata/", views.metadata, name="saml_metadata"),
]
