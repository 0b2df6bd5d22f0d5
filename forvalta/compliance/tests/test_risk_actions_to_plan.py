"""An action of a risk analysis's action plan carried into the management plan as a real
activity (through the plan part's service), linked from the action, once, by someone who
both makes the analysis and manages the plan; refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.compliance.models import RiskAction
from forvalta.compliance.tests.test_risk_analyses import _analysis, _world
from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.plans.models import ManagementPlan, PlanActivity
from forvalta.register.tests.factories import RoleAssignmentFactory, role_type

pytestmark = pytest.mark.django_db


def _setting(client):
    w = _world()
    # owner1 also leads the management of the object: manages its plans.
    RoleAssignmentFactory(
        person=w.users["owner1"],
        organisation=w.orgs["muni1"],
        role_type=role_type("management_lead"),
        management_object=w.items["OBJ_M1"],
        valid_from=dt.date(2020, 1, 1),
    )
    plans = {
        "draft": ManagementPlan.objects.create(
            organisation=w.orgs["muni1"],
            management_object=w.items["OBJ_M1"],
            name="Förvaltningsplan 2027",
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31),
        ),
        "decided": ManagementPlan.objects.create(
            organisation=w.orgs["muni1"],
            management_object=w.items["OBJ_M1"],
            name="Förvaltningsplan 2026",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            status="decided",
        ),
        "other": ManagementPlan.objects.create(
            organisation=w.orgs["muni2"],
            management_object=w.items["OBJ_M2"],
            name="Skolans plan 2027",
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31),
        ),
    }
    PlanActivity.objects.create(plan=plans["draft"], order=3, name="Drift")
    analysis = _analysis(client, w, "owner1", "muni1", "system", "SYS_M1")
    response = client.post(
        reverse("compliance:riskaction_add"),
        {
            "analysis": analysis.pk,
            "description": "Inför tvåfaktorsinloggning",
            "owner": w.users["owner1"].pk,
            "due_on": "2027-03-31",
        },
    )
    assert response.status_code == 302
    return w, plans, analysis, RiskAction.objects.get()


def _state():
    return (
        sorted(PlanActivity.objects.values_list("plan_id", "order", "name")),
        list(RiskAction.objects.values_list("plan_activity", "plan_reference")),
    )


def test_the_action_becomes_an_activity_of_the_plan_once(client):
    w, plans, analysis, action = _setting(client)
    url = reverse("compliance:riskaction_to_plan", args=[action.pk])
    page = client.get(analysis.get_absolute_url())
    assert url in page.content.decode()
    form = client.get(url)
    assert form.status_code == 200
    # Only the organisation's plans still open for changes that the person manages.
    assert list(form.context["form"].fields["plan"].queryset) == [plans["draft"]]
    before = _state()
    for key in ("decided", "other"):
        response = client.post(url, {"plan": plans[key].pk})
        assert response.status_code == 400
        assert _state() == before
    response = client.post(url, {"plan": plans["draft"].pk})
    assert response.status_code == 302
    assert response["Location"] == analysis.get_absolute_url()
    activity = PlanActivity.objects.get(name="Inför tvåfaktorsinloggning")
    assert activity.plan == plans["draft"] and activity.order == 4
    assert activity.overall_goal == (
        f"Från risk- och sårbarhetsanalysen {analysis.title}. Senast 2027-03-31. "
        f"Ansvarig: {w.users['owner1'].get_full_name()}."
    )
    action.refresh_from_db()
    assert action.plan_activity == activity
    assert action.plan_reference == "Förvaltningsplan 2027 – Inför tvåfaktorsinloggning"
    event = AuditEvent.objects.get(action="compliance.riskaction.to_plan")
    assert event.changes["plan_activity"] == [None, activity.pk]
    assert AuditEvent.objects.filter(object_type="plans.planactivity").count() == 1
    # The link back from the analysis's action plan to the plan.
    body = client.get(analysis.get_absolute_url()).content.decode()
    assert plans["draft"].get_absolute_url() in body
    assert url not in body
    # Once only: the second time is refused and changes nothing.
    before = _state()
    response = client.post(url, {"plan": plans["draft"].pk})
    assert response.status_code == 400
    assert _state() == before


def test_refusals_change_nothing(client):
    w, plans, _, action = _setting(client)
    url = reverse("compliance:riskaction_to_plan", args=[action.pk])
    before = _state()
    # Makes analyses of the organisation but does not manage the plan: no plan to choose.
    other_owner = UserFactory(username="sysowner")
    MembershipFactory(
        user=other_owner, organisation=w.orgs["muni1"], valid_from=dt.date(2020, 1, 1)
    )
    RoleAssignmentFactory(
        person=other_owner,
        organisation=w.orgs["muni1"],
        role_type=role_type("system_owner"),
        system=w.items["SYS_M1"],
        valid_from=dt.date(2020, 1, 1),
    )
    client.force_login(other_owner)
    assert list(client.get(url).context["form"].fields["plan"].queryset) == []
    assert client.post(url, {"plan": plans["draft"].pk}).status_code == 400
    assert _state() == before
    # A colleague who may not change the analysis.
    client.force_login(w.users["colleague1"])
    assert client.post(url, {"plan": plans["draft"].pk}).status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=w.users["colleague1"].pk
    ).exists()
    # Another municipality does not see the action at all.
    client.force_login(w.users["staff2"])
    assert client.post(url, {"plan": plans["other"].pk}).status_code == 404
    assert client.get(url).status_code == 404
    assert _state() == before


def test_the_plan_is_named_only_to_those_who_see_it(client):
    """A reader of the analysis who does not see the plan (a participant reading a shared
    analysis) gets a neutral text, in the table and the PDF alike."""
    from forvalta.compliance.tables import plan_references

    w, plans, _, action = _setting(client)
    url = reverse("compliance:riskaction_to_plan", args=[action.pk])
    assert client.post(url, {"plan": plans["draft"].pk}).status_code == 302
    action.refresh_from_db()
    assert plan_references(w.users["owner1"], [action]) == {
        action.pk: (
            "Förvaltningsplan 2027 – Inför tvåfaktorsinloggning",
            plans["draft"].get_absolute_url(),
        )
    }
    assert (
        not ManagementPlan.objects.visible_to(w.users["staff2"])
        .filter(pk=plans["draft"].pk)
        .exists()
    )
    assert plan_references(w.users["staff2"], [action]) == {
        action.pk: ("I en förvaltningsplan som du inte ser", "")
    }
