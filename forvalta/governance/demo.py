"""Governance demo data (run by forvalta/register/demo.py after the register).

- Sambruk's three services each have a förvaltningsråd of their connected
  municipalities; the E-tjänsteplattform also a styrgrupp, and its supplier is adjoined.
- The E-tjänsteplattform's council: the year's meetings planned, last quarter's meeting
  held with published minutes, and an open decision by circulation with votes from some
  members.
- WebCare's objektägarråd: the 26 municipalities of Stockholm County, each with a
  representative, and one published minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from forvalta.core.models import Membership, User
from forvalta.governance.models import (
    Attendance,
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    Decision,
    Meeting,
    MinutesApproval,
    Paragraph,
    Vote,
)
from forvalta.register.demo import PASSWORD
from forvalta.register.demo_data import SAMBRUK_PARTICIPATIONS, STOCKHOLM_COUNTY

# Representatives at municipalities that have no staff in the register's demo.
# username: (first, last, organisation key, title)
EXTRA_PEOPLE = {
    "eva.lundqvist": ("Eva", "Lundqvist", "lerum", "Digitaliseringsstrateg"),
    "nils.ahlgren": ("Nils", "Ahlgren", "partille", "IT-strateg"),
    "maria.svensson": ("Maria", "Svensson", "uddevalla", "E-tjänsteansvarig"),
}

# Representatives of the connected municipalities on Sambruk's councils (where known).
SAMBRUK_REPRESENTATIVES = {
    "kungalv": ("karl.bergqvist", "petra.nilsson"),
    "ale": ("kommun2", None),
    "lerum": ("eva.lundqvist", None),
    "partille": ("nils.ahlgren", None),
    "uddevalla": ("maria.svensson", None),
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def _people(builder: Any) -> None:
    shared = make_password(PASSWORD)
    for username, (first, last, org, title) in EXTRA_PEOPLE.items():
        _person(builder, username, first, last, org, title, shared)


def _person(
    builder: Any, username: str, first: str, last: str, org: str, title: str, password: str
) -> User:
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@example.org",
        password=password,
    )
    builder.users[username] = builder.save(user)
    builder.save(
        Membership(
            user=user,
            organisation=builder.orgs[org],
            title=title,
            valid_from=dt.date(2020, 1, 1),
        )
    )
    return user


def _council(builder: Any, service: str, name: str, kind: str = "council") -> Body:
    lead = builder.users["forvaltningsledare"]
    body = builder.save(
        Body(
            organisation=builder.orgs["sambruk"],
            name=name,
            kind=kind,
            service=builder.services[service],
            chair=builder.users["anders.wikstrom"],
            convener=lead,
            secretary=lead,
            frequency="quarterly" if kind == "council" else "twice_a_year",
            description="Prioriterar och beslutar om utveckling, budget och investeringar."
            if kind == "council"
            else "Styr tjänstens inriktning mellan förvaltningsrådets möten.",
            minutes_recipients="kansliet@sambruk.example.org",
        )
    )
    for org, _start, status, _end in SAMBRUK_PARTICIPATIONS[service]:
        if status == "applied":
            continue
        representative, substitute = SAMBRUK_REPRESENTATIVES.get(org, (None, None))
        builder.save(
            BodyMember(
                body=body,
                organisation=builder.orgs[org],
                representative=builder.users.get(representative) if representative else None,
                substitute=builder.users.get(substitute) if substitute else None,
            )
        )
    return body


def _published_minutes(
    builder: Any,
    body: Body,
    day: dt.date,
    adjusters: list[User],
    paragraphs: list[tuple[str, str, str, str]],
    attendance: list[tuple[User, str]],
) -> Meeting:
    secretary = body.secretary or adjusters[0]
    meeting = builder.save(
        Meeting(
            body=body,
            starts_at=_at(day, 13),
            ends_at=_at(day, 15),
            place="Digitalt (Teams)",
            status="published",
            notice_sent_at=_at(day - dt.timedelta(days=7), 9),
            notice_sent_by=secretary,
            held_on=day,
            minutes_approved_at=_at(day + dt.timedelta(days=5), 10),
            published_at=_at(day + dt.timedelta(days=6), 10),
        )
    )
    meeting.adjusters.set(adjusters)
    for person, status in attendance:
        org = Membership.objects.filter(user=person).values_list("organisation", flat=True)
        builder.save(
            Attendance(
                meeting=meeting,
                person=person,
                organisation_id=org.first(),
                status=status,
            )
        )
    sequence = 0
    for number, (title, discussion, decision_text, kind) in enumerate(paragraphs, start=1):
        paragraph = builder.save(
            Paragraph(
                meeting=meeting,
                body=body,
                year=day.year,
                number=number,
                title=title,
                discussion=discussion,
                decision_text=decision_text,
                decision_kind=kind,
            )
        )
        if decision_text:
            sequence += 1
            builder.save(
                Decision(
                    body=body,
                    year=day.year,
                    sequence=sequence,
                    number=f"{day.year}:{sequence}",
                    decided_on=day,
                    kind=kind or "other",
                    title=title,
                    text=decision_text,
                    made_by="meeting",
                    paragraph=paragraph,
                    recorded_by=secretary,
                )
            )
    for person in adjusters:
        builder.save(MinutesApproval(meeting=meeting, version=1, person=person))
    return meeting


def load(builder: Any) -> None:
    _people(builder)
    today = builder.today
    lead = builder.users["forvaltningsledare"]

    etjanst = _council(builder, "etjanst", "Förvaltningsråd E-tjänsteplattform")
    _council(builder, "signering", "Förvaltningsråd Digital signering")
    _council(builder, "bistand", "Förvaltningsråd Automatiserad handläggning")
    _council(builder, "etjanst", "Styrgrupp E-tjänsteplattform", kind="steering_group")
    builder.save(
        BodyAdjoined(
            body=etjanst,
            organisation=builder.orgs["brofjord"],
            person=builder.users["leverantor"],
            note="Förvaltningspartner, adjungerad utan rösträtt",
        )
    )
    last = today - dt.timedelta(days=40)
    published = _published_minutes(
        builder,
        etjanst,
        last,
        [builder.users["karl.bergqvist"], builder.users["kommun2"]],
        [
            ("Mötets öppnande", "Ordföranden öppnade mötet och hälsade alla välkomna.", "", ""),
            (
                "Prioritering av utvecklingsbehov",
                "Förvaltningsledaren presenterade inkomna behov och leverantörens bedömning.",
                "Förvaltningsrådet prioriterar behoven om mina sidor och e-arkiv för nästa "
                "release.",
                "prioritisation",
            ),
            (
                "Budget för nästa år",
                "Förslaget till budget bygger på oförändrad fördelning mellan medlemmarna.",
                "Förvaltningsrådet fastställer budgeten enligt förslaget.",
                "budget",
            ),
        ],
        [
            (builder.users["karl.bergqvist"], "present"),
            (builder.users["kommun2"], "present"),
            (builder.users["eva.lundqvist"], "absent"),
            (lead, "present"),
        ],
    )
    # The prioritisation concerns the service itself (a link for those who see it).
    from django.contrib.contenttypes.models import ContentType

    Paragraph.objects.filter(meeting=published, title="Prioritering av utvecklingsbehov").update(
        concerns_type=ContentType.objects.get_for_model(builder.services["etjanst"]),
        concerns_id=builder.services["etjanst"].pk,
    )
    # The coming year's meetings, one a quarter.
    for months in (1, 4, 7, 10):
        day = today + dt.timedelta(days=30 * months)
        builder.save(
            Meeting(
                body=etjanst,
                starts_at=_at(day, 13),
                ends_at=_at(day, 15),
                place="Sambruks kansli och Teams",
            )
        )
    circulation = builder.save(
        Circulation(
            body=etjanst,
            title="Införande av ny inloggningstjänst",
            kind="change",
            proposal="Plattformen byter till den nya inloggningstjänsten från och med nästa "
            "release.",
            basis="Leverantörens konsekvensanalys.",
            deadline=timezone.now() + dt.timedelta(days=4),
            created_by=lead,
        )
    )
    for username, choice in (("karl.bergqvist", "yes"), ("kommun2", "yes"), ("nils.ahlgren", "no")):
        member = BodyMember.objects.get(body=etjanst, representative=builder.users[username])
        builder.save(
            Vote(
                circulation=circulation,
                member=member,
                organisation=member.organisation,
                voter_role="representative",
                cast_by=builder.users[username],
                choice=choice,
                reason="Vill avvakta testresultaten." if choice == "no" else "",
            )
        )

    # Meeting forums (seed 003, plan 5.3): weekly check-ins of the management team, run
    # by whoever holds the management lead role; supplier meetings four to six a year.
    from forvalta.register.models import RoleType

    forum = builder.save(
        Body(
            organisation=builder.orgs["sambruk"],
            name="Avstämning förvaltningsledning E-tjänsteplattform",
            kind="management_team",
            service=builder.services["etjanst"],
            convener=lead,
            responsible_role=RoleType.objects.get(code="management_lead"),
            frequency="weekly",
            description="Veckovis avstämning inom förvaltningsledningen.",
            # Its meetings come from its rhythm (the task plan_recurring_meetings).
            rhythm="weeks",
            rhythm_interval=1,
            rhythm_weekday=0,
            rhythm_time=dt.time(9, 0),
            rhythm_minutes=60,
            rhythm_from=today,
            rhythm_place="Teams",
            rhythm_days_ahead=42,
        )
    )
    supplier_meeting = builder.save(
        Body(
            organisation=builder.orgs["sambruk"],
            name="Leverantörsmöte E-tjänsteplattform",
            kind="supplier_meeting",
            service=builder.services["etjanst"],
            convener=lead,
            frequency="four_to_six",
        )
    )
    builder.save(
        BodyAdjoined(
            body=supplier_meeting,
            organisation=builder.orgs["brofjord"],
            person=builder.users["leverantor"],
        )
    )
    from forvalta.governance.services import plan_recurring

    plan_recurring(body=forum)
    for months in (2, 4, 6, 8, 10):
        day = today + dt.timedelta(days=30 * months)
        builder.save(Meeting(body=supplier_meeting, starts_at=_at(day, 10), ends_at=_at(day, 12)))

    # WebCare's objektägarråd: the 26 municipalities and their representatives.
    region = builder.orgs["region"]
    regionledare = builder.users["regionledare"]
    council = builder.save(
        Body(
            organisation=region,
            name="Objektägarråd WebCare",
            kind="owner_council",
            service=builder.services["webcare"],
            chair=builder.users["katarina.wennberg"],
            convener=regionledare,
            secretary=regionledare,
            frequency="four_to_six",
            description="Objektägarrådets samarbetsformer enligt överenskommelsen (avsnitt 7).",
            minutes_recipients="registrator@storsthlm.example.org\nkansli@kommunforbund.example.org",
        )
    )
    shared = make_password(PASSWORD)
    known = {"stockholm": "anneli.forsberg", "huddinge": "tobias.ek"}
    representatives = []
    for key, name, _code, _inhabitants in STOCKHOLM_COUNTY:
        if key in known:
            person = builder.users[known[key]]
        else:
            person = _person(
                builder,
                f"ombud.{key}",
                "Ombud",
                name.split()[0],
                key,
                "Ombud i objektägarrådet",
                shared,
            )
        representatives.append(person)
        builder.save(
            BodyMember(body=council, organisation=builder.orgs[key], representative=person)
        )
    _published_minutes(
        builder,
        council,
        today - dt.timedelta(days=60),
        [representatives[0], representatives[1]],
        [
            ("Mötets öppnande", "Ordföranden öppnade mötet.", "", ""),
            (
                "Förvaltningsplan för WebCare",
                "Regionen presenterade förslaget till förvaltningsplan och kostnadsfördelning "
                "efter folkmängd.",
                "Objektägarrådet godkänner förvaltningsplanen.",
                "management_plan",
            ),
        ],
        [(person, "present") for person in representatives[:20]]
        + [(person, "absent") for person in representatives[20:]],
    )
