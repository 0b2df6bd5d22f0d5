"""The demo data as tables; forvalta/register/demo.py builds it.

Drawn from the seeds: Sambruk (seed 000), the WebCare agreement between the region and the
26 municipalities of Stockholm county (seed 003), Kungälv's system management handbook
(seed 001) and the Treserva self-monitoring routine (seed 004). Supplier and person names
are invented. Dates are either fixed or relative to the day of loading: "+45d", "-14d",
"start+1m" (first day of next month), "end+3m" (last day of the month three months on).
The tables are laid out by hand, so the formatter leaves them alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# fmt: off
MUN, REG, ASSOC, SUPP = "municipality", "region", "association", "supplier"

# --- organisations --------------------------------------------------------------------
# key: (name, short name, kind, first nine digits of the organisation number, description)
ORGANISATIONS: dict[str, tuple[str, str, str, str, str]] = {
    "sambruk": ("Sambruk", "Sambruk", ASSOC, "802444123",
                "Ideell förening för samverkan mellan kommuner; utvecklar och förvaltar "
                "gemensamma tjänster som medlemmarna avropar."),
    "region": ("Region Stockholm", "Region Stockholm", REG, "232100001",
               "Tidigare Stockholms läns landsting (SLL). Förvaltar WebCare åt länets kommuner."),
}

# Stockholm county (seed 003): key, name, municipality code, inhabitants (rounded; cost split)
STOCKHOLM_COUNTY: tuple[tuple[str, str, str, int], ...] = (
    ("botkyrka", "Botkyrka kommun", "0127", 96_000),
    ("danderyd", "Danderyds kommun", "0162", 33_000),
    ("ekero", "Ekerö kommun", "0125", 29_000),
    ("haninge", "Haninge kommun", "0136", 97_000),
    ("huddinge", "Huddinge kommun", "0126", 114_000),
    ("jarfalla", "Järfälla kommun", "0123", 85_000),
    ("lidingo", "Lidingö stad", "0186", 48_000),
    ("nacka", "Nacka kommun", "0182", 108_000),
    ("norrtalje", "Norrtälje kommun", "0188", 63_000),
    ("nykvarn", "Nykvarns kommun", "0140", 11_000),
    ("nynashamn", "Nynäshamns kommun", "0192", 29_000),
    ("salem", "Salems kommun", "0128", 17_000),
    ("sigtuna", "Sigtuna kommun", "0191", 52_000),
    ("sollentuna", "Sollentuna kommun", "0163", 76_000),
    ("solna", "Solna stad", "0184", 85_000),
    ("stockholm", "Stockholms stad", "0180", 985_000),
    ("sundbyberg", "Sundbybergs stad", "0183", 54_000),
    ("sodertalje", "Södertälje kommun", "0181", 101_000),
    ("tyreso", "Tyresö kommun", "0138", 49_000),
    ("taby", "Täby kommun", "0160", 74_000),
    ("upplandsvasby", "Upplands Väsby kommun", "0114", 48_000),
    ("upplandsbro", "Upplands-Bro kommun", "0139", 31_000),
    ("vallentuna", "Vallentuna kommun", "0115", 35_000),
    ("vaxholm", "Vaxholms stad", "0187", 12_000),
    ("varmdo", "Värmdö kommun", "0120", 47_000),
    ("osteraker", "Österåkers kommun", "0117", 48_000),
)
OTHER_MUNICIPALITIES: tuple[tuple[str, str, str], ...] = (
    ("ale", "Ale kommun", "1440"), ("kungalv", "Kungälvs kommun", "1482"),
    ("lerum", "Lerums kommun", "1441"), ("partille", "Partille kommun", "1402"),
    ("alingsas", "Alingsås kommun", "1489"), ("stenungsund", "Stenungsunds kommun", "1415"),
    ("tjorn", "Tjörns kommun", "1419"), ("harryda", "Härryda kommun", "1401"),
    ("uddevalla", "Uddevalla kommun", "1485"), ("trollhattan", "Trollhättans stad", "1488"),
)
# Fictional suppliers: key, name, first nine digits, what they do
SUPPLIERS: tuple[tuple[str, str, str, str], ...] = (
    ("brofjord", "Brofjord Digital AB", "556812340", "Förvaltningspartner för e-tjänster."),
    ("molnvik", "Molnvik Hosting AB", "556734519", "Drift och hosting av kommunala tjänster."),
    ("kvarnby", "Kvarnby Dokument AB", "556690127", "Dokument-, ärende- och signeringssystem."),
    ("lintorp", "Lintorp Automation AB", "559011842", "Automatiserad handläggning (RPA)."),
    ("solvik", "Solvik Omsorgssystem AB", "556577203", "Leverantör och förvaltningspartner "
     "för verksamhetssystem inom vård och omsorg (Treserva)."),
    ("vindel", "Vindel Trygghetsteknik AB", "556923456", "Digitala lås och trygghetslarm."),
    ("granhed", "Granhed Drift AB", "556641098", "IT-drift, identitetshantering och servrar."),
    ("ekbacka", "Ekbacka Ekonomisystem AB", "556455671", "Ekonomi-, personal- och lönesystem."),
    ("tallmo", "Tallmo Utbildningssystem AB", "559104473", "Skoladministrativa system."),
    ("fyrbak", "Fyrbåk Vårdinformatik AB", "556788812", "Applikationsförvaltning och drift "
     "av vårdsystem."),
)

# --- units: (name, children) or a leaf name -------------------------------------------
UNITS: dict[str, tuple[Any, ...]] = {
    "kungalv": (
        ("Kommunledningskontoret", (
            ("Avdelning Digitalisering", ("Digital utveckling", "IT-drift och support")),
            ("Avdelning Ekonomi och HR", ("Ekonomienheten", "HR-enheten")),
        )),
        ("Sektor Omsorg och stöd", (
            ("Hemtjänst", ("Hemtjänst Ytterby", "Hemtjänst Kareby", "Hemtjänst Centrum")),
            ("Vård- och omsorgsboende", ("Vårdboende Ekliden", "Vårdboende Älvhem")),
            ("Myndighet och socialpsykiatri", ("Biståndsenheten", "Socialpsykiatri")),
        )),
        ("Sektor Bildning", (("Grundskola", ("Ytterbyskolan", "Kareby skola")), "Elevhälsa")),
        ("Sektor Samhällsbyggnad", ("Bygglov och miljö",)),
    ),
    "sambruk": (("Kansliet", ("Tjänster och förvaltning",)),),
    "region": (
        ("Hälso- och sjukvårdsförvaltningen", ("Avdelning Vårdsamverkan",)),
        ("Regional IT", ("Applikationsförvaltning", "Servicedesk")),
    ),
}

# --- people: username, first, last, organisation, unit, title, manager, org admin -------
# Managers come before their staff. `None` organisation: no membership.
PEOPLE: tuple[tuple[str, str, str, str | None, str, str, str, bool], ...] = (
    ("plattform", "Per", "Lindgren", None, "", "Plattformsadministratör", "", False),
    # Sambruk
    ("anders.wikstrom", "Anders", "Wikström", "sambruk", "Kansliet",
     "Verkställande tjänsteperson", "", False),
    ("orgadmin", "Maria", "Ekström", "sambruk", "Kansliet", "Administratör", "anders.wikstrom",
     True),
    ("forvaltningsledare", "Jonas", "Berg", "sambruk", "Tjänster och förvaltning",
     "Förvaltningsledare", "anders.wikstrom", False),
    ("linnea.holm", "Linnéa", "Holm", "sambruk", "Tjänster och förvaltning",
     "Förvaltningsledare", "anders.wikstrom", False),
    # Region Stockholm
    ("katarina.wennberg", "Katarina", "Wennberg", "region", "Avdelning Vårdsamverkan",
     "Avdelningschef Vårdsamverkan", "", False),
    ("regionledare", "Lars", "Öberg", "region", "Avdelning Vårdsamverkan",
     "Förvaltningsledare WebCare", "katarina.wennberg", False),
    ("mikael.strom", "Mikael", "Ström", "region", "Applikationsförvaltning",
     "Förvaltningsledare IT", "katarina.wennberg", False),
    ("johanna.lund", "Johanna", "Lund", "region", "Applikationsförvaltning", "Systemförvaltare",
     "mikael.strom", False),
    ("erik.sjoberg", "Erik", "Sjöberg", "region", "Servicedesk", "Systemadministratör",
     "mikael.strom", False),
    ("anneli.forsberg", "Anneli", "Forsberg", "stockholm", "", "Utvecklingsledare äldreomsorg",
     "", False),
    ("tobias.ek", "Tobias", "Ek", "huddinge", "", "Biståndshandläggare, samordnare", "", False),
    # Other Sambruk member
    ("kommun2", "Ahmed", "Karimi", "ale", "", "E-tjänsteutvecklare", "", False),
    # Kungälvs kommun
    ("cecilia.aberg", "Cecilia", "Åberg", "kungalv", "Kommunledningskontoret", "Kommundirektör",
     "", False),
    ("henrik.falk", "Henrik", "Falk", "kungalv", "Avdelning Digitalisering",
     "Chef Digitalisering", "cecilia.aberg", False),
    ("mattias.ryden", "Mattias", "Rydén", "kungalv", "Digital utveckling",
     "Enhetschef Digital utveckling", "henrik.falk", False),
    ("kungalvadmin", "Sofia", "Lindberg", "kungalv", "Digital utveckling", "Systemstrateg",
     "mattias.ryden", True),
    ("petra.nilsson", "Petra", "Nilsson", "kungalv", "Digital utveckling", "IT-förvaltare",
     "mattias.ryden", False),
    ("karl.bergqvist", "Karl", "Bergqvist", "kungalv", "Digital utveckling",
     "E-tjänstesamordnare", "mattias.ryden", False),
    ("daniel.wahlstrom", "Daniel", "Wahlström", "kungalv", "IT-drift och support",
     "Enhetschef IT-drift och support", "henrik.falk", False),
    ("ola.nystrom", "Ola", "Nyström", "kungalv", "Kommunledningskontoret",
     "Dataskyddssamordnare", "cecilia.aberg", False),
    ("anders.bengtsson", "Anders", "Bengtsson", "kungalv", "Avdelning Ekonomi och HR",
     "Ekonomichef", "cecilia.aberg", False),
    ("sara.johansson", "Sara", "Johansson", "kungalv", "Ekonomienheten", "Systemförvaltare ekonomi",
     "anders.bengtsson", False),
    ("elin.strand", "Elin", "Strand", "kungalv", "HR-enheten", "HR-specialist, lönesystem",
     "anders.bengtsson", False),
    ("systemagare", "Helena", "Kjellberg", "kungalv", "Sektor Omsorg och stöd",
     "Sektorchef Omsorg och stöd", "cecilia.aberg", False),
    ("malin.grahn", "Malin", "Grahn", "kungalv", "Hemtjänst", "Avdelningschef Hemtjänst",
     "systemagare", False),
    ("emelie.carlsson", "Emelie", "Carlsson", "kungalv", "Hemtjänst Ytterby", "Enhetschef",
     "malin.grahn", False),
    ("robert.hakansson", "Robert", "Håkansson", "kungalv", "Hemtjänst Kareby", "Enhetschef",
     "malin.grahn", False),
    ("lina.persson", "Lina", "Persson", "kungalv", "Hemtjänst Centrum", "Enhetschef",
     "malin.grahn", False),
    ("jenny.olofsson", "Jenny", "Olofsson", "kungalv", "Hemtjänst",
     "Lokalt verksamhetsstöd Treserva (LVS)", "malin.grahn", False),
    ("gunilla.axelsson", "Gunilla", "Axelsson", "kungalv", "Vård- och omsorgsboende",
     "Avdelningschef Vård- och omsorgsboende", "systemagare", False),
    ("nadia.haddad", "Nadia", "Haddad", "kungalv", "Vårdboende Ekliden", "Enhetschef",
     "gunilla.axelsson", False),
    ("thomas.engstrom", "Thomas", "Engström", "kungalv", "Myndighet och socialpsykiatri",
     "Avdelningschef Myndighet och socialpsykiatri", "systemagare", False),
    ("ulrika.borg", "Ulrika", "Borg", "kungalv", "Biståndsenheten", "Enhetschef",
     "thomas.engstrom", False),
    ("kristoffer.lindgren", "Kristoffer", "Lindgren", "kungalv", "Myndighet och socialpsykiatri",
     "Verksamhetsutvecklare Treserva (VU)", "thomas.engstrom", False),
    ("mats.eriksson", "Mats", "Eriksson", "kungalv", "Sektor Bildning", "Sektorchef Bildning",
     "cecilia.aberg", False),
    ("camilla.sundqvist", "Camilla", "Sundqvist", "kungalv", "Grundskola", "Skoladministratör",
     "mats.eriksson", False),
    # Suppliers
    ("leverantor", "Sara", "Nyberg", "brofjord", "", "Konsultchef, förvaltningspartner", "", False),
    ("patrik.lindahl", "Patrik", "Lindahl", "molnvik", "", "Driftansvarig", "", False),
    ("emma.dahl", "Emma", "Dahl", "kvarnby", "", "Kundansvarig", "", False),
    ("oskar.bjork", "Oskar", "Björk", "lintorp", "", "Lösningsarkitekt", "", False),
    ("fredrik.almqvist", "Fredrik", "Almqvist", "solvik", "", "Kundansvarig Treserva", "", False),
    ("karin.mattsson", "Karin", "Mattsson", "granhed", "", "Teknisk systemförvaltare", "", False),
    ("johan.nord", "Johan", "Nord", "ekbacka", "", "Kundansvarig", "", False),
    ("niklas.hedlund", "Niklas", "Hedlund", "fyrbak", "", "Applikationsförvaltare WebCare", "",
     False),
)

# username: what the persona is, in Swedish (the printed table)
PERSONAS: dict[str, str] = {
    "plattform": "Plattformsadministratör (ingen organisation, ser inga verksamhetsdata)",
    "orgadmin": "Organisationsadministratör, Sambruk",
    "forvaltningsledare": "Förvaltningsledare, Sambruk (Digitala tjänster för invånare)",
    "systemagare": "Systemägare Treserva, Kungälvs kommun",
    "kommun2": "Medarbetare, Ale kommun (ansluten till Sambruks tjänster), inga roller",
    "leverantor": "Förvaltningspartner, Brofjord Digital AB (E-tjänsteplattform, Sambruk)",
    "regionledare": "Förvaltningsledare WebCare, Region Stockholm",
    "kungalvadmin": "Organisationsadministratör, Kungälvs kommun",
}

# --- register -------------------------------------------------------------------------
# key: (owner, name, identifier, business area, description)
OBJECTS: dict[str, tuple[str, str, str, str, str]] = {
    "digitala": ("sambruk", "Digitala tjänster för invånare", "SAM-DT", "Digital service",
                 "Gemensamma e-tjänster och signering som medlemmarna avropar."),
    "socialtjanst": ("sambruk", "Verksamhetsstöd socialtjänst", "SAM-VS", "Socialtjänst",
                     "Gemensamt stöd för handläggning inom socialtjänsten."),
    "vardovergangar": ("region", "Samverkan vid vårdövergångar", "SVV", "Hälso- och sjukvård",
                       "Informationsöverföring vid in- och utskrivning från slutenvård mellan "
                       "regionen och länets kommuner (överenskommelse 2012-03-15)."),
    "omsorg": ("kungalv", "Vård och omsorg", "KUN-VO", "Vård, omsorg och socialtjänst",
               "Verksamhetssystem för hemtjänst, boenden och myndighetsutövning."),
    "gemensamma": ("kungalv", "Kommungemensamma system", "KUN-KG", "Verksamhetsstöd",
                   "System som används av flera sektorer, och den gemensamma IT-miljön."),
}
# key: (owner, object, name, description, systems)
SERVICES: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "etjanst": ("sambruk", "digitala", "E-tjänsteplattform",
                "Plattform för kommunernas e-tjänster och ärendeinlämning.", ("etjanst",)),
    "signering": ("sambruk", "digitala", "Digital signering",
                  "Underskrift av avtal och beslut med e-legitimation.", ("signering",)),
    "bistand": ("sambruk", "socialtjanst", "Automatiserad handläggning ekonomiskt bistånd",
                "Regelstyrd automatisering av återansökningar om försörjningsstöd.", ("rpa",)),
    "webcare": ("region", "vardovergangar", "WebCare",
                "Samordnad vårdplanering och betalningsansvar vid vårdövergångar.", ("webcare",)),
}
# Flags: P processes personal data, S holds protected identities, O public in open data.
# key: (owner, object, name, vendor, product, lifecycle, criticality, flags, description)
SYSTEMS: dict[str, tuple[str, str, str, str, str, str, str, str, str]] = {
    "etjanst": ("sambruk", "digitala", "E-tjänsteplattformen", "brofjord", "Formbro 5.4",
                "operation", "high", "PO", "E-tjänster, formulär och mina sidor."),
    "signering": ("sambruk", "digitala", "Signeringstjänsten", "kvarnby", "Kvarnby Sign 3",
                  "operation", "medium", "P", "Underskrift med BankID och e-tjänstekort."),
    "rpa": ("sambruk", "socialtjanst", "Handläggningsrobot ekonomiskt bistånd", "lintorp",
            "Lintorp RPA 3.1", "operation", "high", "PS", "Robot som förbereder beslut."),
    "webcare": ("region", "vardovergangar", "WebCare", "fyrbak", "WebCare (egenutvecklat)",
                "operation", "high", "PS",
                "System för informationsöverföring avseende samordnad vårdplanering mellan "
                "regionen (slutenvård och primärvård) och kommuner. Uppbyggt som ett "
                "ärendehanteringssystem med inbyggt processtöd."),
    "treserva": ("kungalv", "omsorg", "Treserva", "solvik", "Treserva", "operation", "critical",
                 "PS", "Verksamhetssystem för socialtjänst, hemtjänst och boenden: journal, "
                 "genomförandeplaner och myndighetsbeslut."),
    "nyckelfri": ("kungalv", "omsorg", "Nyckelfri hemtjänst", "vindel", "Vindel Lås 4",
                  "operation", "high", "P", "Digitala lås hos brukare med hemtjänst."),
    "planering": ("kungalv", "omsorg", "Planering hemtjänst", "solvik", "Tidsplan Omsorg 2",
                  "introduction", "high", "P", "Planering och tidsuppföljning i hemtjänsten."),
    "socialakt": ("kungalv", "omsorg", "Socialakt", "solvik", "Socialakt 4.1",
                  "decommissioning", "medium", "PS", "Tidigare akthantering; ersatt av "
                  "Treserva, informationen arkiveras innan avveckling."),
    "ekonomi": ("kungalv", "gemensamma", "Ekonomisystem", "ekbacka", "Ekbacka Ekonomi 2024",
                "operation", "high", "P", "Redovisning, leverantörsreskontra och fakturering."),
    "lon": ("kungalv", "gemensamma", "Personal- och lönesystem", "ekbacka", "Ekbacka HR & Lön",
            "operation", "high", "P", "Anställningar, lön och schema."),
    "arende": ("kungalv", "gemensamma", "Ärende- och dokumenthantering", "kvarnby",
               "Kvarnby Diarium 9", "operation", "high", "PO", "Diarium och nämndhandlingar."),
    "idp": ("kungalv", "gemensamma", "Identitetshantering (IdP)", "granhed", "Granhed Identity",
            "operation", "critical", "P", "Konton, grupper och federerad inloggning (SAML)."),
    "intranat": ("kungalv", "gemensamma", "Intranät", "kvarnby", "Kvarnby Publicera",
                 "operation", "low", "", "Kommunens intranät för medarbetare."),
    "skola": ("kungalv", "gemensamma", "Skoladministration", "tallmo", "Tallmo Skola 12",
              "operation", "high", "PS", "Elevregister, placering, närvaro och betyg."),
    "elevhalsa": ("kungalv", "gemensamma", "Elevhälsans journalsystem", "", "", "procurement",
                  "high", "PS", "Upphandling pågår av journal för elevhälsans medicinska insats."),
    "kvalitet": ("kungalv", "gemensamma", "Ledningssystem för kvalitet", "", "", "need", "medium",
                 "", "Behov av stöd för egenkontroll och avvikelser; utreds."),
    "diarium6": ("kungalv", "gemensamma", "Diarium 6", "kvarnby", "Kvarnby Diarium 6", "retired",
                 "low", "P", "Föregående version av diariet; avvecklat och arkiverat."),
}
OFFICE_HOURS = "Vardagar 07:00–17:00"
WEBCARE_DESK = "servicedesk helgfri måndag–torsdag 07:00–17:30, fredag 07:00–16:00"
# (system, kind, name, operated by, service hours, description)
ENVIRONMENTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("webcare", "production", "Produktion", "region", f"Vardagar 8–17; {WEBCARE_DESK}",
     "SLA: påbörjad felrättning kritisk/hög 1 tim, medel 8 tim. Maximal feltid per incident "
     "kritisk/hög 2 tim (8–17) och 4 tim övrig tid, medel 48 tim; högst 4 fel/år kritisk/hög "
     "och 18 medel; maximal total feltid 10 tim/år."),
    ("webcare", "test", "Test", "region", "Vardagar 8–17",
     "Påbörjad felrättning kritisk/hög 18 tim, medel 36 tim."),
    ("webcare", "training", "Utbildning", "region", "Vardagar 8–17",
     "WebCare utbildningsdatabas. Påbörjad felrättning medel 8 tim."),
    ("etjanst", "production", "Produktion", "molnvik", "Dygnet runt; support vardagar 08–16.30",
     ""),
    ("etjanst", "test", "Test", "molnvik", "Vardagar 08–16.30", ""),
    ("rpa", "production", "Produktion", "molnvik", "Körningar vardagar 06–18", ""),
    ("treserva", "production", "Produktion", "granhed",
     f"Dygnet runt alla dagar; support {OFFICE_HOURS.lower()}", ""),
    ("treserva", "test", "Test", "granhed", OFFICE_HOURS, "Uppgraderingar testas här först."),
    ("treserva", "training", "Utbildning", "granhed", OFFICE_HOURS,
     "Fiktiva brukare för webbutbildningarna."),
    ("nyckelfri", "production", "Produktion", "vindel", "Dygnet runt alla dagar", ""),
    ("planering", "test", "Test", "granhed", OFFICE_HOURS, "Pilot i Hemtjänst Ytterby."),
    ("ekonomi", "production", "Produktion", "granhed", OFFICE_HOURS, ""),
    ("ekonomi", "test", "Test", "granhed", OFFICE_HOURS, ""),
    ("lon", "production", "Produktion", "granhed", OFFICE_HOURS, ""),
    ("arende", "production", "Produktion", "granhed", OFFICE_HOURS, ""),
    ("idp", "production", "Produktion", "granhed", "Dygnet runt alla dagar", ""),
    ("intranat", "production", "Produktion", "granhed", OFFICE_HOURS, ""),
    ("skola", "production", "Produktion", "tallmo", "Dygnet runt; support vardagar 08–16", ""),
)

# Sambruk participations: service -> (organisation, from, status, to)
SAMBRUK_PARTICIPATIONS: dict[str, tuple[tuple[str, Any, str, Any], ...]] = {
    "etjanst": (
        ("kungalv", dt.date(2020, 2, 1), "active", None),
        ("lerum", dt.date(2020, 2, 1), "active", None),
        ("partille", dt.date(2021, 1, 1), "active", None),
        ("uddevalla", dt.date(2021, 5, 1), "active", None),
        ("ale", dt.date(2021, 9, 1), "active", None),
        ("taby", dt.date(2022, 1, 1), "active", None),
        ("alingsas", dt.date(2022, 3, 1), "active", None),
        ("stenungsund", dt.date(2022, 9, 1), "notice_given", "end+3m"),
        ("tjorn", dt.date(2023, 1, 1), "active", None),
        ("trollhattan", dt.date(2023, 6, 1), "active", None),
        ("sollentuna", dt.date(2024, 1, 1), "active", None),
        ("harryda", "start+1m", "applied", None),
    ),
    "signering": (
        ("kungalv", dt.date(2022, 4, 1), "active", None),
        ("ale", dt.date(2022, 4, 1), "active", None),
        ("partille", dt.date(2022, 10, 1), "active", None),
        ("taby", dt.date(2023, 1, 1), "active", None),
        ("uddevalla", dt.date(2023, 3, 1), "active", None),
        ("sollentuna", dt.date(2023, 9, 1), "notice_given", "end+2m"),
    ),
    "bistand": (
        ("kungalv", dt.date(2021, 1, 1), "active", None),
        ("lerum", dt.date(2021, 1, 1), "active", None),
        ("alingsas", dt.date(2021, 9, 1), "active", None),
        ("trollhattan", dt.date(2022, 2, 1), "active", None),
        ("harryda", dt.date(2023, 1, 1), "active", None),
        ("tjorn", dt.date(2023, 5, 1), "notice_given", "end+4m"),
    ),
}
WEBCARE_START = dt.date(2012, 3, 15)  # the agreement's date (seed 003)

# (source, target system key or external related system, method, responsible org,
#  responsible person, description)
INTEGRATIONS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("webcare", "EK (Elektronisk katalog)", "api", "region", "johanna.lund",
     "Hämtar organisationstillhörighet, kontaktuppgifter, roller och rättigheter."),
    ("webcare", "PU (Personuppgiftsregistret)", "api", "region", "johanna.lund",
     "Hämtar folkbokföringsuppgifter om patienten."),
    ("webcare", "ListOn (Husläkarlistningstjänst)", "api", "region", "johanna.lund",
     "Hämtar var patienten är listad."),
    ("webcare", "SLL IdentityProvider", "sso", "region", "mikael.strom",
     "Federativ inloggning via SAML-biljett."),
    ("webcare", "eTjänstekort SITHS", "sso", "region", "mikael.strom", "Stark autentisering."),
    ("treserva", "Skatteverket Navet", "api", "kungalv", "kristoffer.lindgren",
     "Folkbokföringsuppgifter och aviseringar om brukare."),
    ("treserva", "Försäkringskassan SSBTEK", "api", "kungalv", "kristoffer.lindgren",
     "Uppgifter om ersättningar vid handläggning av ekonomiskt bistånd."),
    ("treserva", "ekonomi", "file", "kungalv", "sara.johansson",
     "Avgiftsunderlag för hemtjänst och boende till fakturering."),
    ("treserva", "planering", "api", "solvik", "fredrik.almqvist",
     "Brukare och beviljade insatser till planeringen."),
    ("nyckelfri", "planering", "api", "vindel", "",
     "Besök registrerade i låsen till tidsuppföljningen."),
    ("lon", "ekonomi", "file", "kungalv", "elin.strand", "Lönekostnader till bokföringen."),
    ("idp", "treserva", "sso", "granhed", "karin.mattsson", "Inloggning med SAML."),
    ("idp", "intranat", "sso", "kungalv", "petra.nilsson", "Inloggning med SAML."),
    ("skola", "Skatteverket Navet", "api", "kungalv", "camilla.sundqvist",
     "Folkbokföringsuppgifter om elever och vårdnadshavare."),
    ("arende", "etjanst", "api", "kungalv", "karl.bergqvist",
     "Inkomna e-tjänsteärenden registreras i diariet."),
)

# (kind, title, reference, customer, supplier, from, to, notice months, renewal decision by,
#  covers: "mo:", "svc:" or "sys:" + key, scope)
AGREEMENTS: tuple[tuple[Any, ...], ...] = (
    ("framework", "Ramavtal förvaltning E-tjänsteplattform", "SAM-2021-014", "sambruk",
     "brofjord", dt.date(2021, 6, 1), "end+10m", 6, "+45d", ("svc:etjanst",),
     "Förvaltning, support och vidareutveckling i partnerskap (seed 000, 4.1.2)."),
    ("dpa", "Personuppgiftsbiträdesavtal E-tjänsteplattform", "SAM-2021-015", "sambruk",
     "brofjord", dt.date(2021, 6, 1), None, None, None, ("svc:etjanst",), ""),
    ("sla", "SLA drift av Sambruks tjänster", "SAM-2022-003", "sambruk", "molnvik",
     dt.date(2022, 1, 1), "end+20m", 6, None, ("svc:etjanst", "svc:signering", "svc:bistand"),
     "Tillgänglighet 99,5 % dygnet runt; påbörjad felrättning kritisk 1 tim."),
    ("framework", "Ramavtal Digital signering", "SAM-2022-011", "sambruk", "kvarnby",
     dt.date(2022, 3, 1), "end+4m", 3, "-14d", ("svc:signering",), ""),
    ("dpa", "Personuppgiftsbiträdesavtal Digital signering", "SAM-2022-012", "sambruk",
     "kvarnby", dt.date(2022, 3, 1), None, None, None, ("svc:signering",), ""),
    ("licence", "Licensavtal Kvarnby Sign", "SAM-2022-013", "sambruk", "kvarnby",
     dt.date(2022, 3, 1), "end+4m", 3, None, ("sys:signering",), ""),
    ("support", "Support- och förvaltningsavtal handläggningsrobot", "SAM-2020-031", "sambruk",
     "lintorp", dt.date(2020, 11, 1), "end+14m", 6, "+80d", ("svc:bistand", "sys:rpa"), ""),
    ("dpa", "Personuppgiftsbiträdesavtal handläggningsrobot", "SAM-2020-032", "sambruk",
     "lintorp", dt.date(2020, 11, 1), None, None, None, ("svc:bistand",), ""),
    ("framework", "Förvaltnings- och utvecklingsavtal WebCare", "RS 2022-0412", "region",
     "fyrbak", dt.date(2022, 4, 1), "end+18m", 9, None, ("mo:vardovergangar",),
     "Applikationsförvaltning samt applikations- och serverdrift."),
    ("sla", "SLA applikationsförvaltning och drift WebCare", "RS 2022-0413", "region", "fyrbak",
     dt.date(2022, 4, 1), None, None, None, ("sys:webcare",),
     "Servicenivåer per miljö (produktion, test, utbildning) enligt bilaga."),
    ("dpa", "Personuppgiftsbiträdesavtal WebCare", "RS 2022-0414", "region", "fyrbak",
     dt.date(2022, 4, 1), None, None, None, ("sys:webcare",), ""),
    ("licence", "Licens- och underhållsavtal Treserva", "KS2019/0412", "kungalv", "solvik",
     dt.date(2019, 9, 1), "end+8m", 6, "+75d", ("sys:treserva", "sys:planering",
                                                  "sys:socialakt"), ""),
    ("support", "Support- och förvaltningsavtal Treserva", "KS2019/0413", "kungalv", "solvik",
     dt.date(2019, 9, 1), None, 3, None, ("sys:treserva", "sys:planering"), ""),
    ("dpa", "Personuppgiftsbiträdesavtal Treserva", "KS2019/0414", "kungalv", "solvik",
     dt.date(2019, 9, 1), None, None, None, ("sys:treserva", "sys:planering", "sys:socialakt"),
     ""),
    ("sla", "Driftavtal (SLA) verksamhetssystem omsorg", "KS2021/0188", "kungalv", "granhed",
     dt.date(2021, 1, 1), None, 6, None, ("sys:treserva", "sys:planering"),
     "Drift dygnet runt; påbörjad felrättning kritisk 30 min."),
    ("sla", "SLA nyckelfri hemtjänst", "KS2020/0952", "kungalv", "vindel", dt.date(2020, 10, 1),
     None, 3, None, ("sys:nyckelfri",), "Larm om lås ur funktion åtgärdas inom 4 timmar."),
    ("framework", "Avtal nyckelfri hemtjänst", "KS2020/0950", "kungalv", "vindel",
     dt.date(2020, 10, 1), "end+16m", 6, None, ("sys:nyckelfri",), ""),
    ("dpa", "Personuppgiftsbiträdesavtal nyckelfri hemtjänst", "KS2020/0951", "kungalv",
     "vindel", dt.date(2020, 10, 1), None, None, None, ("sys:nyckelfri",), ""),
    ("licence", "Licensavtal ekonomi- och lönesystem", "KS2018/1102", "kungalv", "ekbacka",
     dt.date(2018, 7, 1), "end+5m", 6, "-10d", ("sys:ekonomi", "sys:lon"), ""),
    ("dpa", "Personuppgiftsbiträdesavtal ekonomi- och lönesystem", "KS2018/1103", "kungalv",
     "ekbacka", dt.date(2018, 7, 1), None, None, None, ("sys:ekonomi", "sys:lon"), ""),
    ("framework", "Ramavtal IT-drift", "KS2021/0187", "kungalv", "granhed", dt.date(2021, 1, 1),
     "end+30m", 12, None, ("mo:gemensamma",), "Servrar, lagring, backup och identitetshantering."),
    ("sla", "Driftavtal (SLA) kommungemensamma system", "KS2021/0189", "kungalv", "granhed",
     dt.date(2021, 1, 1), None, 6, None,
     ("sys:ekonomi", "sys:lon", "sys:arende", "sys:idp", "sys:skola"), ""),
    ("dpa", "Personuppgiftsbiträdesavtal IT-drift", "KS2021/0190", "kungalv", "granhed",
     dt.date(2021, 1, 1), None, None, None, ("mo:gemensamma", "mo:omsorg"), ""),
    ("licence", "Licensavtal ärende- och dokumenthantering", "KS2017/0655", "kungalv", "kvarnby",
     dt.date(2017, 5, 1), "end+11m", 6, "+60d", ("sys:arende", "sys:intranat"), ""),
    ("licence", "Licensavtal skoladministration", "KS2022/0301", "kungalv", "tallmo",
     dt.date(2022, 7, 1), "end+24m", 6, None, ("sys:skola",), ""),
    ("dpa", "Personuppgiftsbiträdesavtal skoladministration", "KS2022/0302", "kungalv", "tallmo",
     dt.date(2022, 7, 1), None, None, None, ("sys:skola",), ""),
)

# (person, role code, targets); the role is held for the person's organisation.
# Nyckelfri hemtjänst deliberately has no systemförvaltare, and Intranät has no SLA,
# so the documentation gaps page has content.
ROLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Sambruk (seed 000, 2.1)
    ("anders.wikstrom", "object_owner", ("mo:digitala", "mo:socialtjanst")),
    ("anders.wikstrom", "data_protection_officer", ("mo:digitala", "mo:socialtjanst")),
    ("anders.wikstrom", "service_owner", ("svc:etjanst", "svc:signering", "svc:bistand")),
    ("anders.wikstrom", "system_owner", ("sys:etjanst", "sys:signering", "sys:rpa")),
    ("forvaltningsledare", "management_lead", ("mo:digitala",)),
    ("forvaltningsledare", "system_manager", ("sys:etjanst", "sys:signering")),
    ("linnea.holm", "management_lead", ("mo:socialtjanst",)),
    ("linnea.holm", "system_manager", ("sys:rpa",)),
    ("leverantor", "management_partner", ("svc:etjanst",)),
    ("patrik.lindahl", "operations_partner", ("svc:etjanst", "svc:bistand")),
    ("emma.dahl", "management_partner", ("svc:signering",)),
    ("oskar.bjork", "system_vendor", ("sys:rpa",)),
    ("karl.bergqvist", "local_contact", ("svc:etjanst",)),
    ("thomas.engstrom", "local_contact", ("svc:bistand",)),
    # Region Stockholm (seed 003, pm3 roles)
    ("katarina.wennberg", "object_owner", ("mo:vardovergangar",)),
    ("katarina.wennberg", "system_owner", ("sys:webcare",)),
    ("regionledare", "management_lead", ("mo:vardovergangar",)),
    ("mikael.strom", "management_lead_it", ("mo:vardovergangar",)),
    ("johanna.lund", "system_manager", ("sys:webcare",)),
    ("erik.sjoberg", "system_administrator", ("sys:webcare",)),
    ("niklas.hedlund", "management_partner", ("sys:webcare",)),
    ("anneli.forsberg", "local_contact", ("svc:webcare",)),
    ("tobias.ek", "local_contact", ("svc:webcare",)),
    # Kungälvs kommun (seeds 001 and 004)
    ("systemagare", "object_owner", ("mo:omsorg",)),
    ("systemagare", "system_owner", ("sys:treserva", "sys:nyckelfri", "sys:planering",
                                     "sys:socialakt")),
    ("thomas.engstrom", "information_owner", ("mo:omsorg",)),
    ("malin.grahn", "process_owner", ("sys:treserva",)),
    ("kristoffer.lindgren", "management_lead", ("mo:omsorg",)),
    ("kristoffer.lindgren", "system_manager", ("sys:treserva", "sys:planering", "sys:socialakt")),
    ("kristoffer.lindgren", "access_controller", ("sys:treserva",)),
    ("jenny.olofsson", "system_administrator", ("sys:treserva", "sys:planering",
                                                "sys:nyckelfri")),
    ("ola.nystrom", "data_protection_contact", ("sys:treserva", "mo:gemensamma")),
    ("fredrik.almqvist", "management_partner", ("sys:treserva",)),
    ("fredrik.almqvist", "system_vendor", ("sys:treserva",)),
    ("karin.mattsson", "operations_partner", ("sys:treserva", "sys:ekonomi", "sys:idp")),
    ("karin.mattsson", "technical_system_manager", ("sys:idp",)),
    ("johan.nord", "system_vendor", ("sys:ekonomi",)),
    ("henrik.falk", "object_owner", ("mo:gemensamma",)),
    ("henrik.falk", "process_owner", ("mo:gemensamma",)),
    ("henrik.falk", "system_owner", ("sys:arende", "sys:intranat")),
    ("mattias.ryden", "management_lead", ("mo:gemensamma",)),
    ("petra.nilsson", "system_manager", ("sys:arende", "sys:idp")),
    ("karl.bergqvist", "system_manager", ("sys:intranat",)),
    ("daniel.wahlstrom", "system_owner", ("sys:idp",)),
    ("anders.bengtsson", "system_owner", ("sys:ekonomi", "sys:lon")),
    ("sara.johansson", "system_manager", ("sys:ekonomi",)),
    ("elin.strand", "system_manager", ("sys:lon",)),
    ("mats.eriksson", "system_owner", ("sys:skola", "sys:elevhalsa")),
    ("camilla.sundqvist", "system_manager", ("sys:skola",)),
    ("camilla.sundqvist", "system_administrator", ("sys:skola",)),
)
# fmt: on
