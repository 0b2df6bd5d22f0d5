import pytest
from django.urls import reverse

from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.tests.factories import (
    AgreementFactory,
    EnvironmentFactory,
    IntegrationFactory,
    ParticipationFactory,
    RoleAssignmentFactory,
    ServiceFactory,
    SystemFactory,
)

pytestmark = pytest.mark.django_db


def test_all_pages_render_for_org_admin(client):
    org = OrganisationFactory()
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    service = ServiceFactory(management_object__owner_organisation=org)
    system = SystemFactory(management_object=service.management_object)
    service.systems.add(system)
    EnvironmentFactory(system=system)
    IntegrationFactory(source=system)
    ParticipationFactory(service=service)
    RoleAssignmentFactory(
        person=admin, organisation=org, management_object=service.management_object
    )
    agr = AgreementFactory(owner_organisation=org)
    agr.services.add(service)
    client.force_login(admin)
    urls = [reverse("core:home"), reverse("register:documentation_gaps")]
    for name in [
        "managementobject",
        "service",
        "system",
        "environment",
        "integration",
        "participation",
        "roleassignment",
        "agreement",
        "roletype",
    ]:
        urls.append(reverse(f"register:{name}_list"))
        urls.append(reverse(f"register:{name}_list") + "?export=csv")
        urls.append(reverse(f"register:{name}_list") + "?export=xlsx")
        if name != "roletype":
            urls.append(reverse(f"register:{name}_add"))
    for obj in [service, system, service.management_object, agr]:
        urls.append(obj.get_absolute_url())
        urls.append(reverse(f"register:{obj._meta.model_name}_edit", args=[obj.pk]))
        urls.append(reverse(f"register:{obj._meta.model_name}_delete", args=[obj.pk]))
    for name in ["organisation", "unit", "user", "membership"]:
        urls.append(reverse(f"core:{name}_list"))
        urls.append(reverse(f"core:{name}_add"))
    urls.append(org.get_absolute_url())
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
