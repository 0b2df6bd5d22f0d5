"""Built-in role types drawn from the source documents (seed 000 2.1, 001 roles, 003 pm3, 004).

Pure data, no Django imports: the register app loads these into its RoleType table.

Levels follow pm3's three levels (seed 003, Förvaltningsspecifikation 3.2): budget level =
"strategic", decision level = "tactical", operative level = "operative". Roles that pm3 does not
name are placed by the weight the seeds give them. ``applies_to`` lists what an assignment of the
role can target, in the order object, service, system.
"""

from typing import Final, TypedDict

LEVELS: Final[tuple[str, ...]] = ("strategic", "tactical", "operative")
TARGETS: Final[tuple[str, ...]] = ("object", "service", "system")


class RoleTypeSpec(TypedDict):
    code: str  # stable slug, English, snake_case, e.g. "object_owner"
    name_sv: str  # Swedish name as the seeds spell it, e.g. "Objektägare"
    name_en: str  # English name, e.g. "Object owner"
    level: str  # one of LEVELS
    applies_to: tuple[str, ...]  # subset of TARGETS that an assignment of this role can target
    supplier_role: bool  # True for roles held by supplier staff
    manages: bool  # True if the holder may edit the register data of what it is assigned to
    mandatory_for_system_in_operation: bool  # seed 001: systemägare and systemförvaltare
    duties_sv: str  # 1-4 sentences in Swedish, paraphrasing the seeds
    duties_en: str  # the same in English
    source: str  # where in the seeds the role is defined


