"""Import kinds for the register: management objects, systems, services, agreements, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.core.models import User
from forvalta.register import services
from forvalta.register.forms import (
    AgreementForm,
    ManagementObjectForm,
    RoleAssignmentForm,
    ServiceForm,
    SystemForm,
)
from forvalta.register.imports.base import (
    OBJECTS,
    ORG_NUMBER_HELP,
    ORGANISATIONS,
    PEOPLE,
    ROLES,
    SERVICES,
    SYSTEMS,
    YES_NO_HELP,
    Column,
    Kind,
    Resolver,
    by_name,
    directory_ref,
    first_seen,
    indexed_by_name,
    name_index,
    not_found,
    org_key,
    own_org_ids,
    owned_by,
    owner_name_probe,
    person_ref,
    ref,
    seen_by,
)
from forvalta.register.imports.engine import (
    Context,
    RowFailed,
)
from forvalta.register.imports.forms import UniqueProbe
from forvalta.register.imports.values import (
    CellError,
    boolean,
    choice,
    choice_label,
    date,
    date_text,
    integer,
    join_names,
    name_list,
    raw_text,
    sort_key,
    yes_no,
)
from forvalta.register.models import (
    Agreement,
    AgreementKind,
    Criticality,
    Lifecycle,
    ManagementObject,
    RoleAssignment,
    RoleType,
    Service,
    System,
)

# --- register kinds owned by an organisation ----------------------------------------------
OWNER_COLUMN = Column(
    "owner",
    "Ägare (organisationsnummer)",
    required=True,
    field="owner_organisation",
    direct=False,
    help=ORG_NUMBER_HELP,
)


def names_to_pks(
    ctx: Context, r: Resolver, key: str, model: Any, owner: Any, names: list[str], what: Any
) -> list[Any]:
    """Names of the owner's rows the actor sees as pks for a multiple choice."""
    pks = []
    for name in names:
        found = r(key, partial(indexed_by_name, ctx, model, owner, name, what))
        if found is not None:
            pks.append(ref(ctx, key, found, name, what))
    return pks


class OwnedImport(Kind):
    """Objects, systems and services: identified by owner organisation and name."""

    owner_key = "owner"

    def row_label(self, values: dict[str, Any]) -> str:
        return raw_text(values.get("name"))

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (org_key(values["owner"]), values["name"].casefold())

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        r = Resolver(self)
        owner = r("owner", lambda: directory_ref(ctx, values["owner"]))
        r.done()
        index = name_index(ctx, self.model, owner.pk)
        same_key = index["exact"].get(values["name"])
        if not same_key:
            # A name stored with control characters, exported without them: the same row.
            same_key = index["loose"].get(values["name"])
            if same_key and len(same_key) > 1:
                same_key = None
        return (same_key[0] if same_key else None), {"owner": owner}

    def probe(self, ctx: Context) -> UniqueProbe | None:
        if "probe" not in ctx.cache:
            ctx.cache["probe"] = owner_name_probe(ctx, self.model)
        return ctx.cache["probe"]

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        if instance is not None and "name" in data and data["name"] != instance.name:
            data["name"] = instance.name  # found by its name without control characters
        owner = refs["owner"]
        data["owner_organisation"] = ref(
            ctx, "owner_organisation", owner, values["owner"], ORGANISATIONS
        )
        r = Resolver(self)
        self.references(ctx, r, values, owner, data)
        r.done()
        return data

    def references(
        self, ctx: Context, r: Resolver, values: dict[str, Any], owner: Any, data: dict[str, Any]
    ) -> None:
        """Further references of the kind, resolved within the owner organisation."""

    @staticmethod
    def object_ref(
        ctx: Context, r: Resolver, values: dict[str, Any], owner: Any, data: dict[str, Any]
    ) -> None:
        if "management_object" not in values:
            return
        name = values["management_object"]
        found = (
            r(
                "management_object",
                lambda: indexed_by_name(ctx, ManagementObject, owner, name, OBJECTS),
            )
            if name
            else None
        )
        data["management_object"] = ref(ctx, "management_object", found, name, OBJECTS)


