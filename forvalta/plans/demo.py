"""Demo data of the plans part: WebCare's management plan for 2012 with its goals,
person-days and fixed costs (seed 003, "Förvaltningsplan Samverkan vid vårdövergångar
2012", section 4), the 26 municipalities' amounts of the appendix "Budget 2012 - 2014",
and a Sambruk service whose cost is split by inhabitants with one municipality joining
in July.

The seed is a scanned document (OCR). Where a figure is illegible it is reconstructed
from the plan's own sums, which are legible and agree with each other:
- the day rate is 5 600 kr for both resource groups (25 days = 140 000 kr ...);
- the first förvaltningsstyrning goal's fixed costs are 19 440 kr and 2 240 kr (the
  activity's totals 825 840 kr and 562 240 kr minus the other rows);
- the first användarstöd goal's text is partly illegible ("... med befintliga
  förvaltningsprodukter och IT-komponenter");
- Nykvarn's amount reads "b 692"; 6 706 kr is what makes the 26 amounts sum to the
  appendix's 1 500 000 kr a year (Österåker's name is missing from the OCR list and is
  the 26th municipality).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from forvalta.plans.models import (
    DEFAULT_CALENDAR,
    CostSplit,
    Goal,
    GoalEffort,
    KeyKind,
    KeyValue,
    ManagementPlan,
    PlanActivity,
    PlanMilestone,
    PlanNeed,
    PlanStatus,
    ResourceGroup,
)

PERIOD = (dt.date(2012, 1, 15), dt.date(2012, 12, 31))
DAY_RATE = Decimal("5600")
WORKING_DAYS = 190
GROUPS = ("Verksamhetsnära", "IT-nära")

ACTIVITIES: tuple[tuple[str, str], ...] = (
    (
        "Förvaltningsstyrning",
        "Den nya förvaltningsorganisationen är implementerad och inarbetad hos samtliga.",
    ),
    ("Användarstöd", "Behovsanpassat stöd till användarna."),
    (
        "Ändringshantering",
        "Förvaltningsobjektet är aktuellt, korrekt och anpassat efter verksamhetsmässiga "
        "och tekniska behov.",
    ),
    (
        "Daglig IT-drift och underhåll",
        "IT-stöden är tillgängliga enligt verksamhetsparternas behov.",
    ),
)

# 003 4.1: number, title, in the plan for 2012
NEEDS: tuple[tuple[int, str, bool], ...] = (
    (1, "Åtgärda brister i organisation och styrning", True),
    (2, "Finansiering av objektet", True),
    (3, "Nya versioner av WebCare", True),
    (4, "Översyn och utveckling utifrån DI:s tillsynsbeslut", True),
    (5, "Krav stark autentisering", True),
    (6, "Webbsida för WebCare", True),
    (7, "SLL IT Service desk", True),
    (8, "Mindre vidareutveckling under förvaltningsåret", True),
    (9, "Åtgärda brister avseende avtal och överenskommelser och rättsliga aspekter", True),
    (10, "Anpassning av WebCare för att hantera förändringar i kommunträdet i EK", True),
    (11, "Trygghetskvitto", True),
    (12, "Engångslösenord som reservrutin", False),
    (13, "Loggtjänst", False),
    (14, "Statistikrapporter", False),
    (15, "WebCare inom psykiatrin", False),
    (16, "WebCare inom särskilt boende", False),
    (17, "WebCare inom ASIH", False),
    (18, "Medarbetaruppdrag", False),
    (19, "Primärvårdsrehab", False),
    (20, "Marknadsundersökning IT-stöd SOVP", False),
)

# (activity index, goal, VM/VU, needs, (verksamhetsnära days, fixed), (IT-nära days,
#  fixed), assigned to the supplier)
GOALS: tuple[tuple[int, str, str, tuple[int, ...], tuple[int, int], tuple[int, int], bool], ...] = (
    (
        0,
        "Löpande förvaltningsstyrning är genomförd i enlighet med denna förvaltningsplan.",
        "vm",
        (2,),
        (26, 19_440),
        (18, 2_240),
        False,
    ),
    (
        0,
        "Förvaltningen är etablerad i enlighet med denna förvaltningsplan.",
        "vm",
        (1,),
        (25, 0),
        (20, 0),
        False,
    ),
    (
        0,
        "Pågående projekt har bevakats och resultat/delresultat är mottagna av "
        "förvaltningsorganisationen och resurser har tillförts enligt fastställda behov.",
        "vm",
        (),
        (12, 0),
        (7, 0),
        False,
    ),
    (
        0,
        "Mötena enligt beskrivningar i förvaltningsplanens avsnitt 5.3 har planerats och "
        "genomförts under året.",
        "vm",
        (),
        (70, 0),
        (42, 0),
        False,
    ),
    (
        0,
        "Det finns ett avtal mellan Stockholms läns landsting och kommunerna i Stockholms "
        "län som reglerar användandet av WebCare (servicenivåer m.m.).",
        "vm",
        (9,),
        (6, 0),
        (4, 0),
        False,
    ),
    (
        0,
        "Det finns en tjänsteöverenskommelse mellan SLL IT och HSF som reglerar "
        "förvaltningsuppdraget.",
        "vm",
        (9,),
        (3, 0),
        (5, 0),
        False,
    ),
    (
        0,
        "Interna överenskommelser med integrerade IT-komponenter har tecknats.",
        "vm",
        (9,),
        (2, 0),
        (4, 0),
        False,
    ),
    (
        1,
        "Användarna får stöd i arbetet med befintliga förvaltningsprodukter och IT-komponenter.",
        "vm",
        (),
        (5, 0),
        (3, 137_447),
        False,
    ),
    (
        1,
        "Första linjens support (verksamhetsstöd, lokala kontaktpersoner, servicedeskar) "
        "hålls kontinuerligt informerade om förändringar i förvaltningsobjektet.",
        "vm",
        (),
        (5, 0),
        (3, 0),
        False,
    ),
    (
        1,
        "Webbsida som möjliggör kommunikation och åtkomst till information utanför SLLnet "
        "finns tillgänglig.",
        "vu",
        (6,),
        (14, 0),
        (3, 0),
        False,
    ),
    (
        1,
        "Etablering av ärendehantering för WebCare via SLL IT Service desk har genomförts.",
        "vu",
        (7,),
        (5, 0),
        (2, 0),
        False,
    ),
    (
        2,
        "Fel i förvaltningsobjektets förvaltningsprodukter och IT-komponenter har hanterats "
        "genom att rättning är genomförd alternativt infört och prioriterat i åtgärdslista.",
        "vm",
        (3,),
        (5, 0),
        (12, 0),
        True,
    ),
    (
        2,
        "WebCare hanterar kommunträdet i EK på ett korrekt sätt utifrån nya förutsättningar.",
        "vm",
        (10,),
        (12, 0),
        (15, 200_000),
        True,
    ),
    (
        2,
        "Trygghetskvittot är komplett och uppfyller de formella kraven.",
        "vu",
        (11,),
        (15, 0),
        (7, 100_000),
        True,
    ),
    (
        2,
        "WebCare har vidareutvecklats i enlighet med identifierade behov.",
        "vu",
        (8,),
        (7, 0),
        (5, 175_000),
        True,
    ),
    (
        2,
        "Det är enbart möjligt att logga in med tvåfaktorslösningar.",
        "vu",
        (5,),
        (6, 0),
        (7, 170_000),
        True,
    ),
    (2, "Nya – för WebCare unika – vårdtyper är införda.", "vu", (10,), (7, 0), (7, 30_000), True),
    (
        2,
        "Nya versioner har införts och förberedelser för leveranser år 2013 har genomförts.",
        "vu",
        (3,),
        (45, 0),
        (13, 40_000),
        True,
    ),
    (
        2,
        "Översyn utifrån DI:s tillsynsbeslut har skett och förändringar är genomförda och "
        "godkända.",
        "vu",
        (4,),
        (15, 0),
        (15, 400_000),
        True,
    ),
    (
        3,
        "Servicenivåer (tillgänglighet, öppettider, svarstider m.m.) enligt "
        "objektverksamhetens behov är uppfyllda.",
        "vm",
        (),
        (0, 0),
        (0, 2_098_368),
        True,
    ),
    (3, "WebCare körs i en supporterad IT-miljö.", "vm", (), (0, 0), (10, 100_000), True),
)

# The plan's own totals, where the OCR text is legible (tests check the demo against
# them): kronor and person-days per activity and group, the grand total, the FTE.
TOTALS = {
    "Förvaltningsstyrning": {"kr": (825_840, 562_240), "days": (144, 100), "total": 1_388_080},
    "Användarstöd": {"kr": (162_400, 199_047), "days": (29, 11), "total": 361_447},
    "Ändringshantering": {"kr": (627_200, 1_568_600), "days": (112, 81), "total": 2_195_800},
    "Daglig IT-drift och underhåll": {"kr": (0, 2_254_368), "days": (0, 10), "total": 2_254_368},
}
GRAND_TOTAL = 6_199_695
FTE_TOTAL = Decimal("2.56")
# Förvaltningsstyrning: VM and VU per group (003: "Summa kronor vidmakthållande (VM)
# 825 840 kr 562 240 kr", "vidareutveckling (VU) 0 kr 0 kr").
FTE_BY_COLUMN = {  # (kind, group index): FTE (003: "Summa heltider 0,90 0,60 0,75 0,31")
    ("vm", 0): Decimal("0.90"),
    ("vu", 0): Decimal("0.60"),
    ("vm", 1): Decimal("0.75"),
    ("vu", 1): Decimal("0.31"),
}

# Appendix "Budget 2012 - 2014": invoiced yearly, 1 500 000 SEK (municipality key, kr).
BUDGET = Decimal("1500000")
MUNICIPALITY_AMOUNTS: tuple[tuple[str, int], ...] = (
    ("botkyrka", 60_730),
    ("danderyd", 22_806),
    ("ekero", 18_480),
    ("haninge", 56_175),
    ("huddinge", 71_038),
    ("jarfalla", 48_282),
    ("lidingo", 31_615),
    ("nacka", 65_707),
    ("norrtalje", 40_335),
    ("nykvarn", 6_706),  # OCR "b 692": see the module's docstring
    ("nynashamn", 18_825),
    ("salem", 11_256),
    ("sigtuna", 29_641),
    ("sollentuna", 47_257),
    ("solna", 50_165),
    ("stockholm", 619_891),  # 44 278 kr per stadsdel
    ("sundbyberg", 28_357),
    ("sodertalje", 62_887),
    ("tyreso", 31_075),
    ("taby", 46_301),
    ("upplandsvasby", 28_827),
    ("upplandsbro", 17_201),
    ("vallentuna", 22_029),
    ("vaxholm", 7_980),
    ("varmdo", 27_895),
    ("osteraker", 28_539),
)

# A Sambruk service split by inhabitants; Alingsås joins in July.
SAMBRUK_INHABITANTS: tuple[tuple[str, int], ...] = (
    ("kungalv", 48_000),
    ("ale", 32_000),
    ("partille", 40_000),
    ("taby", 74_000),
    ("uddevalla", 57_000),
    ("sollentuna", 76_000),
    ("alingsas", 42_000),
)


def fill_webcare_plan(plan: ManagementPlan, save: Any, supplier: Any = None) -> None:
    """Needs, activities, resource groups, goals and efforts of the 2012 plan."""
    needs = {
        number: save(PlanNeed(plan=plan, number=number, title=title, in_plan=in_plan))
        for number, title, in_plan in NEEDS
    }
    activities = [
        save(PlanActivity(plan=plan, order=i, name=name, overall_goal=goal))
        for i, (name, goal) in enumerate(ACTIVITIES, 1)
    ]
    groups = [
        save(ResourceGroup(plan=plan, order=i, name=name, day_rate=DAY_RATE))
        for i, name in enumerate(GROUPS, 1)
    ]
    for order, (activity, text, kind, goal_needs, business, it, assigned) in enumerate(GOALS, 1):
        goal = save(
            Goal(
                plan=plan,
                activity=activities[activity],
                order=order,
                text=text,
                kind=kind,
                assigned_organisation=supplier if assigned else None,
            )
        )
        goal.needs.set([needs[n] for n in goal_needs])
        for group, (days, fixed) in zip(groups, (business, it), strict=True):
            save(
                GoalEffort(
                    goal=goal,
                    resource_group=group,
                    person_days=Decimal(days),
                    fixed_cost=Decimal(fixed),
                )
            )


def _milestones(plan: ManagementPlan, save: Any, done: bool) -> None:
    from forvalta.register.models import RoleType

    roles = {r.code: r for r in RoleType.objects.all()}
    start = plan.period_start
    for order, (kind, name, month, day, code) in enumerate(DEFAULT_CALENDAR, 1):
        due = dt.date(start.year - 1, month, day)
        save(
            PlanMilestone(
                plan=plan,
                order=order,
                kind=kind,
                name=name,
                due_on=due,
                role_type=roles.get(code),
                done_on=due if done else None,
            )
        )


def load(builder: Any) -> None:
    region = builder.orgs["region"]
    supplier = builder.orgs.get("fyrbak")
    plan = builder.save(
        ManagementPlan(
            organisation=region,
            management_object=builder.objects["vardovergangar"],
            name="Förvaltningsplan Samverkan vid vårdövergångar 2012",
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            status=PlanStatus.FOLLOW_UP,
            purpose=(
                "Klargöra vad som ska göras i förvaltningsarbetet samt hur förvaltningen ska "
                "utföras och styras. Förvaltningsplanen är det operativa styrdokumentet."
            ),
            current_state=(
                "Ett av de mest centrala behoven är utpekandet av roller och ansvar avseende "
                "processen Samordnad vårdplanering."
            ),
            overall_goal=(
                "Den nya förvaltningsorganisationen är implementerad och inarbetad hos "
                "samtliga under förvaltningsperioden 2012."
            ),
            working_days_per_year=WORKING_DAYS,
            decision_reference="Styrgruppen/objektägarrådet 2012-04-04 (version 1.0)",
            decided_on=dt.date(2012, 4, 4),
            decided_by_owner="Objektägare",
            decided_by_lead="Förvaltningsledare",
        )
    )
    fill_webcare_plan(plan, builder.save, supplier)
    _milestones(plan, builder.save, done=True)

    webcare = builder.services["webcare"]
    split = builder.save(
        CostSplit(
            organisation=region,
            service=webcare,
            plan=plan,
            name="WebCare 2012 – kommunernas finansiering",
            period_start=dt.date(2012, 1, 1),
            period_end=dt.date(2012, 12, 31),
            budget=BUDGET,
            key=KeyKind.FIXED,
            rounding="krona",
            open_to_members=True,
            decision_reference="Avtal om WebCare, bilaga Budget 2012–2014",
        )
    )
    for key, amount in MUNICIPALITY_AMOUNTS:
        builder.save(KeyValue(split=split, organisation=builder.orgs[key], value=Decimal(amount)))

    from forvalta.plans.services import _calculate
    from forvalta.register.models import Participation

    _calculate(split)

    # Sambruk: digital signing, split by inhabitants; Alingsås joins on 1 July.
    year = builder.today.year
    signing = builder.services["signering"]
    builder.save(
        Participation(
            service=signing,
            organisation=builder.orgs["alingsas"],
            valid_from=dt.date(year, 7, 1),
            status="active",
            note="Ansluten från 1 juli; betalar för andra halvåret.",
        )
    )
    sambruk_split = builder.save(
        CostSplit(
            organisation=builder.orgs["sambruk"],
            service=signing,
            name=f"Digital signering {year} – fördelning efter invånare",
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            budget=Decimal("420000.00"),
            key=KeyKind.INHABITANTS,
            rounding="ore",
            open_to_members=False,
            decision_reference="Sambruks styrelse, beslut om finansieringsmodell (demo)",
        )
    )
    for key, inhabitants in SAMBRUK_INHABITANTS:
        builder.save(
            KeyValue(
                split=sambruk_split, organisation=builder.orgs[key], value=Decimal(inhabitants)
            )
        )
    _calculate(sambruk_split)
