from django.urls import path

from forvalta.processes import views as v

app_name = "processes"

urlpatterns = [
    path("templates/", v.TemplateListView.as_view(), name="processtemplate_list"),
    path("templates/<int:pk>/", v.TemplateDetailView.as_view(), name="processtemplate_detail"),
    path("templates/<int:pk>/edit/", v.TemplateEditView.as_view(), name="processtemplate_edit"),
    path(
        "templates/<int:pk>/delete/",
        v.TemplateDeleteView.as_view(),
        name="processtemplate_delete",
    ),
    path("templates/<int:pk>/copy/", v.TemplateCopyView.as_view(), name="processtemplate_copy"),
    path("template-steps/add/", v.TemplateStepEditView.as_view(), name="templatestep_add"),
    path(
        "template-steps/<int:pk>/edit/",
        v.TemplateStepEditView.as_view(),
        name="templatestep_edit",
    ),
    path(
        "template-steps/<int:pk>/delete/",
        v.TemplateStepDeleteView.as_view(),
        name="templatestep_delete",
    ),
    path("runs/", v.RunListView.as_view(), name="processrun_list"),
    path("runs/start/", v.RunStartView.as_view(), name="processrun_add"),
    path("runs/<int:pk>/", v.RunDetailView.as_view(), name="processrun_detail"),
    path("steps/", v.StepListView.as_view(), name="processstep_list"),
    path("steps/mine/", v.MyStepListView.as_view(), name="my_steps"),
    path("steps/<int:pk>/", v.StepDetailView.as_view(), name="processstep_detail"),
    path("steps/<int:pk>/edit/", v.StepEditView.as_view(), name="processstep_edit"),
]