class ManagementObjectImport(OwnedImport):
    key = "objects"
    label = gettext_lazy("Management objects")
    sheet_title = "Förvaltningsobjekt"
    what = OBJECTS
    model = ManagementObject
    form_class = ManagementObjectForm
    perm = "register.add_managementobject"
    view_perm = "register.view_managementobject"
    list_url = "register:managementobject_list"
    create = staticmethod(services.management_object_create)
    update = staticmethod(services.management_object_update)
    columns = [
        OWNER_COLUMN,
        Column("name", "Namn", required=True, field="name"),
        Column("identifier", "Identifierare", field="identifier"),
        Column("business_area", "Verksamhetsområde", field="business_area"),
        Column("description", "Beskrivning", field="description"),
    ]

    def export_rows(self, actor: Any) -> list[list[Any]]:
        objects = owned_by(ManagementObject.objects.visible_to(actor), actor).select_related(
            "owner_organisation"
        )
        rows = [
            [o.owner_organisation.org_number, o.name, o.identifier, o.business_area, o.description]
            for o in objects
        ]
        return sorted(rows, key=lambda r: (sort_key(r[0]), sort_key(r[1])))


class SystemImport(OwnedImport):
    key = "systems"
    label = gettext_lazy("Systems")
    sheet_title = "System"
    what = SYSTEMS
    model = System
    form_class = SystemForm
    perm = "register.add_system"
    view_perm = "register.view_system"
    list_url = "register:system_list"
    create = staticmethod(services.system_create)
    update = staticmethod(services.system_update)
    columns = [
        OWNER_COLUMN,
        Column("name", "Namn", required=True, field="name"),
        Column(
            "management_object",
            "Förvaltningsobjekt",
            field="management_object",
            direct=False,
            help=gettext_lazy("The name of a management object of the owner organisation."),
        ),
        Column("description", "Beskrivning", field="description"),
        Column(
            "vendor",
            "Leverantör (organisationsnummer)",
            field="vendor",
            direct=False,
            help=gettext_lazy(
                "The system vendor: a supplier in the register (number or exact name)."
            ),
        ),
        Column("product", "Produkt och version", field="product"),
        Column(
            "lifecycle", "Livscykelfas", parse=choice(Lifecycle), field="lifecycle", keep_blank=True
        ),
        Column(
            "criticality",
            "Kritikalitet",
            parse=choice(Criticality),
            field="criticality",
            keep_blank=True,
        ),
        Column(
            "processes_personal_data",
            "Behandlar personuppgifter",
            parse=boolean,
            field="processes_personal_data",
            keep_blank=True,
            help=YES_NO_HELP,
        ),
        Column(
            "holds_protected_identities",
            "Skyddade personuppgifter",
            parse=boolean,
            field="holds_protected_identities",
            keep_blank=True,
            help=YES_NO_HELP,
        ),
        Column(
            "is_public",
            "Publik i öppna data",
            parse=boolean,
            field="is_public",
            keep_blank=True,
            help=gettext_lazy(
                "Ja publishes the system in the organisation's open data. Empty: Nej."
            ),
        ),
    ]

    def references(
        self, ctx: Context, r: Resolver, values: dict[str, Any], owner: Any, data: dict[str, Any]
    ) -> None:
        self.object_ref(ctx, r, values, owner, data)
        if "vendor" in values:
            raw = values["vendor"]
            vendor = r("vendor", lambda: directory_ref(ctx, raw)) if raw else None
            data["vendor"] = ref(ctx, "vendor", vendor, raw, ORGANISATIONS)

    def export_rows(self, actor: Any) -> list[list[Any]]:
        systems = owned_by(System.objects.visible_to(actor), actor).select_related(
            "owner_organisation", "management_object", "vendor"
        )
        rows = [
            [
                s.owner_organisation.org_number,
                s.name,
                s.management_object.name if s.management_object_id else "",
                s.description,
                s.vendor.org_number if s.vendor_id else "",
                s.product,
                choice_label(Lifecycle, s.lifecycle),
                choice_label(Criticality, s.criticality),
                yes_no(s.processes_personal_data),
                yes_no(s.holds_protected_identities),
                yes_no(s.is_public),
            ]
            for s in systems
        ]
        return sorted(rows, key=lambda r: (sort_key(r[0]), sort_key(r[1])))


