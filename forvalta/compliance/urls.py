from django.urls import path

from forvalta.compliance import views as v

app_name = "compliance"

urlpatterns = [
    path("incidents/", v.IncidentListView.as_view(), name="personaldataincident_list"),
    path("incidents/add/", v.IncidentEditView.as_view(), name="personaldataincident_add"),
    path("incidents/<int:pk>/", v.IncidentDetailView.as_view(), name="incident_detail"),
    path(
        "incidents/<int:pk>/edit/",
        v.IncidentEditView.as_view(),
        name="personaldataincident_edit",
    ),
    path("incidents/<int:pk>/decide/", v.incident_decide, name="incident_decide"),
    path("incidents/<int:pk>/report/", v.incident_report_add, name="incident_report_add"),
    path("incidents/<int:pk>/close/", v.incident_close, name="incident_close"),
    path("controls/", v.ControlDefinitionListView.as_view(), name="controldefinition_list"),
    path("controls/add/", v.ControlDefinitionEditView.as_view(), name="controldefinition_add"),
    path(
        "controls/<int:pk>/",
        v.ControlDefinitionDetailView.as_view(),
        name="controldefinition_detail",
    ),
    path(
        "controls/<int:pk>/edit/",
        v.ControlDefinitionEditView.as_view(),
        name="controldefinition_edit",
    ),
    path(
        "controls/<int:pk>/delete/",
        v.ControlDefinitionDeleteView.as_view(),
        name="controldefinition_delete",
    ),
    path("cycle/", v.OccurrenceListView.as_view(), name="controloccurrence_list"),
    path("cycle/generate/", v.cycle_generate, name="cycle_generate"),
    path("cycle/<int:pk>/", v.OccurrenceDetailView.as_view(), name="controloccurrence_detail"),
    path("cycle/<int:pk>/done/", v.occurrence_complete, name="controloccurrence_complete"),
    path("report/", v.report, name="report"),
    path("report/sign/", v.report_sign, name="report_sign"),
    path("reports/", v.AnnualReportListView.as_view(), name="annualreport_list"),
    path("reports/<int:pk>/", v.annualreport_detail, name="annualreport_detail"),
    path("reports/<int:pk>/meeting/", v.annualreport_to_meeting, name="annualreport_to_meeting"),
]

urlpatterns += [
    path("classifications/", v.ClassificationListView.as_view(), name="classification_list"),
    path("classifications/add/", v.ClassificationEditView.as_view(), name="classification_add"),
    path(
        "classifications/<int:pk>/",
        v.ClassificationDetailView.as_view(),
        name="classification_detail",
    ),
    path(
        "classifications/<int:pk>/edit/",
        v.ClassificationEditView.as_view(),
        name="classification_edit",
    ),
    path(
        "classifications/<int:pk>/delete/",
        v.ClassificationDeleteView.as_view(),
        name="classification_delete",
    ),
    path(
        "classifications/systems/<int:pk>/",
        v.system_classification,
        name="system_classification",
    ),
    path(
        "protection-needs/add/",
        v.ClassificationActionEditView.as_view(),
        name="classificationaction_add",
    ),
    path(
        "protection-needs/<int:pk>/edit/",
        v.ClassificationActionEditView.as_view(),
        name="classificationaction_edit",
    ),
    path(
        "protection-needs/<int:pk>/delete/",
        v.ClassificationActionDeleteView.as_view(),
        name="classificationaction_delete",
    ),
    path(
        "classification-levels/",
        v.LevelNameListView.as_view(),
        name="classificationlevelname_list",
    ),
    path(
        "classification-levels/add/",
        v.LevelNameEditView.as_view(),
        name="classificationlevelname_add",
    ),
    path(
        "classification-levels/<int:pk>/edit/",
        v.LevelNameEditView.as_view(),
        name="classificationlevelname_edit",
    ),
    path(
        "classification-levels/<int:pk>/delete/",
        v.LevelNameDeleteView.as_view(),
        name="classificationlevelname_delete",
    ),
]

