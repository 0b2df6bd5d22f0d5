"""Access management pages: access roles, settings, snapshots and accounts, campaigns
with their per-unit lists, verdicts, removal requests, deviations, protocol and sign-off.

Every page showing accounts (a snapshot, an account, a review list, the protocol) is
review material: each view is recorded (forvalta/audit/reading.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forvalta.access import filters, forms, protocol, services, snapshots, tables
from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    AccessSettings,
    Account,
    Campaign,
    Deviation,
    ListKind,
    ListStatus,
    ReviewItem,
    ReviewList,
    Snapshot,
    Verdict,
    YearSignOff,
)
from forvalta.audit.reading import RecordsObjectViewMixin, records_view
from forvalta.audit.services import record
from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_validation_error,
    deny,
)
from forvalta.register.imports.reading import FileRejected

ITEMS_PER_PAGE = 50


def _get(model: Any, request: HttpRequest, pk: Any) -> Any:
    try:
        return model.objects.visible_to(request.user).get(pk=int(pk))
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- access roles ------------------------------------------------------------------------------
class AccessRoleListView(ObjectListView):
    model = AccessRole
    table_class = tables.AccessRoleTable
    filterset_class = filters.AccessRoleFilterSet
    empty_text = gettext_lazy("No access roles are defined for the systems you see.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "service")


class AccessRoleDetailView(ObjectDetailView):
    model = AccessRole
    fields = (
        "system",
        "service",
        "name",
        "description",
        "gives_access_to",
        "protected_identities",
        "decision",
        "decision_reference",
        "decision_url",
        "decided_on",
    )

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)
        if obj.decision_id is None:
            return rows
        from forvalta.governance.models import Decision

        # The decision is named only to those who see it.
        if Decision.objects.visible_to(self.request.user).filter(pk=obj.decision_id).exists():
            return rows
        label = str(AccessRole._meta.get_field("decision").verbose_name)
        return [(lbl, None if lbl == label else value) for lbl, value in rows]


class AccessRoleEditView(ObjectEditView):
    model = AccessRole
    form_class = forms.AccessRoleForm
    create_service = staticmethod(services.access_role_create)
    update_service = staticmethod(services.access_role_update)


class AccessRoleDeleteView(ObjectDeleteView):
    model = AccessRole
    delete_service = staticmethod(services.access_role_delete)


# --- settings ---------------------------------------------------------------------------------
class SettingsListView(ObjectListView):
    model = AccessSettings
    table_class = tables.SettingsTable
    title = gettext_lazy("Access review settings")
    empty_text = gettext_lazy("No settings yet: the defaults apply (30 April, 31 October).")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation")


class SettingsEditView(ObjectEditView):
    model = AccessSettings
    form_class = forms.SettingsForm

    def target(self) -> Any:
        if "pk" in self.kwargs:
            obj = self.get_object()
            self.require("change", obj)
            return obj
        if not self.request.user.has_perm("access.add_accesssettings"):
            deny(self.request, AccessSettings, "add")
        return None

    def service_data(self, form: Any) -> dict[str, Any]:
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("col_")}
        data["mapping"] = form.cleaned_mapping()
        return data

    def create_service(self, *, actor: Any, data: dict[str, Any]) -> Any:  # type: ignore[override]
        return services.settings_save(actor=actor, data=data)

    def update_service(self, *, actor: Any, instance: Any, data: dict[str, Any]) -> Any:  # type: ignore[override]
        return services.settings_save(actor=actor, data=data, instance=instance)

    def success_url(self, obj: Any) -> str:
        return reverse("access:accesssettings_list")


# --- snapshots and accounts -------------------------------------------------------------------
class SnapshotListView(ObjectListView):
    model = Snapshot
    table_class = tables.SnapshotTable
    filterset_class = filters.SnapshotFilterSet
    add_label = gettext_lazy("Import accounts")
    empty_text = gettext_lazy("No account lists have been imported.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation")

    def add_url(self) -> str | None:
        if self.request.user.has_perm("access.add_snapshot"):
            return reverse("access:snapshot_import")
        return None


@login_required
def snapshot_import(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("access.add_snapshot"):
        deny(request, Snapshot, "import")
    form = forms.SnapshotUploadForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            system = form.cleaned_data["system"]
            settings = services.settings_for(organisation, system)
            upload = form.cleaned_data["file"]
            try:
                table = snapshots.read_file(settings.mapping, upload.name, upload.read())
                snapshot = services.snapshot_upload(
                    actor=request.user,
                    organisation=organisation,
                    system=system,
                    table=table,
                    taken_on=form.cleaned_data["taken_on"],
                    language=get_language() or "sv",
                )
            except FileRejected as exc:
                form.add_error("file", exc.message)
            except snapshots.SnapshotRejected as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, _("The account list was imported."))
                return HttpResponseRedirect(snapshot.get_absolute_url())
    context = {
        "form": form,
        "title": _("Import accounts"),
        "cancel_url": reverse("access:snapshot_list"),
        "multipart": True,
    }
    return render(request, "core/object_edit.html", context, status=status)


class SnapshotDetailView(RecordsObjectViewMixin, ObjectDetailView):
    model = Snapshot
    template_name = "access/snapshot_detail.html"
    view_action = "access.snapshot.viewed"
    fields = (
        "system",
        "organisation",
        "taken_on",
        "status",
        "source",
        "filename",
        "imported_by",
        "imported_at",
        "previous",
        "account_count",
        "added_count",
        "changed_count",
        "removed_count",
        "unmatched_count",
        "error",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        accounts = (
            Account.objects.visible_to(user).filter(snapshot=obj).select_related("unit", "person")
        )
        filterset = filters.AccountFilterSet(
            self.request.GET or None, queryset=accounts, request=self.request
        )
        shown = filterset.qs if filterset.is_bound and filterset.is_valid() else accounts
        removed = snapshots.removed_accounts(obj).visible_to(user).select_related("unit", "person")
        return [
            self.related_table(_("Accounts"), tables.AccountTable, shown),
            self.related_table(
                _("Removed since the previous snapshot"),
                tables.AccountTable,
                removed,
                empty_text=_("No account was removed."),
            ),
        ]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        context["campaign_url"] = (
            reverse("access:campaign_add") + f"?snapshot={obj.pk}"
            if self.request.user.has_perm("access.add_campaign")
            else None
        )
        if obj.job_id:
            from forvalta.register.imports.jobs import progress_of

            context["progress"] = progress_of(obj.job)
        return context


class AccountDetailView(RecordsObjectViewMixin, ObjectDetailView):
    model = Account
    template_name = "access/account_detail.html"
    view_action = "access.account.viewed"
    fields = (
        "snapshot",
        "account_id",
        "name",
        "email",
        "employee_id",
        "unit_name",
        "unit",
        "person",
        "roles",
        "protected_access",
        "last_login",
        "valid_until",
        "change",
        "changed_fields",
    )

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)
        rows.insert(5, (_("personal identity number"), obj.masked_personal_number))
        return rows

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        context["deviation_url"] = (
            reverse("access:deviation_add") + f"?account={obj.pk}"
            if self.request.user.has_perm("access.add_deviation", obj)
            else None
        )
        return context


# --- campaigns ---------------------------------------------------------------------------------
class CampaignListView(ObjectListView):
    model = Campaign
    table_class = tables.CampaignTable
    filterset_class = filters.CampaignFilterSet
    add_label = gettext_lazy("New access review")
    empty_text = gettext_lazy("No access reviews yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation")


@login_required
def campaign_add(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("access.add_campaign"):
        deny(request, Campaign, "add")
    form = forms.CampaignForm(request.POST or None, user=request.user, initial=request.GET.dict())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    snapshot=data["snapshot"],
                    season=data["season"],
                    year=data["year"],
                    due_on=data["due_on"],
                    name=data["name"],
                    send=data["send"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("“%(name)s” was created.") % {"name": campaign})
                return HttpResponseRedirect(campaign.get_absolute_url())
    context = {
        "form": form,
        "title": _("New access review"),
        "cancel_url": reverse("access:campaign_list"),
    }
    return render(request, "core/object_edit.html", context, status=status)


def lists_with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("reviewer").annotate(
        decided_count=Count("items", filter=~Q(items__verdict="")),
        removal_count=Count("items", filter=Q(items__verdict__in=(Verdict.REMOVE, Verdict.CHANGE))),
    )


class CampaignDetailView(ObjectDetailView):
    model = Campaign
    template_name = "access/campaign_detail.html"
    fields = (
        "system",
        "organisation",
        "snapshot",
        "season",
        "year",
        "due_on",
        "controller",
        "signed_by",
        "signed_at",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        lists = lists_with_counts(ReviewList.objects.visible_to(user).filter(campaign=obj))
        result = [self.related_table(_("Lists"), tables.ListTable, lists)]
        if user.has_perm("access.view_snapshot", obj.snapshot):
            requests = (
                AccessRequest.objects.visible_to(user)
                .filter(review_item__review_list__campaign=obj)
                .select_related("system", "confirmed_by_snapshot")
            )
            result.append(
                self.related_table(
                    _("Removal and change requests"),
                    tables.AccessRequestTable,
                    requests,
                    empty_text=_("No requests have been made from this review."),
                )
            )
            deviations = (
                Deviation.objects.visible_to(user).filter(campaign=obj).select_related("system")
            )
            result.append(
                self.related_table(
                    _("Deviations"),
                    tables.DeviationTable,
                    deviations,
                    add_url=reverse("access:deviation_add") + f"?campaign={obj.pk}"
                    if user.has_perm("access.add_deviation", obj) and not obj.is_signed
                    else None,
                    empty_text=_("No deviations."),
                )
            )
        return result

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        staff = user.has_perm("access.view_snapshot", obj.snapshot)
        pending = 0
        if staff:
            pending = (
                ReviewItem.objects.visible_to(user)
                .filter(
                    review_list__campaign=obj,
                    review_list__status=ListStatus.SUBMITTED,
                    verdict__in=(Verdict.REMOVE, Verdict.CHANGE),
                    requests__isnull=True,
                )
                .count()
            )
        return {
            "staff": staff,
            "pending_removals": pending,
            "may_run": user.has_perm("access.change_campaign", obj),
        }


@require_POST
@login_required
def campaign_removal_requests(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get(Campaign, request, pk)
    made = services.removal_requests_create(actor=request.user, campaign=campaign)
    messages.success(request, _("%(count)d requests were made.") % {"count": made})
    return HttpResponseRedirect(campaign.get_absolute_url())


@login_required
@records_view("access.protocol.viewed")
def campaign_protocol(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    campaign = _get(Campaign, request, pk)
    if not request.user.has_perm("access.view_snapshot", campaign.snapshot):
        deny(request, Campaign, "protocol", campaign)
    data = protocol.protocol_data(campaign, request.user)
    if fmt == "pdf":
        return protocol.pdf(request, campaign, data)
    return protocol.xlsx(campaign, data)


# --- review lists --------------------------------------------------------------------------
def _item_rows(page: Any) -> list[dict[str, Any]]:
    return [
        {
            "item": item,
            "account": item.account,
            "hints": item.hint_labels,
            "unusual": item.unusual_roles.replace("|", ", "),
        }
        for item in page.object_list
    ]


@login_required
def review_list(request: HttpRequest, pk: int) -> HttpResponse:
    """One list: the accounts with their hints and verdicts. The reviewer saves the
    verdicts of the page shown; the controller prepares and sends it."""
    obj = _get(ReviewList, request, pk)
    user = request.user
    may_review = user.has_perm("access.review_reviewlist", obj)
    items = (
        ReviewItem.objects.visible_to(user)
        .filter(review_list=obj)
        .select_related("account", "account__unit")
        .order_by("account__name", "pk")
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    errors: list[str] = []
    if request.method == "POST":
        if not may_review:
            deny(request, ReviewList, "decide", obj)
        ids = [i for i in request.POST.getlist("item") if i.isdigit()]
        verdicts = {
            int(i): {
                "verdict": request.POST.get(f"verdict-{i}", ""),
                "new_roles": request.POST.get(f"roles-{i}", ""),
                "comment": request.POST.get(f"comment-{i}", ""),
            }
            for i in ids
        }
        try:
            services.verdicts_give(actor=user, review_list=obj, verdicts=verdicts)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The verdicts were saved."))
            target = obj.get_absolute_url()
            if request.POST.get("page"):
                target += (
                    f"?page={int(request.POST['page'])}" if request.POST["page"].isdigit() else ""
                )
            return HttpResponseRedirect(target)
    reviewer_form = None
    if obj.status == ListStatus.DRAFT and user.has_perm("access.change_reviewlist", obj):
        reviewer_form = forms.ReviewerForm(
            user=user,
            organisation_id=obj.campaign.organisation_id,
            initial={"reviewer": obj.reviewer_id},
        )
    context = {
        "object": obj,
        "title": str(obj),
        "campaign": obj.campaign,
        "page": page,
        "rows": _item_rows(page),
        "may_review": may_review,
        "verdicts": [("", _("Not decided")), *Verdict.choices],
        "errors": errors,
        "reviewer_form": reviewer_form,
        "is_protected": obj.kind == ListKind.PROTECTED,
        "may_raise": user.has_perm("access.add_deviation", obj.campaign)
        and not obj.campaign.is_signed,
    }
    response = render(request, "access/review_list.html", context, status=400 if errors else 200)
    if request.method == "GET":
        record(actor=user, action="access.reviewlist.viewed", obj=obj, batch=True)
    return response


@require_POST
@login_required
def review_list_without_remark(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get(ReviewList, request, pk)
    try:
        services.list_without_remark(
            actor=request.user, review_list=obj, comment=request.POST.get("comment", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The list was reported back without remark."))
    return HttpResponseRedirect(obj.get_absolute_url())


@require_POST
@login_required
def review_list_reviewer(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get(ReviewList, request, pk)
    if not request.user.has_perm("access.change_reviewlist", obj):
        deny(request, ReviewList, "assign", obj)
    form = forms.ReviewerForm(
        request.POST, user=request.user, organisation_id=obj.campaign.organisation_id
    )
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
        return HttpResponseRedirect(obj.get_absolute_url())
    try:
        services.reviewer_set(
            actor=request.user, review_list=obj, reviewer=form.cleaned_data["reviewer"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reviewer was chosen."))
    return HttpResponseRedirect(obj.get_absolute_url())


class MyListsView(ObjectListView):
    model = ReviewList
    table_class = tables.ListTable
    title = gettext_lazy("My access lists")
    empty_text = gettext_lazy("No access lists are waiting for you.")

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        return lists_with_counts(
            super().get_queryset().filter(Q(reviewer=user) | Q(escalated_to=user))
        )

    def add_url(self) -> str | None:
        return None


# --- requests ----------------------------------------------------------------------------------
class AccessRequestListView(ObjectListView):
    model = AccessRequest
    table_class = tables.AccessRequestTable
    filterset_class = filters.AccessRequestFilterSet
    add_label = gettext_lazy("Request access")
    empty_text = gettext_lazy("No access requests.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "confirmed_by_snapshot")


class AccessRequestDetailView(ObjectDetailView):
    model = AccessRequest
    template_name = "access/request_detail.html"
    fields = (
        "kind",
        "organisation",
        "system",
        "person",
        "person_name",
        "account_id",
        "access_role",
        "roles",
        "reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "done_by",
        "done_at",
        "confirmed_by_snapshot",
    )


class AccessRequestEditView(ObjectEditView):
    model = AccessRequest
    form_class = forms.AccessRequestForm
    create_service = staticmethod(services.access_request_create)

    def target(self) -> Any:
        if "pk" in self.kwargs:
            raise Http404
        if not self.request.user.has_perm("access.add_accessrequest", None):
            deny(self.request, AccessRequest, "add")
        return None


# --- deviations ----------------------------------------------------------------------------------
class DeviationListView(ObjectListView):
    model = Deviation
    table_class = tables.DeviationTable
    filterset_class = filters.DeviationFilterSet
    empty_text = gettext_lazy("No deviations.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system")


class DeviationDetailView(ObjectDetailView):
    model = Deviation
    template_name = "access/deviation_detail.html"
    fields = (
        "organisation",
        "system",
        "campaign",
        "account",
        "description",
        "is_personal_data_incident",
        "assessment",
        "incident_reference",
        "incident_url",
        "raised_by",
        "raised_at",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        from forvalta.register.history import history_entries

        context = super().extra_context(obj)
        events = services.deviation_history(obj)[:50]
        context["history"] = history_entries(self.request.user, obj, events)
        return context


class DeviationEditView(ObjectEditView):
    model = Deviation
    form_class = forms.DeviationForm
    create_service = staticmethod(services.deviation_create)
    update_service = staticmethod(services.deviation_update)

    def service_data(self, form: Any) -> dict[str, Any]:
        data = super().service_data(form)
        if self.kwargs.get("pk"):
            return {k: v for k, v in data.items() if k in services.DEVIATION_FIELDS}
        return data


# --- year sign-off -----------------------------------------------------------------------------
class YearSignOffListView(ObjectListView):
    model = YearSignOff
    table_class = tables.YearSignOffTable
    title = gettext_lazy("Year sign-offs")
    empty_text = gettext_lazy("No year has been signed.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation", "signed_by")

    def add_url(self) -> str | None:
        if self.request.user.has_perm("access.add_yearsignoff"):
            return reverse("access:yearsignoff_add")
        return None


@login_required
def year_sign(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("access.add_yearsignoff"):
        deny(request, YearSignOff, "add")
    form = forms.YearSignForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.year_sign(
                    actor=request.user,
                    organisation=data["organisation"],
                    system=data["system"],
                    year=data["year"],
                    comment=data["comment"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            except PermissionDenied:
                raise
            else:
                messages.success(request, _("The year was signed."))
                return HttpResponseRedirect(reverse("access:yearsignoff_list"))
    context = {
        "form": form,
        "title": _("Sign the year"),
        "cancel_url": reverse("access:yearsignoff_list"),
    }
    return render(request, "core/object_edit.html", context, status=status)
