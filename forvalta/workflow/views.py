"""The generic transition page: the form of one transition (button + inputs), without
JavaScript; with htmx the redirect is answered with HX-Redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from forvalta.core.generic_views import add_validation_error, deny
from forvalta.workflow import engine
from forvalta.workflow.forms import TransitionForm


class TransitionView(LoginRequiredMixin, View):
    template_name = "workflow/transition.html"

    def setup_transition(self) -> tuple[Any, engine.Transition]:
        model = engine.model_by_label(self.kwargs["model"])
        if model is None:
            raise Http404
        workflow = engine.workflow_for(model)
        transition = workflow.get(self.kwargs["name"]) if workflow else None
        if transition is None:
            raise Http404
        try:
            obj = model._default_manager.visible_to(self.request.user).get(pk=self.kwargs["pk"])  # type: ignore[attr-defined]  # workflow models are scoped
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        if not engine.may_take(obj, transition, self.request.user):
            deny(self.request, model, f"transition:{transition.name}", obj)
        return obj, transition

    def render_form(self, obj: Any, form: TransitionForm, status: int = 200) -> HttpResponse:
        context = {
            "object": obj,
            "form": form,
            "transition": form.transition,
            "state": engine.workflow_for(type(obj)).state_label(engine.state_of(obj)),  # type: ignore[union-attr]  # registered
            "title": f"{form.transition.label}: {obj}",
            "cancel_url": obj.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj, transition = self.setup_transition()
        return self.render_form(obj, TransitionForm(transition=transition))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj, transition = self.setup_transition()
        form = TransitionForm(request.POST, request.FILES, transition=transition)
        if not form.is_valid():
            return self.render_form(obj, form, status=400)
        data = form.cleaned_data
        try:
            engine.take(
                obj,
                transition.name,
                actor=request.user,
                comment=data.get("comment") or "",
                decision_reference=data.get("decision_reference") or "",
                attachment=data.get("attachment"),
            )
        except engine.TransitionRefused as exc:
            add_validation_error(form, exc)
            return self.render_form(obj, form, status=400)
        except PermissionDenied:
            raise
        messages.success(
            request,
            _("“%(transition)s” done: %(name)s") % {"transition": transition.label, "name": obj},
        )
        url = obj.get_absolute_url()
        if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]  # django-htmx
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