ROLE_TYPES: Final[tuple[RoleTypeSpec, ...]] = (
    {
        "code": "object_owner",
        "name_sv": "Objektägare",
        "name_en": "Object owner",
        "level": "strategic",
        "applies_to": ("object", "service"),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Ansvarar för att objektverksamhetens parter får stöd av behovsanpassade "
            "förvaltningsprodukter, att förvaltningsobjektet följer lagar och interna styrdokument"
            " (t.ex. PUL och informationssäkerhet), att det har en aktuell förvaltningsplan och "
            "att förvaltningsorganisationens effektivitet utvärderas periodiskt. Har attesträtt "
            "och mandat att teckna avtal enligt förvaltningsplanen; fastställer förvaltningsplanen"
            " tillsammans med objektägare IT, bemannar rollen förvaltningsledare, deltar i "
            "styrgruppen och fastställer kostnader utanför förvaltningsplanen. Beslutar i samråd "
            "med objektägarrådet om förvaltningsplan och utvecklingsbudget och ska vidta lämpliga "
            "tekniska och organisatoriska säkerhetsåtgärder. I Sambruks modell är de deltagande "
            "kommunerna objektägare: de beslutar om och tilldelar sina användares behörigheter och"
            " informerar krissamordnaren om risk- och sårbarhetsanalysen."
        ),
        "duties_en": (
            "Responsible for the object's business parties getting support from management "
            "products fitted to their needs, for the management object following laws and internal"
            " governing documents (e.g. data protection and information security), for it having a"
            " current management plan and for the management organisation's effectiveness being "
            "evaluated periodically. Holds the authority to approve spending and to sign "
            "agreements under the management plan; adopts the management plan together with the "
            "object owner IT, staffs the management lead role, sits on the steering group and sets"
            " costs outside the management plan. Decides, in consultation with the object owner "
            "council, on the management plan and the development budget, and must take suitable "
            "technical and organisational security measures. In Sambruk's model the participating "
            "municipalities are object owners: they decide on and assign their users' access "
            "rights and pass the risk and vulnerability analysis on to their crisis coordinator."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.1 Budgetnivå: Objektägare (OA); avtal §7 och "
            "§11; Seed 000 2.1, 2.2.1, 4.5.1-4.5.2, 4.6.3: Objektägare (Kommun)"
        ),
    },
    {
        "code": "object_owner_it",
        "name_sv": "Objektägare IT",
        "name_en": "Object owner IT",
        "level": "strategic",
        "applies_to": ("object",),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Ansvarar för att verksamhetens behov av lämpligt IT-stöd tillgodoses och att "
            "IT-stödet följer gällande lagar, förordningar och IT-strategier. Har attesträtt och "
            "mandat att upphandla och teckna avtal med externa leverantörer enligt "
            "förvaltningsplanen. Fastställer förvaltningsplanen tillsammans med objektägaren, "
            "bemannar rollen förvaltningsledare IT, deltar i styrgruppen, tecknar och följer upp "
            "avtal med kontrakterade IT-leverantörer, ser till att relevanta styrdokument når "
            "förvaltningsledare IT och fastställer kostnader utanför förvaltningsplanen."
        ),
        "duties_en": (
            "Responsible for meeting the business's need for suitable IT support and for the IT "
            "support following applicable laws, regulations and IT strategies. Holds the authority"
            " to approve spending and to procure and sign agreements with external suppliers under"
            " the management plan. Adopts the management plan together with the object owner, "
            "staffs the management lead IT role, sits on the steering group, signs and follows up "
            "agreements with contracted IT suppliers, makes sure relevant governing documents "
            "reach the management lead IT and sets costs outside the management plan."
        ),
        "source": "Seed 003, förvaltningsspecifikation 3.2.1 Budgetnivå: Objektägare IT (OA-IT)",
    },
    {
        "code": "system_owner",
        "name_sv": "Systemägare",
        "name_en": "System owner",
        "level": "strategic",
        "applies_to": ("service", "system"),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": True,
        "duties_sv": (
            "Ytterst ansvarig för systemets budget (upphandling och införande, drift, licenser, "
            "utveckling, avtalsförnyelse) och uppföljning; prioriterar förvaltningsaktiviteter och"
            " upprättar den årliga systemförvaltningsplanen tillsammans med systemförvaltaren. "
            "Tillsätter systemförvaltare, kallar till uppföljningsmöten varje månad, tecknar avtal"
            " med externa parter och säkerställer upphandling enligt LOU, registrerade och "
            "förlängda avtal, rätt licensiering, säkerhetsklassning och att systemförvaltaren har "
            "tillräcklig kompetens. Håller ett strategiskt möte med leverantören årligen och "
            "beslutar om avveckling. I Sambruks modell fastställer systemägaren förvaltningsplanen"
            " med förvaltningsledaren, förnyar, beslutar om och undertecknar avtal, beslutar om "
            "förändringar med förvaltningsrådet och bekräftar kommuners anslutning och avslut."
        ),
        "duties_en": (
            "Ultimately responsible for the system's budget (procurement and introduction, "
            "operation, licences, development, agreement renewal) and its follow-up; prioritises "
            "management activities and draws up the annual system management plan together with "
            "the system manager. Appoints the system manager, calls monthly follow-up meetings, "
            "signs agreements with external parties and ensures procurement under the public "
            "procurement act, registered and renewed agreements, correct licensing, security "
            "classification and a sufficiently competent system manager. Holds a strategic meeting"
            " with the supplier once a year and decides on decommissioning. In Sambruk's model the"
            " system owner adopts the management plan with the management lead, renews, decides on"
            " and signs agreements, decides on changes with the management council and confirms "
            "members joining and leaving."
        ),
        "source": (
            "Seed 001, Roller och ansvar: Systemägare; Behov av system; Avveckling; Seed 000 2.1 "
            "(Tjänsteägare/Systemägare), 4.1.1-4.1.4, 4.3.3"
        ),
    },
    {
        "code": "service_owner",
        "name_sv": "Tjänsteägare",
        "name_en": "Service owner",
        "level": "strategic",
        "applies_to": ("service",),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Är ordförande i tjänstens styrgrupp, som beslutar om budget och investeringar, och "
            "deltar vid behov i förvaltningsrådet. I Sambruks modell innehas rollen av "
            "verkställande tjänsteperson tillsammans med rollen systemägare "
            "(Tjänsteägare/Systemägare) och bär därmed systemägarens ansvar i tjänstens processer:"
            " fastställa förvaltningsplanen, hantera och underteckna avtal, besluta om "
            "förändringar och bekräfta anslutning och avslut."
        ),
        "duties_en": (
            "Chairs the service's steering group, which decides on budget and investments, and "
            "takes part in the management council when needed. In Sambruk's model the role is held"
            " by the executive officer together with the system owner role "
            "(Tjänsteägare/Systemägare) and so carries the system owner's duties in the service's "
            "processes: adopting the management plan, handling and signing agreements, deciding on"
            " changes and confirming members joining and leaving."
        ),
        "source": "Seed 000 2.1 (Tjänsteägare/Systemägare), 2.2.1 Förvaltningsråd och Styrgrupp",
    },
    {
        "code": "process_owner",
        "name_sv": "Processägare",
        "name_en": "Process owner",
        "level": "strategic",
        "applies_to": ("object", "service", "system"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Äger en verksamhetsprocess som systemet stödjer och är intressent i "
            "systemförvaltningen; i Kungälv är Digital Utveckling processägare för "
            "systemförvaltningsprocessen och samarbetar med verksamheternas processägare. I "
            "egenkontrollen signerar processägaren (avdelningschefen) vid årets slut "
            "internkontrollen om att alla kontroller är gjorda. Enhetschefen kontaktar "
            "processägaren när en medarbetare med uppsåt har tagit del av uppgifter hen inte är "
            "behörig till."
        ),
        "duties_en": (
            "Owns a business process that the system supports and is a stakeholder in system "
            "management; in Kungälv the Digital Development unit is process owner for the system "
            "management process and works with the business processes' owners. In self-monitoring "
            "the process owner (head of department) signs the year's internal control confirming "
            "that all checks have been done. The unit manager contacts the process owner when an "
            "employee has deliberately accessed information they were not authorised to see."
        ),
        "source": (
            "Seed 001, Inledning och Roller och ansvar: Processägare; Seed 004 5.3, 5.5 och 8"
        ),
    },
    {
        "code": "information_owner",
        "name_sv": "Informationsägare",
        "name_en": "Information owner",
        "level": "strategic",
        "applies_to": ("object", "service", "system"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Utses av varje personuppgiftsansvarig part inom den egna organisationen och har ett "
            "övergripande ansvar för informationssäkerheten, inklusive att personuppgifter "
            "behandlas enligt lagstiftning, föreskrifter och avtal. Gör riskanalyser, beslutar om "
            "åtkomstbehörigheter och ansvarar för gallring. Sekretessprövar begäran om "
            "statistikuttag innan den godkänns eller avslås; är i Kungälvs modell intressent i "
            "systemförvaltningen."
        ),
        "duties_en": (
            "Appointed by each party responsible for personal data within its own organisation, "
            "with overall responsibility for information security, including that personal data is"
            " processed in line with legislation, regulations and agreements. Carries out risk "
            "analyses, decides on access rights and is responsible for disposal. Reviews requests "
            "for statistics extracts for confidentiality before they are approved or refused; in "
            "Kungälv's model a stakeholder in system management."
        ),
        "source": "Seed 003, avtal §10, §14 och §15; Seed 001, Inledning (intressenter)",
    },
    {
        "code": "data_protection_officer",
        "name_sv": "Personuppgiftsombud",
        "name_en": "Data protection officer",
        "level": "strategic",
        "applies_to": ("object", "service"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Seed 000 anger att rollen innehas av Sambruks verkställande tjänsteperson men "
            "beskriver inga egna arbetsuppgifter för den. Samma tjänsteperson ansvarar i den "
            "löpande verksamheten för avtal om personuppgiftsunderbiträden."
        ),
        "duties_en": (
            "Seed 000 states that the role is held by Sambruk's executive officer but gives it no "
            "duties of its own. The same officer is responsible in day-to-day operation for the "
            "agreements on personal-data sub-processors."
        ),
        "source": "Seed 000 2.1 (Personuppgiftsombud), 4.1.2 (Personuppgiftshandling)",
    },
    {
        "code": "management_lead",
        "name_sv": "Förvaltningsledare",
        "name_en": "Management lead",
        "level": "tactical",
        "applies_to": ("object", "service"),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Ansvarar för att förvaltningsplanens mål verkställs kostnadseffektivt inom givna "
            "ramar, att förvaltningsprodukterna är användbara för objektverksamheten och för att "
            "godkänna leveranser från IT-parter; får avropa mot ingångna avtal och initiera "
            "uppdrag utifrån förvaltningsplanen. Bemannar roller på operativ nivå, utarbetar "
            "förvaltningsplanen med förvaltningsledare IT, prioriterar och beslutar inom planens "
            "ramar, beställer av förvaltningsledare IT, rapporterar avvikelser och föredrar "
            "ärenden utanför planen för styrgruppen. I Sambruks modell sammankallar "
            "förvaltningsledaren förvaltningsråd och förvaltningsgrupp och driver behovs-, "
            "förändrings- och releasehantering, kommuners anslutning och avslut, "
            "leverantörsuppföljning, sekretessförbindelser, risk- och sårbarhetsanalys och "
            "arkivering."
        ),
        "duties_en": (
            "Responsible for carrying out the management plan's goals cost-effectively within the "
            "given limits, for the management products being usable for the business and for "
            "approving deliveries from IT parties; may call off existing agreements and start "
            "assignments under the management plan. Staffs the operative roles, draws up the "
            "management plan with the management lead IT, prioritises and decides within the plan,"
            " orders work from the management lead IT, reports deviations and presents matters "
            "outside the plan to the steering group. In Sambruk's model the management lead "
            "convenes the management council and user group and runs needs, change and release "
            "management, members joining and leaving, supplier follow-up, confidentiality "
            "undertakings, risk and vulnerability analysis and archiving."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.2 Beslutsnivå och 4.1-4.4: Förvaltningsledare"
            " (FL); Seed 000 2.1, 2.2, 4.1-4.3, 4.6"
        ),
    },
    {
        "code": "management_lead_it",
        "name_sv": "Förvaltningsledare IT",
        "name_en": "Management lead IT",
        "level": "tactical",
        "applies_to": ("object", "service"),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Ansvarar för att förvaltningsplanens mål för IT-stödet verkställs, att externa "
            "leverantörer styrs med hjälp av kontrakt och att tekniska samband fungerar; får "
            "avropa mot ingångna avtal och initiera uppdrag utifrån förvaltningsplanen. Bemannar "
            "roller på operativ nivå, utarbetar förvaltningsplanen med förvaltningsledaren, följer"
            " upp och rapporterar IT-kostnaderna, ser till att IT-arkitektur och IT-strategi "
            "efterlevs och omvärldsbevakar ur ett tekniskt perspektiv. Ansvarar för beredning, "
            "utveckling, test och produktionssättning av tekniska ändringar, för information och "
            "utbildning till IT-personal och för att driftrelaterade fel felsöks och löses enligt "
            "avtal."
        ),
        "duties_en": (
            "Responsible for carrying out the management plan's goals for the IT support, for "
            "steering external suppliers through contracts and for technical dependencies working;"
            " may call off existing agreements and start assignments under the management plan. "
            "Staffs the operative roles, draws up the management plan with the management lead, "
            "follows up and reports IT costs, makes sure IT architecture and IT strategy are "
            "followed and monitors technical developments. Responsible for preparing, developing, "
            "testing and deploying technical changes, for informing and training IT staff and for "
            "operational faults being diagnosed and resolved under the agreements."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.2 Beslutsnivå och 4.1-4.4: Förvaltningsledare"
            " IT (FL-IT)"
        ),
    },
    {
        "code": "system_manager",
        "name_sv": "Systemförvaltare",
        "name_en": "System manager",
        "level": "tactical",
        "applies_to": ("service", "system"),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": True,
        "duties_sv": (
            "Ansvarar för administration och förvaltning av systemet, rapporterar till "
            "systemägaren och är huvudkontakt gentemot verksamheten och leverantörerna. "
            "Prioriterar förvaltningsaktiviteter och upprättar den årliga systemförvaltningsplanen"
            " med systemägaren, inventerar behov, utbildar användare, tillhandahåller "
            "användardokumentation och hanterar licensfrågor operativt. Samlar in och bereder "
            "ändringar, beställer förändringar av driftleverantören via förändringsbegäran, "
            "godkänner planerade och genomförda förändringar och samordnar tester. Administrerar "
            "behörigheter och regelverk för dem, säkerställer rutin för sekretesskyddade individer"
            " och att lagar följs, och ansvarar för kontinuitetsplanering."
        ),
        "duties_en": (
            "Responsible for administering and managing the system, reports to the system owner "
            "and is the main contact towards the business and the suppliers. Prioritises "
            "management activities and draws up the annual system management plan with the system "
            "owner, gathers needs, trains users, keeps user documentation and handles licence "
            "matters operationally. Collects and prepares changes, orders changes from the "
            "operations supplier through a change request, approves planned and completed changes "
            "and coordinates testing. Administers access rights and their rules, ensures a routine"
            " for individuals with protected identity and compliance with the law, and is "
            "responsible for continuity planning."
        ),
        "source": "Seed 001, Roller och ansvar: Systemförvaltare; Inledning; Drift; Utveckling",
    },
    {
        "code": "system_administrator",
        "name_sv": "Systemadministratör",
        "name_en": "System administrator",
        "level": "operative",
        "applies_to": ("service", "system"),
        "supplier_role": False,
        "manages": True,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Har delegerat ansvar från systemförvaltaren för administration och förvaltning av "
            "systemet och rapporterar till systemförvaltaren. Är verksamhetens kontaktperson mot "
            "användarna, sprider information om nya funktioner och planerade avbrott, kanaliserar "
            "förbättringsförslag till systemförvaltaren och stödjer tester av förändringar. "
            "Administrerar användarnas behörigheter och säkerställer med systemförvaltaren att "
            "lagar och regelverk följs; i Sambruks modell meddelar systemadministratören nya "
            "användare deras behörighet och följer upp och gallrar kommunens konton."
        ),
        "duties_en": (
            "Holds responsibility delegated by the system manager for administering and managing "
            "the system and reports to the system manager. Is the business's contact person "
            "towards users, spreads news of new functions and planned outages, channels "
            "improvement proposals to the system manager and supports testing of changes. "
            "Administers users' access rights and ensures with the system manager that laws and "
            "rules are followed; in Sambruk's model the system administrator tells new users about"
            " their access and follows up and removes the municipality's accounts."
        ),
        "source": "Seed 001, Roller och ansvar: Systemadministratör; Seed 000 4.5.2-4.5.3",
    },
    {
        "code": "object_specialist",
        "name_sv": "Objektspecialist",
        "name_en": "Object specialist",
        "level": "operative",
        "applies_to": ("object",),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Utgör förvaltningsorganisationens kontaktyta mot nyttjarna av förvaltningsprodukterna"
            " och vidareutvecklar objektverksamheten med hjälp av dem. Utför "
            "förvaltningsaktiviteter på uppdrag av förvaltningsledaren, uppdaterar och anpassar "
            "lokal dokumentation (processbeskrivningar, rutiner, mallar) enligt beslut, fångar och"
            " formulerar krav på IT-stöd ur ett verksamhetsperspektiv och säkrar användbarheten ur"
            " ett användarperspektiv."
        ),
        "duties_en": (
            "Is the management organisation's point of contact with the users of the management "
            "products and develops the business further with their help. Carries out management "
            "activities on the management lead's instructions, updates and adapts local "
            "documentation (process descriptions, routines, templates) as decided, captures and "
            "formulates requirements on the IT support from a business perspective and safeguards "
            "usability from a user perspective."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.3 Roller på operativ nivå: Objektspecialist"
        ),
    },
    {
        "code": "it_specialist",
        "name_sv": "IT-specialist",
        "name_en": "IT specialist",
        "level": "operative",
        "applies_to": ("object",),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Utgör förvaltningsorganisationens operativa IT-resurs och vidareutvecklar "
            "objektverksamheten med hjälp av de ingående IT-komponenterna. Utför "
            "förvaltningsaktiviteter på uppdrag av förvaltningsledare IT, följer upp incidenter "
            "och orsakssamband, samordnar operativt driftleverantörerna för objektets "
            "IT-komponenter och formulerar krav på IT-stöd ur ett IT-perspektiv."
        ),
        "duties_en": (
            "Is the management organisation's operative IT resource and develops the business "
            "further with the help of the IT components involved. Carries out management "
            "activities on the management lead IT's instructions, follows up incidents and their "
            "causes, coordinates the operations suppliers for the object's IT components "
            "operationally and formulates requirements on the IT support from an IT perspective."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.3 Roller på operativ nivå: IT-specialist"
        ),
    },
    {
        "code": "it_component_specialist",
        "name_sv": "IT-komponentspecialist",
        "name_en": "IT component specialist",
        "level": "operative",
        "applies_to": ("object", "system"),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Omsätter funktionella krav från verksamheten till bästa möjliga tekniska lösning och "
            "ser till att förändringarna passar in i den tekniska miljön. Utför "
            "förvaltningsaktiviteter på uppdrag, omvandlar verksamhetskrav och säkrar "
            "användbarheten. Bemannas enligt förvaltningsplanen av systemleverantören enligt "
            "avtal."
        ),
        "duties_en": (
            "Turns functional requirements from the business into the best possible technical "
            "solution and makes sure changes fit the technical environment. Carries out management"
            " activities on assignment, translates business requirements and safeguards usability."
            " Staffed, according to the management plan, by the system vendor under the agreement."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.3: IT-komponentspecialist; förvaltningsplan "
            "2012 5.1"
        ),
    },
    {
        "code": "operations_lead",
        "name_sv": "Driftansvarig",
        "name_en": "Operations lead",
        "level": "operative",
        "applies_to": ("object", "service", "system"),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Ansvarar för att förvaltningsobjektets IT-stöd är tillgängligt enligt "
            "överenskommelser och bemannas enligt förvaltningsplanen av systemleverantören enligt "
            "avtal. I Sambruks modell bidrar driftansvarig tillsammans med Sambruk och "
            "systemspecialisterna till informationssäkerhetsklassificeringen och har tillgång till"
            " samverkansplattformen där incidentdokumentation läggs."
        ),
        "duties_en": (
            "Responsible for the management object's IT support being available as agreed; "
            "staffed, according to the management plan, by the system vendor under the agreement. "
            "In Sambruk's model the operations lead contributes, together with Sambruk and the "
            "system specialists, to the information security classification and has access to the "
            "collaboration platform where incident documentation is kept."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.3: Driftansvarig; förvaltningsplan 2012 5.1; "
            "Seed 000 4.5.4 och 4.6.1"
        ),
    },
    {
        "code": "business_support",
        "name_sv": "Verksamhetsstöd",
        "name_en": "Business support",
        "level": "operative",
        "applies_to": ("object", "service", "system"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Ansvarar lokalt för första linjens stöd och utbildning för den egna organisationens "
            "användare, tar emot användarnas ärenden och ändringsförslag och för dem vidare till "
            "servicedesken eller förvaltningsorganisationen. Representerar sin verksamhet i "
            "användarrådet med synpunkter och önskemål, prioriterar ändringsönskemål och ansvarar "
            "för användarmöten och samverkansmöten. Som lokalt verksamhetsstöd (LVS) i Treserva "
            "tar rollen fram behörighetslistor per enhet och skickar dem till ansvarig enhetschef "
            "för granskning."
        ),
        "duties_en": (
            "Responsible locally for first-line support and training for its own organisation's "
            "users, takes in users' tickets and change proposals and passes them on to the service"
            " desk or the management organisation. Represents its business in the user council "
            "with views and wishes, prioritises change requests and runs user meetings and "
            "collaboration meetings. As local business support (LVS) in Treserva the role produces"
            " access lists per unit and sends them to the unit manager in charge for review."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 3.2.3: Verksamhetsstöd, 4.2.1, 4.3.1; "
            "förvaltningsplan 2012 5.3; Seed 004 4 och 5.3.1 (LVS Treserva)"
        ),
    },
    {
        "code": "local_contact",
        "name_sv": "Lokal kontaktperson",
        "name_en": "Local contact person",
        "level": "operative",
        "applies_to": ("object", "service"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Är användarnas första kontakt i den egna organisationen vid frågor och incidenter och"
            " kontaktar servicedesken när frågan inte kan lösas lokalt. Tar i ett första steg emot"
            " ändringsförslag från användare och för dem vidare till förvaltningsorganisationen. I"
            " Sambruks modell utgör kommunernas kontaktpersoner förvaltningsgruppen "
            "(användargruppen), som delar erfarenheter och är referensgrupp för förvaltningsrådet."
        ),
        "duties_en": (
            "Is users' first contact in their own organisation for questions and incidents and "
            "contacts the service desk when the matter cannot be solved locally. Takes in change "
            "proposals from users as a first step and passes them on to the management "
            "organisation. In Sambruk's model the municipalities' contact persons make up the user"
            " group, which shares experience and acts as a reference group for the management "
            "council."
        ),
        "source": (
            "Seed 003, förvaltningsspecifikation 4.2 och 4.3.1; Seed 000 2.2.1 Förvaltningsgrupp"
        ),
    },
    {
        "code": "access_controller",
        "name_sv": "Behörighetskontrollant",
        "name_en": "Access controller",
        "level": "operative",
        "applies_to": ("service", "system"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Behörighetskontrollanten (verksamhetsutvecklaren för systemet) genomför "
            "behörighetskontroll två gånger per år: tar fram behörighetslistor per enhet, och "
            "separata listor över behörighet till personer med skyddade personuppgifter, skickar "
            "dem till ansvarig enhetschef, åtgärdar rapporterade förändringar och återkopplar. "
            "Dokumenterar kontrollen i ett protokoll (vad, när, av vem) och signerar "
            "internkontrollen när kontrollen är klar. Vid systematisk loggranskning slumpar rollen"
            " fram enheter och medarbetare, beställer loggar och (för myndighet) attesterar "
            "logguttag och sammanställer underlaget till enhetschefen. Vid misstanke om missbruk "
            "lägger rollen beställningen, där bara attestant och mottagare av logg anges, och "
            "förmedlar TID:s frågor till den granskades chefs chef."
        ),
        "duties_en": (
            "The access controller (the system's business developer) runs access reviews twice a "
            "year: produces access lists per unit, and separate lists of access to persons with "
            "protected identity, sends them to the unit manager in charge, carries out reported "
            "changes and confirms them. Documents the review in a protocol (what, when, by whom) "
            "and signs the internal control when the review is done. In systematic log review the "
            "role draws units and employees at random, orders the logs and (for the authority "
            "side) attests the log extract and compiles the material for the unit manager. On "
            "suspicion of misuse the role places the order, naming only the attester and the log "
            "recipient, and passes the IT unit's questions to the reviewed person's manager's "
            "manager."
        ),
        "source": "Seed 004 5.3-5.5, 6.3-6.4 och 7.2-7.3 (VU Treserva)",
    },
    {
        "code": "data_protection_contact",
        "name_sv": "Dataskyddskontakt",
        "name_en": "Data protection contact",
        "level": "operative",
        "applies_to": ("object", "service", "system"),
        "supplier_role": False,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Tar emot anmälningar om personuppgiftsincidenter via förvaltningens formulär. "
            "Enhetschefen ska alltid anmäla en incident till dataskyddskontakten när en "
            "medarbetare tagit del av uppgifter hen inte är behörig till, oavsett om det skett med"
            " avsikt eller av misstag."
        ),
        "duties_en": (
            "Receives reports of personal-data incidents through the administration's form. The "
            "unit manager must always report such an incident to the data protection contact when "
            "an employee has accessed information they were not authorised to see, whether "
            "deliberately or by mistake."
        ),
        "source": "Seed 004 8 och 9",
    },
    {
        "code": "management_partner",
        "name_sv": "Förvaltningspartner",
        "name_en": "Management partner",
        "level": "operative",
        "applies_to": ("object", "service", "system"),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Extern, upphandlad IT-förvaltningsleverantör som ger support till anslutna kommuner, "
            "användare och IT-ansvariga och behandlar supportärenden och förfrågningar. Fångar "
            "upp, analyserar och bereder behov med förvaltningsledaren, tar fram lösningsförslag "
            "med planering och offert, utvecklar och produktionssätter förändringar och planerar "
            "och genomför releaser. Tilldelar behörigheter på kommunens uppdrag, underhåller "
            "lösenordsteknologin, bevakar driften och informerar användare vid längre störningar, "
            "tar fram systemdokumentation för arkivering och deltar adjungerad i förvaltningsråd "
            "och styrgrupp."
        ),
        "duties_en": (
            "External, procured IT management supplier that supports connected municipalities, "
            "users and IT staff and handles support tickets and requests. Captures, analyses and "
            "prepares needs with the management lead, produces solution proposals with plans and "
            "quotes, develops and deploys changes and plans and carries out releases. Assigns "
            "access rights on the municipality's behalf, maintains the password technology, "
            "watches the service and informs users of longer outages, produces the system "
            "documentation for archiving and sits in the management council and steering group as "
            "a co-opted member."
        ),
        "source": (
            "Seed 000 2.1 (Förvaltningspartner), 2.2.1, 4.1.2, 4.3.2-4.3.4, 4.4, 4.5, 4.6.3, 4.6.6"
        ),
    },
    {
        "code": "operations_partner",
        "name_sv": "Driftpartner",
        "name_en": "Operations partner",
        "level": "operative",
        "applies_to": ("service", "system"),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Extern, upphandlad IT-driftsleverantör som svarar för drift och lagring av den "
            "tekniska lösningen. Bevakar att tjänsten fungerar och hanterar driftstörningar "
            "tillsammans med förvaltningspartnern, och deltar adjungerad i förvaltningsråd och "
            "styrgrupp."
        ),
        "duties_en": (
            "External, procured IT operations supplier responsible for running and storing the "
            "technical solution. Watches that the service works and handles outages together with "
            "the management partner, and sits in the management council and steering group as a "
            "co-opted member."
        ),
        "source": "Seed 000 2.1 (Driftpartner), 2.2.1, 4.1.2 (Driftspartner), 4.5.4",
    },
    {
        "code": "system_vendor",
        "name_sv": "Systemleverantör",
        "name_en": "System vendor",
        "level": "operative",
        "applies_to": ("object", "system"),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Levererar endast applikationen och support av den, och rapporterar till "
            "systemförvaltaren. Ansvarar, om det ingår i avtalet, för support och alla "
            "uppgraderingar av applikationen och för att verifiera funktionalitet och testa "
            "applikationen efter uppgradering; uppgraderingar initieras av systemleverantören. I "
            "pm3-modellen möter systemleverantören förvaltningsledarna 4-6 gånger per år för att "
            "diskutera ändringsönskemål och planera leveranser av nya versioner."
        ),
        "duties_en": (
            "Supplies only the application and its support, and reports to the system manager. "
            "Responsible, where the agreement includes it, for supporting the application and "
            "handling all its upgrades and for verifying and testing the application after an "
            "upgrade; upgrades are initiated by the system vendor. In the pm3 model the system "
            "vendor meets the management leads 4-6 times a year to discuss change requests and "
            "plan deliveries of new versions."
        ),
        "source": (
            "Seed 001, Roller och ansvar: Systemleverantör; Utveckling; Seed 003 förvaltningsplan "
            "2012 5.3"
        ),
    },
    {
        "code": "service_provider",
        "name_sv": "Tjänsteleverantör",
        "name_en": "Service provider",
        "level": "operative",
        "applies_to": ("service", "system"),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Levererar applikationen, support av den och applikationsdrift, och rapporterar till "
            "systemförvaltaren. Ansvarar, om det ingår i avtalet, för support, uppgraderingar och "
            "test av applikationen, samordnar uppdateringar enligt change-processen, hanterar "
            "underlaget till förändringsbegäran och beslutar datum i samråd med berörda parter. Är"
            " primär kontakt för serverdrift, felsöker och rapporterar incidenter, dokumenterar "
            "system, drift och integrationer, övervakar, säkerhetsuppdaterar och "
            "säkerhetskopierar, och utför omstarter, paketering, tester och avveckling på "
            "systemförvaltarens beställning. Säkerställer att systemet uppfyller kommunens krav "
            "och medverkar proaktivt till att beslutade säkerhetsregler följs."
        ),
        "duties_en": (
            "Supplies the application, its support and its operation, and reports to the system "
            "manager. Responsible, where the agreement includes it, for supporting, upgrading and "
            "testing the application, coordinates updates through the change process, handles the "
            "basis for change requests and sets update dates with those affected. Is the primary "
            "contact for server operation, diagnoses and reports incidents, documents the system, "
            "its operation and integrations, monitors, patches and backs up, and carries out "
            "restarts, packaging, tests and decommissioning when the system manager orders them. "
            "Ensures the system meets the municipality's requirements and proactively helps keep "
            "the adopted security rules."
        ),
        "source": "Seed 001, Roller och ansvar: Tjänsteleverantör",
    },
    {
        "code": "technical_system_manager",
        "name_sv": "Driftleverantör - teknisk systemförvaltare",
        "name_en": "Operations supplier - technical system manager",
        "level": "operative",
        "applies_to": ("system",),
        "supplier_role": True,
        "manages": False,
        "mandatory_for_system_in_operation": False,
        "duties_sv": (
            "Driftleverantörens tekniska systemförvaltare levererar endast applikationsdrift och "
            "rapporterar till systemförvaltaren; tar emot överlämningen från införandeprojektet. "
            "Ansvarar, om det ingår i avtalet, för att samordna uppdateringar enligt "
            "change-processen, hantera underlaget till förändringsbegäran och besluta datum i "
            "samråd med berörda parter, och är primär kontakt för serverdrift. Felsöker och "
            "rapporterar incidenter, dokumenterar infrastruktur, applikation och integrationer, "
            "hanterar konsultinloggningar, åtkomst via RDS, övervakning, säkerhetsuppdateringar "
            "och säkerhetskopiering, och utför omstarter, paketering, tekniska systemtester och "
            "avveckling på systemförvaltarens beställning. Säkerställer att systemet uppfyller "
            "kraven för IT-system i kommunens infrastruktur och beslutade säkerhetsregler."
        ),
        "duties_en": (
            "The operations supplier's technical system manager supplies only application "
            "operation and reports to the system manager; takes over the system from the "
            "introduction project. Responsible, where the agreement includes it, for coordinating "
            "updates through the change process, handling the basis for change requests and "
            "setting update dates with those affected, and is the primary contact for server "
            "operation. Diagnoses and reports incidents, documents infrastructure, application and"
            " integrations, manages consultant logins, access via RDS, monitoring, security "
            "updates and backups, and carries out restarts, packaging, technical system tests and "
            "decommissioning when the system manager orders them. Ensures the system meets the "
            "requirements for IT systems in the municipality's infrastructure and the adopted "
            "security rules."
        ),
        "source": (
            "Seed 001, Roller och ansvar: Driftleverantör - teknisk systemförvaltare; Införande av"
            " nytt system"
        ),
    },
)
