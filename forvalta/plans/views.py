"""Plan pages: plans (list, detail with its tables and calendar, decision, versions and
their difference, follow-up with Excel and PDF), their parts, goals assigned to a
supplier, cost splits (key values, invoice basis in Excel and PDF), settings, and the
system owner's budget."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from forvalta.audit.services import record
from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_validation_error,
    deny,
)
from forvalta.core.models import today
from forvalta.core.pdf import pdf_response
from forvalta.core.tenancy import scope_for
from forvalta.plans import exports, filters, forms, selectors, services, tables
from forvalta.plans.models import (
    CostSplit,
    Goal,
    ManagementPlan,
    MilestoneTemplate,
    PlanActivity,
    PlanMilestone,
    PlanNeed,
    PlanningSettings,
    ResourceGroup,
    SystemBudgetLine,
)
from forvalta.register.models import Participation


def clock() -> Any:
    """Today (a function, so that tests can freeze it)."""
    return today()


def _plan_or_404(request: HttpRequest, pk: Any) -> ManagementPlan:
    try:
        return (
            ManagementPlan.objects.visible_to(request.user)
            .select_related("management_object", "service", "organisation")
            .get(pk=int(pk))
        )
    except (ManagementPlan.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def _require(request: HttpRequest, perm: str, obj: Any, model: Any = ManagementPlan) -> None:
    if not request.user.has_perm(perm, obj):
        deny(request, model, perm.split(".")[1].split("_")[0], obj)


def decision_shown(user: Any, obj: Any, rows: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A body's decision by its number and title (as text), to those who see it."""
    from forvalta.governance.models import Decision

    label = str(type(obj)._meta.get_field("decision").verbose_name)
    seen = obj.decision_id and Decision.objects.visible_to(user).filter(pk=obj.decision_id).exists()
    return [(k, (str(v) if seen else None) if k == label else v) for k, v in rows]


