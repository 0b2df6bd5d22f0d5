"""Import kinds for the directory and the organisation tree: organisations, units, people."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.core import services as core_services
from forvalta.core.forms import MembershipForm, OrganisationForm, UnitForm, UserForm
from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User, today
from forvalta.core.tenancy import scope_for
from forvalta.register.imports.base import (
    ORG_NUMBER_HELP,
    ORGANISATIONS,
    PEOPLE,
    UNITS,
    Column,
    Kind,
    Resolver,
    directory,
    directory_ref,
    first_seen,
    org_key,
    own_org_ids,
    person_ref,
    ref,
    seen_by,
    unit_by_path,
    unit_paths,
)
from forvalta.register.imports.engine import (
    CREATE,
    ERROR,
    SKIPPED,
    UPDATE,
    Change,
    Context,
    RowFailed,
    RowResult,
    _same,
    run_step,
    save_with_form,
)
from forvalta.register.imports.values import (
    boolean,
    choice,
    choice_label,
    raw_text,
    sort_key,
    yes_no,
)


# --- organisations ------------------------------------------------------------------------
class OrganisationImport(Kind):
    key = "organisations"
    label = gettext_lazy("Organisations")
    sheet_title = "Organisationer"
    what = ORGANISATIONS
    model = Organisation
    form_class = OrganisationForm
    perm = "core.add_organisation"
    view_perm = "core.view_organisation"
    list_url = "core:organisation_list"
    create = staticmethod(core_services.organisation_create)
    update = staticmethod(core_services.organisation_update)
    columns = [
        Column(
            "org_number",
            "Organisationsnummer",
            required=True,
            field="org_number",
            help=gettext_lazy(
                "NNNNNN-NNNN. A row with a number already in the register updates it."
            ),
        ),
        Column("name", "Namn", required=True, field="name"),
        Column("short_name", "Kortnamn", field="short_name"),
        Column("kind", "Typ", parse=choice(OrganisationKind), field="kind", keep_blank=True),
        Column("description", "Beskrivning", field="description"),
        Column("email", "E-post", field="email"),
        Column("website", "Webbplats", field="website"),
        Column(
            "is_active",
            "Aktiv",
            parse=boolean,
            field="is_active",
            keep_blank=True,
            help=gettext_lazy("Ja or Nej. Empty keeps what the register holds (new rows: Ja)."),
        ),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        return f"{raw_text(values.get('name'))} ({raw_text(values.get('org_number'))})"

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (org_key(values["org_number"]),)

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        from django.core.exceptions import ValidationError

        from forvalta.core.validators import normalise_org_number

        try:
            values["org_number"] = normalise_org_number(values["org_number"])
        except ValidationError as exc:
            raise RowFailed([f"{self.column('org_number').heading}: {exc.messages[0]}"]) from exc
        found = directory(ctx.actor).filter(org_number=values["org_number"]).first()
        return found, {}

    def apply(
        self, ctx: Context, values: dict[str, Any], result: RowResult, errors: list[str]
    ) -> Any:
        """Another organisation (a supplier, a neighbouring municipality) that the file
        would change, or create when the importer may not: skipped, not refused. The
        directory is public: an organisation the file names as it is stays unchanged."""
        if not errors and scope_for(ctx.actor).org_ids:
            instance, refs = self.find(ctx, values)
            if instance is not None:
                mine = ctx.actor.has_perm("core.change_organisation", instance)
                if not mine and not _same(instance, self.overlay(ctx, values, refs, instance)):
                    result.action = SKIPPED
                    return instance
            else:
                kind = values.get("kind") or Organisation().kind
                if not ctx.actor.has_perm("core.add_organisation", Organisation(kind=kind)):
                    result.action = SKIPPED
                    return None
        return super().apply(ctx, values, result, errors)

    def export_rows(self, actor: Any) -> list[list[Any]]:
        """The actor's own organisations and those their register names (suppliers,
        vendors, operators, participants), so that the rest imports into an empty
        instance."""
        own = own_org_ids(actor)
        organisations = directory(actor)
        if own is not None:
            organisations = organisations.filter(pk__in=sorted(own | referenced_orgs(actor, own)))
        rows = [
            [
                o.org_number,
                o.name,
                o.short_name,
                choice_label(OrganisationKind, o.kind),
                o.description,
                o.email,
                o.website,
                yes_no(o.is_active),
            ]
            for o in organisations
        ]
        return sorted(rows, key=lambda r: sort_key(r[0]))


def referenced_orgs(actor: Any, own: frozenset[int]) -> set[int]:
    """The organisations that the actor's own register names."""
    from forvalta.register.models import (
        Agreement,
        Environment,
        Integration,
        Participation,
        System,
    )

    ids = sorted(own)
    found: set[int] = set()
    for qs, fields in (
        (System.objects.visible_to(actor).filter(owner_organisation_id__in=ids), ["vendor_id"]),
        (
            Agreement.objects.visible_to(actor).filter(owner_organisation_id__in=ids),
            ["supplier_id"],
        ),
        (
            Environment.objects.visible_to(actor).filter(system__owner_organisation_id__in=ids),
            ["operated_by_id"],
        ),
        (
            Integration.objects.visible_to(actor).filter(source__owner_organisation_id__in=ids),
            ["responsible_organisation_id"],
        ),
        (
            Participation.objects.visible_to(actor).filter(service__owner_organisation_id__in=ids),
            ["organisation_id"],
        ),
    ):
        for row in qs.values_list(*fields):
            found.update(v for v in row if v is not None)
    return found


