//! Demo data that makes a first run feel real: a municipality shaped like Västerås, its
//! categories, a few staff accounts and a few hundred cases in every state. Deterministic,
//! so that every demo looks the same; dated relative to today, so that it never looks old.

mod dialogues;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    Actor, CaseKind, Category, Channel, Choice, ContactMethod, EventPayload, NewEvent, NodeLevel, OrgNode, Question,
    Submission, Submitter, SubmitterRole,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use store::{Jurisdiction, NewCase, Role, Store, StoreError};

use crate::admin::{AdminError, add_user};

pub const JURISDICTION: &str = "vasteras";

pub fn jurisdiction() -> domain::JurisdictionId {
    JURISDICTION.into()
}
/// The password of every demo account. Demo data is for trying Lyhörd out, never for use.
pub const DEMO_PASSWORD: &str = "demo-lyhord-2026";

/// (id, parent, level, name, manager)
#[rustfmt::skip]
const NODES: &[(&str, Option<&str>, NodeLevel, &str, &str)] = {
    use NodeLevel::*;
    &[
        ("vasteras", None, Kommun, "Västerås stad", "Karin Lindqvist"),
        ("vasteras.ks", Some("vasteras"), Namnd, "Kommunstyrelsen", "Anders Holm"),
        ("vasteras.slk", Some("vasteras.ks"), Forvaltning, "Stadsledningskontoret", "Karin Lindqvist"),
        ("vasteras.kc", Some("vasteras.slk"), Avdelning, "Kontaktcenter", "Sara Nilsson"),
        ("vasteras.tn", Some("vasteras"), Namnd, "Tekniska nämnden", "Per Sundberg"),
        ("vasteras.tk", Some("vasteras.tn"), Forvaltning, "Tekniska kontoret", "Eva Ekström"),
        ("vasteras.gp", Some("vasteras.tk"), Avdelning, "Gata och park", "Mikael Åberg"),
        ("vasteras.park", Some("vasteras.gp"), Enhet, "Parkenheten", "Johan Berg"),
        ("vasteras.gata", Some("vasteras.gp"), Enhet, "Gatuenheten", "Fatima Haddad"),
        ("vasteras.trafik", Some("vasteras.tk"), Avdelning, "Trafik och mobilitet", "Olof Björk"),
        ("vasteras.renhallning", Some("vasteras.tk"), Avdelning, "Renhållning", "Lena Vik"),
        ("vasteras.bun", Some("vasteras"), Namnd, "Barn- och utbildningsnämnden", "Helena Strand"),
        ("vasteras.buf", Some("vasteras.bun"), Forvaltning, "Barn- och utbildningsförvaltningen", "Tomas Nyberg"),
        ("vasteras.forskola", Some("vasteras.buf"), Avdelning, "Förskola", "Anna Lund"),
        ("vasteras.grundskola", Some("vasteras.buf"), Avdelning, "Grundskola", "Jonas Ek"),
        ("vasteras.kifn", Some("vasteras"), Namnd, "Kultur-, idrotts- och fritidsnämnden", "Maria Sjöberg"),
        ("vasteras.kiff", Some("vasteras.kifn"), Forvaltning, "Kultur-, idrotts- och fritidsförvaltningen", "Ali Hassan"),
        ("vasteras.bibliotek", Some("vasteras.kiff"), Enhet, "Stadsbiblioteket", "Ingrid Falk"),
        ("vasteras.idrott", Some("vasteras.kiff"), Enhet, "Idrott och anläggningar", "Erik Dahl"),
        ("vasteras.an", Some("vasteras"), Namnd, "Äldrenämnden", "Birgitta Ström"),
        ("vasteras.voo", Some("vasteras.an"), Forvaltning, "Vård- och omsorgsförvaltningen", "Nils Öberg"),
        ("vasteras.hemtjanst", Some("vasteras.voo"), Enhet, "Hemtjänst", "Sofia Wallin"),
        ("vasteras.sabo", Some("vasteras.voo"), Enhet, "Särskilt boende", "Leila Karimi"),
        ("vasteras.ifn", Some("vasteras"), Namnd, "Individ- och familjenämnden", "Gustav Blom"),
        ("vasteras.iff", Some("vasteras.ifn"), Forvaltning, "Individ- och familjeförvaltningen", "Camilla Roos"),
        ("vasteras.bn", Some("vasteras"), Namnd, "Byggnadsnämnden", "Stefan Lindberg"),
        ("vasteras.sbf", Some("vasteras.bn"), Forvaltning, "Stadsbyggnadsförvaltningen", "Hanna Borg"),
        ("vasteras.bygglov", Some("vasteras.sbf"), Enhet, "Bygglov", "Viktor Engström"),
        ("vasteras.mkn", Some("vasteras"), Namnd, "Miljö- och konsumentnämnden", "Elin Mattsson"),
        ("vasteras.mhf", Some("vasteras.mkn"), Forvaltning, "Miljö- och hälsoskyddsförvaltningen", "Daniel Sandberg"),
    ]
};