class ServiceImport(OwnedImport):
    key = "services"
    label = gettext_lazy("Services")
    sheet_title = "Tjänster"
    what = SERVICES
    model = Service
    form_class = ServiceForm
    perm = "register.add_service"
    view_perm = "register.view_service"
    list_url = "register:service_list"
    create = staticmethod(services.service_create)
    update = staticmethod(services.service_update)
    columns = [
        OWNER_COLUMN,
        Column("name", "Namn", required=True, field="name"),
        Column(
            "management_object",
            "Förvaltningsobjekt",
            field="management_object",
            direct=False,
            help=gettext_lazy("The name of a management object of the owner organisation."),
        ),
        Column("description", "Beskrivning", field="description"),
        Column(
            "systems",
            "System",
            parse=name_list,
            field="systems",
            direct=False,
            help=gettext_lazy(
                "Names of the owner organisation's systems, separated by semicolons. "
                "Links to other organisations' systems are kept as they are."
            ),
        ),
    ]

    def references(
        self, ctx: Context, r: Resolver, values: dict[str, Any], owner: Any, data: dict[str, Any]
    ) -> None:
        self.object_ref(ctx, r, values, owner, data)
        if "systems" in values:
            data["systems"] = names_to_pks(
                ctx, r, "systems", System, owner, values["systems"], SYSTEMS
            )

    def keeper(self, instance: Any) -> Callable[[dict[str, Any]], None] | None:
        if instance is None:
            return None
        foreign = list(
            instance.systems.exclude(owner_organisation_id=instance.owner_organisation_id)
        )

        def keep(cleaned: dict[str, Any]) -> None:
            chosen = list(cleaned.get("systems") or [])
            ids = {s.pk for s in chosen}
            cleaned["systems"] = chosen + [s for s in foreign if s.pk not in ids]

        return keep if foreign else None

    def export_rows(self, actor: Any) -> list[list[Any]]:
        visible = System.objects.visible_to(actor)
        rows = []
        for s in owned_by(Service.objects.visible_to(actor), actor).select_related(
            "owner_organisation", "management_object"
        ):
            names = visible.filter(services=s, owner_organisation_id=s.owner_organisation_id)
            rows.append(
                [
                    s.owner_organisation.org_number,
                    s.name,
                    s.management_object.name,
                    s.description,
                    join_names(names.values_list("name", flat=True)),
                ]
            )
        return sorted(rows, key=lambda r: (sort_key(r[0]), sort_key(r[1])))


# --- agreements ---------------------------------------------------------------------------
def _names_help_text(what: Any) -> str:
    return _("Names of the customer's %(what)s, separated by semicolons.") % {"what": what}


_names_help = lazy(_names_help_text, str)

COVERED = (
    ("management_objects", "Förvaltningsobjekt", OBJECTS),
    ("services", "Tjänster", SERVICES),
    ("systems", "System", SYSTEMS),
)


