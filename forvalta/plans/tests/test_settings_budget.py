"""Planning settings and the calendar template of an organisation, and a system
owner's budget under the headings of seed 001, through HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.plans import services
from forvalta.plans.models import MilestoneTemplate, PlanningSettings, SystemBudgetLine
from forvalta.register.tests.factories import (
    AgreementFactory,
    RoleAssignmentFactory,
    SystemFactory,
    role_type,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory(name="Kungälvs kommun")


def person(name, org, admin=False):
    user = UserFactory(username=name)
    MembershipFactory(user=user, organisation=org, is_org_admin=admin)
    return user


def test_settings_and_calendar_give_new_plans_their_activities_and_dates(org, client):
    admin = person("admin", org, admin=True)
    staff = person("staff", org)
    client.force_login(staff)
    assert client.get(reverse("plans:planningsettings_edit", args=[org.pk])).status_code == 404
    client.force_login(admin)
    url = reverse("plans:planningsettings_edit", args=[org.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "activities": "Styrning\nStöd",
            "resource_groups": "Verksamhet\nIT\nLeverantör",
            "day_rate": "7000",
            "working_days_per_year": "200",
        },
    )
    assert response.status_code == 302
    assert PlanningSettings.objects.get(organisation=org).working_days_per_year == 200
    response = client.post(
        reverse("plans:milestonetemplate_add"),
        {
            "organisation": org.pk,
            "order": 1,
            "kind": "new_goals",
            "name": "Nya mål",
            "month": 10,
            "day": 15,
        },
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("plans:milestonetemplate_add"),
        {"organisation": org.pk, "order": 2, "kind": "other", "name": "X", "month": 2, "day": 30},
    )
    assert bad.status_code == 400
    assert MilestoneTemplate.objects.count() == 1
    system = SystemFactory(owner_organisation=org, management_object__owner_organisation=org)
    plan = services.plan_create(
        actor=admin,
        data={
            "management_object": system.management_object,
            "name": "Plan",
            "period_start": dt.date(2027, 1, 1),
            "period_end": dt.date(2027, 12, 31),
        },
    )
    assert list(plan.activities.values_list("name", flat=True)) == ["Styrning", "Stöd"]
    assert list(plan.resource_groups.values_list("name", "day_rate")) == [
        ("Verksamhet", Decimal("7000.00")),
        ("IT", Decimal("7000.00")),
        ("Leverantör", Decimal("7000.00")),
    ]
    assert list(plan.milestones.values_list("name", "due_on")) == [
        ("Nya mål", dt.date(2026, 10, 15))
    ]
    assert plan.working_days_per_year == 200


def test_system_budget_under_the_headings(org, client):
    owner = person("owner", org)
    other = person("other", OrganisationFactory(name="Annan"))
    system = SystemFactory(owner_organisation=org, management_object__owner_organisation=org)
    RoleAssignmentFactory(
        person=owner,
        organisation=org,
        role_type=role_type("system_owner"),
        system=system,
        valid_from=dt.date(2020, 1, 1),
    )
    agreement = AgreementFactory(
        owner_organisation=org, kind="licence", valid_from=dt.date(2020, 1, 1)
    )
    agreement.systems.add(system)
    client.force_login(owner)
    for heading, planned in (("licences", "120000"), ("operations", "80000")):
        response = client.post(
            reverse("plans:systembudgetline_add"),
            {
                "system": system.pk,
                "year": 2027,
                "heading": heading,
                "planned": planned,
                "agreement": agreement.pk if heading == "licences" else "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("plans:systembudgetline_list") + "?export=csv").content.decode(
        "utf-8-sig"
    )
    assert page.count("\r\n") == 3
    client.force_login(other)
    response = client.post(
        reverse("plans:systembudgetline_add"),
        {"system": system.pk, "year": 2027, "heading": "development", "planned": "1"},
    )
    assert response.status_code in {400, 403}
    assert SystemBudgetLine.objects.count() == 2
    assert (
        "licences"
        not in client.get(reverse("plans:systembudgetline_list") + "?export=csv").content.decode()
    )