/// (code, Swedish name, English name, group index, node, kinds ("" = all), public)
#[rustfmt::skip]
const CATEGORIES: &[(&str, &str, &str, usize, &str, &str, bool)] = &[
    ("gatubelysning", "Gatubelysning", "Street lighting", 0, "vasteras.gata", "felanmalan,synpunkt,klagomal", true),
    ("snorojning", "Snöröjning och halkbekämpning", "Snow clearing and gritting", 0, "vasteras.gata", "", true),
    ("gator", "Gator, cykelvägar och trottoarer", "Streets, cycle paths and pavements", 0, "vasteras.gata", "", true),
    ("trafik", "Trafik och parkering", "Traffic and parking", 0, "vasteras.trafik", "", true),
    ("hallplatser", "Hållplatser och kollektivtrafik", "Stops and public transport", 0, "vasteras.trafik", "", true),
    ("parker", "Parker och grönområden", "Parks and green spaces", 1, "vasteras.park", "", true),
    ("lekplatser", "Lekplatser", "Playgrounds", 1, "vasteras.park", "", true),
    ("klotter", "Klotter och skadegörelse", "Graffiti and vandalism", 1, "vasteras.gp", "felanmalan,klagomal,synpunkt", true),
    ("nedskrapning", "Nedskräpning och papperskorgar", "Litter and bins", 1, "vasteras.park", "", true),
    ("renhallning", "Sophämtning och återvinning", "Waste collection and recycling", 1, "vasteras.renhallning", "", true),
    ("forskola", "Förskola", "Preschool", 2, "vasteras.forskola", "", true),
    ("grundskola", "Grundskola", "Compulsory school", 2, "vasteras.grundskola", "", true),
    ("skolskjuts", "Skolskjuts", "School transport", 2, "vasteras.buf", "", true),
    ("skolmat", "Skolmåltider", "School meals", 2, "vasteras.grundskola", "", true),
    ("bibliotek", "Bibliotek", "Libraries", 3, "vasteras.bibliotek", "", true),
    ("idrott", "Idrottsanläggningar och badhus", "Sports facilities and swimming baths", 3, "vasteras.idrott", "", true),
    ("kultur", "Kultur och evenemang", "Culture and events", 3, "vasteras.kiff", "", true),
    ("hemtjanst", "Hemtjänst", "Home care", 4, "vasteras.hemtjanst", "", false),
    ("sarskilt-boende", "Särskilt boende", "Residential care", 4, "vasteras.sabo", "", false),
    ("socialtjanst", "Socialtjänst", "Social services", 4, "vasteras.iff", "", false),
    ("bygglov", "Bygglov", "Building permits", 5, "vasteras.bygglov", "", true),
    ("stadsplanering", "Stadsplanering och detaljplaner", "Urban planning", 5, "vasteras.sbf", "synpunkt,ide,fraga,klagomal", true),
    ("buller", "Buller och störningar", "Noise and disturbance", 6, "vasteras.mhf", "", true),
    ("livsmedel", "Livsmedel och restauranger", "Food and restaurants", 6, "vasteras.mhf", "", true),
    ("miljo", "Miljö och föroreningar", "Environment and pollution", 6, "vasteras.mhf", "", true),
    ("bemotande", "Bemötande och service", "Treatment and service", 7, "vasteras.kc", "", true),
    ("webbplats", "Webbplatsen och e-tjänster", "Website and e-services", 7, "vasteras.slk", "", true),
    ("ovrigt", "Övrigt", "Other", 7, "vasteras.kc", "", true),
];