# --- units --------------------------------------------------------------------------------
class UnitImport(Kind):
    key = "units"
    label = gettext_lazy("Units")
    sheet_title = "Enheter"
    what = UNITS
    model = Unit
    form_class = UnitForm
    perm = "core.add_unit"
    view_perm = "core.view_unit"
    list_url = "core:unit_list"
    create = staticmethod(core_services.unit_create)
    update = staticmethod(core_services.unit_update)
    sequential = True
    owner_key = "organisation"
    columns = [
        Column(
            "organisation",
            "Organisation (organisationsnummer)",
            required=True,
            field="organisation",
            direct=False,
            help=ORG_NUMBER_HELP,
        ),
        Column(
            "parent",
            "Överordnad enhet",
            field="parent",
            direct=False,
            help=gettext_lazy(
                "The unit above, as a path from the top: “Förvaltning / Avdelning”. "
                "Empty for a unit at the top. Units above must come earlier in the file."
            ),
        ),
        Column("name", "Namn", required=True, field="name"),
        Column("code", "Kod", field="code"),
        Column(
            "is_active",
            "Aktiv",
            parse=boolean,
            field="is_active",
            keep_blank=True,
            help=gettext_lazy("Ja or Nej. Empty keeps what the register holds (new rows: Ja)."),
        ),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        parent = raw_text(values.get("parent"))
        return (
            f"{parent} / {raw_text(values.get('name'))}" if parent else raw_text(values.get("name"))
        )

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (
            org_key(values["organisation"]),
            raw_text(values.get("parent")).casefold(),
            values["name"].casefold(),
        )

    def find(self, ctx: Context, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        r = Resolver(self)
        org = r("organisation", lambda: directory_ref(ctx, values["organisation"]))
        r.done()
        units = Unit.objects.visible_to(ctx.actor).filter(organisation=org)
        parent = None
        if values.get("parent"):
            pending = ctx.pending.get(("unit", org.pk, values["parent"].casefold()))
            if pending is not None:
                # A unit an earlier row creates (a validation run has not written it).
                return None, {"organisation": org, "parent": pending}
            parent = r("parent", lambda: unit_by_path(units, values["parent"]))
            r.done()
        same_name = units.filter(name=values["name"])
        if "parent" in ctx.present:
            instance = same_name.filter(parent=parent).first()
        else:
            found = list(same_name[:2])
            instance = found[0] if len(found) == 1 else None
        return instance, {"organisation": org, "parent": parent}

    def overlay(
        self, ctx: Context, values: dict[str, Any], refs: dict[str, Any], instance: Any
    ) -> dict[str, Any]:
        data = super().overlay(ctx, values, refs, instance)
        data["organisation"] = ref(
            ctx, "organisation", refs["organisation"], values["organisation"], ORGANISATIONS
        )
        if "parent" in values:
            data["parent"] = ref(ctx, "parent", refs["parent"], values["parent"], UNITS)
        return data

    def apply(
        self, ctx: Context, values: dict[str, Any], result: RowResult, errors: list[str]
    ) -> Any:
        obj = super().apply(ctx, values, result, errors)
        if obj is not None and obj.pk is None and "organisation" in values:
            # Later rows may name this unit as their parent.
            parent = raw_text(values.get("parent"))
            path = f"{parent} / {values['name']}" if parent else values["name"]
            org = directory_ref(ctx, values["organisation"])
            ctx.pending[("unit", org.pk, path.casefold())] = obj
        return obj

    def export_rows(self, actor: Any) -> list[list[Any]]:
        units = list(Unit.objects.visible_to(actor).select_related("organisation"))
        paths = unit_paths(units)
        own = own_org_ids(actor)
        rows = [
            [
                u.organisation.org_number,
                paths.get(u.parent_id, ""),
                u.name,
                u.code,
                yes_no(u.is_active),
            ]
            for u in units
            if own is None or u.organisation_id in own
        ]
        return sorted(rows, key=lambda r: (sort_key(r[0]), sort_key(f"{r[1]} / {r[2]}")))


# --- people -------------------------------------------------------------------------------
def cannot_be_used(heading: str, value: str) -> str:
    return _("%(heading)s: “%(value)s” cannot be used here. Choose another.") % {
        "heading": heading,
        "value": value,
    }


PERSON_FIELDS = ("username", "first_name", "last_name", "email", "phone")


class UserImport(Kind):
    """A person and their membership of one organisation (unit, title, manager).

    Administrator rights are not imported: they are given on the membership page.
    """

    key = "users"
    label = gettext_lazy("People")
    sheet_title = "Personer"
    what = PEOPLE
    model = User
    form_class = UserForm
    perm = "core.add_user"
    view_perm = "core.view_user"
    list_url = "core:user_list"
    create = staticmethod(core_services.user_create)
    update = staticmethod(core_services.user_update)
    sequential = True
    owner_key = "organisation"
    columns = [
        Column(
            "username",
            "Användarnamn",
            required=True,
            field="username",
            help=gettext_lazy(
                "Identifies the person: a row with a known user name updates that person."
            ),
        ),
        Column("first_name", "Förnamn", field="first_name"),
        Column("last_name", "Efternamn", field="last_name"),
        Column("email", "E-post", field="email"),
        Column("phone", "Telefon", field="phone"),
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
        Column("title", "Titel", field="title", direct=False),
        Column(
            "manager",
            "Chef (användarnamn)",
            field="manager",
            direct=False,
            help=gettext_lazy("The user name of the person's manager in the same organisation."),
        ),
    ]

    def row_label(self, values: dict[str, Any]) -> str:
        name = f"{raw_text(values.get('first_name'))} {raw_text(values.get('last_name'))}".strip()
        username = raw_text(values.get("username"))
        return f"{name} ({username})" if name else username

    def row_key(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return (values["username"].casefold(), org_key(values["organisation"]))

    def what_one(self) -> str:
        return _("person and organisation")

    @property
    def headings(self) -> dict[str, str]:
        return {**super().headings, "user": self.column("username").heading}

    def apply(
        self, ctx: Context, values: dict[str, Any], result: RowResult, errors: list[str]
    ) -> Any:
        self.check_duplicate(ctx, values)
        actor = ctx.actor
        r = Resolver(self)
        org = r("organisation", lambda: directory_ref(ctx, values["organisation"]))
        r.done()
        unit = None
        if values.get("unit"):
            units = Unit.objects.visible_to(actor).filter(organisation=org)
            unit = r("unit", lambda: unit_by_path(units, values["unit"]))
            r.done()
        person = first_seen(actor, User.objects.filter(username=values["username"]))
        if person is None and values.get("email"):
            found = seen_by(actor, User.objects.filter(email__iexact=values["email"]))
            if len(found) == 1:
                # Matched by e-mail: a different user name in the file is a mistake, not a
                # rename (rename people on their own page).
                raise RowFailed(
                    [
                        _(
                            "%(heading)s: the e-mail address belongs to the person with the "
                            "user name “%(username)s”."
                        )
                        % {"heading": self.column("email").heading, "username": found[0].username}
                    ]
                )
        if person is None:
            self._refuse_taken(values)
        if errors:
            raise RowFailed([])
        person_data = {k: values[k] for k in PERSON_FIELDS if k in values}
        membership: Membership | None = None
        unit_text = raw_text(values.get("unit"))
        if person is None:
            person_data["organisation"] = ref(
                ctx, "organisation", org, values["organisation"], ORGANISATIONS
            )
            person_data["unit"] = ref(ctx, "unit", unit, unit_text, UNITS)
            person_data["password"] = ""
            person, _action, _changes = self._save(ctx, UserForm, User, None, person_data)
            result.merge(CREATE)
            if person.pk is None:
                # A validation run: the person (and the membership the service creates
                # with them) is not written; later rows may name them as manager.
                ctx.pending[("user", values["username"].casefold())] = person
                return Membership(user=person, organisation=org), values.get("manager", "")
            membership = Membership.objects.get(user=person, organisation=org)
            if values.get("title"):
                self._save(ctx, MembershipForm, Membership, membership, {"title": values["title"]})
        else:
            _person, action, changes = self._save(ctx, UserForm, User, person, person_data)
            result.merge(action, changes)
            membership = (
                Membership.objects.visible_to(actor).filter(user=person, organisation=org).first()
            )
            member_data: dict[str, Any] = {}
            if "unit" in values:
                member_data["unit"] = ref(ctx, "unit", unit, unit_text, UNITS)
            if "title" in values:
                member_data["title"] = values["title"]
            if membership is None:
                member_data["user"] = ref(ctx, "user", person, values["username"], PEOPLE)
                member_data["organisation"] = ref(
                    ctx, "organisation", org, values["organisation"], ORGANISATIONS
                )
                member_data.update(is_org_admin=False, valid_from=today())
                membership, _action, _changes = self._save(
                    ctx, MembershipForm, Membership, None, member_data
                )
                heading = self.column("organisation").heading
                result.merge(UPDATE, [Change(heading=heading, old="", new=str(org))])
            elif member_data:
                _m, action, changes = self._save(
                    ctx, MembershipForm, Membership, membership, member_data
                )
                result.merge(action, changes)
        return membership, values.get("manager", "")

    def _refuse_taken(self, values: dict[str, Any]) -> None:
        """A new person whose user name someone the importer cannot see already has.

        User names are unique across the platform, so a taken one is refused, with
        neutral words that say nothing about who has it or where. E-mail addresses are
        checked among the importer's colleagues only (the person form's rule): an
        address used in another organisation is answered like a free one, so the file
        tells nothing about other organisations' people.
        """
        if User.objects.filter(username=values["username"]).exists():
            raise RowFailed([cannot_be_used(self.column("username").heading, values["username"])])

    def _save(
        self, ctx: Context, form_class: Any, model: Any, instance: Any, overlay: dict[str, Any]
    ) -> tuple[Any, str, list[Change]]:
        person_form = form_class is UserForm
        return save_with_form(
            ctx,
            form_class=form_class,
            model=model,
            instance=instance,
            overlay=overlay,
            create=core_services.user_create if person_form else core_services.membership_create,
            update=core_services.user_update if person_form else core_services.membership_update,
            headings=self.headings,
        )

    def finish(self, ctx: Context, states: list[tuple[RowResult, Any]]) -> None:
        """Managers in a second pass: a manager may come later in the file."""
        if "manager" not in ctx.present:
            return
        for result, state in states:
            if state is None or result.action == ERROR:
                continue
            membership, manager = state
            if membership is None or membership.pk is None:
                # A person or membership a validation run has not written: the manager
                # must be someone the file or the register names.
                run_step(ctx, result, self._check_manager, ctx, membership, manager, result)
                continue
            run_step(ctx, result, self._set_manager, ctx, membership, manager, result)

    def _check_manager(
        self, ctx: Context, membership: Membership | None, raw: str, result: RowResult
    ) -> None:
        if not raw or ("user", raw.strip().casefold()) in ctx.pending:
            return
        r = Resolver(self)
        org_id = membership.organisation_id if membership is not None else None
        colleagues = (
            User.objects.filter(memberships__organisation=org_id)
            if org_id is not None
            else User.objects.none()
        )
        r("manager", lambda: person_ref(colleagues, raw, ctx.actor))
        r.done()

    def _set_manager(
        self, ctx: Context, membership: Membership, raw: str, result: RowResult
    ) -> None:
        membership = Membership.objects.get(pk=membership.pk)
        ctx.named = {}
        r = Resolver(self)
        manager = None
        if raw and ("user", raw.strip().casefold()) in ctx.pending:
            # Someone a validation run has not created yet: a change of manager.
            heading = self.column("manager").heading
            result.merge(UPDATE, [Change(heading=heading, old="", new=raw)])
            return
        if raw:
            colleagues = User.objects.filter(memberships__organisation=membership.organisation_id)
            manager = r("manager", lambda: person_ref(colleagues, raw, ctx.actor))
        r.done()
        _m, action, changes = self._save(
            ctx,
            MembershipForm,
            Membership,
            membership,
            {"manager": ref(ctx, "manager", manager, raw, PEOPLE)},
        )
        result.merge(action, changes)

    def export_rows(self, actor: Any) -> list[list[Any]]:
        own = own_org_ids(actor)
        memberships = [
            m
            for m in Membership.objects.visible_to(actor).select_related(
                "user", "organisation", "manager"
            )
            if own is None or m.organisation_id in own
        ]
        units = list(Unit.objects.visible_to(actor))
        paths = unit_paths(units)
        rows = [
            [
                m.user.username,
                m.user.first_name,
                m.user.last_name,
                m.user.email,
                m.user.phone,
                m.organisation.org_number,
                paths.get(m.unit_id, "") if m.unit_id else "",
                m.title,
                m.manager.username if m.manager_id else "",
            ]
            for m in memberships
        ]
        return sorted(rows, key=lambda r: (sort_key(r[5]), sort_key(r[0])))
