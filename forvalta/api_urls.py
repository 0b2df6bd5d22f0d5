"""The REST API under /api/: one router for every app's viewsets, the schema and its docs.

Every endpoint reads through `visible_to` and writes through the services, under the
same rules as the web pages (see forvalta.core.api_base).
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from forvalta.access import api as access_api
from forvalta.compliance import api as compliance_api
from forvalta.core import api_views as core_api
from forvalta.governance import api as governance_api
from forvalta.logreview import api as logreview_api
from forvalta.notifications import api as notifications_api
from forvalta.plans import api as plans_api
from forvalta.processes import api as processes_api
from forvalta.register import api as register_api

app_name = "api"

router = DefaultRouter()
router.register("organisations", core_api.OrganisationViewSet, basename="organisation")
router.register("suppliers", core_api.SupplierViewSet, basename="supplier")
router.register("units", core_api.UnitViewSet, basename="unit")
router.register("objects", register_api.ManagementObjectViewSet, basename="managementobject")
router.register("services", register_api.ServiceViewSet, basename="service")
router.register("systems", register_api.SystemViewSet, basename="system")
router.register("environments", register_api.EnvironmentViewSet, basename="environment")
router.register("integrations", register_api.IntegrationViewSet, basename="integration")
router.register("participations", register_api.ParticipationViewSet, basename="participation")
router.register("role-types", register_api.RoleTypeViewSet, basename="roletype")
router.register("roles", register_api.RoleAssignmentViewSet, basename="roleassignment")
router.register("agreements", register_api.AgreementViewSet, basename="agreement")
router.register(
    "documentation-requirements",
    register_api.DocumentationRequirementViewSet,
    basename="documentationrequirement",
)
router.register("process-templates", processes_api.TemplateViewSet, basename="processtemplate")
router.register("process-runs", processes_api.RunViewSet, basename="processrun")
router.register("process-steps", processes_api.StepViewSet, basename="processstep")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.register("governance-bodies", governance_api.BodyViewSet, basename="body")
router.register("governance-meetings", governance_api.MeetingViewSet, basename="meeting")
router.register("governance-decisions", governance_api.DecisionViewSet, basename="decision")
router.register(
    "governance-circulations", governance_api.CirculationViewSet, basename="circulation"
)
router.register("governance-votes", governance_api.VoteViewSet, basename="vote")
router.register("plans", plans_api.PlanViewSet, basename="managementplan")
router.register("plan-goals", plans_api.GoalViewSet, basename="goal")
router.register("cost-splits", plans_api.CostSplitViewSet, basename="costsplit")
router.register("cost-shares", plans_api.CostShareViewSet, basename="costshare")
router.register("access-roles", access_api.AccessRoleViewSet, basename="accessrole")
router.register("access-snapshots", access_api.SnapshotViewSet, basename="snapshot")
router.register("access-accounts", access_api.AccountViewSet, basename="account")
router.register("access-reviews", access_api.CampaignViewSet, basename="campaign")
router.register("access-review-lists", access_api.ReviewListViewSet, basename="reviewlist")
router.register("access-requests", access_api.AccessRequestViewSet, basename="accessrequest")
router.register("incidents", compliance_api.IncidentViewSet, basename="personaldataincident")
router.register("controls", compliance_api.ControlDefinitionViewSet, basename="controldefinition")
router.register(
    "control-occurrences", compliance_api.OccurrenceViewSet, basename="controloccurrence"
)
router.register("control-reports", compliance_api.AnnualReportViewSet, basename="annualreport")
router.register("classifications", compliance_api.ClassificationViewSet, basename="classification")
router.register("risk-analyses", compliance_api.RiskAnalysisViewSet, basename="riskanalysis")
router.register("logreview-sources", logreview_api.LogSourceViewSet, basename="logsource")
router.register("logreview-rounds", logreview_api.SamplingRoundViewSet, basename="samplinground")
router.register("logreview-orders", logreview_api.ExtractOrderViewSet, basename="extractorder")
router.register("logreview-outcomes", logreview_api.ReviewOutcomeViewSet, basename="reviewoutcome")
router.register("logreview-followups", logreview_api.FollowUpViewSet, basename="unauthorisedaccess")
router.register("logreview-cases", logreview_api.SuspicionCaseViewSet, basename="suspicioncase")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", core_api.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
