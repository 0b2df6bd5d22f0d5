"""Core pages: home ("Mitt uppdrag"), organisations, units, people and memberships."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from forvalta.core import filters, forms, services, tables
from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    safe_reverse,
)
from forvalta.core.invitations import invitation_days, invitation_token_generator, may_be_invited
from forvalta.core.models import (
    Membership,
    MembershipInvitation,
    Organisation,
    OrganisationKind,
    Unit,
    User,
)
from forvalta.core.selectors import my_assignment_overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Mitt uppdrag: where I hold a role, and what needs attention there."""
    context = my_assignment_overview(request.user)
    # Invitations to join another organisation, answered right here.
    context["my_invitations"] = list(
        MembershipInvitation.objects.visible_to(request.user)
        .open()
        .filter(person_id=request.user.pk)
        .select_related("organisation", "unit", "invited_by")[:20]
    )
    return render(request, "core/home.html", context)


# --- organisations ------------------------------------------------------------------------
class OrganisationListView(ObjectListView):
    model = Organisation
    table_class = tables.OrganisationTable
    filterset_class = filters.OrganisationFilterSet


class SupplierListView(OrganisationListView):
    title = _("Suppliers")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(kind=OrganisationKind.SUPPLIER)

    def add_url(self) -> str | None:
        url = super().add_url()
        return f"{url}?kind=supplier" if url else None


class OrganisationDetailView(ObjectDetailView):
    model = Organisation
    template_name = "core/organisation_detail.html"
    fields = (
        "name",
        "short_name",
        "kind",
        "org_number",
        "email",
        "website",
        "description",
        "is_active",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        related: list[dict[str, Any]] = []
        # An organisation's own units and people are shown only to its own members; the
        # platform administrator sees its administrators and nothing else.
        scope = _scope(user)
        if obj.pk in scope.org_ids:
            related.append(
                self.related_table(
                    _("Units"),
                    tables.UnitTable,
                    Unit.objects.visible_to(user)
                    .filter(organisation=obj)
                    .select_related("parent", "organisation"),
                    add_url=self._add(user, "core.add_unit", "core:unit_add", obj),
                )
            )
            related.append(
                self.related_table(
                    _("People"),
                    tables.MembershipTable,
                    Membership.objects.visible_to(user)
                    .filter(organisation=obj)
                    .select_related("user", "organisation", "unit", "manager"),
                    add_url=self._add(user, "core.add_membership", "core:membership_add", obj),
                )
            )
        elif scope.is_platform_admin:
            related.append(
                self.related_table(
                    _("Administrators"),
                    tables.MembershipTable,
                    Membership.objects.visible_to(user)
                    .filter(organisation=obj, is_org_admin=True)
                    .select_related("user", "organisation", "unit", "manager"),
                    add_url=f"{reverse('core:user_add')}?organisation={obj.pk}",
                )
            )
        return related

    def _add(self, user: Any, perm: str, name: str, org: Organisation) -> str | None:
        probe = Unit(organisation=org) if "unit" in perm else Membership(organisation=org)
        if user.has_perm(perm, probe):
            return f"{reverse(name)}?organisation={org.pk}"
        return None


def _scope(user: Any) -> Any:
    from forvalta.core.tenancy import scope_for

    return scope_for(user)


class OrganisationEditView(ObjectEditView):
    model = Organisation
    form_class = forms.OrganisationForm
    create_service = staticmethod(services.organisation_create)
    update_service = staticmethod(services.organisation_update)


class OrganisationDeleteView(ObjectDeleteView):
    model = Organisation
    delete_service = staticmethod(services.organisation_delete)


# --- units ---------------------------------------------------------------------------------
class UnitListView(ObjectListView):
    model = Unit
    table_class = tables.UnitTable
    filterset_class = filters.UnitFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "parent")