class AgreementImport(Kind):
    key = "agreements"
    label = gettext_lazy("Agreements")
    sheet_title = "Avtal"
    what = gettext_lazy("agreements")
    model = Agreement
    form_class = AgreementForm
    perm = "register.add_agreement"
    view_perm = "register.view_agreement"
    list_url = "register:agreement_list"
    create = staticmethod(services.agreement_create)
    update = staticmethod(services.agreement_update)
    owner_key = "customer"
    columns = [
        Column(
            "customer",
            "Kund (organisationsnummer)",
            required=True,
            field="owner_organisation",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "supplier",
            "Leverantör (organisationsnummer)",
            required=True,
            field="supplier",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column("title", "Titel", required=True, field="title"),
        Column("kind", "Typ", parse=choice(AgreementKind), field="kind", keep_blank=True),
        Column(
            "reference",
            "Referensnummer",
            field="reference",
            help=gettext_lazy(
                "With a reference number, a row updates the customer's agreement that has it."
            ),
        ),
        Column(
            "valid_from",
            "Giltig från",
            parse=date,
            field="valid_from",
            keep_blank=True,
            help=gettext_lazy("YYYY-MM-DD. Empty: today for a new agreement."),
        ),
        Column(
            "valid_to",
            "Giltig till",
            parse=date,
            field="valid_to",
            help=gettext_lazy("YYYY-MM-DD."),
        ),
        Column(
            "notice_period_months",
            "Uppsägningstid (månader)",
            parse=integer,
            field="notice_period_months",
        ),
        Column(
            "renewal_decision_by",
            "Beslut om förlängning senast",
            parse=date,
            field="renewal_decision_by",
            help=gettext_lazy("YYYY-MM-DD."),
        ),
        Column("description", "Omfattning", field="description"),
        *(
            Column(
                key,
                heading,
                parse=name_list,
                field=key,
                direct=False,
                help=_names_help(what),
            )
            for key, heading, what in COVERED
        ),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        title = raw_text(values.get("title"))
        reference = raw_text(values.get("reference"))
        return f"{title} ({reference})" if reference else title

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        customer = org_key(values["customer"])
        if values.get("reference"):
            return (customer, "ref", values["reference"].casefold())
        return (customer, org_key(values["supplier"]), values["title"].casefold())

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        r = Resolver(self)
        customer = r("customer", lambda: directory_ref(ctx, values["customer"]))
        supplier = r("supplier", lambda: directory_ref(ctx, values["supplier"]))
        r.done()
        qs = Agreement.objects.filter(owner_organisation=customer)
        same = qs.filter(supplier=supplier, title=values["title"]).order_by("pk")
        instance = None
        if values.get("reference"):
            instance = first_seen(ctx.actor, qs.filter(reference=values["reference"]))
            if instance is None:
                instance = first_seen(ctx.actor, same.filter(reference=""))
        else:
            found = seen_by(ctx.actor, same)
            if len(found) > 1:
                raise RowFailed(
                    [
                        _(
                            "Several agreements have this customer, supplier and title. "
                            "Add the column “%(heading)s” to tell them apart."
                        )
                        % {"heading": self.column("reference").heading}
                    ]
                )
            instance = found[0] if found else None
        return instance, {"customer": customer, "supplier": supplier}

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        customer = refs["customer"]
        data["owner_organisation"] = ref(
            ctx, "owner_organisation", customer, values["customer"], ORGANISATIONS
        )
        data["supplier"] = ref(ctx, "supplier", refs["supplier"], values["supplier"], ORGANISATIONS)
        r = Resolver(self)
        for key, _heading, what in COVERED:
            if key in values:
                model = Agreement._meta.get_field(key).related_model
                data[key] = names_to_pks(ctx, r, key, model, customer, values[key], what)
        r.done()
        return data

    def export_rows(self, actor: Any) -> list[list[Any]]:
        objects = set(ManagementObject.objects.visible_to(actor).values_list("pk", flat=True))
        service_ids = set(Service.objects.visible_to(actor).values_list("pk", flat=True))
        system_ids = set(System.objects.visible_to(actor).values_list("pk", flat=True))
        rows = []
        agreements = (
            owned_by(Agreement.objects.visible_to(actor), actor)
            .select_related("owner_organisation", "supplier")
            .prefetch_related("management_objects", "services", "systems")
        )
        for a in agreements:
            # What the agreement covers is named within the customer's register (as the
            # import looks it up; an agreement covers only what its customer owns).
            def own(item: Any, a: Any = a) -> bool:
                return bool(item.owner_organisation_id == a.owner_organisation_id)

            rows.append(
                [
                    a.owner_organisation.org_number,
                    a.supplier.org_number,
                    a.title,
                    choice_label(AgreementKind, a.kind),
                    a.reference,
                    date_text(a.valid_from),
                    date_text(a.valid_to),
                    a.notice_period_months if a.notice_period_months is not None else "",
                    date_text(a.renewal_decision_by),
                    a.description,
                    join_names(
                        o.name for o in a.management_objects.all() if o.pk in objects and own(o)
                    ),
                    join_names(s.name for s in a.services.all() if s.pk in service_ids and own(s)),
                    join_names(s.name for s in a.systems.all() if s.pk in system_ids and own(s)),
                ]
            )
        return sorted(
            rows, key=lambda r: tuple(sort_key(v) for v in (r[0], r[1], r[2], r[4], r[5]))
        )


# --- role assignments ---------------------------------------------------------------------
TARGET_TYPES: dict[str, tuple[type[Any], str, Any]] = {
    "management_object": (ManagementObject, "Förvaltningsobjekt", OBJECTS),
    "service": (Service, "Tjänst", SERVICES),
    "system": (System, "System", SYSTEMS),
}
TARGET_WORDS = {
    "förvaltningsobjekt": "management_object",
    "objekt": "management_object",
    "management object": "management_object",
    "management_object": "management_object",
    "object": "management_object",
    "tjänst": "service",
    "service": "service",
    "system": "system",
}


def target_type(value: Any) -> str | None:
    raw = raw_text(value)
    if not raw:
        return None
    found = TARGET_WORDS.get(raw.casefold())
    if found is None:
        allowed = ", ".join(label for _m, label, _w in TARGET_TYPES.values())
        raise CellError(
            _("“%(value)s” is not one of the choices (%(allowed)s).")
            % {"value": raw, "allowed": allowed}
        )
    return found


def role_ref(ctx: Context, raw: str) -> RoleType:
    roles = ctx.cache.setdefault("role_types", list(RoleType.objects.all()))
    wanted = raw.strip().casefold()
    for role in roles:
        if wanted in (role.code.casefold(), role.name_sv.casefold(), role.name_en.casefold()):
            return role
    raise not_found(raw, ROLES)


class RoleAssignmentImport(Kind):
    key = "roles"
    label = gettext_lazy("Role assignments")
    sheet_title = "Roller"
    what = gettext_lazy("role assignments")
    model = RoleAssignment
    form_class = RoleAssignmentForm
    perm = "register.add_roleassignment"
    view_perm = "register.view_roleassignment"
    list_url = "register:roleassignment_list"
    create = staticmethod(services.role_assignment_create)
    update = staticmethod(services.role_assignment_update)
    owner_key = "organisation"
    columns = [
        Column(
            "person",
            "Person (användarnamn)",
            required=True,
            field="person",
            direct=False,
            help=gettext_lazy("The person's user name (or e-mail address)."),
        ),
        Column(
            "role",
            "Roll",
            required=True,
            field="role_type",
            direct=False,
            help=gettext_lazy("The role's Swedish name, as in the list of roles, or its code."),
        ),
        Column(
            "organisation",
            "Agerar för (organisationsnummer)",
            required=True,
            field="organisation",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "target_type",
            "Måltyp",
            parse=target_type,
            required=True,
            direct=False,
            help=gettext_lazy("Förvaltningsobjekt, Tjänst or System."),
        ),
        Column(
            "target", "Mål", required=True, direct=False, help=gettext_lazy("The target's name.")
        ),
        Column(
            "target_owner",
            "Målets ägare (organisationsnummer)",
            required=True,
            direct=False,
            help=ORG_NUMBER_HELP,
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
        Column("note", "Anteckning", field="note"),
    ]

    @property
    def headings(self) -> dict[str, str]:
        target = self.column("target").heading
        return {**super().headings, **dict.fromkeys(TARGET_TYPES, target)}

    def row_label(self, values: dict[str, Any]) -> str:
        return " – ".join(
            raw_text(values.get(k)) for k in ("person", "role", "target") if values.get(k)
        )

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (
            values["person"].casefold(),
            values["role"].casefold(),
            org_key(values["organisation"]),
            values["target_type"],
            org_key(values["target_owner"]),
            values["target"].casefold(),
            values["valid_from"],
        )

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        actor = ctx.actor
        r = Resolver(self)
        person = r("person", lambda: person_ref(User.objects.all(), values["person"], actor))
        role = r("role", lambda: role_ref(ctx, values["role"]))
        org = r("organisation", lambda: directory_ref(ctx, values["organisation"]))
        owner = r("target_owner", lambda: directory_ref(ctx, values["target_owner"]))
        r.done()
        field_name = values["target_type"]
        model, _label, what = TARGET_TYPES[field_name]
        targets = model.objects.filter(owner_organisation=owner)
        target = r("target", lambda: by_name(targets, values["target"], what, actor=actor))
        r.done()
        # Role assignments are seen with their target, which the actor sees.
        instance = RoleAssignment.objects.filter(
            person=person,
            role_type=role,
            organisation=org,
            valid_from=values["valid_from"],
            **{field_name: target},
        ).first()
        refs = {"person": person, "role": role, "organisation": org, "target": target}
        return instance, refs

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        data["role_type"] = refs["role"].pk
        data["person"] = ref(ctx, "person", refs["person"], values["person"], PEOPLE)
        data["organisation"] = ref(
            ctx, "organisation", refs["organisation"], values["organisation"], ORGANISATIONS
        )
        field_name = values["target_type"]
        for name in TARGET_TYPES:
            data[name] = None
        what = TARGET_TYPES[field_name][2]
        data[field_name] = ref(ctx, field_name, refs["target"], values["target"], what)
        return data

    def export_rows(self, actor: Any) -> list[list[Any]]:
        rows = []
        own = own_org_ids(actor)
        assignments = owned_by(
            RoleAssignment.objects.visible_to(actor), actor, "organisation"
        ).select_related(
            "person",
            "role_type",
            "organisation",
            "management_object__owner_organisation",
            "service__owner_organisation",
            "system__owner_organisation",
        )
        for a in assignments:
            field_name = next(n for n in TARGET_TYPES if getattr(a, f"{n}_id"))
            target = getattr(a, field_name)
            if (
                own is not None
                and target.owner_organisation_id not in own
                and not actor.has_perm("register.add_roleassignment", a)
            ):
                continue  # on another organisation's target, by its leave only
            rows.append(
                [
                    a.person.username,
                    a.role_type.name_sv,
                    a.organisation.org_number,
                    TARGET_TYPES[field_name][1],
                    target.name,
                    target.owner_organisation.org_number,
                    date_text(a.valid_from),
                    date_text(a.valid_to),
                    a.note,
                ]
            )
        return sorted(rows, key=lambda r: tuple(sort_key(v) for v in (*r[:7],)))
