from django.urls import path

from forvalta.workflow import views

app_name = "workflow"

urlpatterns = [
    path("<str:model>/<int:pk>/<slug:name>/", views.TransitionView.as_view(), name="transition"),
]