class UnitDetailView(ObjectDetailView):
    model = Unit
    fields = ("name", "organisation", "parent", "code", "is_active")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        return [
            self.related_table(
                _("Sub-units"),
                tables.UnitTable,
                Unit.objects.visible_to(user)
                .filter(parent=obj)
                .select_related("organisation", "parent"),
            ),
            self.related_table(
                _("People"),
                tables.MembershipTable,
                Membership.objects.visible_to(user)
                .filter(unit=obj)
                .select_related("user", "organisation", "unit", "manager"),
            ),
        ]


class UnitEditView(ObjectEditView):
    model = Unit
    form_class = forms.UnitForm
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)


class UnitDeleteView(ObjectDeleteView):
    model = Unit
    delete_service = staticmethod(services.unit_delete)


# --- people --------------------------------------------------------------------------------
class UserListView(ObjectListView):
    model = User
    table_class = tables.UserTable
    filterset_class = filters.UserFilterSet
    title = _("People")

    def get_queryset(self) -> QuerySet:
        # The people list is one's own organisations' staff; role holders elsewhere
        # are reached from the objects they hold roles for.
        return _scope(self.request.user).colleagues(super().get_queryset())


class UserDetailView(ObjectDetailView):
    model = User
    template_name = "core/user_detail.html"
    fields = ("first_name", "last_name", "username", "email", "phone")

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        context["can_invite"] = may_be_invited(obj) and self.request.user.has_perm(
            "core.change_user", obj
        )
        context["invitation_days"] = invitation_days()
        return context

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        from forvalta.register.models import RoleAssignment
        from forvalta.register.tables import RoleAssignmentTable

        user = self.request.user
        return [
            self.related_table(
                _("Memberships"),
                tables.MembershipTable,
                Membership.objects.visible_to(user)
                .filter(user=obj)
                .select_related("user", "organisation", "unit", "manager"),
            ),
            self.related_table(
                _("Roles"),
                RoleAssignmentTable,
                RoleAssignment.objects.visible_to(user)
                .filter(person=obj)
                .select_related(
                    "person", "role_type", "organisation", "management_object", "service", "system"
                ),
            ),
        ]


class UserEditView(ObjectEditView):
    model = User
    form_class = forms.UserForm
    create_service = staticmethod(services.user_create)
    update_service = staticmethod(services.user_update)