#[rustfmt::skip]
const GROUPS: &[(&str, &str)] = &[
    ("Gator och trafik", "Streets and traffic"),
    ("Parker, natur och avfall", "Parks, nature and waste"),
    ("Förskola och skola", "Preschool and school"),
    ("Kultur och fritid", "Culture and leisure"),
    ("Omsorg och stöd", "Care and support"),
    ("Bygga och bo", "Building and housing"),
    ("Miljö och hälsa", "Environment and health"),
    ("Kommunen", "The municipality"),
];

/// (username, name, role, unit)
#[rustfmt::skip]
const STAFF: &[(&str, &str, Role, &str)] = &[
    ("admin", "Maria Lind", Role::Administrator, "vasteras.slk"),
    ("registrator", "Sara Nilsson", Role::Registrator, "vasteras.kc"),
    ("handlaggare", "Johan Berg", Role::Handlaggare, "vasteras.gp"),
    ("chef", "Eva Ekström", Role::Chef, "vasteras.tk"),
    ("lasare", "Lars Holm", Role::Lasare, "vasteras.tn"),
    ("arkivansvarig", "Ingrid Ek", Role::Arkivansvarig, "vasteras.slk"),
];

/// What people write, by kind. `{place}` is filled in.
#[rustfmt::skip]
const TEXTS: &[(CaseKind, &str)] = &[
    (CaseKind::Felanmalan, "Belysningen är trasig vid {place}. Det är helt mörkt på kvällarna och känns otryggt."),
    (CaseKind::Felanmalan, "Det är ett stort hål i asfalten vid {place}. En cyklist höll på att köra omkull i morse."),
    (CaseKind::Felanmalan, "Papperskorgen vid {place} är överfull sedan flera dagar och skräpet blåser ut i gräset."),
    (CaseKind::Felanmalan, "Gungan på lekplatsen vid {place} har en trasig kedja."),
    (CaseKind::Klagomal, "Ingen har plogat gång- och cykelvägen vid {place} på tre dagar. Äldre kan inte ta sig till affären."),
    (CaseKind::Klagomal, "Jag fick inget svar på mitt mejl för två veckor sedan och ingen svarar i telefon."),
    (CaseKind::Klagomal, "Bussen till {place} har varit försenad varje morgon den här veckan och barnen kommer för sent."),
    (CaseKind::Klagomal, "Personalen var otrevlig när jag ringde och jag blev kopplad runt fyra gånger."),
    (CaseKind::Klagomal, "Maten på skolan vid {place} räcker inte till alla barn som äter sent."),
    (CaseKind::Synpunkt, "Det behövs fler bänkar längs promenadstråket vid {place}, många äldre går där."),
    (CaseKind::Synpunkt, "Öppettiderna på biblioteket borde vara längre på helgerna."),
    (CaseKind::Synpunkt, "Skyltningen till återvinningsstationen vid {place} är svår att förstå."),
    (CaseKind::Berom, "Stort tack till personalen vid {place}! Snabb hjälp och ett fint bemötande."),
    (CaseKind::Berom, "Den nya parken vid {place} är fantastisk, barnen älskar den."),
    (CaseKind::Ide, "Gör en cykelväg längs {place} så att barnen kan cykla säkert till skolan."),
    (CaseKind::Ide, "Ordna sommarbio i parken vid {place}, det skulle ge liv åt området."),
    (CaseKind::Fraga, "När kommer ni att klippa gräset vid {place}?"),
    (CaseKind::Fraga, "Hur lång är handläggningstiden för ett bygglov för en altan?"),
    (CaseKind::Fraga, "Vilka regler gäller för att elda trädgårdsavfall i villaområdet vid {place}?"),
];

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Vasaparken", "Stora torget", "Kopparlunden", "Mälarparken", "Bäckby centrum", "Skiljebo", "Hammarby",
    "Råby", "Björnön", "Rocklunda", "Östermalmsparken", "Kungsgatan", "Vallby", "Erikslund", "Pettersberg",
];

