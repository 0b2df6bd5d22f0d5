from django.urls import path

from forvalta.governance import views as v

app_name = "governance"

urlpatterns = [
    path("bodies/", v.BodyListView.as_view(), name="body_list"),
    path("bodies/add/", v.BodyEditView.as_view(), name="body_add"),
    path("bodies/<int:pk>/", v.BodyDetailView.as_view(), name="body_detail"),
    path("bodies/<int:pk>/edit/", v.BodyEditView.as_view(), name="body_edit"),
    path("bodies/<int:pk>/rhythm/", v.BodyRhythmView.as_view(), name="body_rhythm"),
    path("members/add/", v.MemberAddView.as_view(), name="bodymember_add"),
    path("members/<int:pk>/edit/", v.MemberNominateView.as_view(), name="bodymember_edit"),
    path("adjoined/add/", v.AdjoinedAddView.as_view(), name="bodyadjoined_add"),
    path("meetings/", v.MeetingListView.as_view(), name="meeting_list"),
    path("documents/<int:pk>/", v.meeting_document, name="meetingdocument_file"),
    path("meetings/plan/", v.MeetingPlanView.as_view(), name="meeting_plan"),
    path("meetings/<int:pk>/", v.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", v.MeetingEditView.as_view(), name="meeting_edit"),
    path(
        "meetings/<int:pk>/do/<slug:action>/",
        v.MeetingActionView.as_view(),
        name="meeting_action",
    ),
    path(
        "meetings/<int:pk>/attendance/",
        v.AttendanceAddView.as_view(),
        name="attendance_add",
    ),
    path("meetings/<int:pk>/paragraphs/add/", v.ParagraphAddView.as_view(), name="paragraph_add"),
    path("meetings/<int:pk>/minutes/", v.MinutesView.as_view(), name="minutes"),
    path(
        "meetings/<int:pk>/minutes.<slug:fmt>",
        v.MinutesView.as_view(),
        name="minutes_pdf",
    ),
    path("paragraphs/<int:pk>/edit/", v.ParagraphEditView.as_view(), name="paragraph_edit"),
    path("agenda/add/", v.AgendaItemEditView.as_view(), name="agendaitem_add"),
    path("concerns/options/", v.concern_options, name="concern_options"),
    path("agenda/<int:pk>/edit/", v.AgendaItemEditView.as_view(), name="agendaitem_edit"),
    path("documents/add/", v.DocumentAddView.as_view(), name="meetingdocument_add"),
    path("decisions/", v.DecisionListView.as_view(), name="decision_list"),
    path("decisions/add/", v.DecisionAddView.as_view(), name="decision_add"),
    path("decisions/<int:pk>/", v.DecisionDetailView.as_view(), name="decision_detail"),
    path("circulations/", v.CirculationListView.as_view(), name="circulation_list"),
    path("circulations/add/", v.CirculationAddView.as_view(), name="circulation_add"),
    path("circulations/<int:pk>/", v.CirculationDetailView.as_view(), name="circulation_detail"),
    path(
        "circulations/<int:pk>/do/<slug:action>/",
        v.CirculationActionView.as_view(),
        name="circulation_action",
    ),
    path("votes/", v.VoteListView.as_view(), name="vote_list"),
]
