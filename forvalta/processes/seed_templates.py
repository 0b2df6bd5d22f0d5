"""The checklists found in the seeds (../shared/seeds), with their Swedish step texts.

000 = the association's governance model (sections 4.1.2, 4.1.3, 4.1.4, 4.6.3, 4.6.6);
001 = a municipality's governance document ("Införande av nytt system", "Avveckling"),
which describes these two processes in prose: their steps are its sentences, in order.
Each step: (name, description, responsible as written, role type code or None).
A responsible written as two roles is given to the first; a body that is not a role
(Förvaltningsråd) has no role type: the run's manager assigns the step.
"""

from __future__ import annotations

DUE_DAYS = 14

TEMPLATES: list[dict] = [
    {
        "code": "agreement-management",
        "name": "Avtalshantering leverantörer",
        "source": "Förvaltningsmodell 4.1.2",
        "target_kind": "object",
        "description": (
            "Processen för leverantörs- och avtalshantering beskriver hur avtal och "
            "leverantörsleveranser följs upp i den löpande verksamheten."
        ),
        "steps": [
            (
                "Nulägesbeskrivning",
                "Genomgång av befintliga avtal och leverantörer för förvaltningsobjektet.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Förnyelse/uppdatering av avtal",
                "Säkerställa att avtal och licenser är giltiga, att förnyelse och/eller "
                "omförhandling sker innan avtalsslut. Rutiner för nytecknande av avtal "
                "Omförhandlingar, nya villkor tas fram för respektive tjänst.",
                "Systemägare",
                "system_owner",
            ),
            ("Beslut", "Beslut och undertecknande av avtal.", "Systemägare", "system_owner"),
            (
                "Uppföljning med leverantörer",
                "Uppföljning med leverantör kring leveransuppfyllelse, genomgång och planering "
                "för kommande leverantörsaktiviteter som påverkar förvaltningsobjektet.",
                "Systemägare och Förvaltningsledare",
                "system_owner",
            ),
            (
                "Avtalshandling internt, lagring CRM",
                "Signering och arkivering",
                "Systemägare",
                "system_owner",
            ),
        ],
    },
    {
        "code": "onboarding",
        "name": "Anslutning nya kommuner (Onboarding)",
        "source": "Förvaltningsmodell 4.1.3",
        "target_kind": "member",
        "description": (
            "För respektive tjänst tas en checklista fram med detaljerade instruktioner."
        ),
        "steps": [
            (
                "Uppstartsmöte",
                "Genomgång av anslutningsprocess samt eventuella checklistor för genomförandet.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Sambruk medlemskap",
                "Medlemskap i Sambruk säkras",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Kontaktuppgifter kommunen",
                "Blankett kontaktuppgifter för avtalstecknande mm fylls i av kommunen",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Förbered avtal mm",
                "- Förvaltningsavtal för tjänsten\n- SGM5 för tjänsten\n- Ev PuB avtal\n"
                "- Ev externa tjänster som behövs för tjänsten\n- Initiera fakturering\n"
                "- Information på hemsidor",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Signering och arkivering",
                "Avtalshantering internt, arkivering CRM",
                "Systemägare",
                "system_owner",
            ),
            (
                "Genomgång administration",
                "Administrativa uppgifter, faktureringsrutin och liknande.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Inbjudan Samverka.sambruk.se och tjänstespecifika plattformar samt "
                "förvaltningsråd",
                "Bjuda in till Samverka.sambruk.se, förvaltningsråd samt användningsgrupp "
                "enligt kommunikationsplan.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Information till nya medlemmar samt teknisk information till förvaltningspartners",
                "Delar gemensamt material, såsom grafisk profil, marknadsförings- och "
                "informationsmaterial.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Teknisk implementation",
                "Dela och samla in fullmakter, användar/identitetshantering, teknisk "
                "information och setup. Delge underleverantörer och avtalsansvarig",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Konfiguration",
                "Enligt separat rutin per tjänst.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Utbildning",
                "Enligt separat rutin per tjänst.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Release",
                "Enligt separat rutin per tjänst.",
                "Förvaltningsledare",
                "management_lead",
            ),
        ],
    },
    {
        "code": "offboarding",
        "name": "”Exit” avslut (Offboarding)",
        "source": "Förvaltningsmodell 4.1.4",
        "target_kind": "member",
        "description": "",
        "steps": [
            (
                "Bekräftelse på avslut",
                "Skriftlig bekräftelse av firmatecknare på exit",
                "Systemägare",
                "system_owner",
            ),
            (
                "Extrahera kommundata",
                "Återlämna kommunens data till kommunen",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Implementation uppdateras",
                "Ta bort och avbryt kommunspecifik implementation. Återställ/Stoppa kommunens "
                "ansluta system/integrationer.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Återkoppling enkät/digitalt möte",
                "Enkät eller digitalt möte för att utvärdera beslut att avsluta.",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Referensinformation",
                "Uppdatera hemsidor och övrig information att kommunen har lämnat",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Kommundata",
                "Radera användardata, konton och andra personuppgifter",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "CRM",
                "Uppdatera CRM och faktureringsinformation/rutin",
                "Förvaltningsledare",
                "management_lead",
            ),
        ],
    },
    {
        "code": "new-system",
        "name": "Införande av nytt system",
        "source": "Styrdokument systemförvaltning, Införande av nytt system",
        "target_kind": "system",
        "description": (
            "Viktigt är att säkerställa att överlämningen från projekt till drift blir "
            "gynnsam för alla parter."
        ),
        "steps": [
            (
                "Genomför projekt enligt projektmodell",
                "Projektets beställare godkänner projektets leveranser. IT-arkitekt och "
                "informationssäkerhetsansvarig ska vara med i projektet.",
                "Projektets beställare",
                "system_owner",
            ),
            (
                "Utse systemägare och systemförvaltare",
                "Innan nya projekt levereras till verksamheten ska systemägare och "
                "systemförvaltare vara utsedda.",
                "Systemägare",
                "system_owner",
            ),
            (
                "Avtal",
                "Avtal på licenser, underhåll, support samt SLA tecknas med system-, tjänste- "
                "och/eller driftleverantör samt registreras i kommunens ärendehanteringssystem. "
                "Det är viktigt att känna till omfattningen av avtalen, avtalens giltighetstid, "
                "begränsningar i antalet användare etc.",
                "Systemägare",
                "system_owner",
            ),
            (
                "Dokumentation och ritningar",
                "Projektet ska ta fram dokumentation och ritningar gällande implementationen "
                "vid överlämning.",
                "Systemförvaltare",
                "system_manager",
            ),
            (
                "Överlämning till drift",
                "Systemförvaltare ska tillsammans med projektet förbereda en överlämning till "
                "driftleverantör – Teknisk systemförvaltare.",
                "Systemförvaltare",
                "system_manager",
            ),
            (
                "Systemförvaltningsplan",
                "Vid införande av ett nytt system ska en systemförvaltningsplan skrivas.",
                "Systemförvaltare",
                "system_manager",
            ),
        ],
    },
    {
        "code": "decommissioning",
        "name": "Avveckling",
        "source": "Styrdokument systemförvaltning, Avveckling",
        "target_kind": "system",
        "description": "Avveckling utförs då livscykeln av ett system beslutas upphöra.",
        "steps": [
            (
                "Beslut om avveckling",
                "Avveckling utförs då livscykeln av ett system beslutas upphöra.",
                "Systemägare",
                "system_owner",
            ),
            (
                "Beställning av avveckling",
                "Avveckling av system efter beställning av systemförvaltare.",
                "Systemförvaltare",
                "system_manager",
            ),
            (
                "Avveckling av system",
                "Avveckling av system efter beställning av systemförvaltare.",
                "Driftleverantör - teknisk systemförvaltare",
                "technical_system_manager",
            ),
        ],
    },
    {
        "code": "archiving",
        "name": "Arkiv och bevarande",
        "source": "Förvaltningsmodell 4.6.6",
        "target_kind": "system",
        "description": (
            "Processen för arkiv och bevarande säkerställer att dokumentation kring arkivering "
            "tas fram och underhålls. För varje system ska en systemdokumentation för "
            "arkivering tas fram enligt arkivreglemente."
        ),
        "steps": [
            (
                "Ta fram systemdokumentation för arkivering",
                "Möte med systemägare, systemförvaltare och förvaltningspartnern. Följande "
                "dokument ska finnas tillgängliga vid möte:\n- mall för systemdokumentation\n"
                "- kommunens dokumenthanteringsplan\n- manualer\n- arkivreglemente\n"
                "Vid möte går man igenom mallen och fylls i/revideras. Eventuella områden som "
                "inte kan fyllas i på möte tilldelas en ansvarig för utredning och framtagning",
                "Förvaltningspartner",
                "management_partner",
            ),
            ("Beslut", "Systemdokumentation fastställs.", "Förvaltningsråd", None),
        ],
    },
    {
        "code": "risk-analysis",
        "name": "Risk- och sårbarhetsanalys",
        "source": "Förvaltningsmodell 4.6.3",
        "target_kind": "system",
        "description": (
            "Risk- och sårbarhetsanalys av systemet ska ske minst årligen. Processen "
            "säkerställer att risker och sårbarheter identifieras och åtgärdas."
        ),
        "steps": [
            (
                "Genomföra risk- och sårbarhetsanalys",
                "Boka in deltagare för risk- och sårbarhetsanalys, genomföra risk- och "
                "sårbarhetsanalys och ta fram handling/åtgärdsplan",
                "Förvaltningsledare",
                "management_lead",
            ),
            (
                "Uppföljning",
                "Följa upp åtgärdsplan och lägga in aktiviteter som ska genomföras i "
                "förvaltningsplanen.",
                "Förvaltningsledare och Förvaltningspartnern",
                "management_lead",
            ),
            (
                "Informera krissamordnare",
                "Informera och vidarebefordra risk- och sårbarhetsanalysen till verksamhetens "
                "krissamordnare för underlag till verksamhetens övergripande risk- och "
                "sårbarhetsanalys.",
                "Objektägare (Kommun)",
                "object_owner",
            ),
        ],
    },
]


def seed(template_model: type, step_model: type, role_type_model: type) -> None:
    """Create or refresh the global templates (idempotent)."""
    roles = dict(role_type_model.objects.values_list("code", "pk"))  # type: ignore[attr-defined]
    for spec in TEMPLATES:
        template, _ = template_model.objects.update_or_create(  # type: ignore[attr-defined]
            code=spec["code"],
            organisation=None,
            defaults={
                "name": spec["name"],
                "origin": spec["source"],
                "target_kind": spec["target_kind"],
                "description": spec["description"],
            },
        )
        template.steps.all().delete()
        step_model.objects.bulk_create(  # type: ignore[attr-defined]
            step_model(
                template=template,
                order=order,
                name=name,
                description=description,
                responsible_label=responsible,
                role_type_id=roles.get(code) if code else None,
                due_offset_days=DUE_DAYS * order,
            )
            for order, (name, description, responsible, code) in enumerate(spec["steps"], 1)
        )