#[rustfmt::skip]
const ANSWERS: &[&str] = &[
    "Tack för att du hörde av dig. Vi har åtgärdat felet.",
    "Tack för din synpunkt. Vi tar med den i planeringen inför nästa år.",
    "Vi beklagar det som hänt och har gått igenom rutinerna med personalen.",
    "Tack för de fina orden, vi har vidarebefordrat dem till personalen.",
    "Svar på din fråga: arbetet är planerat till nästa vecka.",
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds data, so no demo data was loaded (demo data goes only into an empty database)")]
    NotEmpty,
    #[error("{0}")]
    Admin(#[from] AdminError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What was loaded, for the message printed afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub cases: usize,
    pub usernames: Vec<&'static str>,
}

/// Answer templates staff start from; placeholders are filled in from the case.
fn answer_templates() -> Vec<store::AnswerTemplate> {
    let template = |name: &str, language: &str, body: &str| store::AnswerTemplate {
        id: domain::TemplateId::new(),
        name: name.into(),
        language: language.into(),
        body: body.into(),
    };
    vec![
        template(
            "Tack för synpunkten",
            "sv",
            "Hej {name}!\n\nTack för att du hörde av dig om ärende {number}. Vi på {unit} har tagit del av det du skrev \
             och använder det i vårt arbete med att bli bättre.\n\nMed vänlig hälsning\n{handler}",
        ),
        template(
            "Felet är åtgärdat",
            "sv",
            "Hej {name}!\n\nFelet du anmälde i ärende {number} är nu åtgärdat. Tack för att du hjälper oss att hålla \
             staden i ordning.\n\nMed vänlig hälsning\n{handler}, {unit}",
        ),
        template(
            "Thank you for your feedback",
            "en",
            "Hello {name},\n\nThank you for contacting us about case {number}. We at {unit} have read what you wrote \
             and will use it to improve.\n\nKind regards\n{handler}",
        ),
    ]
}

/// Loads the demo into an empty database, with cases received before `now`.
pub async fn load(store: &Store, now: DateTime<Utc>, cases: usize) -> Result<DemoSummary, DemoError> {
    if !store.jurisdictions().await?.is_empty() {
        return Err(DemoError::NotEmpty);
    }
    store
        .upsert_jurisdiction(&Jurisdiction {
            id: JURISDICTION.into(),
            name: "Västerås stad".into(),
            email: Some("kontaktcenter@vasteras.example".into()),
            phone: Some("021-39 00 00".into()),
            visiting_address: Some("Stadshuset, Fiskartorget 2, Västerås".into()),
            opening_hours: Some("Vardagar 8–17, lunch 12–13".into()),
            dpo_contact: Some("Dataskyddsombudet, Västerås stad, dataskyddsombud@vasteras.example".into()),
        })
        .await?;
    let nodes: Vec<OrgNode> = NODES
        .iter()
        .map(|(id, parent, level, name, manager)| OrgNode {
            id: (*id).into(),
            parent: parent.map(Into::into),
            level: *level,
            name: (*name).into(),
            manager_name: Some((*manager).into()),
            manager_user_id: None,
        })
        .collect();
    store.upsert_org(&jurisdiction(), &nodes).await?;

    let mut staff_ids = Vec::new();
    for (username, name, role, unit) in STAFF {
        // Addresses in the reserved .example domain: reminders to staff are written to the
        // demo's mail directory like every other message.
        let email = format!("{username}@vasteras.example");
        let id =
            add_user(store, Some(JURISDICTION), username, name, *role, Some(unit), Some(&email), DEMO_PASSWORD).await?;
        staff_ids.push(id);
    }
    // The managers with accounts become the default handlers of their units (S7).
    let mut linked = nodes.clone();
    for node in &mut linked {
        if let Some(i) = STAFF.iter().position(|(_, name, ..)| node.manager_name.as_deref() == Some(*name)) {
            node.manager_user_id = Some(staff_ids[i]);
        }
    }
    store.upsert_org(&jurisdiction(), &linked).await?;

    let categories = categories();
    for (position, category) in categories.iter().enumerate() {
        store.upsert_category(&jurisdiction(), category, position as i64).await?;
    }
    for template in answer_templates() {
        store.save_template(&jurisdiction(), &template).await?;
    }
    let tree = store.org_tree(&jurisdiction()).await?;
    let registrator = Actor::Staff { user_id: staff_ids[1] };
    let mut rng = StdRng::seed_from_u64(20_141_105);
    let mut generated: Vec<(NewCase, i64)> = (0..cases).map(|_| random_case(&mut rng, &categories, now)).collect();
    // Numbers follow the order of receipt, as they would have.
    generated.sort_by_key(|(case, _)| case.received_at);
    for (new_case, age_days) in generated {
        let handler = tree.responsible(&new_case.node_id).ok().flatten().and_then(|n| n.manager_user_id);
        let handler_actor = handler.map_or(Actor::System, |user_id| Actor::Staff { user_id });
        let node_id = new_case.node_id.clone();
        let (kind, category) = (new_case.submission.kind, new_case.submission.category.clone());
        let received_at = new_case.received_at;
        let anonymous = new_case.submission.submitter.anonymous;
        let receipt = store.submit(new_case).await?;
        let steps = lifecycle_steps(&mut rng, age_days, anonymous);
        let mut at = received_at;
        for payload in steps {
            at = (at + Duration::minutes(rng.random_range(20..(60 * 24 * 2)))).min(now);
            let payload = match payload {
                EventPayload::Classified { .. } => {
                    EventPayload::Classified { kind, category: category.clone(), node_id: node_id.clone() }
                }
                EventPayload::Assigned { .. } => {
                    EventPayload::Assigned { node_id: node_id.clone(), handler_id: handler }
                }
                other => other,
            };
            let actor = match &payload {
                EventPayload::CitizenMessage { .. } => Actor::Citizen,
                EventPayload::Classified { .. } => registrator,
                EventPayload::Assigned { .. } => Actor::System,
                _ => handler_actor,
            };
            store.append(receipt.case_id, NewEvent::new(at, actor, payload)).await?;
        }
    }
    // The manager of Tekniska kontoret runs the demo's dialogues.
    dialogues::load(store, &jurisdiction(), now, staff_ids[3]).await?;
    gallring_plan(store, staff_ids[0]).await?;
    Ok(DemoSummary { cases, usernames: STAFF.iter().map(|s| s.0).collect() })
}

/// A plausible gallringsbeslut (the kind a kommunstyrelse takes for its
/// dokumenthanteringsplan): praise, suggestions and questions go two years after closing,
/// complaints are kept for the e-archive, held spam and mail go after three months, the access
/// log after two years, and dialogue addresses once the feedback is sent.
async fn gallring_plan(store: &Store, by: domain::UserId) -> Result<(), StoreError> {
    use domain::gallring::{Covers, Disposal, Rule};
    let decision = store::NewGallringDecision {
        reference: "KS 2025/123 § 45".into(),
        body: "Kommunstyrelsen".into(),
        decided_on: chrono::NaiveDate::from_ymd_opt(2025, 5, 20).expect("a date"),
        recorded_by: Some(by),
    };
    let id = store.save_gallring_decision(&jurisdiction(), &decision).await?;
    let rule = |covers, kind: Option<CaseKind>, after_months, action| Rule {
        id: domain::GallringRuleId::new(),
        covers,
        kind,
        category: None,
        node_id: None,
        channel: None,
        outcome: None,
        after_months,
        action,
    };
    // What only passed through on its way to the authority it belonged to (FL 4 §).
    let referred =
        Rule { outcome: Some(domain::gallring::Outcome::Referred), ..rule(Covers::Cases, None, 6, Disposal::Gallras) };
    let rules = [
        rule(Covers::Cases, Some(CaseKind::Berom), 24, Disposal::Gallras),
        rule(Covers::Cases, Some(CaseKind::Synpunkt), 24, Disposal::Gallras),
        rule(Covers::Cases, Some(CaseKind::Fraga), 24, Disposal::Gallras),
        rule(Covers::Cases, Some(CaseKind::Klagomal), 0, Disposal::Bevaras),
        referred,
        rule(Covers::HeldSubmissions, None, 3, Disposal::Gallras),
        rule(Covers::InboundMail, None, 3, Disposal::Gallras),
        rule(Covers::AccessLog, None, 24, Disposal::Gallras),
        rule(Covers::DialogueAddresses, None, 0, Disposal::Gallras),
    ];
    for r in &rules {
        store.add_gallring_rule(&jurisdiction(), id, r).await?;
    }
    Ok(())
}

fn categories() -> Vec<Category> {
    CATEGORIES
        .iter()
        .map(|(code, sv, en, group, node, kinds, public)| Category {
            code: (*code).into(),
            name_sv: (*sv).into(),
            name_en: (*en).into(),
            group_sv: GROUPS[*group].0.into(),
            group_en: GROUPS[*group].1.into(),
            node_id: (*node).into(),
            kinds: kinds
                .split(',')
                .filter(|k| !k.is_empty())
                .map(|k| k.parse().expect("demo kinds are valid"))
                .collect(),
            public: *public,
            // Care and social services hold health and social circumstances (GDPR art. 9).
            sensitive: ["hemtjanst", "sarskilt-boende", "socialtjanst"].contains(code),
            questions: if *code == "gatubelysning" { street_light_questions() } else { Vec::new() },
        })
        .collect()
}

/// What a street-light report is asked besides the description, as in FixMyStreet.
fn street_light_questions() -> Vec<Question> {
    let choice = |key: &str, sv: &str, en: &str| Choice { key: key.into(), name_sv: sv.into(), name_en: en.into() };
    vec![
        Question {
            code: "fel".into(),
            label_sv: "Vad är fel på belysningen?".into(),
            label_en: "What is wrong with the lighting?".into(),
            required: false,
            choices: vec![
                choice("slackt", "Lampan är släckt", "The lamp is out"),
                choice("blinkar", "Lampan blinkar", "The lamp flickers"),
                choice("lyser_dagtid", "Lampan lyser på dagen", "The lamp is on in daytime"),
                choice("skadad", "Stolpen eller armaturen är skadad", "The pole or fitting is damaged"),
            ],
        },
        Question {
            code: "stolpnummer".into(),
            label_sv: "Stolpens nummer, om du ser det".into(),
            label_en: "The pole's number, if you can see it".into(),
            required: false,
            choices: Vec::new(),
        },
    ]
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A receipt time within the last four months, mostly in office hours on weekdays.
fn received_at(rng: &mut StdRng, now: DateTime<Utc>) -> (DateTime<Utc>, i64) {
    let age_days = rng.random_range(0..120_i64);
    let day = domain::time::local(now - Duration::days(age_days)).date_naive();
    let hour = if rng.random_bool(0.8) { rng.random_range(8..17) } else { rng.random_range(17..24) };
    let local = day.and_hms_opt(hour, rng.random_range(0..60), rng.random_range(0..60)).expect("valid time");
    let at =
        domain::time::STOCKHOLM.from_local_datetime(&local).earliest().map_or(now, |t| t.with_timezone(&Utc)).min(now);
    (at, age_days)
}

fn random_case(rng: &mut StdRng, categories: &[Category], now: DateTime<Utc>) -> (NewCase, i64) {
    let category = pick(rng, categories);
    let kinds: Vec<CaseKind> = TEXTS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| category.accepts(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let kind = *pick(rng, &kinds);
    let texts: Vec<&str> = TEXTS.iter().filter(|(k, _)| *k == kind).map(|(_, t)| *t).collect();
    let place = *pick(rng, PLACES);
    let description = pick(rng, &texts).replace("{place}", place);
    let channel = match rng.random_range(0..100) {
        0..45 => Channel::Web,
        45..70 => Channel::Email,
        70..85 => Channel::Phone,
        85..90 => Channel::Visit,
        90..95 => Channel::Letter,
        _ => Channel::Api,
    };
    let anonymous = matches!(channel, Channel::Web | Channel::Letter) && rng.random_bool(0.12);
    let submitter = if anonymous {
        Submitter { anonymous: true, ..Submitter::default() }
    } else {
        let n = rng.random_range(1..10_000);
        let role =
            *pick(rng, &[SubmitterRole::Invanare, SubmitterRole::Kund, SubmitterRole::Kund, SubmitterRole::Foretag]);
        let wants_phone = channel == Channel::Phone || rng.random_bool(0.15);
        Submitter {
            anonymous: false,
            role: Some(role),
            name: Some(format!("Invånare {n}")),
            email: (!wants_phone).then(|| format!("invanare{n}@example.se")),
            phone: wants_phone.then(|| format!("070-{:03} {:02} {:02}", n % 1000, n % 97, n % 89)),
            postal_address: None,
            contact_method: Some(if wants_phone { ContactMethod::Phone } else { ContactMethod::Email }),
        }
    };
    let (at, age_days) = received_at(rng, now);
    let actor = if matches!(channel, Channel::Phone | Channel::Visit | Channel::Letter) {
        Actor::System
    } else {
        Actor::Citizen
    };
    let case = NewCase {
        submission: Submission {
            jurisdiction: JURISDICTION.into(),
            kind,
            channel,
            category: category.code.clone(),
            description,
            place: Some(place.into()),
            position: None,
            submitter,
            language: "sv".into(),
            attachments: vec![],
            media_url: None,
            answers: vec![],
        },
        node_id: category.node_id.clone(),
        received_at: at,
        idempotency_key: None,
        // History: its receipts went out when the cases came in.
        live: false,
        actor,
    };
    (case, age_days)
}

/// How far a case of this age has come: older cases are mostly closed, new ones open.
/// Classification and assignment are filled in by the caller, who knows the case.
fn lifecycle_steps(rng: &mut StdRng, age_days: i64, anonymous: bool) -> Vec<EventPayload> {
    let progress = match age_days {
        0 => rng.random_range(0..3),
        1..=3 => rng.random_range(0..5),
        4..=14 => rng.random_range(1..7),
        _ if rng.random_bool(0.9) => 6,
        _ => rng.random_range(3..6),
    };
    let mut steps = Vec::new();
    if progress >= 1 {
        steps.push(EventPayload::Classified {
            kind: CaseKind::Synpunkt,
            category: String::new(),
            node_id: domain::NodeId::default(),
        });
    }
    if progress >= 2 {
        steps.push(EventPayload::Assigned { node_id: domain::NodeId::default(), handler_id: None });
    }
    if progress >= 3 {
        steps.push(EventPayload::WorkStarted);
        if !anonymous && rng.random_bool(0.25) {
            steps.push(EventPayload::InformationRequested { message: "Kan du beskriva var det är mer exakt?".into() });
            if progress >= 5 || rng.random_bool(0.4) {
                steps.push(EventPayload::CitizenMessage {
                    message: "Det är vid den norra ingången.".into(),
                    attachments: vec![],
                    reference: None,
                });
            }
        }
    }
    if progress >= 4 && rng.random_bool(0.5) {
        steps.push(EventPayload::NoteAdded { text: "Pratat med enheten, åtgärd planerad.".into() });
    }
    if progress >= 5 && !matches!(steps.last(), Some(EventPayload::InformationRequested { .. })) {
        steps.push(EventPayload::Answered { message: (*pick(rng, ANSWERS)).into() });
        if progress >= 6 {
            steps.push(EventPayload::Closed { summary: "Besvarat och åtgärdat.".into() });
        }
    }
    steps
}