# --- plans ---------------------------------------------------------------------------------
class PlanListView(ObjectListView):
    model = ManagementPlan
    table_class = tables.PlanTable
    filterset_class = filters.PlanFilterSet
    add_label = gettext_lazy("New plan")
    empty_text = gettext_lazy("No management plans yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("management_object", "service")


class PlanEditView(ObjectEditView):
    model = ManagementPlan
    form_class = forms.PlanForm
    create_service = staticmethod(services.plan_create)
    update_service = staticmethod(services.plan_update)


class PlanDeleteView(ObjectDeleteView):
    model = ManagementPlan
    delete_service = staticmethod(services.plan_delete)


class PlanDetailView(ObjectDetailView):
    model = ManagementPlan
    template_name = "plans/plan_detail.html"
    fields = (
        "management_object",
        "service",
        "period_start",
        "period_end",
        "version",
        "decision",
        "purpose",
        "current_state",
        "overall_goal",
        "working_days_per_year",
        "decision_reference",
        "decision_url",
        "decided_on",
        "decided_by_owner",
        "decided_by_lead",
    )

    def base_queryset(self) -> QuerySet:
        return (
            super()
            .base_queryset()
            .select_related("management_object", "service", "previous_version")
        )

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        return decision_shown(self.request.user, obj, super().field_rows(obj))

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        on = clock()
        milestones = list(
            PlanMilestone.objects.visible_to(user).filter(plan=obj).select_related("role_type")
        )
        editable = not obj.is_locked and user.has_perm("plans.change_managementplan", obj)
        newer = ManagementPlan.objects.visible_to(user).filter(previous_version=obj).first()
        return {
            "tables": selectors.plan_tables(obj, user),
            "needs": PlanNeed.objects.visible_to(user).filter(plan=obj),
            "milestones": [(m, m.is_late(on)) for m in milestones],
            "editable": editable,
            "manages": user.has_perm("plans.change_managementplan", obj),
            "newer": newer,
            "splits": CostSplit.objects.visible_to(user).filter(plan=obj),
            "can_delete": user.has_perm("plans.delete_managementplan", obj)
            and obj.status == "draft",
            "can_change": editable,
        }


class PlanPdfView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_or_404(request, pk)
        context = {
            "plan": plan,
            "tables": selectors.plan_tables(plan, request.user),
            "needs": PlanNeed.objects.visible_to(request.user).filter(plan=plan),
        }
        record(
            actor=request.user,
            action="plans.managementplan.exported",
            obj=plan,
            changes={"format": [None, "pdf"]},
        )
        return pdf_response(
            request,
            "plans/plan_pdf.html",
            context,
            title=str(plan),
            filename=f"forvaltningsplan-{plan.pk}.pdf",
        )


class PlanFormView(LoginRequiredMixin, View):
    """A form about one plan that calls one service (decision, new version)."""

    form_class: Any
    title: Any
    perm = "plans.change_managementplan"

    def form(self, plan: ManagementPlan, data: Any = None) -> Any:
        return self.form_class(data)

    def page(self, plan: ManagementPlan, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "object": plan,
            "title": f"{self.title} – {plan}",
            "cancel_url": plan.get_absolute_url(),
        }
        return render(self.request, "core/object_edit.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_or_404(request, pk)
        _require(request, self.perm, plan)
        return self.page(plan, self.form(plan))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_or_404(request, pk)
        _require(request, self.perm, plan)
        form = self.form(plan, request.POST)
        if not form.is_valid():
            return self.page(plan, form, status=400)
        try:
            result = self.act(plan, form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.page(plan, form, status=400)
        return HttpResponseRedirect(result.get_absolute_url())

    def act(self, plan: ManagementPlan, data: dict[str, Any]) -> Any:
        raise NotImplementedError


class PlanDecideView(PlanFormView):
    form_class = forms.DecisionForm
    title = gettext_lazy("Decide the plan")
    perm = "plans.decide_managementplan"

    def form(self, plan: ManagementPlan, data: Any = None) -> Any:
        return self.form_class(data, initial={"decided_on": clock()}, user=self.request.user)

    def act(self, plan: ManagementPlan, data: dict[str, Any]) -> Any:
        plan = services.plan_decide(actor=self.request.user, plan=plan, data=data)
        messages.success(self.request, _("The plan is decided."))
        return plan


class PlanNewVersionView(PlanFormView):
    form_class = forms.NewVersionForm
    title = gettext_lazy("New version")

    def act(self, plan: ManagementPlan, data: dict[str, Any]) -> Any:
        copy = services.plan_new_version(
            actor=self.request.user, plan=plan, reason=data["change_reason"]
        )
        messages.success(self.request, _("A new version was made as a draft."))
        return copy


class PlanDifferenceView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_or_404(request, pk)
        previous = (
            ManagementPlan.objects.visible_to(request.user)
            .filter(pk=plan.previous_version_id)
            .first()
        )
        if previous is None:
            raise Http404
        context = {
            "object": plan,
            "previous": previous,
            "title": _("Changes from version %(old)s to %(new)s")
            % {"old": previous.version, "new": plan.version},
            "difference": services.plan_difference(previous, plan),
        }
        return render(request, "plans/plan_difference.html", context)


class FollowUpView(LoginRequiredMixin, View):
    """Outcome against plan per goal, activity and VM/VU; entries; goal status."""

    def context(self, plan: ManagementPlan, form: Any = None) -> dict[str, Any]:
        user = self.request.user
        rows = selectors.follow_up_rows(plan, user)
        may = user.has_perm("plans.followup_managementplan", plan) and plan.status in (
            "decided",
            "follow_up",
        )
        if form is None and may:
            form = forms.FollowUpEntryForm(user=user, plan=plan, initial={"month": clock()})
        return {
            "object": plan,
            "title": _("Follow-up of %(plan)s") % {"plan": plan},
            "rows": rows,
            "by_activity": selectors.follow_up_totals(rows, "activity"),
            "by_kind": selectors.follow_up_totals(rows, "kind"),
            "form": form if may else None,
            "import_form": forms.FollowUpImportForm() if may else None,
            "may_follow_up": may,
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_or_404(request, pk)
        fmt = request.GET.get("export")
        if fmt in {"xlsx", "pdf"}:
            context = self.context(plan)
            record(
                actor=request.user,
                action="plans.followup.exported",
                obj=plan,
                changes={"format": [None, fmt]},
            )
            if fmt == "xlsx":
                return exports.follow_up_xlsx(plan, context)
            return pdf_response(
                request,
                "plans/followup_pdf.html",
                context,
                title=str(context["title"]),
                filename=f"uppfoljning-{plan.pk}.pdf",
            )
        return render(request, "plans/followup.html", self.context(plan))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan_or_404(request, pk)
        _require(request, "plans.followup_managementplan", plan)
        if request.FILES.get("file"):
            import_form = forms.FollowUpImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                try:
                    count = exports.import_follow_up(
                        actor=request.user, plan=plan, file=import_form.cleaned_data["file"]
                    )
                except ValidationError as exc:
                    import_form.add_error("file", exc)
                else:
                    messages.success(request, _("%(count)s rows were imported.") % {"count": count})
                    return HttpResponseRedirect(reverse("plans:followup", args=[plan.pk]))
            context = self.context(plan)
            context["import_form"] = import_form
            return render(request, "plans/followup.html", context, status=400)
        form = forms.FollowUpEntryForm(request.POST, user=request.user, plan=plan)
        if form.is_valid():
            try:
                services.follow_up_record(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The outcome was saved."))
                return HttpResponseRedirect(reverse("plans:followup", args=[plan.pk]))
        return render(request, "plans/followup.html", self.context(plan, form), status=400)


# --- parts of a plan -----------------------------------------------------------------------
class PartEditView(ObjectEditView):
    update_service = staticmethod(services.part_update)

    def success_url(self, obj: Any) -> str:
        return obj.plan.get_absolute_url()


class NeedEditView(PartEditView):
    model = PlanNeed
    form_class = forms.NeedForm
    create_service = staticmethod(services.need_create)


class ActivityEditView(PartEditView):
    model = PlanActivity
    form_class = forms.ActivityForm
    create_service = staticmethod(services.activity_create)


class ResourceGroupEditView(PartEditView):
    model = ResourceGroup
    form_class = forms.ResourceGroupForm
    create_service = staticmethod(services.group_create)


class MilestoneEditView(PartEditView):
    model = PlanMilestone
    form_class = forms.MilestoneForm
    create_service = staticmethod(services.milestone_create)


class PartDeleteView(ObjectDeleteView):
    delete_service = staticmethod(services.part_delete)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("delete", obj)
        try:
            services.part_delete(actor=request.user, instance=obj)
        except ValidationError as exc:
            return self.render_page(obj, error=" ".join(exc.messages), status=400)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": obj})
        return HttpResponseRedirect(obj.plan.get_absolute_url())


class NeedDeleteView(PartDeleteView):
    model = PlanNeed


class GoalDeleteView(PartDeleteView):
    model = Goal


class MilestoneDoneView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        milestone = PlanMilestone.objects.visible_to(request.user).filter(pk=pk).first()
        if milestone is None:
            raise Http404
        done = request.POST.get("undo") is None
        services.milestone_done(
            actor=request.user, milestone=milestone, done_on=clock() if done else None
        )
        return HttpResponseRedirect(milestone.plan.get_absolute_url())


class GoalEditView(LoginRequiredMixin, View):
    """A goal with its person-days and fixed costs per resource group."""

    def objects(self, pk: int | None) -> tuple[Goal | None, ManagementPlan]:
        user = self.request.user
        if pk is not None:
            goal = Goal.objects.visible_to(user).filter(pk=pk).select_related("plan").first()
            if goal is None:
                raise Http404
            plan = _plan_or_404(self.request, goal.plan_id)
            return goal, plan
        return None, _plan_or_404(
            self.request, self.request.GET.get("plan") or self.request.POST.get("plan")
        )

    def page(self, form: Any, goal: Goal | None, plan: ManagementPlan, status: int = 200) -> Any:
        context = {
            "form": form,
            "object": goal,
            "plan": plan,
            "title": _("Edit %(name)s") % {"name": goal} if goal else _("New goal"),
            "cancel_url": plan.get_absolute_url(),
        }
        return render(self.request, "plans/goal_edit.html", context, status=status)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        goal, plan = self.objects(pk)
        _require(request, "plans.change_managementplan", plan)
        if plan.is_locked:
            messages.error(request, services.locked_message())
            return HttpResponseRedirect(plan.get_absolute_url())
        initial = {"activity": request.GET.get("activity")} if goal is None else None
        form = forms.GoalForm(instance=goal, user=request.user, plan=plan, initial=initial)
        return self.page(form, goal, plan)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        goal, plan = self.objects(pk)
        _require(request, "plans.change_managementplan", plan)
        form = forms.GoalForm(request.POST, instance=goal, user=request.user, plan=plan)
        if not form.is_valid():
            return self.page(form, goal, plan, status=400)
        data = form.goal_data()
        if goal is None:
            data["plan"] = plan
        try:
            services.goal_save(actor=request.user, data=data, efforts=form.efforts(), instance=goal)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.page(form, goal, plan, status=400)
        messages.success(request, _("The goal was saved."))
        return HttpResponseRedirect(plan.get_absolute_url())


class GoalDetailView(ObjectDetailView):
    model = Goal
    template_name = "plans/goal_detail.html"
    fields = ("activity", "kind", "text", "assigned_organisation", "status", "follow_up_comment")

    def base_queryset(self) -> QuerySet:
        return super().base_queryset().select_related("plan", "activity")

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        from forvalta.plans.models import FollowUpEntry, GoalEffort

        plan_seen = ManagementPlan.objects.visible_to(user).filter(pk=obj.plan_id).exists()
        may = user.has_perm("plans.followup_managementplan", obj.plan) and obj.plan.status in (
            "decided",
            "follow_up",
        )
        return {
            "plan_seen": plan_seen,
            "plan_name": str(obj.plan),
            "efforts": GoalEffort.objects.visible_to(user)
            .filter(goal=obj)
            .select_related("resource_group"),
            "entries": FollowUpEntry.objects.visible_to(user)
            .filter(goal=obj)
            .select_related("resource_group"),
            "status_form": forms.GoalFollowUpForm(
                initial={"status": obj.status, "comment": obj.follow_up_comment}
            )
            if may
            else None,
            "can_change": False,
            "can_delete": False,
        }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        goal = self.get_object()
        form = forms.GoalFollowUpForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a status."))
            return HttpResponseRedirect(goal.get_absolute_url())
        try:
            services.goal_follow_up(
                actor=request.user,
                goal=goal,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(goal.get_absolute_url())


class AssignedGoalListView(ObjectListView):
    """Goals assigned to the user's organisations (what a supplier sees of the plans)."""

    model = Goal
    table_class = tables.GoalTable
    filterset_class = filters.GoalFilterSet
    title = gettext_lazy("Goals assigned to my organisation")
    empty_text = gettext_lazy("No goals are assigned to your organisation.")

    def get_queryset(self) -> QuerySet:
        orgs = sorted(scope_for(self.request.user).org_ids)
        plans = ManagementPlan.objects.visible_to(self.request.user).filter(pk=OuterRef("plan_id"))
        return (
            super()
            .get_queryset()
            .filter(assigned_organisation_id__in=orgs)
            .select_related("plan", "activity", "plan__management_object", "plan__service")
            .annotate(plan_seen=Exists(plans))
        )

    def add_url(self) -> str | None:
        return None


# --- cost splits ---------------------------------------------------------------------------
class SplitListView(ObjectListView):
    model = CostSplit
    table_class = tables.CostSplitTable
    filterset_class = filters.CostSplitFilterSet
    add_label = gettext_lazy("New cost split")
    empty_text = gettext_lazy("No cost splits yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("service")


class SplitEditView(ObjectEditView):
    model = CostSplit
    form_class = forms.CostSplitForm
    create_service = staticmethod(services.split_create)
    update_service = staticmethod(services.split_update)


class SplitDetailView(ObjectDetailView):
    model = CostSplit
    template_name = "plans/split_detail.html"
    fields = (
        "service",
        "plan",
        "period_start",
        "period_end",
        "budget",
        "key",
        "base_percent",
        "rounding",
        "open_to_members",
        "decision",
        "decision_reference",
        "decision_url",
        "calculated_at",
    )

    def base_queryset(self) -> QuerySet:
        return super().base_queryset().select_related("service", "plan")

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)
        plan_seen = (
            obj.plan_id
            and ManagementPlan.objects.visible_to(self.request.user).filter(pk=obj.plan_id).exists()
        )
        label = str(CostSplit._meta.get_field("plan").verbose_name)
        rows = [(k, v) for k, v in rows if k != label or plan_seen]
        return decision_shown(self.request.user, obj, rows)

    def extra_context(self, obj: Any) -> dict[str, Any]:
        lines, totals = selectors.split_lines(obj, self.request.user)
        return {
            "lines": lines,
            "totals": totals,
            "whole": len(lines) == totals["members"],
            "manages": self.request.user.has_perm("plans.change_costsplit", obj),
            "can_delete": False,
        }


class KeyValuesView(LoginRequiredMixin, View):
    def objects(self, pk: int) -> tuple[CostSplit, list[tuple[int, str]], dict]:
        split = CostSplit.objects.visible_to(self.request.user).filter(pk=pk).first()
        if split is None:
            raise Http404
        _require(self.request, "plans.change_costsplit", split, CostSplit)
        members = (
            Participation.objects.visible_to(self.request.user)
            .filter(service_id=split.service_id)
            .exclude(organisation_id=split.organisation_id)
            .values_list("organisation_id", "organisation__name")
            .order_by("organisation__name")
            .distinct()
        )
        from forvalta.plans.models import KeyValue

        current = dict(
            KeyValue.objects.visible_to(self.request.user)
            .filter(split=split)
            .values_list("organisation_id", "value")
        )
        return split, list(dict.fromkeys(members)), current

    def page(self, split: CostSplit, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "object": split,
            "title": _("Key values – %(split)s") % {"split": split},
            "cancel_url": split.get_absolute_url(),
        }
        return render(self.request, "core/object_edit.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        split, members, current = self.objects(pk)
        return self.page(
            split, forms.KeyValuesForm(members=members, current=current, user=request.user)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        split, members, current = self.objects(pk)
        form = forms.KeyValuesForm(
            request.POST, members=members, current=current, user=request.user
        )
        if not form.is_valid():
            return self.page(split, form, status=400)
        try:
            services.key_values_set(
                actor=request.user,
                split=split,
                values=form.values(),
                change_decision=form.cleaned_data.get("change_decision") or "",
                decision=form.cleaned_data.get("decision"),
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.page(split, form, status=400)
        messages.success(request, _("The key was saved and the shares calculated."))
        return HttpResponseRedirect(split.get_absolute_url())


class SplitCalculateView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        split = CostSplit.objects.visible_to(request.user).filter(pk=pk).first()
        if split is None:
            raise Http404
        try:
            services.split_calculate(actor=request.user, split=split)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("The shares were calculated."))
        return HttpResponseRedirect(split.get_absolute_url())


class InvoiceBasisView(LoginRequiredMixin, View):
    """The invoice basis: Excel (one sheet per member the reader sees, and a summary)
    or PDF."""

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        split = (
            CostSplit.objects.visible_to(request.user)
            .select_related("service", "organisation")
            .filter(pk=pk)
            .first()
        )
        if split is None:
            raise Http404
        lines, totals = selectors.split_lines(split, request.user)
        record(
            actor=request.user,
            action="plans.costsplit.exported",
            obj=split,
            changes={"format": [None, fmt], "lines": [None, len(lines)]},
        )
        if fmt == "xlsx":
            return exports.invoice_basis_xlsx(split, lines, totals)
        return pdf_response(
            request,
            "plans/invoice_pdf.html",
            {"split": split, "lines": lines, "totals": totals},
            title=_("Invoice basis – %(split)s") % {"split": split},
            filename=f"fakturaunderlag-{split.pk}.pdf",
        )


# --- settings and budget -------------------------------------------------------------------
class SettingsView(LoginRequiredMixin, View):
    """The organisation's planning settings (its administrators)."""

    def organisation(self, pk: int) -> Any:
        scope = scope_for(self.request.user)
        if pk not in scope.admin_org_ids:
            raise Http404
        from forvalta.core.models import Organisation

        return Organisation.objects.visible_to(self.request.user).get(pk=pk)

    def page(self, org: Any, form: Any, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "title": _("Planning settings of %(org)s") % {"org": org},
            "cancel_url": reverse("plans:managementplan_list"),
        }
        return render(self.request, "core/object_edit.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        org = self.organisation(pk)
        current = PlanningSettings.objects.visible_to(request.user).filter(organisation=org).first()
        form = forms.PlanningSettingsForm(
            instance=current or PlanningSettings(organisation=org), user=request.user
        )
        return self.page(org, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        org = self.organisation(pk)
        current = PlanningSettings.objects.visible_to(request.user).filter(organisation=org).first()
        form = forms.PlanningSettingsForm(
            request.POST, instance=current or PlanningSettings(organisation=org), user=request.user
        )
        if not form.is_valid():
            return self.page(org, form, status=400)
        services.settings_save(actor=request.user, organisation=org, data=form.cleaned_data)
        messages.success(request, _("The settings were saved."))
        return HttpResponseRedirect(reverse("plans:managementplan_list"))


class MilestoneTemplateListView(ObjectListView):
    model = MilestoneTemplate
    table_class = tables.MilestoneTemplateTable
    title = gettext_lazy("Goal-setting calendar")
    empty_text = gettext_lazy(
        "No own calendar: new plans get the calendar of the management model (current "
        "state by 31 August, new goals and resources in September, alignment in "
        "October, decision by 15 December)."
    )


class MilestoneTemplateEditView(ObjectEditView):
    model = MilestoneTemplate
    form_class = forms.MilestoneTemplateForm
    create_service = staticmethod(services.milestone_template_create)
    update_service = staticmethod(services.milestone_template_update)

    def success_url(self, obj: Any) -> str:
        return reverse("plans:milestonetemplate_list")


class BudgetLineListView(ObjectListView):
    model = SystemBudgetLine
    table_class = tables.BudgetLineTable
    filterset_class = filters.BudgetLineFilterSet
    title = gettext_lazy("System budget")
    add_label = gettext_lazy("New budget line")
    empty_text = gettext_lazy("No budget lines yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "agreement")


class BudgetLineEditView(ObjectEditView):
    model = SystemBudgetLine
    form_class = forms.SystemBudgetLineForm
    create_service = staticmethod(services.budget_line_create)
    update_service = staticmethod(services.budget_line_update)

    def success_url(self, obj: Any) -> str:
        return reverse("plans:systembudgetline_list")
