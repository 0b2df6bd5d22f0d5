"""The laws and regulations seeded in the legal framework register (issue 15, seed 000
4.6.2). Pure data."""

LEGAL_ACTS = (
    (
        "SFS 2009:400",
        "Offentlighets- och sekretesslagen",
        "OSL",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/offentlighets-och-sekretesslag-2009400_sfs-2009-400/",
    ),
    (
        "SFS 2017:725",
        "Kommunallagen",
        "KL",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/kommunallag-2017725_sfs-2017-725/",
    ),
    (
        "SFS 2017:900",
        "Förvaltningslagen",
        "FL",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/forvaltningslag-2017900_sfs-2017-900/",
    ),
    (
        "(EU) 2016/679",
        "Dataskyddsförordningen",
        "GDPR",
        "https://eur-lex.europa.eu/legal-content/SV/TXT/?uri=CELEX:32016R0679",
    ),
    (
        "SFS 2020:914",
        "Lagen om behandling av personuppgifter inom socialtjänsten",
        "",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/lag-2020914-om-behandling-av-personuppgifter_sfs-2020-914/",
    ),
    (
        "SFS 2008:355",
        "Patientdatalagen",
        "PDL",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/patientdatalag-2008355_sfs-2008-355/",
    ),
    (
        "HSLF-FS 2016:40",
        "Socialstyrelsens föreskrifter och allmänna råd om journalföring och "
        "behandling av personuppgifter i hälso- och sjukvården",
        "",
        "",
    ),
    (
        "SOSFS 2011:9",
        "Socialstyrelsens föreskrifter och allmänna råd om ledningssystem för "
        "systematiskt kvalitetsarbete",
        "",
        "",
    ),
    (
        "SFS 1990:782",
        "Arkivlagen",
        "",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/arkivlag-1990782_sfs-1990-782/",
    ),
)
