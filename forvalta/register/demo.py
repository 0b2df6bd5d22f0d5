"""Demo data drawn from the seeds: the small functions that build the tables in demo_data.py.

Three worlds that share the register:

- Sambruk (seed 000): an association whose member municipalities take part in three
  shared services, run with fictional suppliers.
- Region Stockholm (seed 003): the object "Samverkan vid vårdövergångar" with the shared
  component WebCare, used by the region and the county's 26 municipalities.
- Kungälvs kommun (seeds 001 and 004): a unit tree, staff with managers, and its own
  systems with Treserva as the care system, integrations, agreements and roles.

Organisation numbers are made up but valid (Luhn): municipalities 21…, the region 23…,
the association 80…, suppliers 55…. Supplier and person names are invented. Relative
dates ("+45d", "end+3m") are counted from the day the data is loaded, so renewal
warnings and notice periods always fall in the coming months.

The tables live in forvalta/register/demo_data.py. Everything goes through the ORM with
full_clean() before save; `load()` runs in one transaction and records one "demo.loaded"
audit event.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from stdnum import luhn
from stdnum.se import orgnr

from forvalta.audit.services import record
from forvalta.core.models import Membership, Organisation, Unit, User, today
from forvalta.register.demo_data import (
    AGREEMENTS,
    ENVIRONMENTS,
    INTEGRATIONS,
    MUN,
    OBJECTS,
    ORGANISATIONS,
    OTHER_MUNICIPALITIES,
    PEOPLE,
    PERSONAS,
    ROLES,
    SAMBRUK_PARTICIPATIONS,
    SERVICES,
    STOCKHOLM_COUNTY,
    SUPP,
    SUPPLIERS,
    SYSTEMS,
    UNITS,
    WEBCARE_START,
)
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    Participation,
    RoleAssignment,
    RoleType,
    Service,
    System,
)

PASSWORD = "forvalta-demo"  # noqa: S105 - the published demo password
LOGIN_URL = "http://127.0.0.1:8000/login/"
SENTINEL = "Sambruk"  # if this organisation exists, the demo data is already there

__all__ = ["LOGIN_URL", "PASSWORD", "PERSONAS", "SENTINEL", "SUPPLIERS", "is_loaded", "load"]


# --- helpers --------------------------------------------------------------------------
def org_number(first_nine: str) -> str:
    """NNNNNN-NNNN with the Luhn check digit computed."""
    return orgnr.format(first_nine + luhn.calc_check_digit(first_nine))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


_WHEN = re.compile(r"^(start|end)?([+-]\d+)([dm])$")


def when(spec: Any, base: dt.date) -> dt.date | None:
    """A date from a table: a date, None, "+45d" / "-14d", or "start+1m" / "end+3m"."""
    if spec is None or isinstance(spec, dt.date):
        return spec
    match = _WHEN.match(spec)
    if not match:
        raise ValueError(f"Bad date spec {spec!r}")
    anchor, amount, unit = match.group(1), int(match.group(2)), match.group(3)
    if unit == "d":
        return base + dt.timedelta(days=amount)
    months = base.month - 1 + amount + (1 if anchor == "end" else 0)
    first = dt.date(base.year + months // 12, months % 12 + 1, 1)
    return first - dt.timedelta(days=1) if anchor == "end" else first


def start_date(spec: Any, base: dt.date) -> dt.date:
    """`when` for a required start date."""
    day = when(spec, base)
    if day is None:
        raise ValueError("A start date is required")
    return day


def _short(name: str) -> str:
    """ "Kungälvs kommun" -> "Kungälv", "Alingsås kommun" -> "Alingsås"."""
    base = name.rsplit(" ", 1)[0]
    return base[:-1] if base.endswith("s") and not base.endswith("ås") else base


def all_organisations() -> dict[str, tuple[str, str, str, str, str]]:
    """Every demo organisation: key -> (name, short name, kind, first nine digits, text)."""
    orgs = dict(ORGANISATIONS)
    for key, name, code, _inhabitants in STOCKHOLM_COUNTY:
        orgs[key] = (name, _short(name), MUN, f"21200{code}", "")
    for key, name, code in OTHER_MUNICIPALITIES:
        orgs[key] = (name, _short(name), MUN, f"21200{code}", "")
    for key, name, digits, text in SUPPLIERS:
        orgs[key] = (name, name.removesuffix(" AB"), SUPP, digits, text)
    return orgs


def _domain(key: str | None) -> str:
    return f"{'regionstockholm' if key == 'region' else key or 'forvalta'}.example"


def is_loaded() -> bool:
    return Organisation.objects.filter(name=SENTINEL).exists()


def conflicts() -> list[str]:
    """Existing rows that would clash with the demo data (names, numbers, usernames)."""
    orgs = all_organisations()
    names = [o[0] for o in orgs.values()]
    numbers = [org_number(o[3]) for o in orgs.values()]
    clashes = [
        str(o)
        for o in Organisation.objects.filter(
            models.Q(name__in=names) | models.Q(org_number__in=numbers)
        )
    ]
    usernames = [p[0] for p in PEOPLE]
    clashes += User.objects.filter(username__in=usernames).values_list("username", flat=True)
    return clashes


# --- the builder ----------------------------------------------------------------------
class _Builder:
    def __init__(self) -> None:
        self.today = today()
        self.orgs: dict[str, Organisation] = {}
        self.units: dict[tuple[str, str], Unit] = {}
        self.users: dict[str, User] = {}
        self.org_of: dict[str, str] = {}
        self.objects: dict[str, ManagementObject] = {}
        self.services: dict[str, Service] = {}
        self.systems: dict[str, System] = {}
        self.counts: Counter[str] = Counter()

    def save(self, obj: models.Model) -> Any:
        obj.full_clean()
        obj.save()
        self.counts[obj._meta.label_lower] += 1
        return obj

    def target(self, ref: str) -> dict[str, Any]:
        kind, key = ref.split(":")
        if kind == "mo":
            return {"management_object": self.objects[key]}
        if kind == "svc":
            return {"service": self.services[key]}
        return {"system": self.systems[key]}

    def organisations(self) -> None:
        for key, (name, short, kind, digits, text) in all_organisations().items():
            domain = _domain(key)
            self.orgs[key] = self.save(
                Organisation(
                    name=name,
                    short_name=short,
                    kind=kind,
                    org_number=org_number(digits),
                    description=text,
                    email=f"info@{domain}",
                    website=f"https://www.{domain}/",
                )
            )

    def unit_tree(self, org: str, items: tuple[Any, ...], parent: Unit | None = None) -> None:
        for item in items:
            name, children = (item, ()) if isinstance(item, str) else item
            unit = self.save(Unit(organisation=self.orgs[org], parent=parent, name=name))
            self.units[(org, name)] = unit
            self.unit_tree(org, children, unit)

    def people(self) -> None:
        shared_hash = make_password(PASSWORD)  # one hash for staff; personas get their own
        for username, first, last, org, unit, title, manager, admin in PEOPLE:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}@{_domain(org)}",
                is_platform_admin=org is None,
            )
            if username in PERSONAS:
                user.set_password(PASSWORD)
            else:
                user.password = shared_hash
            self.users[username] = self.save(user)
            if org is None:
                continue
            self.org_of[username] = org
            self.save(
                Membership(
                    user=user,
                    organisation=self.orgs[org],
                    unit=self.units.get((org, unit)),
                    manager=self.users[manager] if manager else None,
                    title=title,
                    is_org_admin=admin,
                    valid_from=dt.date(2020, 1, 1),
                )
            )

    def register(self) -> None:
        for key, (owner, name, ident, area, text) in OBJECTS.items():
            self.objects[key] = self.save(
                ManagementObject(
                    owner_organisation=self.orgs[owner],
                    name=name,
                    identifier=ident,
                    business_area=area,
                    description=text,
                )
            )
        for key, (owner, mo, name, vendor, product, stage, crit, flags, text) in SYSTEMS.items():
            self.systems[key] = self.save(
                System(
                    owner_organisation=self.orgs[owner],
                    management_object=self.objects[mo],
                    name=name,
                    vendor=self.orgs.get(vendor),
                    product=product,
                    lifecycle=stage,
                    criticality=crit,
                    processes_personal_data="P" in flags,
                    holds_protected_identities="S" in flags,
                    is_public="O" in flags,
                    description=text,
                )
            )
        for key, (owner, mo, name, text, systems) in SERVICES.items():
            service = self.save(
                Service(
                    owner_organisation=self.orgs[owner],
                    management_object=self.objects[mo],
                    name=name,
                    description=text,
                )
            )
            service.systems.set([self.systems[s] for s in systems])
            self.services[key] = service
        for system, kind, name, operator, hours, text in ENVIRONMENTS:
            host = f"{kind}.{system}.{_domain(SYSTEMS[system][0])}"
            self.save(
                Environment(
                    system=self.systems[system],
                    kind=kind,
                    name=name,
                    url=f"https://{host}/",
                    operated_by=self.orgs[operator],
                    service_hours=hours,
                    description=text,
                )
            )

    def participations(self) -> None:
        for service, rows in SAMBRUK_PARTICIPATIONS.items():
            paying = [r for r in rows if r[2] != "applied"]
            share = (Decimal(100) / len(paying)).quantize(Decimal("0.001"))
            for org, start, status, end in rows:
                self.save(
                    Participation(
                        service=self.services[service],
                        organisation=self.orgs[org],
                        valid_from=start_date(start, self.today),
                        valid_to=when(end, self.today),
                        status=status,
                        cost_share=None if status == "applied" else share,
                        note={
                            "applied": "Ansökan om anslutning inkommen; startar nästa månad.",
                            "notice_given": "Har sagt upp tjänsten; avslut vid periodens slut.",
                        }.get(status, ""),
                    )
                )
        webcare = self.services["webcare"]
        self.save(
            Participation(
                service=webcare,
                organisation=self.orgs["region"],
                valid_from=WEBCARE_START,
                note="Objektägare; förvaltar WebCare.",
            )
        )
        total = sum(row[3] for row in STOCKHOLM_COUNTY)
        for key, _name, _code, inhabitants in STOCKHOLM_COUNTY:
            self.save(
                Participation(
                    service=webcare,
                    organisation=self.orgs[key],
                    valid_from=WEBCARE_START,
                    cost_share=(Decimal(100 * inhabitants) / total).quantize(Decimal("0.001")),
                    note="Andel av kommunernas finansiering efter folkmängd.",
                )
            )

    def integrations(self) -> None:
        for source, other, method, org, person, text in INTEGRATIONS:
            target = self.systems.get(other)
            self.save(
                Integration(
                    source=self.systems[source],
                    target=target,
                    external_system="" if target else other,
                    method=method,
                    description=text,
                    responsible_organisation=self.orgs[org],
                    responsible_person=self.users[person] if person else None,
                )
            )

    def agreements(self) -> None:
        for row in AGREEMENTS:
            kind, title, reference, owner, supplier, start, end, notice, renewal, covers, text = row
            agreement = self.save(
                Agreement(
                    kind=kind,
                    title=title,
                    reference=reference,
                    owner_organisation=self.orgs[owner],
                    supplier=self.orgs[supplier],
                    valid_from=start_date(start, self.today),
                    valid_to=when(end, self.today),
                    notice_period_months=notice,
                    renewal_decision_by=when(renewal, self.today),
                    description=text,
                )
            )
            for cover in covers:
                ((field, obj),) = self.target(cover).items()
                getattr(agreement, f"{field}s").add(obj)

    def roles(self) -> None:
        role_types = {rt.code: rt for rt in RoleType.objects.all()}
        for username, code, targets in ROLES:
            for ref in targets:
                self.save(
                    RoleAssignment(
                        person=self.users[username],
                        role_type=role_types[code],
                        organisation=self.orgs[self.org_of[username]],
                        valid_from=dt.date(2023, 1, 1),
                        **self.target(ref),
                    )
                )


def _demo_parts() -> list[Any]:
    """The other parts' demo data: each installed Forvalta app other than the register
    may have a ``demo`` module with ``load(builder)``, run in INSTALLED_APPS order after the
    register is built, inside the same transaction; it reads ``builder.orgs``,
    ``builder.users``, ``builder.objects``, ``builder.services``, ``builder.systems`` and
    ``builder.units`` and saves with ``builder.save`` so its rows are counted."""
    parts = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("forvalta.") or config.name == "forvalta.register":
            continue
        if importlib.util.find_spec(f"{config.name}.demo") is None:
            continue
        parts.append(importlib.import_module(f"{config.name}.demo"))
    return parts


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo data and record it in the audit trail; returns counts per model."""
    builder = _Builder()
    builder.organisations()
    for org, tree in UNITS.items():
        builder.unit_tree(org, tree)
    builder.people()
    builder.register()
    builder.participations()
    builder.integrations()
    builder.agreements()
    builder.roles()
    for part in _demo_parts():
        part.load(builder)
    counts = dict(sorted(builder.counts.items()))
    record(
        actor=None,
        action="demo.loaded",
        object_type="core.demo",
        object_repr="Demodata: Sambruk, Region Stockholm (WebCare), Kungälvs kommun",
        changes={
            **{label: [0, n] for label, n in counts.items()},
            "personas": [None, sorted(PERSONAS)],
        },
        reason="manage.py load_demo_data",
    )
    return counts
