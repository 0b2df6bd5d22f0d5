"""API bases: a scoped model viewset and serializer, permissions and the schema's errors.

A concrete viewset declares its model, serializer, form, filterset and services. The
base scopes the queryset with `visible_to`, checks `rules` permissions (recording
refusals as the web interface does), validates writes through the same
`ScopedModelForm` as the web page and writes through the same service functions.
So the API follows exactly the UI's rules: a foreign key the page would not offer is
refused here too, with 400 and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from forvalta.audit.services import object_type_of, record
from forvalta.core import concurrency
from forvalta.core.services import perm_name
from forvalta.core.validators import (
    validate_no_control_characters,
    validate_no_control_characters_multiline,
)

MAX_ID = 2**63 - 1  # the largest primary key the databases hold (bigint)


# --- the schema: error bodies and token authentication ----------------------------------------
class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("A stable code, e.g. invalid, not_found."))
    message = serializers.CharField(help_text=gettext_lazy("In the language of Accept-Language."))
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text=gettext_lazy("For invalid data: the messages per field."),
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorDetailSerializer()


class ScopedAutoSchema(AutoSchema):
    """Documents the error responses every operation can give, with the one error body."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        # 404: an unknown or invisible id, or a page past the end of a list.
        codes = ["401", "403", "404"]
        if self.method in {"POST", "PUT", "PATCH", "DELETE"} or self._is_list_view():
            # Invalid data or filter values, or a deletion of something still in use.
            codes.insert(0, "400")
        if self.method in {"PUT", "PATCH", "DELETE"}:
            codes.append("412")  # If-Match does not match the row's ETag
        for code in codes:
            responses.setdefault(
                code, self._get_response_for_code(ErrorSerializer, code, direction=direction)
            )
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Personal API tokens in the OpenAPI schema: `Authorization: Bearer fv_…`."""

    target_class = "forvalta.core.api_auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme's name, not a secret
        )
        scheme["description"] = "A personal API token, created under /account/tokens/."
        return scheme


# --- serializer fields for related rows ---------------------------------------------------
class RelatedIdField(serializers.IntegerField):
    """The id of a related row. Input is only type-checked here: whether the user may pick
    the row is decided by the page's form (`ScopedModelForm`), so both refuse alike and
    an id outside the user's reach gets the same answer as one that does not exist."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)

    def to_representation(self, value: Any) -> int:
        return getattr(value, "pk", value)


