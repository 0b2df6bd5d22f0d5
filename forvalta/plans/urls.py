from django.urls import path

from forvalta.plans import views as v

app_name = "plans"

urlpatterns = [
    path("", v.PlanListView.as_view(), name="managementplan_list"),
    path("add/", v.PlanEditView.as_view(), name="managementplan_add"),
    path("<int:pk>/", v.PlanDetailView.as_view(), name="managementplan_detail"),
    path("<int:pk>/edit/", v.PlanEditView.as_view(), name="managementplan_edit"),
    path("<int:pk>/delete/", v.PlanDeleteView.as_view(), name="managementplan_delete"),
    path("<int:pk>/pdf/", v.PlanPdfView.as_view(), name="managementplan_pdf"),
    path("<int:pk>/decide/", v.PlanDecideView.as_view(), name="managementplan_decide"),
    path("<int:pk>/new-version/", v.PlanNewVersionView.as_view(), name="managementplan_version"),
    path("<int:pk>/changes/", v.PlanDifferenceView.as_view(), name="managementplan_difference"),
    path("<int:pk>/follow-up/", v.FollowUpView.as_view(), name="followup"),
    path("needs/add/", v.NeedEditView.as_view(), name="planneed_add"),
    path("needs/<int:pk>/edit/", v.NeedEditView.as_view(), name="planneed_edit"),
    path("needs/<int:pk>/delete/", v.NeedDeleteView.as_view(), name="planneed_delete"),
    path("activities/add/", v.ActivityEditView.as_view(), name="planactivity_add"),
    path("activities/<int:pk>/edit/", v.ActivityEditView.as_view(), name="planactivity_edit"),
    path("resource-groups/add/", v.ResourceGroupEditView.as_view(), name="resourcegroup_add"),
    path(
        "resource-groups/<int:pk>/edit/",
        v.ResourceGroupEditView.as_view(),
        name="resourcegroup_edit",
    ),
    path("milestones/add/", v.MilestoneEditView.as_view(), name="planmilestone_add"),
    path("milestones/<int:pk>/edit/", v.MilestoneEditView.as_view(), name="planmilestone_edit"),
    path("milestones/<int:pk>/done/", v.MilestoneDoneView.as_view(), name="planmilestone_done"),
    path("goals/add/", v.GoalEditView.as_view(), name="goal_add"),
    path("goals/assigned/", v.AssignedGoalListView.as_view(), name="goal_list"),
    path("goals/<int:pk>/", v.GoalDetailView.as_view(), name="goal_detail"),
    path("goals/<int:pk>/edit/", v.GoalEditView.as_view(), name="goal_edit"),
    path("goals/<int:pk>/delete/", v.GoalDeleteView.as_view(), name="goal_delete"),
    path("cost-splits/", v.SplitListView.as_view(), name="costsplit_list"),
    path("cost-splits/add/", v.SplitEditView.as_view(), name="costsplit_add"),
    path("cost-splits/<int:pk>/", v.SplitDetailView.as_view(), name="costsplit_detail"),
    path("cost-splits/<int:pk>/edit/", v.SplitEditView.as_view(), name="costsplit_edit"),
    path("cost-splits/<int:pk>/key/", v.KeyValuesView.as_view(), name="costsplit_key"),
    path(
        "cost-splits/<int:pk>/calculate/",
        v.SplitCalculateView.as_view(),
        name="costsplit_calculate",
    ),
    path(
        "cost-splits/<int:pk>/invoice-basis.<str:fmt>",
        v.InvoiceBasisView.as_view(),
        name="costsplit_invoice",
    ),
    path("settings/<int:pk>/", v.SettingsView.as_view(), name="planningsettings_edit"),
    path("calendar/", v.MilestoneTemplateListView.as_view(), name="milestonetemplate_list"),
    path("calendar/add/", v.MilestoneTemplateEditView.as_view(), name="milestonetemplate_add"),
    path(
        "calendar/<int:pk>/edit/",
        v.MilestoneTemplateEditView.as_view(),
        name="milestonetemplate_edit",
    ),
    path("budget/", v.BudgetLineListView.as_view(), name="systembudgetline_list"),
    path("budget/add/", v.BudgetLineEditView.as_view(), name="systembudgetline_add"),
    path("budget/<int:pk>/edit/", v.BudgetLineEditView.as_view(), name="systembudgetline_edit"),
]
