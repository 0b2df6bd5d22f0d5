from django.urls import path

from forvalta.access import views as v
from forvalta.core.urlpatterns import crud

app_name = "access"

urlpatterns = [
    path("", v.CampaignListView.as_view(), name="campaign_list"),
    path("reviews/add/", v.campaign_add, name="campaign_add"),
    path("reviews/<int:pk>/", v.CampaignDetailView.as_view(), name="campaign_detail"),
    path(
        "reviews/<int:pk>/requests/",
        v.campaign_removal_requests,
        name="campaign_removal_requests",
    ),
    path(
        "reviews/<int:pk>/protocol.<str:fmt>",
        v.campaign_protocol,
        name="campaign_protocol",
    ),
    path("lists/", v.MyListsView.as_view(), name="reviewlist_list"),
    path("lists/<int:pk>/", v.review_list, name="reviewlist_detail"),
    path(
        "lists/<int:pk>/without-remark/",
        v.review_list_without_remark,
        name="reviewlist_without_remark",
    ),
    path("lists/<int:pk>/reviewer/", v.review_list_reviewer, name="reviewlist_reviewer"),
    path("snapshots/", v.SnapshotListView.as_view(), name="snapshot_list"),
    path("snapshots/import/", v.snapshot_import, name="snapshot_import"),
    path("snapshots/<int:pk>/", v.SnapshotDetailView.as_view(), name="snapshot_detail"),
    path("accounts/<int:pk>/", v.AccountDetailView.as_view(), name="account_detail"),
    path("settings/", v.SettingsListView.as_view(), name="accesssettings_list"),
    path("settings/add/", v.SettingsEditView.as_view(), name="accesssettings_add"),
    path("settings/<int:pk>/edit/", v.SettingsEditView.as_view(), name="accesssettings_edit"),
    *crud(
        "roles",
        "accessrole",
        v.AccessRoleListView,
        v.AccessRoleDetailView,
        v.AccessRoleEditView,
        v.AccessRoleDeleteView,
    ),
    path("requests/", v.AccessRequestListView.as_view(), name="accessrequest_list"),
    path("requests/add/", v.AccessRequestEditView.as_view(), name="accessrequest_add"),
    path("requests/<int:pk>/", v.AccessRequestDetailView.as_view(), name="accessrequest_detail"),
    path("deviations/", v.DeviationListView.as_view(), name="deviation_list"),
    path("deviations/add/", v.DeviationEditView.as_view(), name="deviation_add"),
    path("deviations/<int:pk>/", v.DeviationDetailView.as_view(), name="deviation_detail"),
    path("deviations/<int:pk>/edit/", v.DeviationEditView.as_view(), name="deviation_edit"),
    path("years/", v.YearSignOffListView.as_view(), name="yearsignoff_list"),
    path("years/sign/", v.year_sign, name="yearsignoff_add"),
]