class RelatedIdListField(serializers.ListField):
    """Ids of related rows (many-to-many). Only the rows the reader sees are listed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", RelatedIdField())
        super().__init__(**kwargs)

    def to_representation(self, manager: Any) -> list[int]:
        cache = getattr(manager.instance, "_prefetched_objects_cache", {})
        if manager.prefetch_cache_name in cache:
            # Prefetched by the viewset through visible_to.
            return sorted(o.pk for o in manager.all())
        user = self.context["request"].user
        return sorted(manager.visible_to(user).values_list("pk", flat=True))


class ScopedModelSerializer(serializers.ModelSerializer):
    """Output shape and input types of a model.

    Relations are ids; what may be picked, and the cross-field rules, are the form's.
    Uniqueness is left to the model's constraints (checked by the form and the service),
    so a message is not given twice.
    """

    display = serializers.SerializerMethodField(help_text=gettext_lazy("The row as text."))
    web_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The row's page in Forvalta.")
    )

    def get_display(self, obj: Any) -> str:
        return str(obj)

    def get_web_url(self, obj: Any) -> str:
        return str(self.context["request"].build_absolute_uri(obj.get_absolute_url()))

    def get_validators(self) -> list[Any]:
        return []

    def build_relational_field(
        self, field_name: str, relation_info: Any
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        model_field = relation_info.model_field
        kwargs: dict[str, Any] = {"label": getattr(model_field, "verbose_name", field_name)}
        if getattr(model_field, "help_text", ""):
            kwargs["help_text"] = model_field.help_text
        if relation_info.to_many:
            kwargs["required"] = False
            return RelatedIdListField, kwargs
        kwargs["source"] = model_field.attname  # the id column: no query per row
        kwargs["allow_null"] = bool(model_field.null)
        kwargs["required"] = not (model_field.null or model_field.blank)
        return RelatedIdField, kwargs

    def build_standard_field(
        self, field_name: str, model_field: Any
    ) -> tuple[type[serializers.Field], dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if "validators" in kwargs:
            kwargs["validators"] = [
                v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)
            ]
        if issubclass(field_class, serializers.CharField):
            # Control characters are refused here already (and again by the form).
            multiline = isinstance(model_field, models.TextField)
            kwargs["validators"] = [
                *kwargs.get("validators", []),
                validate_no_control_characters_multiline
                if multiline
                else validate_no_control_characters,
            ]
        return field_class, kwargs


# --- permissions ----------------------------------------------------------------------------
ACTION_BY_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class RulesPermission(permissions.BasePermission):
    """`user.has_perm("<app>.<action>_<model>", obj)`, asked as the web interface asks it."""

    message = gettext_lazy("You do not have permission to do this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "action", None) is None:
            return True  # a method the endpoint does not have: 405, not a refusal
        if getattr(view, "detail", False):
            return True  # decided on the object
        return bool(view.rule_allows(request, ACTION_BY_METHOD.get(request.method, "view"), None))

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return bool(view.rule_allows(request, ACTION_BY_METHOD.get(request.method, "view"), obj))


def _is_probe(request: Request) -> bool:
    """The browsable API asks permissions for other methods to decide which forms to
    show; those questions are not attempts and are not recorded."""
    return bool(request.method != request._request.method)


class ScopedApiMixin:
    """Reading through `visible_to` and permission checks through `rules`."""

    model: ClassVar[type[models.Model]]
    permission_classes = [RulesPermission]
    schema = ScopedAutoSchema()
    select_related: ClassVar[tuple[str, ...]] = ()
    request: Request
    kwargs: dict[str, Any]
    _refused: tuple[str, Any] | None = None

    def scoped_queryset(self) -> QuerySet:
        return self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]  # every scoped manager has it

    def get_queryset(self) -> QuerySet:
        qs = self.scoped_queryset()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        user = self.request.user
        for field in self.model._meta.many_to_many:
            # scoping: allowed read below only through visible_to
            related = field.related_model._default_manager  # type: ignore[union-attr]  # a model
            if hasattr(related, "visible_to"):
                qs = qs.prefetch_related(
                    Prefetch(field.name, queryset=related.visible_to(user).only("pk"))
                )
        # A stable order, so that pages neither overlap nor skip rows.
        return qs.order_by(*list(self.model._meta.ordering or []), "pk")

    def get_object(self) -> Any:
        # Through the scoped queryset only (list filters do not apply to a detail).
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]  # APIView
        return obj

    def rule_allows(self, request: Request, action: str, obj: Any) -> bool:
        allowed = bool(request.user.has_perm(perm_name(self.model, action), obj))
        if not allowed:
            self._refused = (action, obj)
        return allowed

    def permission_denied(self, request: Request, message: Any = None, code: Any = None) -> None:
        refused, self._refused = self._refused, None
        if refused is not None and request.user.is_authenticated and not _is_probe(request):
            action, obj = refused
            record(
                actor=request.user,
                action="access.denied",
                obj=obj if obj is not None and getattr(obj, "pk", None) else None,
                object_type=object_type_of(self.model()),
                object_repr=request.path[:300],
                changes={"attempted": [None, action]},
            )
        super().permission_denied(request, message=message, code=code)  # type: ignore[misc]  # APIView


# --- the viewsets ---------------------------------------------------------------------------
def _form_value(field: forms.Field, value: Any) -> Any:
    if isinstance(field, forms.ModelMultipleChoiceField):
        return [getattr(v, "pk", v) for v in value or []]
    if isinstance(field, forms.ModelChoiceField):
        return getattr(value, "pk", value)
    return value


def _blank(value: Any) -> Any:
    return "" if value is None else value


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


class ScopedModelViewSet(ScopedApiMixin, viewsets.ModelViewSet):
    """List, detail, create, update and delete under the web interface's rules.

    - Reading: `model.objects.visible_to(user)`; an invisible id is a 404.
    - Permission: `user.has_perm(f"{app}.{action}_{model}", obj)`; a refusal is a 403
      and an `access.denied` audit event.
    - Writing: the serializer checks the input's types, then the page's form
      (`form_class`, bound with the user) decides exactly as on the page, then the same
      service function writes and records the audit event. PUT and PATCH start from the
      stored values; PATCH passes only the fields given to the service.
    """

    form_class: ClassVar[Any] = None  # a ScopedModelForm subclass
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    delete_service: ClassVar[Callable[..., Any] | None] = None
    # Values set on create whatever the input says (e.g. kind=supplier on /api/suppliers/).
    fixed_on_create: ClassVar[dict[str, Any]] = {}

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def write_fields(self) -> list[str]:
        return [f.field_name for f in self.get_serializer()._writable_fields]

    def validated_form(self, instance: Any, data: Any, partial: bool) -> tuple[Any, list[str]]:
        """The page's form, bound to the stored (or default) values overlaid with the input.

        Returns the valid form and the names of the fields the client gave; raises a
        ValidationError (400, nothing written) otherwise.
        """
        serializer = self.get_serializer(instance, data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
        given = {
            f.field_name: validated[f.source]
            for f in serializer._writable_fields
            if f.source in validated
        }
        if instance is None:
            given.update(self.fixed_on_create)
        kwargs: dict[str, Any] = {"user": self.request.user}
        if instance is not None:
            kwargs["instance"] = instance
        stored = self.form_class(**kwargs)
        hidden = {
            name: {o.pk for o in rows}
            for name, rows in getattr(stored, "_hidden_current", {}).items()
        }
        form_data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, field in stored.fields.items():
            value = _form_value(field, stored.get_initial_for_field(field, name))
            if name in hidden:
                # Related rows the user cannot see stay as they are (the form adds them back).
                value = [pk for pk in value if pk not in hidden[name]]
            form_data[name] = _blank(value)
            changed = name in given and _blank(_form_value(field, given[name])) != form_data[name]
            if changed and field.disabled and instance is not None:
                errors[name] = [_("This field cannot be changed.")]
        if errors:
            raise exceptions.ValidationError(errors)
        for name, value in given.items():
            if name in stored.fields:
                form_data[name] = _blank(value)
        form = self.form_class(data=form_data, files={}, **kwargs)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        return form, list(given)

    def output(self, obj: Any) -> Any:
        fresh = self.get_queryset().filter(pk=obj.pk).first()
        return self.get_serializer(fresh if fresh is not None else obj).data

    def with_etag(self, response: Response) -> Response:
        """The row's ETag on a detail answer (see forvalta.core.concurrency)."""
        response["ETag"] = concurrency.etag_of(response.data)
        return response

    def locked_instance(self, instance: Any) -> Any:
        """The row read again under a lock held to the end of the transaction, with
        If-Match checked against it (412, nothing changed, when it no longer matches)."""
        # scoping: allowed locks the row already fetched through visible_to (get_object)
        self.model._default_manager.select_for_update(of=("self",)).filter(pk=instance.pk).exists()
        fresh = self.get_queryset().filter(pk=instance.pk).first()
        if fresh is None:
            raise exceptions.NotFound()
        current = concurrency.etag_of(self.get_serializer(fresh).data)
        concurrency.check_if_match(self.request.headers.get("If-Match"), current)
        return fresh

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.with_etag(super().retrieve(request, *args, **kwargs))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert self.create_service is not None
        form, _given = self.validated_form(None, request.data, partial=False)
        names = [*self.write_fields(), *self.fixed_on_create]
        data = {n: form.cleaned_data[n] for n in names if n in form.cleaned_data}
        obj = self.create_service(actor=request.user, data=data)
        return self.with_etag(Response(self.output(obj), status=status.HTTP_201_CREATED))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert self.update_service is not None
        partial = bool(kwargs.pop("partial", False))
        # Fetched and permission-checked outside the transaction: a refusal's audit event
        # must not be rolled back with it.
        instance = self.get_object()
        refused: DjangoPermissionDenied | None = None
        with transaction.atomic():
            instance = self.locked_instance(instance)
            form, given = self.validated_form(instance, request.data, partial=partial)
            names = given if partial else self.write_fields()
            data = {n: form.cleaned_data[n] for n in names if n in form.cleaned_data}
            try:
                obj = self.update_service(actor=request.user, instance=instance, data=data)
            except DjangoPermissionDenied as exc:
                refused = exc  # the service rolled its change back and recorded the refusal
        if refused is not None:
            raise refused
        return self.with_etag(Response(self.output(obj)))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert self.delete_service is not None
        instance = self.get_object()
        refused: DjangoPermissionDenied | None = None
        with transaction.atomic():
            instance = self.locked_instance(instance)
            try:
                self.delete_service(actor=request.user, instance=instance)
            except DjangoPermissionDenied as exc:
                refused = exc
        if refused is not None:
            raise refused
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScopedReadOnlyViewSet(ScopedApiMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail only, under the same scope and permission checks. Rows whose
    every reading is recorded (need to know) name the events' actions: `listed_action`
    for a list, `viewed_action` for a detail (chained with the next batch)."""

    listed_action: ClassVar[str] = ""
    viewed_action: ClassVar[str] = ""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if self.listed_action:
            record(
                actor=request.user,
                action=self.listed_action,
                object_type=object_type_of(self.model()),
                object_repr=request.get_full_path()[:300],
                batch=True,
            )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        if self.viewed_action:
            record(
                actor=request.user,
                action=self.viewed_action,
                object_type=object_type_of(self.model()),
                object_id=str(kwargs.get("pk", "")),
                object_repr=request.path[:300],
                batch=True,
            )
        return response