urlpatterns += [
    path("analyses/", v.RiskAnalysisListView.as_view(), name="riskanalysis_list"),
    path("analyses/add/", v.RiskAnalysisEditView.as_view(), name="riskanalysis_add"),
    path("analyses/<int:pk>/", v.RiskAnalysisDetailView.as_view(), name="riskanalysis_detail"),
    path("analyses/<int:pk>/edit/", v.RiskAnalysisEditView.as_view(), name="riskanalysis_edit"),
    path(
        "analyses/<int:pk>/delete/",
        v.RiskAnalysisDeleteView.as_view(),
        name="riskanalysis_delete",
    ),
    path("analyses/<int:pk>/finish/", v.riskanalysis_finish, name="riskanalysis_finish"),
    path("analyses/<int:pk>/forward/", v.riskanalysis_forward, name="riskanalysis_forward"),
    path("analyses/<int:pk>/pdf/", v.riskanalysis_pdf, name="riskanalysis_pdf"),
    path("risks/add/", v.RiskEditView.as_view(), name="risk_add"),
    path("risks/<int:pk>/edit/", v.RiskEditView.as_view(), name="risk_edit"),
    path("risks/<int:pk>/delete/", v.RiskDeleteView.as_view(), name="risk_delete"),
    path("action-plan/add/", v.RiskActionEditView.as_view(), name="riskaction_add"),
    path("action-plan/<int:pk>/plan/", v.riskaction_to_plan, name="riskaction_to_plan"),
    path("action-plan/<int:pk>/edit/", v.RiskActionEditView.as_view(), name="riskaction_edit"),
    path(
        "action-plan/<int:pk>/delete/",
        v.RiskActionDeleteView.as_view(),
        name="riskaction_delete",
    ),
]

urlpatterns += [
    path("laws/", v.LegalActListView.as_view(), name="legalact_list"),
    path("laws/add/", v.LegalActEditView.as_view(), name="legalact_add"),
    path("laws/<int:pk>/", v.LegalActDetailView.as_view(), name="legalact_detail"),
    path("laws/<int:pk>/edit/", v.LegalActEditView.as_view(), name="legalact_edit"),
    path("laws/<int:pk>/delete/", v.LegalActDeleteView.as_view(), name="legalact_delete"),
    path(
        "applicable-laws/",
        v.LegalRequirementListView.as_view(),
        name="legalrequirement_list",
    ),
    path(
        "applicable-laws/add/",
        v.LegalRequirementEditView.as_view(),
        name="legalrequirement_add",
    ),
    path(
        "applicable-laws/<int:pk>/",
        v.LegalRequirementDetailView.as_view(),
        name="legalrequirement_detail",
    ),
    path(
        "applicable-laws/<int:pk>/edit/",
        v.LegalRequirementEditView.as_view(),
        name="legalrequirement_edit",
    ),
    path(
        "applicable-laws/<int:pk>/delete/",
        v.LegalRequirementDeleteView.as_view(),
        name="legalrequirement_delete",
    ),
    path(
        "undertakings/",
        v.UndertakingListView.as_view(),
        name="confidentialityundertaking_list",
    ),
    path(
        "undertakings/add/",
        v.UndertakingEditView.as_view(),
        name="confidentialityundertaking_add",
    ),
    path(
        "undertakings/<int:pk>/",
        v.UndertakingDetailView.as_view(),
        name="confidentialityundertaking_detail",
    ),
    path(
        "undertakings/<int:pk>/edit/",
        v.UndertakingEditView.as_view(),
        name="confidentialityundertaking_edit",
    ),
    path(
        "undertakings/<int:pk>/delete/",
        v.UndertakingDeleteView.as_view(),
        name="confidentialityundertaking_delete",
    ),
]

urlpatterns += [
    path("archiving/", v.ArchiveDocumentationListView.as_view(), name="archivedocumentation_list"),
    path(
        "archiving/add/", v.ArchiveDocumentationEditView.as_view(), name="archivedocumentation_add"
    ),
    path(
        "archiving/<int:pk>/",
        v.ArchiveDocumentationDetailView.as_view(),
        name="archivedocumentation_detail",
    ),
    path(
        "archiving/<int:pk>/edit/",
        v.ArchiveDocumentationEditView.as_view(),
        name="archivedocumentation_edit",
    ),
    path(
        "archiving/<int:pk>/delete/",
        v.ArchiveDocumentationDeleteView.as_view(),
        name="archivedocumentation_delete",
    ),
    path("decommissioning/", v.DecommissioningListView.as_view(), name="decommissioning_list"),
    path("decommissioning/add/", v.DecommissioningEditView.as_view(), name="decommissioning_add"),
    path(
        "decommissioning/<int:pk>/",
        v.DecommissioningDetailView.as_view(),
        name="decommissioning_detail",
    ),
    path(
        "decommissioning/<int:pk>/complete/",
        v.decommissioning_complete,
        name="decommissioning_complete",
    ),
    path(
        "decommissioning/items/<int:pk>/edit/",
        v.DecommissioningItemEditView.as_view(),
        name="decommissioningitem_edit",
    ),
    path("retention/", v.RetentionRuleListView.as_view(), name="retentionrule_list"),
    path("retention/add/", v.RetentionRuleEditView.as_view(), name="retentionrule_add"),
    path("retention/<int:pk>/", v.RetentionRuleDetailView.as_view(), name="retentionrule_detail"),
    path("retention/<int:pk>/edit/", v.RetentionRuleEditView.as_view(), name="retentionrule_edit"),
    path(
        "retention/<int:pk>/delete/",
        v.RetentionRuleDeleteView.as_view(),
        name="retentionrule_delete",
    ),
]
