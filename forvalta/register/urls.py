from django.urls import path

from forvalta.core.urlpatterns import crud
from forvalta.register import import_views as iv
from forvalta.register import views as v

app_name = "register"

urlpatterns = [
    *crud(
        "objects",
        "managementobject",
        v.ManagementObjectListView,
        v.ManagementObjectDetailView,
        v.ManagementObjectEditView,
        v.ManagementObjectDeleteView,
    ),
    *[
        path(f"{prefix}/<int:pk>/{verb}/", view.as_view(), name=f"{name}_{verb}")
        for prefix, name, archive, restore in (
            (
                "objects",
                "managementobject",
                v.ManagementObjectArchiveView,
                v.ManagementObjectRestoreView,
            ),
            ("services", "service", v.ServiceArchiveView, v.ServiceRestoreView),
            ("systems", "system", v.SystemArchiveView, v.SystemRestoreView),
        )
        for verb, view in (("archive", archive), ("restore", restore))
    ],
    *[
        path(f"{prefix}/<int:pk>/history/", view.as_view(), name=f"{name}_history")
        for prefix, name, view in (
            ("objects", "managementobject", v.ManagementObjectHistoryView),
            ("services", "service", v.ServiceHistoryView),
            ("systems", "system", v.SystemHistoryView),
            ("agreements", "agreement", v.AgreementHistoryView),
        )
    ],
    path("objects/<int:pk>/gaps/", v.documentation_gaps_view, name="managementobject_gaps"),
    *crud(
        "services",
        "service",
        v.ServiceListView,
        v.ServiceDetailView,
        v.ServiceEditView,
        v.ServiceDeleteView,
    ),
    path("systems/bulk/", v.SystemBulkView.as_view(), name="system_bulk"),
    *crud(
        "systems",
        "system",
        v.SystemListView,
        v.SystemDetailView,
        v.SystemEditView,
        v.SystemDeleteView,
    ),
    *crud(
        "environments",
        "environment",
        v.EnvironmentListView,
        v.EnvironmentDetailView,
        v.EnvironmentEditView,
        v.EnvironmentDeleteView,
    ),
    *crud(
        "integrations",
        "integration",
        v.IntegrationListView,
        v.IntegrationDetailView,
        v.IntegrationEditView,
        v.IntegrationDeleteView,
    ),
    *crud(
        "participations",
        "participation",
        v.ParticipationListView,
        v.ParticipationDetailView,
        v.ParticipationEditView,
        v.ParticipationDeleteView,
    ),
    *crud("role-types", "roletype", v.RoleTypeListView, v.RoleTypeDetailView, None, None),
    *crud(
        "roles",
        "roleassignment",
        v.RoleAssignmentListView,
        v.RoleAssignmentDetailView,
        v.RoleAssignmentEditView,
        v.RoleAssignmentDeleteView,
    ),
    *crud(
        "agreements",
        "agreement",
        v.AgreementListView,
        v.AgreementDetailView,
        v.AgreementEditView,
        v.AgreementDeleteView,
    ),
    path("agreements/<int:pk>/document/", v.agreement_document, name="agreement_document"),
    path("gaps/", v.documentation_gaps_view, name="documentation_gaps"),
    path("gaps/requirements/", v.lifecycle_requirements_view, name="lifecycle_requirements"),
    path("import/", iv.import_start, name="import"),
    path("import/template/<slug:kind>.<str:fmt>", iv.import_template, name="import_template"),
    path("import/export/<slug:kind>.<str:fmt>", iv.import_export, name="import_export"),
    path("import/<str:token>/preview/", iv.import_preview, name="import_preview"),
    path("import/<str:token>/commit/", iv.import_commit, name="import_commit"),
    path("import/<str:token>/cancel/", iv.import_cancel, name="import_cancel"),
    path("import/jobs/<uuid:key>/", iv.import_job, name="import_job"),
    path("import/jobs/<uuid:key>/progress/", iv.import_job_progress, name="import_job_progress"),
    path("import/jobs/<uuid:key>/confirm/", iv.import_job_confirm, name="import_job_confirm"),
    path("import/jobs/<uuid:key>/cancel/", iv.import_job_cancel, name="import_job_cancel"),
]