@login_required
@require_POST
def user_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the invitation again to a person who has not chosen a password yet."""
    try:
        person = User.objects.visible_to(request.user).get(pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc
    try:
        services.user_invitation_resend(actor=request.user, person=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("A new invitation was sent to %(email)s.") % {"email": person.email},
        )
    return HttpResponseRedirect(reverse("core:user_detail", args=[person.pk]))


class InvitationSetPasswordView(PasswordResetConfirmView):
    """The invitation link: the person chooses their password (Django's reset-confirm
    flow, with the invitation's own token and expiry; the token leaves the address at
    once). An expired or used link says so and what to do."""

    token_generator = invitation_token_generator
    template_name = "core/invitation_set_password.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64: str) -> Any:
        person = super().get_user(uidb64)
        if person is None or not may_be_invited(person):
            return None
        return person

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Choose your password")
        context["invitation_days"] = invitation_days()
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        services.user_password_set(form=form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("Your password is saved. Log in with your username %(username)s.")
            % {"username": form.user.username},
        )
        return HttpResponseRedirect(self.get_success_url())


# --- memberships ---------------------------------------------------------------------------
class MembershipListView(ObjectListView):
    model = Membership
    table_class = tables.MembershipTable
    filterset_class = filters.MembershipFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("user", "organisation", "unit", "manager")


class MembershipDetailView(ObjectDetailView):
    model = Membership
    fields = (
        "user",
        "organisation",
        "unit",
        "manager",
        "title",
        "is_org_admin",
        "valid_from",
        "valid_to",
    )


class MembershipEditView(ObjectEditView):
    """Adding a person who still belongs to another organisation sends an invitation
    instead (`services.membership_add`); the page says so, without naming the other
    organisation."""

    model = Membership
    form_class = forms.MembershipForm
    create_service = staticmethod(services.membership_add)
    update_service = staticmethod(services.membership_update)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        invitation = getattr(self, "_invitation", None)
        if invitation is not None:
            # Replace the generic "was created" message with what happened.
            list(messages.get_messages(request))
            messages.success(
                request,
                _(
                    "%(person)s was invited to %(organisation)s. The membership is created "
                    "when the person or their organisation accepts."
                )
                % {"person": invitation.person, "organisation": invitation.organisation},
            )
        return response

    def success_url(self, obj: Any) -> str:
        if isinstance(obj, MembershipInvitation):
            self._invitation = obj
            return reverse("core:invitation_list")
        return (
            safe_reverse("core:organisation_detail", obj.organisation_id) or obj.get_absolute_url()
        )


# --- membership invitations ------------------------------------------------------------------
@login_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    """Invitations to me, to the people of organisations I administer, and those my
    organisations sent; each with the buttons the user may use (plain forms, no script)."""
    from forvalta.core.tenancy import scope_for

    user = request.user
    admin_orgs = scope_for(user).admin_org_ids
    visible = (
        MembershipInvitation.objects.visible_to(user)
        .select_related("organisation", "person", "unit", "invited_by", "answered_by")
        .order_by("-created_at", "-pk")
    )
    # Whether the user also answers for the person (rules.answers_for_person), as a
    # subquery so that the list costs the same queries whatever its length.
    answers = Exists(
        Membership.objects.visible_to(user)
        .active()
        .filter(user_id=OuterRef("person_id"), organisation_id__in=admin_orgs)
        .exclude(organisation_id=OuterRef("organisation_id"))
    )
    to_me = visible.filter(person_id=user.pk)
    # Visible for no other reason than administering one of the person's organisations.
    for_my_people = visible.exclude(person_id=user.pk).exclude(organisation_id__in=admin_orgs)
    sent = visible.filter(organisation_id__in=admin_orgs).annotate(answers=answers)
    sections = [
        (_("Invitations to you"), "to-me", to_me, True, None),
        (
            _("Invitations to people of your organisation"),
            "for-my-people",
            for_my_people,
            True,
            None,
        ),
        (_("Invitations your organisation sent"), "sent", sent, None, True),
    ]
    rows = []
    for title, key, invitations, answer, withdraw in sections:
        items = [
            {
                "invitation": i,
                "can_answer": i.is_open and bool(answer or getattr(i, "answers", False)),
                "can_withdraw": i.is_open and bool(withdraw or i.organisation_id in admin_orgs),
            }
            for i in invitations[:100]
        ]
        rows.append({"title": title, "key": key, "items": items})
    return render(request, "core/invitation_list.html", {"sections": rows})


INVITATION_ACTIONS = {
    "accept": (
        services.membership_invitation_accept,
        _("You accepted the invitation: %(person)s is now a member of %(organisation)s."),
    ),
    "decline": (services.membership_invitation_decline, _("You declined the invitation.")),
    "withdraw": (services.membership_invitation_withdraw, _("The invitation was withdrawn.")),
}


@login_required
@require_POST
def invitation_answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Accept, decline or withdraw an invitation the user sees (else 404)."""
    if action not in INVITATION_ACTIONS:
        raise Http404
    try:
        invitation = MembershipInvitation.objects.visible_to(request.user).get(pk=pk)
    except MembershipInvitation.DoesNotExist as exc:
        raise Http404 from exc
    service, done = INVITATION_ACTIONS[action]
    try:
        service(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            str(done) % {"person": invitation.person, "organisation": invitation.organisation},
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("core:invitation_list")
    return HttpResponseRedirect(target)


class MembershipDeleteView(ObjectDeleteView):
    model = Membership
    delete_service = staticmethod(services.membership_delete)
