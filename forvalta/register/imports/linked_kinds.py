"""Import kinds for what hangs off the register's rows: environments and integrations
(of a system), participations (in a service) and memberships (of a person in an
organisation).

Like the other kinds, each row goes through the page's form and service; references
are looked up only among what the importer sees, and must then be among the form's
choices. A row belongs to the organisation that owns its system or service (for a
membership: the organisation it is of); a row of another organisation's is skipped.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.core import services as core_services
from forvalta.core.forms import MembershipForm
from forvalta.core.models import Membership, Unit, User
from forvalta.core.tenancy import scope_for
from forvalta.register import services
from forvalta.register.forms import EnvironmentForm, IntegrationForm, ParticipationForm
from forvalta.register.imports.base import (
    ORG_NUMBER_HELP,
    ORGANISATIONS,
    PEOPLE,
    SERVICES,
    SYSTEMS,
    UNITS,
    Column,
    Kind,
    Resolver,
    by_name,
    directory_ref,
    indexed_by_name,
    org_key,
    own_org_ids,
    person_ref,
    ref,
    unit_by_path,
    unit_paths,
)
from forvalta.register.imports.engine import Context, RowFailed, RowResult
from forvalta.register.imports.values import (
    CellError,
    choice,
    choice_label,
    date,
    date_text,
    raw_text,
    sort_key,
)
from forvalta.register.models import (
    Environment,
    EnvironmentKind,
    Integration,
    IntegrationMethod,
    Participation,
    ParticipationStatus,
    Service,
    System,
)


def decimal(value: Any) -> Decimal | None:
    """A number with a decimal point or comma ("12,5"); empty is None."""
    raw = raw_text(value).replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    try:
        number = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        number = None
    # Decimal also reads "NaN", "sNaN" and "Infinity", which are no amounts (and a
    # signalling NaN raises when compared).
    if number is None or not number.is_finite():
        raise CellError(_("“%(value)s” is not a number (e.g. 12,5).") % {"value": raw})
    return number


def decimal_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def owner_heading(what: str) -> str:
    return f"{what} ägare (organisationsnummer)"


# --- environments -------------------------------------------------------------------------
class EnvironmentImport(Kind):
    key = "environments"
    label = gettext_lazy("Environments")
    sheet_title = "Miljöer"
    what = gettext_lazy("environments")
    model = Environment
    form_class = EnvironmentForm
    perm = "register.add_environment"
    view_perm = "register.view_environment"
    list_url = "register:environment_list"
    create = staticmethod(services.environment_create)
    update = staticmethod(services.environment_update)
    owner_key = "system_owner"
    columns = [
        Column(
            "system_owner",
            owner_heading("Systemets"),
            required=True,
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "system",
            "System",
            required=True,
            field="system",
            direct=False,
            help=gettext_lazy("The name of a system of that organisation."),
        ),
        Column("kind", "Typ", parse=choice(EnvironmentKind), required=True, field="kind"),
        Column("name", "Namn", field="name"),
        Column("url", "Adress", field="url"),
        Column(
            "operated_by",
            "Drivs av (organisationsnummer)",
            field="operated_by",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column("service_hours", "Servicetider", field="service_hours"),
        Column("description", "Beskrivning", field="description"),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        name = raw_text(values.get("name")) or raw_text(values.get("kind"))
        return f"{raw_text(values.get('system'))} – {name}"

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (
            org_key(values["system_owner"]),
            values["system"].casefold(),
            values["kind"],
            raw_text(values.get("name")).casefold(),
        )

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        r = Resolver(self)
        owner = r("system_owner", lambda: directory_ref(ctx, values["system_owner"]))
        r.done()
        system = r("system", lambda: indexed_by_name(ctx, System, owner, values["system"], SYSTEMS))
        r.done()
        # Environments are seen with their system, which the importer sees.
        instance = Environment.objects.filter(
            system=system, kind=values["kind"], name=values.get("name") or ""
        ).first()
        return instance, {"system": system}

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        data["system"] = ref(ctx, "system", refs["system"], values["system"], SYSTEMS)
        if "operated_by" in values:
            raw = values["operated_by"]
            r = Resolver(self)
            operator = r("operated_by", lambda: directory_ref(ctx, raw)) if raw else None
            r.done()
            data["operated_by"] = ref(ctx, "operated_by", operator, raw, ORGANISATIONS)
        return data

    def export_rows(self, actor: Any) -> list[list[Any]]:
        own = own_org_ids(actor)
        environments = Environment.objects.visible_to(actor).select_related(
            "system__owner_organisation", "operated_by"
        )
        rows = [
            [
                e.system.owner_organisation.org_number,
                e.system.name,
                choice_label(EnvironmentKind, e.kind),
                e.name,
                e.url,
                e.operated_by.org_number if e.operated_by_id else "",
                e.service_hours,
                e.description,
            ]
            for e in environments
            if own is None or e.system.owner_organisation_id in own
        ]
        return sorted(rows, key=lambda r: tuple(sort_key(v) for v in r[:4]))


# --- integrations -------------------------------------------------------------------------
class IntegrationImport(Kind):
    key = "integrations"
    label = gettext_lazy("Integrations")
    sheet_title = "Integrationer"
    what = gettext_lazy("integrations")
    model = Integration
    form_class = IntegrationForm
    perm = "register.add_integration"
    view_perm = "register.view_integration"
    list_url = "register:integration_list"
    create = staticmethod(services.integration_create)
    update = staticmethod(services.integration_update)
    owner_key = "source_owner"
    columns = [
        Column(
            "source_owner",
            owner_heading("Systemets"),
            required=True,
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "source",
            "System",
            required=True,
            field="source",
            direct=False,
            help=gettext_lazy("The name of a system of that organisation."),
        ),
        Column(
            "target",
            "Målsystem",
            field="target",
            direct=False,
            help=gettext_lazy(
                "A system in the register; or leave it empty and name an external system."
            ),
        ),
        Column(
            "target_owner",
            owner_heading("Målsystemets"),
            direct=False,
            help=gettext_lazy("Empty: the same organisation as the system's."),
        ),
        Column("external_system", "Externt system", field="external_system"),
        Column(
            "method",
            "Metod",
            parse=choice(IntegrationMethod),
            field="method",
            keep_blank=True,
        ),
        Column("description", "Beskrivning", field="description"),
        Column(
            "responsible_organisation",
            "Ansvarig part (organisationsnummer)",
            required=True,
            field="responsible_organisation",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "responsible_person",
            "Ansvarig person (användarnamn)",
            field="responsible_person",
            direct=False,
            help=gettext_lazy("A person of the responsible party, by user name."),
        ),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        counterpart = raw_text(values.get("target")) or raw_text(values.get("external_system"))
        return f"{raw_text(values.get('source'))} → {counterpart}"

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (
            org_key(values["source_owner"]),
            values["source"].casefold(),
            org_key(values.get("target_owner") or values["source_owner"]),
            raw_text(values.get("target")).casefold(),
            raw_text(values.get("external_system")).casefold(),
        )

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        actor = ctx.actor
        r = Resolver(self)
        owner = r("source_owner", lambda: directory_ref(ctx, values["source_owner"]))
        target_owner = owner
        if values.get("target_owner"):
            target_owner = r("target_owner", lambda: directory_ref(ctx, values["target_owner"]))
        r.done()
        source = r("source", lambda: indexed_by_name(ctx, System, owner, values["source"], SYSTEMS))
        target = None
        if values.get("target"):
            candidates = System.objects.filter(owner_organisation=target_owner)
            target = r(
                "target", lambda: by_name(candidates, values["target"], SYSTEMS, actor=actor)
            )
        r.done()
        # Integrations are seen with their source system, which the importer sees.
        same = Integration.objects.filter(source=source).order_by("pk")
        if target is not None:
            same = same.filter(target=target)
        else:
            same = same.filter(
                target__isnull=True, external_system=values.get("external_system") or ""
            )
        found = list(same[:2])
        if len(found) > 1 and values.get("method"):
            found = list(same.filter(method=values["method"])[:2])
        if len(found) > 1:
            raise RowFailed(
                [_("Several integrations link these systems. Change them on their pages.")]
            )
        return (found[0] if found else None), {"source": source, "target": target}

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        data["source"] = ref(ctx, "source", refs["source"], values["source"], SYSTEMS)
        if "target" in values:
            data["target"] = ref(ctx, "target", refs["target"], values["target"], SYSTEMS)
        r = Resolver(self)
        raw_org = values["responsible_organisation"]
        org = r("responsible_organisation", lambda: directory_ref(ctx, raw_org))
        data["responsible_organisation"] = ref(
            ctx, "responsible_organisation", org, raw_org, ORGANISATIONS
        )
        if "responsible_person" in values:
            raw = values["responsible_person"]
            person = None
            if raw:
                people = User.objects.all()
                person = r("responsible_person", lambda: person_ref(people, raw, ctx.actor))
            data["responsible_person"] = ref(ctx, "responsible_person", person, raw, PEOPLE)
        r.done()
        return data

    def export_rows(self, actor: Any) -> list[list[Any]]:
        own = own_org_ids(actor)
        integrations = Integration.objects.visible_to(actor).select_related(
            "source__owner_organisation",
            "target__owner_organisation",
            "responsible_organisation",
            "responsible_person",
        )
        rows = []
        for i in integrations:
            if own is not None and i.source.owner_organisation_id not in own:
                continue
            if (i.target_id and not i.shows_target) or (
                i.responsible_person_id and not i.shows_responsible_person
            ):
                # Names the importer cannot see: not in a file they can import back.
                continue
            target = i.target if i.target_id else None
            rows.append(
                [
                    i.source.owner_organisation.org_number,
                    i.source.name,
                    target.name if target is not None else "",
                    target.owner_organisation.org_number if target is not None else "",
                    i.external_system,
                    choice_label(IntegrationMethod, i.method),
                    i.description,
                    i.responsible_organisation.org_number,
                    i.responsible_person.username if i.responsible_person_id else "",
                ]
            )
        return sorted(rows, key=lambda r: tuple(sort_key(v) for v in r[:5]))


# --- participations -----------------------------------------------------------------------
class ParticipationImport(Kind):
    key = "participations"
    label = gettext_lazy("Participations")
    sheet_title = "Anslutningar"
    what = gettext_lazy("participations")
    model = Participation
    form_class = ParticipationForm
    perm = "register.add_participation"
    view_perm = "register.view_participation"
    list_url = "register:participation_list"
    create = staticmethod(services.participation_create)
    update = staticmethod(services.participation_update)
    owner_key = "service_owner"
    columns = [
        Column(
            "service_owner",
            owner_heading("Tjänstens"),
            required=True,
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "service",
            "Tjänst",
            required=True,
            field="service",
            direct=False,
            help=gettext_lazy("The name of a service of that organisation."),
        ),
        Column(
            "organisation",
            "Ansluten organisation (organisationsnummer)",
            required=True,
            field="organisation",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "status",
            "Status",
            parse=choice(ParticipationStatus),
            field="status",
            keep_blank=True,
        ),
        Column(
            "valid_from",
            "Giltig från",
            parse=date,
            required=True,
            field="valid_from",
            help=gettext_lazy("YYYY-MM-DD."),
        ),
        Column(
            "valid_to",
            "Giltig till",
            parse=date,
            field="valid_to",
            help=gettext_lazy("YYYY-MM-DD."),
        ),
        Column(
            "cost_share",
            "Kostnadsandel (%)",
            parse=decimal,
            field="cost_share",
            help=gettext_lazy("The organisation's share of the cost, in percent (e.g. 12,5)."),
        ),
        Column("note", "Anteckning", field="note"),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        return f"{raw_text(values.get('service'))} – {raw_text(values.get('organisation'))}"

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (
            org_key(values["service_owner"]),
            values["service"].casefold(),
            org_key(values["organisation"]),
            values["valid_from"],
        )

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        r = Resolver(self)
        owner = r("service_owner", lambda: directory_ref(ctx, values["service_owner"]))
        org = r("organisation", lambda: directory_ref(ctx, values["organisation"]))
        r.done()
        service = r(
            "service", lambda: indexed_by_name(ctx, Service, owner, values["service"], SERVICES)
        )
        r.done()
        # Participations are seen with their service, which the importer sees.
        instance = Participation.objects.filter(
            service=service, organisation=org, valid_from=values["valid_from"]
        ).first()
        return instance, {"service": service, "organisation": org}

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        data["service"] = ref(ctx, "service", refs["service"], values["service"], SERVICES)
        data["organisation"] = ref(
            ctx, "organisation", refs["organisation"], values["organisation"], ORGANISATIONS
        )
        return data

    def export_rows(self, actor: Any) -> list[list[Any]]:
        own = own_org_ids(actor)
        participations = Participation.objects.visible_to(actor).select_related(
            "service__owner_organisation", "organisation"
        )
        rows = [
            [
                p.service.owner_organisation.org_number,
                p.service.name,
                p.organisation.org_number,
                choice_label(ParticipationStatus, p.status),
                date_text(p.valid_from),
                date_text(p.valid_to),
                decimal_text(p.cost_share),
                p.note,
            ]
            for p in participations
            if own is None or p.service.owner_organisation_id in own
        ]
        return sorted(rows, key=lambda r: tuple(sort_key(v) for v in r[:5]))


# --- memberships --------------------------------------------------------------------------
class MembershipImport(Kind):
    """A person's membership of an organisation: unit, title, manager and dates.

    The person must already be in the register (the people import creates them with a
    first membership); administrator rights are not imported.
    """

    key = "memberships"
    label = gettext_lazy("Memberships")
    sheet_title = "Medlemskap"
    what = gettext_lazy("memberships")
    model = Membership
    form_class = MembershipForm
    perm = "core.add_membership"
    view_perm = "core.view_membership"
    list_url = "core:membership_list"
    create = staticmethod(core_services.membership_create)
    update = staticmethod(core_services.membership_update)
    owner_key = "organisation"
    columns = [
        Column(
            "username",
            "Användarnamn",
            required=True,
            field="user",
            direct=False,
            help=gettext_lazy("The person's user name."),
        ),
        Column(
            "organisation",
            "Organisation (organisationsnummer)",
            required=True,
            field="organisation",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "unit",
            "Enhet",
            field="unit",
            direct=False,
            help=gettext_lazy("The unit as a path from the top: “Förvaltning / Avdelning”."),
        ),
        Column("title", "Titel", field="title"),
        Column(
            "manager",
            "Chef (användarnamn)",
            field="manager",
            direct=False,
            help=gettext_lazy("The user name of the person's manager in the same organisation."),
        ),
        Column(
            "valid_from",
            "Giltig från",
            parse=date,
            field="valid_from",
            keep_blank=True,
            help=gettext_lazy("YYYY-MM-DD. Empty: today for a new membership."),
        ),
        Column(
            "valid_to",
            "Giltig till",
            parse=date,
            field="valid_to",
            help=gettext_lazy("YYYY-MM-DD."),
        ),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        return f"{raw_text(values.get('username'))} – {raw_text(values.get('organisation'))}"

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (values["username"].casefold(), org_key(values["organisation"]))

    def apply(
        self, ctx: Context, values: dict[str, Any], result: RowResult, errors: list[str]
    ) -> Any:
        if not scope_for(ctx.actor).admin_org_ids:
            # The platform administrator's membership form appoints administrators only,
            # and administrator rights are not imported.
            raise PermissionDenied(_("You do not have permission to do this."))
        return super().apply(ctx, values, result, errors)

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        actor = ctx.actor
        r = Resolver(self)
        org = r("organisation", lambda: directory_ref(ctx, values["organisation"]))
        person = r("username", lambda: person_ref(User.objects.all(), values["username"], actor))
        r.done()
        instance = (
            Membership.objects.visible_to(actor).filter(user=person, organisation=org).first()
        )
        return instance, {"user": person, "organisation": org}

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        org = refs["organisation"]
        if instance is None:
            data["user"] = ref(ctx, "user", refs["user"], values["username"], PEOPLE)
            data["organisation"] = ref(
                ctx, "organisation", org, values["organisation"], ORGANISATIONS
            )
        r = Resolver(self)
        if "unit" in values:
            raw = values["unit"]
            unit = None
            if raw:
                units = Unit.objects.visible_to(ctx.actor).filter(organisation=org)
                unit = r("unit", lambda: unit_by_path(units, raw))
            data["unit"] = ref(ctx, "unit", unit, raw, UNITS)
        if "manager" in values:
            raw = values["manager"]
            manager = None
            if raw:
                colleagues = User.objects.filter(memberships__organisation=org)
                manager = r("manager", lambda: person_ref(colleagues, raw, ctx.actor))
            data["manager"] = ref(ctx, "manager", manager, raw, PEOPLE)
        r.done()
        return data

    def export_rows(self, actor: Any) -> list[list[Any]]:
        own = own_org_ids(actor)
        memberships = [
            m
            for m in Membership.objects.visible_to(actor).select_related(
                "user", "organisation", "manager"
            )
            if own is None or m.organisation_id in own
        ]
        paths = unit_paths(list(Unit.objects.visible_to(actor)))
        rows = [
            [
                m.user.username,
                m.organisation.org_number,
                paths.get(m.unit_id, "") if m.unit_id else "",
                m.title,
                m.manager.username if m.manager_id else "",
                date_text(m.valid_from),
                date_text(m.valid_to),
            ]
            for m in memberships
        ]
        return sorted(rows, key=lambda r: (sort_key(r[1]), sort_key(r[0])))
