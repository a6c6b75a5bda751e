//! The demo's citizen dialogues: a population table, one dialogue open now with
//! answers, comments and a walk, one announced, and one decided with its themes, so that the
//! redovisning has something to show.

use chrono::{DateTime, Duration, Utc};
use domain::dialogue::{Demographics, Plan, PopulationRow};
use domain::{AgeBand, Born, Consideration, ContributionKind, DialogueMethod, Gender, Ladder, QuestionKind};
use domain::{MeetingId, UserId};
use store::{ChangeNote, Meeting, Participation, Store, StoreError};

const DISTRICTS: [(&str, i64); 4] = [("Centrum", 9_000), ("Bäckby", 6_000), ("Hammarby", 4_000), ("Skiljebo", 5_000)];

fn population() -> Vec<PopulationRow> {
    let mut rows = Vec::new();
    for (district, scale) in DISTRICTS {
        for (band, share) in AgeBand::ALL.iter().zip([22, 14, 20, 25, 13, 6]) {
            for gender in [Gender::Kvinna, Gender::Man] {
                rows.push(PopulationRow {
                    district: district.into(),
                    gender,
                    age_band: *band,
                    count: scale * share / 200,
                });
            }
        }
    }
    rows
}

fn plan(title: &str, opens: DateTime<Utc>, closes: DateTime<Utc>, ladder: Ladder) -> Plan {
    Plan {
        title: title.into(),
        purpose: "Att ta till vara kunskap och erfarenheter från dem som bor och rör sig i området.".into(),
        question: format!("{title}: vad är viktigast för dig?"),
        open_to_influence: "Innehåll och utformning. Platsen och budgeten är redan beslutade.".into(),
        decision_node: "vasteras.tn".into(),
        decision_matter: format!("Gestaltning: {title}"),
        decision_date: Some((closes + Duration::days(21)).date_naive()),
        decider: "Tekniska nämnden".into(),
        use_of_results: "Synpunkterna sammanställs i en redovisning som följer med beslutsunderlaget.".into(),
        opens_on: opens.date_naive(),
        closes_on: closes.date_naive(),
        target_groups: "Barn, unga och boende i området; särskilt de som sällan hörs.".into(),
        methods: vec![DialogueMethod::WebSurvey, DialogueMethod::Comments, DialogueMethod::Walk],
        ladder,
        political_decision: None,
        feedback_plan: "Alla som lämnar e-post får beslutet och redovisningen; sidan visar dem också.".into(),
    }
}

fn person(n: usize, text: Option<&str>) -> Participation {
    Participation {
        email: None,
        demographics: Demographics {
            gender: Some(if n.is_multiple_of(3) { Gender::Man } else { Gender::Kvinna }),
            age_band: Some(AgeBand::ALL[1 + n % 4]),
            district: Some(DISTRICTS[n % 2].0.into()),
            born: Some(if n.is_multiple_of(4) { Born::Utomlands } else { Born::Sverige }),
        },
        answers: Vec::new(),
        contribution: text.map(|t| (ContributionKind::Proposal, t.to_owned())),
    }
}

pub async fn load(
    store: &Store,
    jurisdiction: &domain::JurisdictionId,
    now: DateTime<Utc>,
    by: UserId,
) -> Result<(), StoreError> {
    let note = ChangeNote { user_id: by, reason: String::new() };
    store.set_population(jurisdiction, &population()).await?;

    // Open now: a questionnaire, proposals, and a walk on site.
    let open =
        plan("Ny lekplats i Bäckbyparken", now - Duration::days(7), now + Duration::days(14), Ladder::Konsultation);
    let id = store.save_dialogue(jurisdiction, None, &open, &note).await?;
    store.publish_dialogue(jurisdiction, id).await?;
    let choices = ["Gungor".to_owned(), "Klätterställning".to_owned(), "Skugga och sittplatser".to_owned()];
    store
        .change_questions(id, Some((QuestionKind::Single, "Vad vill du helst ha på lekplatsen?", &choices)), None)
        .await?;
    store.change_questions(id, Some((QuestionKind::Scale, "Hur trygg känns parken i dag?", &[])), None).await?;
    let questions = store.dialogue_questions(id).await?;
    let proposals = [
        Some("Gungor för de minsta, gärna en babygunga."),
        Some("Mer skugga: det är väldigt varmt på sommaren."),
        None,
        Some("Bänkar så att föräldrar och äldre kan sitta."),
        Some("Belysning längs gången till skolan."),
        None,
        Some("En klätterställning för större barn."),
    ];
    for (n, text) in proposals.iter().enumerate() {
        let mut p = person(n, *text);
        p.answers = vec![(questions[0].id, choices[n % 3].clone()), (questions[1].id, (2 + n % 3).to_string())];
        store.participate(id, &p).await?;
    }
    let walk = Meeting {
        id: MeetingId::new(),
        held_on: (now - Duration::days(2)).date_naive(),
        place: "Bäckbyparken, vid fotbollsplanen".into(),
        method: DialogueMethod::Walk,
        participants: 11,
        notes: "Trygghetsvandring med föräldraföreningen.".into(),
    };
    store.add_meeting(id, &walk, &["Mörkt vid gångtunneln".into(), "Buskarna skymmer sikten".into()]).await?;

    // Announced: the plan is public before it opens (V-D3).
    let soon = plan(
        "Cykelvägar mellan Skiljebo och centrum",
        now + Duration::days(10),
        now + Duration::days(40),
        Ladder::Dialog,
    );
    let id = store.save_dialogue(jurisdiction, None, &soon, &note).await?;
    store.publish_dialogue(jurisdiction, id).await?;

    // Decided: themes, how they were considered, and the outcome.
    let past = plan("Tryggare Hammarby centrum", now - Duration::days(90), now - Duration::days(60), Ladder::Dialog);
    let id = store.save_dialogue(jurisdiction, None, &past, &note).await?;
    store.publish_dialogue(jurisdiction, id).await?;
    let said = [
        "Bättre belysning vid busshållplatsen.",
        "Klipp ner buskarna vid torget.",
        "Fler vuxna ute på kvällarna.",
        "Lampor längs cykelvägen.",
    ];
    for (n, text) in said.iter().enumerate() {
        store.participate(id, &person(n + 1, Some(text))).await?;
    }
    let light = store
        .save_theme(id, None, "Belysning", Some(Consideration::Beaktad), "Ny belysning ingår i beslutet.", by)
        .await?;
    let bushes = store
        .save_theme(
            id,
            None,
            "Växtlighet",
            Some(Consideration::Delvis),
            "Buskarna vid torget klipps; parken sparas.",
            by,
        )
        .await?;
    for c in store.contributions(id).await? {
        let theme = match c.number {
            1 | 4 => Some(light),
            2 => Some(bushes),
            _ => None,
        };
        let (consideration, reason) = if theme.is_none() {
            (Some(Consideration::EjBeaktad), "Ligger utanför nämndens ansvar; lämnat till polisen och fältgruppen.")
        } else {
            (None, "")
        };
        store.consider_contribution(id, c.id, theme, consideration, reason, by).await?;
    }
    let decided = (now - Duration::days(40)).date_naive();
    store
        .record_outcome(
            jurisdiction,
            id,
            "Belysningen byggs ut vid busshållplatsen och längs cykelvägen; buskarna vid torget klipps.",
            decided,
            &note,
        )
        .await?;
    Ok(())
}
