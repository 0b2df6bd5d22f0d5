from django.urls import path

from forvalta.logreview import report_views, views

app_name = "logreview"

urlpatterns = [
    path("", views.source_list, name="source_list"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/edit/", views.source_edit, name="source_edit"),
    path("sources/<int:pk>/hours/", views.source_hours, name="source_hours"),
    path("sources/<int:pk>/upload/", views.source_upload, name="source_upload"),
    path("sources/<int:pk>/reference/", views.reference_upload, name="reference_upload"),
    path("sources/<int:pk>/schedules/new/", views.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/draw/", views.round_draw, name="round_draw"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/attest/", views.order_attest, name="order_attest"),
    path("orders/<int:pk>/fulfil/", views.order_fulfil, name="order_fulfil"),
    path("orders/<int:pk>/recipient/", views.order_recipient, name="order_recipient"),
    path("orders/<int:pk>/attestant/", views.order_attestant, name="order_attestant"),
    path("orders/<int:pk>/days/", views.order_draw_days, name="order_draw_days"),
    path("orders/<int:pk>/review/reveal/", views.review_reveal, name="review_reveal"),
    path("orders/<int:pk>/review/", views.review, name="review"),
    path("orders/<int:pk>/review/judge/", views.review_judge, name="review_judge"),
    path("orders/<int:pk>/review/document/", views.review_document, name="review_document"),
    path("loads/<int:pk>/", views.load_detail, name="load_detail"),
    path("reports/", report_views.reports, name="reports"),
]

# Unauthorised access follow-up (build 7).
from forvalta.logreview import views_followup  # noqa: E402

urlpatterns += [
    path(
        "orders/<int:pk>/review/<int:entry>/followup/",
        views_followup.followup_open,
        name="followup_open",
    ),
    path("followups/", views_followup.followup_list, name="followup_list"),
    path("followups/<int:pk>/", views_followup.followup_detail, name="followup_detail"),
    path("followups/<int:pk>/decide/", views_followup.followup_decide, name="followup_decide"),
    path("followups/<int:pk>/close/", views_followup.followup_close, name="followup_close"),
]

# Review on suspicion (seed 004 section 7).
from forvalta.logreview import views_suspicion  # noqa: E402

urlpatterns += [
    path("suspicion/", views_suspicion.case_list, name="suspicion_list"),
    path("suspicion/new/", views_suspicion.case_create, name="suspicion_create"),
    path("suspicion/<int:pk>/", views_suspicion.case_detail, name="suspicion_detail"),
    path("suspicion/<int:pk>/subject/", views_suspicion.case_subject, name="suspicion_subject"),
    path("suspicion/<int:pk>/names/", views_suspicion.case_names, name="suspicion_names"),
    path("suspicion/<int:pk>/attest/", views_suspicion.case_attest, name="suspicion_attest"),
    path("suspicion/<int:pk>/fulfil/", views_suspicion.case_fulfil, name="suspicion_fulfil"),
    path(
        "suspicion/<int:pk>/from-store/",
        views_suspicion.case_from_store,
        name="suspicion_from_store",
    ),
    path("suspicion/<int:pk>/review/", views_suspicion.case_review, name="suspicion_review"),
    path("suspicion/<int:pk>/review/judge/", views_suspicion.case_judge, name="suspicion_judge"),
    path(
        "suspicion/<int:pk>/review/document/",
        views_suspicion.case_document,
        name="suspicion_document",
    ),
    path(
        "suspicion/<int:pk>/review/<int:entry>/followup/",
        views_followup.case_followup_open,
        name="case_followup_open",
    ),
]
