"""A synthetic FAQ of municipal services, and resident messages about it, for benchmarks.

Topics (with the Finnish case forms the templates need) times question templates, for six
municipalities and shared, in Finnish, Swedish and English. The words are ordinary words
of municipal services, so the index meets realistic vocabulary, compounds and inflection.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from faqbot.matching import FaqDoc

# slug, genitive (for "Karvian kirjasto")
MUNICIPALITIES = [
    ("kankaanpaa", "Kankaanpään"),
    ("honkajoki", "Honkajoen"),
    ("jamijarvi", "Jämijärven"),
    ("karvia", "Karvian"),
    ("pomarkku", "Pomarkun"),
    ("siikainen", "Siikaisten"),
]

# nominative, genitive, partitive, illative, elative
FINNISH_TOPICS = [
    ("kirjasto", "kirjaston", "kirjastoa", "kirjastoon", "kirjastosta"),
    ("uimahalli", "uimahallin", "uimahallia", "uimahalliin", "uimahallista"),
    ("kuntosali", "kuntosalin", "kuntosalia", "kuntosaliin", "kuntosalista"),
    ("terveysasema", "terveysaseman", "terveysasemaa", "terveysasemaan", "terveysasemasta"),
    ("hammashoitola", "hammashoitolan", "hammashoitolaa", "hammashoitolaan", "hammashoitolasta"),
    ("päiväkoti", "päiväkodin", "päiväkotia", "päiväkotiin", "päiväkodista"),
    ("esiopetus", "esiopetuksen", "esiopetusta", "esiopetukseen", "esiopetuksesta"),
    (
        "koulukuljetus",
        "koulukuljetuksen",
        "koulukuljetusta",
        "koulukuljetukseen",
        "koulukuljetuksesta",
    ),
    ("rakennuslupa", "rakennusluvan", "rakennuslupaa", "rakennuslupaan", "rakennusluvasta"),
    (
        "toimenpidelupa",
        "toimenpideluvan",
        "toimenpidelupaa",
        "toimenpidelupaan",
        "toimenpideluvasta",
    ),
    ("jäteastia", "jäteastian", "jäteastiaa", "jäteastiaan", "jäteastiasta"),
    ("kompostori", "kompostorin", "kompostoria", "kompostoriin", "kompostorista"),
    ("sakokaivo", "sakokaivon", "sakokaivoa", "sakokaivoon", "sakokaivosta"),
    ("vesimittari", "vesimittarin", "vesimittaria", "vesimittariin", "vesimittarista"),
    ("vesilasku", "vesilaskun", "vesilaskua", "vesilaskuun", "vesilaskusta"),
    (
        "kiinteistövero",
        "kiinteistöveron",
        "kiinteistöveroa",
        "kiinteistöveroon",
        "kiinteistöverosta",
    ),
    ("nuohous", "nuohouksen", "nuohousta", "nuohoukseen", "nuohouksesta"),
    ("aurauspalvelu", "aurauspalvelun", "aurauspalvelua", "aurauspalveluun", "aurauspalvelusta"),
    ("kotihoito", "kotihoidon", "kotihoitoa", "kotihoitoon", "kotihoidosta"),
    (
        "omaishoidontuki",
        "omaishoidontuen",
        "omaishoidontukea",
        "omaishoidontukeen",
        "omaishoidontuesta",
    ),
    (
        "toimeentulotuki",
        "toimeentulotuen",
        "toimeentulotukea",
        "toimeentulotukeen",
        "toimeentulotuesta",
    ),
    ("vuokra-asunto", "vuokra-asunnon", "vuokra-asuntoa", "vuokra-asuntoon", "vuokra-asunnosta"),
    ("nuorisotila", "nuorisotilan", "nuorisotilaa", "nuorisotilaan", "nuorisotilasta"),
    ("työväenopisto", "työväenopiston", "työväenopistoa", "työväenopistoon", "työväenopistosta"),
    (
        "musiikkiopisto",
        "musiikkiopiston",
        "musiikkiopistoa",
        "musiikkiopistoon",
        "musiikkiopistosta",
    ),
    ("kesätyöpaikka", "kesätyöpaikan", "kesätyöpaikkaa", "kesätyöpaikkaan", "kesätyöpaikasta"),
    ("liikuntavuoro", "liikuntavuoron", "liikuntavuoroa", "liikuntavuoroon", "liikuntavuorosta"),
    ("kokoustila", "kokoustilan", "kokoustilaa", "kokoustilaan", "kokoustilasta"),
    ("kunnantalo", "kunnantalon", "kunnantaloa", "kunnantaloon", "kunnantalosta"),
    ("hautapaikka", "hautapaikan", "hautapaikkaa", "hautapaikkaan", "hautapaikasta"),
    ("venepaikka", "venepaikan", "venepaikkaa", "venepaikkaan", "venepaikasta"),
    (
        "palstaviljelmä",
        "palstaviljelmän",
        "palstaviljelmää",
        "palstaviljelmään",
        "palstaviljelmästä",
    ),
    (
        "pysäköintilupa",
        "pysäköintiluvan",
        "pysäköintilupaa",
        "pysäköintilupaan",
        "pysäköintiluvasta",
    ),
    ("katuvalo", "katuvalon", "katuvaloa", "katuvaloon", "katuvalosta"),
    (
        "yksityistieavustus",
        "yksityistieavustuksen",
        "yksityistieavustusta",
        "yksityistieavustukseen",
        "yksityistieavustuksesta",
    ),
    ("ympäristölupa", "ympäristöluvan", "ympäristölupaa", "ympäristölupaan", "ympäristöluvasta"),
    ("maa-aineslupa", "maa-ainesluvan", "maa-aineslupaa", "maa-aineslupaan", "maa-ainesluvasta"),
    (
        "poikkeamislupa",
        "poikkeamisluvan",
        "poikkeamislupaa",
        "poikkeamislupaan",
        "poikkeamisluvasta",
    ),
    ("tontti", "tontin", "tonttia", "tonttiin", "tontista"),
    ("kalastuslupa", "kalastusluvan", "kalastuslupaa", "kalastuslupaan", "kalastusluvasta"),
    ("leikkipuisto", "leikkipuiston", "leikkipuistoa", "leikkipuistoon", "leikkipuistosta"),
    ("koirapuisto", "koirapuiston", "koirapuistoa", "koirapuistoon", "koirapuistosta"),
    ("uimaranta", "uimarannan", "uimarantaa", "uimarantaan", "uimarannasta"),
    ("hiihtolatu", "hiihtoladun", "hiihtolatua", "hiihtolatuun", "hiihtoladusta"),
    ("luistinrata", "luistinradan", "luistinrataa", "luistinrataan", "luistinradasta"),
    ("palveluseteli", "palvelusetelin", "palveluseteliä", "palveluseteliin", "palvelusetelistä"),
    ("neuvola", "neuvolan", "neuvolaa", "neuvolaan", "neuvolasta"),
    ("vanhuspalvelu", "vanhuspalvelun", "vanhuspalvelua", "vanhuspalveluun", "vanhuspalvelusta"),
    (
        "kuljetuspalvelu",
        "kuljetuspalvelun",
        "kuljetuspalvelua",
        "kuljetuspalveluun",
        "kuljetuspalvelusta",
    ),
    ("ateriapalvelu", "ateriapalvelun", "ateriapalvelua", "ateriapalveluun", "ateriapalvelusta"),
    ("kouluruokailu", "kouluruokailun", "kouluruokailua", "kouluruokailuun", "kouluruokailusta"),
    (
        "iltapäiväkerho",
        "iltapäiväkerhon",
        "iltapäiväkerhoa",
        "iltapäiväkerhoon",
        "iltapäiväkerhosta",
    ),
    ("kirjastokortti", "kirjastokortin", "kirjastokorttia", "kirjastokorttiin", "kirjastokortista"),
    ("vesijohto", "vesijohdon", "vesijohtoa", "vesijohtoon", "vesijohdosta"),
    (
        "viemäriliittymä",
        "viemäriliittymän",
        "viemäriliittymää",
        "viemäriliittymään",
        "viemäriliittymästä",
    ),
    ("kaavamuutos", "kaavamuutoksen", "kaavamuutosta", "kaavamuutokseen", "kaavamuutoksesta"),
    (
        "rakennustarkastus",
        "rakennustarkastuksen",
        "rakennustarkastusta",
        "rakennustarkastukseen",
        "rakennustarkastuksesta",
    ),
    (
        "yhdistysavustus",
        "yhdistysavustuksen",
        "yhdistysavustusta",
        "yhdistysavustukseen",
        "yhdistysavustuksesta",
    ),
    (
        "kulttuuritapahtuma",
        "kulttuuritapahtuman",
        "kulttuuritapahtumaa",
        "kulttuuritapahtumaan",
        "kulttuuritapahtumasta",
    ),
    ("museo", "museon", "museota", "museoon", "museosta"),
    ("retkeilyreitti", "retkeilyreitin", "retkeilyreittiä", "retkeilyreittiin", "retkeilyreitistä"),
    ("laavu", "laavun", "laavua", "laavuun", "laavusta"),
    ("hiekoitus", "hiekoituksen", "hiekoitusta", "hiekoitukseen", "hiekoituksesta"),
    ("romuauto", "romuauton", "romuautoa", "romuautoon", "romuautosta"),
    ("ongelmajäte", "ongelmajätteen", "ongelmajätettä", "ongelmajätteeseen", "ongelmajätteestä"),
    (
        "kierrätyspiste",
        "kierrätyspisteen",
        "kierrätyspistettä",
        "kierrätyspisteeseen",
        "kierrätyspisteestä",
    ),
]

# question, alternatives; {M} is the municipality's genitive and a space, or nothing.
FINNISH_TEMPLATES = [
    ("Milloin {M}{n} on auki?", ["{g} aukioloajat", "onko {n} auki viikonloppuna"]),
    ("Paljonko {M}{n} maksaa?", ["{g} hinta", "{g} maksut ja alennukset"]),
    ("Miten haen {M}{p}?", ["{g} hakeminen", "{g} hakemus ja liitteet"]),
    ("Mistä saan lisätietoa {e}?", ["{g} yhteystiedot", "{g} neuvonta"]),
    ("Kuka vastaa {M}{e}?", ["{g} vastuuhenkilö", "{g} esihenkilö"]),
    ("Missä {M}{n} sijaitsee?", ["{g} osoite", "{g} sijainti kartalla"]),
    ("Miten varaan ajan {i}?", ["ajanvaraus {i}", "{g} ajanvaraus"]),
    ("Voiko {g} varauksen perua?", ["{g} peruutus", "{g} peruutusehdot"]),
    ("Onko {M}{n} esteetön?", ["{g} esteettömyys", "pääseekö {i} pyörätuolilla"]),
    ("Mitä {i} pitää ottaa mukaan?", ["{i} tarvittavat asiakirjat", "{g} muistilista"]),
    ("Miten {g} palvelut muuttuvat kesällä?", ["{g} kesäaukiolo", "{g} kesätauko"]),
    ("Miten annan palautetta {e}?", ["{g} palaute", "valitus {e}"]),
    ("Kuinka kauan {g} käsittely kestää?", ["{g} käsittelyaika", "{g} jonotusaika"]),
    ("Millä ehdoilla {n} myönnetään?", ["{g} ehdot", "{g} myöntämisperusteet"]),
]

# indefinite, definite
SWEDISH_TOPICS = [
    ("bibliotek", "biblioteket"), ("simhall", "simhallen"), ("gym", "gymmet"),
    ("hälsostation", "hälsostationen"), ("tandklinik", "tandkliniken"), ("daghem", "daghemmet"),
    ("förskoleundervisning", "förskoleundervisningen"), ("skolskjuts", "skolskjutsen"),
    ("bygglov", "bygglovet"), ("soptunna", "soptunnan"), ("kompost", "komposten"),
    ("vattenmätare", "vattenmätaren"), ("fastighetsskatt", "fastighetsskatten"),
    ("sotning", "sotningen"), ("snöplogning", "snöplogningen"), ("hemvård", "hemvården"),
    ("närståendevård", "närståendevården"), ("utkomststöd", "utkomststödet"),
    ("hyresbostad", "hyresbostaden"), ("ungdomsgård", "ungdomsgården"),
    ("medborgarinstitut", "medborgarinstitutet"), ("musikinstitut", "musikinstitutet"),
    ("sommarjobb", "sommarjobbet"), ("mötesrum", "mötesrummet"), ("kommungård", "kommungården"),
    ("gravplats", "gravplatsen"), ("båtplats", "båtplatsen"),
    ("parkeringstillstånd", "parkeringstillståndet"), ("gatubelysning", "gatubelysningen"),
    ("miljötillstånd", "miljötillståndet"), ("tomt", "tomten"), ("lekpark", "lekparken"),
    ("hundpark", "hundparken"), ("badstrand", "badstranden"), ("skidspår", "skidspåret"),
    ("skridskobana", "skridskobanan"), ("rådgivning", "rådgivningen"),
    ("färdtjänst", "färdtjänsten"), ("skolmat", "skolmaten"), ("museum", "museet"),
    ("återvinningsstation", "återvinningsstationen"),
]  # fmt: skip
SWEDISH_TEMPLATES = [
    ("Vilka är öppettiderna för {d}?", ["{d} öppettider", "är {d} öppet på helgen"]),
    ("Vad kostar {d}?", ["pris för {n}", "avgifter för {d}"]),
    ("Hur ansöker jag om {n}?", ["ansökan om {n}", "blankett för {n}"]),
    ("Var finns {d}?", ["adress till {d}", "vägbeskrivning till {d}"]),
    ("Vem ansvarar för {d}?", ["ansvarig för {d}", "chef för {d}"]),
    ("Hur bokar jag tid till {d}?", ["tidsbokning {d}", "boka tid {d}"]),
    ("Var hittar jag kontaktuppgifter till {d}?", ["kontaktuppgifter {d}", "telefon till {d}"]),
    ("Kan jag avboka {d}?", ["avbokning av {d}", "avbokningsvillkor {d}"]),
]

ENGLISH_TOPICS = [
    "library", "swimming hall", "gym", "health centre", "dental clinic", "daycare centre",
    "preschool", "school transport", "building permit", "waste bin", "compost",
    "water meter", "property tax", "chimney sweeping", "snow ploughing", "home care",
    "informal care support", "social assistance", "rental apartment", "youth centre",
    "adult education centre", "music school", "summer job", "meeting room", "town hall",
    "grave plot", "boat place", "parking permit", "street lighting", "environmental permit",
    "building plot", "playground", "dog park", "beach", "ski track", "ice rink",
    "child health clinic", "transport service", "school meals", "museum", "recycling point",
]  # fmt: skip
ENGLISH_TEMPLATES = [
    ("When is the {t} open?", ["{t} opening hours", "is the {t} open at weekends"]),
    ("How much does the {t} cost?", ["{t} price", "{t} fees and discounts"]),
    ("How do I apply for a {t}?", ["{t} application", "applying for a {t}"]),
    ("Where is the {t}?", ["{t} address", "directions to the {t}"]),
    ("Who is responsible for the {t}?", ["{t} contact person", "who runs the {t}"]),
    ("How do I book a time at the {t}?", ["{t} booking", "book an appointment {t}"]),
    ("Where can I find contact details for the {t}?", ["{t} contact details", "{t} phone"]),
    ("Can I cancel my {t} booking?", ["{t} cancellation", "cancel {t}"]),
]

OUT_OF_SCOPE = [
    "mikä on Ruotsin pääkaupunki", "paljonko kello on Tokiossa", "suositteletko hyvää pizzaa",
    "kuka voitti eilisen jalkapallo-ottelun", "miten teen hapankorppuja", "mitäs sulle kuuluu",
    "what is the weather like in Paris", "who wrote the Kalevala", "vad kostar en bil",
    "voiko kissalle antaa maitoa", "mikä on paras puhelinliittymä",
    "milloin juna lähtee Tampereelle",
]  # fmt: skip
PERSON_REQUESTS = [
    "haluaisin puhua virkailijan kanssa", "voinko saada ihmisen linjoille",
    "tää botti ei auta, anna ihminen", "soittakaa minulle takaisin",
    "kan jag få prata med en handläggare", "I want to talk to a real person please",
]  # fmt: skip
SPOKEN_OPENERS = ["onks", "mis on", "mites", "saako", "voiks"]


def _fill(template: str, forms: tuple[str, ...], genitive: str) -> str:
    n, g, p, i, e = forms
    return template.format(M=f"{genitive} " if genitive else "", n=n, g=g, p=p, i=i, e=e)


def _finnish_answer(forms: tuple[str, ...], town: str, rng: random.Random) -> str:
    n, g, *_rest = forms
    place = town or "kunnan"
    phone = f"044 {rng.randint(1000000, 9999999)}"
    return (
        f"{g.capitalize()} asioissa palvelee {place} asiakaspalvelu arkisin klo 9–15. "
        f"Lisätietoja {n}-asioista saat verkkosivuilta tai puhelimitse {phone}. "
        "[Lisätietoja](https://example.fi/palvelut)"
    )


def synthetic_faq(size: int = 5000, seed: int = 1) -> list[FaqDoc]:
    """`size` distinct entries: Finnish per municipality and shared, Swedish and English."""
    rng = random.Random(seed)
    docs: list[FaqDoc] = []
    for t, (question, alternatives) in enumerate(FINNISH_TEMPLATES):
        for f, forms in enumerate(FINNISH_TOPICS):
            # One combination in five is shared by all; the rest each municipality writes.
            owners = [(None, "")] if (t + f) % 5 == 0 else MUNICIPALITIES
            for slug, genitive in owners:
                docs.append(
                    FaqDoc(
                        key=f"fi-{t}-{f}-{slug or 'shared'}",
                        municipality=slug,
                        language="fi",
                        question=_fill(question, forms, genitive),
                        alternatives=tuple(_fill(a, forms, "") for a in alternatives),
                        answer=_finnish_answer(forms, genitive, rng),
                    )
                )
    for t, (question, alternatives) in enumerate(SWEDISH_TEMPLATES):
        for f, (n, d) in enumerate(SWEDISH_TOPICS):
            docs.append(
                FaqDoc(
                    key=f"sv-{t}-{f}",
                    municipality=None if f % 3 else "kankaanpaa",
                    language="sv",
                    question=question.format(n=n, d=d),
                    alternatives=tuple(a.format(n=n, d=d) for a in alternatives),
                    answer=f"Information om {d} får du av kommunens kundtjänst.",
                )
            )
    for t, (question, alternatives) in enumerate(ENGLISH_TEMPLATES):
        for f, topic in enumerate(ENGLISH_TOPICS):
            docs.append(
                FaqDoc(
                    key=f"en-{t}-{f}",
                    municipality=None,
                    language="en",
                    question=question.format(t=topic),
                    alternatives=tuple(a.format(t=topic) for a in alternatives),
                    answer=f"The municipality's customer service answers questions on the {topic}.",
                )
            )
    # Keep all three languages when cutting down to size.
    rng.shuffle(docs)
    return docs[:size]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _undotted(text: str) -> str:
    return text.replace("ä", "a").replace("ö", "o")


def synthetic_messages(
    docs: list[FaqDoc], count: int = 400, seed: int = 2
) -> Iterator[tuple[str, str, str]]:
    """(text, municipality, page language): resident-like variants of the FAQ, and others."""
    rng = random.Random(seed)
    slugs = [slug for slug, _genitive in MUNICIPALITIES]
    for n in range(count):
        municipality = rng.choice(slugs)
        kind = n % 10
        if kind == 8:
            yield rng.choice(OUT_OF_SCOPE) + rng.choice(["", "?", " kiitos"]), municipality, "fi"
            continue
        if kind == 9:
            yield rng.choice(PERSON_REQUESTS), municipality, "fi"
            continue
        doc = rng.choice(docs)
        municipality = doc.municipality or municipality
        text = rng.choice([doc.question, *doc.alternatives]).lower().rstrip("?")
        words = text.split()
        if doc.language == "fi":
            if kind in (1, 5):
                longest = max(range(len(words)), key=lambda i: len(words[i]))
                words[longest] = _typo(words[longest], rng)
            elif kind == 2:
                words = _undotted(" ".join(words)).split()
            elif kind == 3:
                words = [rng.choice(SPOKEN_OPENERS), *words]
            elif kind == 4:
                words = [*words, rng.choice(["huomenna", "tänään", "ens viikolla", "kiitos"])]
        yield " ".join(words), municipality, doc.language
