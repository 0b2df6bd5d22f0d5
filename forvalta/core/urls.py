from django.urls import path

from forvalta.core import list_preferences, token_views, views
from forvalta.core.urlpatterns import crud

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/tokens/", token_views.token_list, name="token_list"),
    path("lists/<str:list_key>/columns/", list_preferences.columns_save, name="list_columns"),
    path(
        "lists/<str:list_key>/filters/", list_preferences.saved_filter_add, name="saved_filter_add"
    ),
    path(
        "lists/filters/<int:pk>/delete/",
        list_preferences.saved_filter_delete,
        name="saved_filter_delete",
    ),
    path("account/tokens/add/", token_views.token_create, name="token_add"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    path(
        "organisations/suppliers/",
        views.SupplierListView.as_view(),
        name="supplier_list",
    ),
    *crud(
        "organisations",
        "organisation",
        views.OrganisationListView,
        views.OrganisationDetailView,
        views.OrganisationEditView,
        views.OrganisationDeleteView,
    ),
    *crud(
        "units",
        "unit",
        views.UnitListView,
        views.UnitDetailView,
        views.UnitEditView,
        views.UnitDeleteView,
    ),
    path(
        "people/invitation/<uidb64>/<token>/",
        views.InvitationSetPasswordView.as_view(),
        name="invitation_set_password",
    ),
    path("people/<int:pk>/invite/", views.user_invite, name="user_invite"),
    *crud("people", "user", views.UserListView, views.UserDetailView, views.UserEditView, None),
    path("memberships/invitations/", views.invitation_list, name="invitation_list"),
    path(
        "memberships/invitations/<int:pk>/<slug:action>/",
        views.invitation_answer,
        name="invitation_answer",
    ),
    *crud(
        "memberships",
        "membership",
        views.MembershipListView,
        views.MembershipDetailView,
        views.MembershipEditView,
        views.MembershipDeleteView,
    ),
]
