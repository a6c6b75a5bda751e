//! Invånardialog (V-D1–V-D7, G7): a dialogue's plan and the rules on it, where it
//! stands, the population it should reach and how far its participants reflect it.

use chrono::NaiveDate;
use std::collections::BTreeMap;

use crate::kinds::{AgeBand, DialogueMethod, Gender, Ladder};

/// What staff plan before a dialogue opens (V-D3): all of it is public once published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub purpose: String,
    /// The question put to inhabitants.
    pub question: String,
    /// What the dialogue can change, and what it cannot.
    pub open_to_influence: String,
    /// The nämnd (an organisation node) whose decision it feeds (V-D1).
    pub decision_node: crate::ids::NodeId,
    pub decision_matter: String,
    pub decision_date: Option<NaiveDate>,
    pub decider: String,
    pub use_of_results: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub target_groups: String,
    pub methods: Vec<DialogueMethod>,
    pub ladder: Ladder,
    /// The political decision that allows co-decision (V-D6).
    pub political_decision: Option<PoliticalDecision>,
    /// How and when participants hear what became of their views (V-D4).
    pub feedback_plan: String,
}

/// The political decision that allows co-decision (V-D6): the body that made it, the day of
/// its meeting and the paragraph of its minutes, as in "Kommunfullmäktige 2026-03-05 § 41".
/// A reference written as free text before these parts existed has only its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoliticalDecision {
    pub body: String,
    pub date: Option<NaiveDate>,
    pub paragraph: Option<u32>,
}

impl PoliticalDecision {
    /// Whether the reference names body, date and paragraph, so that it can be looked up.
    pub fn is_complete(&self) -> bool {
        !self.body.trim().is_empty() && self.date.is_some() && self.paragraph.is_some()
    }
}

impl std::fmt::Display for PoliticalDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.body)?;
        if let Some(date) = self.date {
            write!(f, " {date}")?;
        }
        if let Some(paragraph) = self.paragraph {
            write!(f, " § {paragraph}")?;
        }
        Ok(())
    }
}

/// A problem with a plan: the field and the message key.
pub type Problem = (&'static str, &'static str);

impl Plan {
    /// What keeps the plan from being saved.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let required: [(&str, &str); 10] = [
            ("title", &self.title),
            ("purpose", &self.purpose),
            ("question", &self.question),
            ("open_to_influence", &self.open_to_influence),
            ("decision_node", &self.decision_node),
            ("decision_matter", &self.decision_matter),
            ("decider", &self.decider),
            ("use_of_results", &self.use_of_results),
            ("target_groups", &self.target_groups),
            ("feedback_plan", &self.feedback_plan),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                problems.push((field, "error-text-required"));
            }
        }
        if self.methods.is_empty() {
            problems.push(("methods", "dialogue-error-methods"));
        }
        if self.closes_on < self.opens_on {
            problems.push(("closes_on", "dialogue-error-closes-before-opens"));
        }
        if self.political_decision.as_ref().is_some_and(|d| !d.is_complete()) {
            problems.push(("political_body", "dialogue-error-political-decision"));
        }
        problems
    }

    /// The plan as (field, value) pairs, as the plan form names its fields: what a change
    /// record compares.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let decision = self.political_decision.as_ref();
        vec![
            ("title", self.title.clone()),
            ("purpose", self.purpose.clone()),
            ("question", self.question.clone()),
            ("open_to_influence", self.open_to_influence.clone()),
            ("decision_node", self.decision_node.to_string()),
            ("decision_matter", self.decision_matter.clone()),
            ("decision_date", self.decision_date.map(|d| d.to_string()).unwrap_or_default()),
            ("decider", self.decider.clone()),
            ("use_of_results", self.use_of_results.clone()),
            ("opens_on", self.opens_on.to_string()),
            ("closes_on", self.closes_on.to_string()),
            ("target_groups", self.target_groups.clone()),
            ("methods", self.methods.iter().map(|m| m.code()).collect::<Vec<_>>().join(",")),
            ("ladder", self.ladder.code().to_owned()),
            ("political_body", decision.map(|d| d.body.clone()).unwrap_or_default()),
            ("political_date", decision.and_then(|d| d.date).map(|d| d.to_string()).unwrap_or_default()),
            ("political_paragraph", decision.and_then(|d| d.paragraph).map(|p| p.to_string()).unwrap_or_default()),
            ("feedback_plan", self.feedback_plan.clone()),
        ]
    }

    /// Whether a change from `before` touches what was promised about influence: the ladder
    /// step or the political decision behind it. After publication that takes a reason (V-D6).
    pub fn changes_influence(&self, before: &Plan) -> bool {
        self.ladder != before.ladder || self.political_decision != before.political_decision
    }

    /// What keeps the plan from being published: the above, and co-decision without the
    /// political decision that allows it (V-D6).
    pub fn publish_problems(&self) -> Vec<Problem> {
        let mut problems = self.problems();
        if self.ladder == Ladder::Medbestammande && self.political_decision.is_none() {
            problems.push(("political_body", "dialogue-error-co-decision"));
        }
        problems
    }
}

/// Where a dialogue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not yet public.
    Draft,
    /// Public, not yet open: the plan is there to read (V-D3).
    Announced,
    Open,
    Closed,
    /// The decision is made and its outcome recorded (V-D4).
    Decided,
}

impl Phase {
    pub fn of(published: bool, decided: bool, opens_on: NaiveDate, closes_on: NaiveDate, today: NaiveDate) -> Phase {
        match () {
            _ if !published => Phase::Draft,
            _ if decided => Phase::Decided,
            _ if today < opens_on => Phase::Announced,
            _ if today <= closes_on => Phase::Open,
            _ => Phase::Closed,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::Announced => "announced",
            Phase::Open => "open",
            Phase::Closed => "closed",
            Phase::Decided => "decided",
        }
    }
}

/// One line of a population table: how many live in a district, of a gender and age band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationRow {
    pub district: String,
    pub gender: Gender,
    pub age_band: AgeBand,
    pub count: i64,
}

/// The band of an age group as SCB writes it ("20-24 år", "85+ år", "23 år"), if the whole
/// group falls in one band.
pub fn age_band(text: &str) -> Option<AgeBand> {
    let numbers: Vec<u32> =
        text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
    let band = |age: u32| match age {
        0..=19 => AgeBand::Under20,
        20..=29 => AgeBand::From20,
        30..=44 => AgeBand::From30,
        45..=64 => AgeBand::From45,
        65..=79 => AgeBand::From65,
        _ => AgeBand::From80,
    };
    match numbers[..] {
        [age] => Some(band(age)),
        [low, high] if band(low) == band(high) => Some(band(low)),
        _ => None,
    }
}

fn gender_of(text: &str) -> Option<Option<Gender>> {
    match text.trim().to_lowercase().as_str() {
        "män" | "man" | "men" | "male" | "1" => Some(Some(Gender::Man)),
        "kvinnor" | "kvinna" | "women" | "woman" | "female" | "2" => Some(Some(Gender::Kvinna)),
        "totalt" | "total" | "samtliga" | "båda könen" => Some(None),
        _ => None,
    }
}

/// Reads a population table in the layout of SCB's open tables (a header row, then one row
/// per region, age, sex and the count; `;`, `,` or tab between quoted or bare fields). Totals
/// are skipped; rows are summed into districts, genders and age bands. Errors name the line.
pub fn parse_population(text: &str) -> Result<Vec<PopulationRow>, Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else { return Err(vec!["the file is empty".into()]) };
    let separator = [';', '\t', ','].into_iter().max_by_key(|c| header.matches(*c).count()).unwrap_or(';');
    let fields = |line: &str| -> Vec<String> {
        line.split(separator).map(|f| f.trim().trim_matches('"').trim().to_owned()).collect()
    };
    let names: Vec<String> = fields(header).iter().map(|n| n.to_lowercase()).collect();
    let find = |words: &[&str]| names.iter().position(|n| words.iter().any(|w| n.contains(w)));
    let (Some(region), Some(age), Some(sex)) = (
        find(&["region", "område", "omrade", "district", "distrikt", "stadsdel"]),
        find(&["ålder", "alder", "age"]),
        find(&["kön", "kon", "sex", "gender"]),
    ) else {
        return Err(vec!["line 1: the header must name the region, age and sex columns".into()]);
    };
    let count = names.len() - 1;
    let mut sums: BTreeMap<(String, Gender, AgeBand), i64> = BTreeMap::new();
    let mut errors = Vec::new();
    for (n, line) in lines {
        let f = fields(line);
        let line_no = n + 1;
        if f.len() < names.len() {
            errors.push(format!("line {line_no}: {} fields, the header has {}", f.len(), names.len()));
            continue;
        }
        let Some(gender) = gender_of(&f[sex]) else {
            errors.push(format!("line {line_no}: unknown sex {:?}", f[sex]));
            continue;
        };
        let age_text = f[age].to_lowercase();
        if gender.is_none() || age_text.contains("total") || age_text.contains("samtliga") {
            continue;
        }
        let Some(band) = age_band(&age_text) else {
            errors.push(format!("line {line_no}: the age group {:?} is not within one age band", f[age]));
            continue;
        };
        let digits: String = f[count].chars().filter(char::is_ascii_digit).collect();
        let Ok(people) = digits.parse::<i64>() else {
            errors.push(format!("line {line_no}: {:?} is not a number", f[count]));
            continue;
        };
        let district = f[region].clone();
        if let Some(gender) = gender {
            *sums.entry((district, gender, band)).or_default() += people;
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if sums.is_empty() {
        return Err(vec!["no rows with a region, an age group, a sex and a count".into()]);
    }
    Ok(sums
        .into_iter()
        .map(|((district, gender, age_band), count)| PopulationRow { district, gender, age_band, count })
        .collect())
}

/// What one participant said about themselves (each answer voluntary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demographics {
    pub gender: Option<Gender>,
    pub age_band: Option<AgeBand>,
    pub district: Option<String>,
    pub born: Option<crate::kinds::Born>,
}

/// One group's participants against the population (V-D2).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupShare {
    /// The group's code (a gender, an age band or a district name).
    pub group: String,
    /// Per cent of the population (of those whose group is known).
    pub population_share: f64,
    /// Participants in the group; `None` when fewer than the minimum group.
    pub participants: Option<i64>,
    /// Per cent of the participants who answered, and the gap in percentage points
    /// (participants minus population); `None` when the group is hidden.
    pub participant_share: Option<f64>,
    pub gap: Option<f64>,
}

/// Participants against the population, group by group, for one dimension. Groups smaller
/// than `min_group` (in participants) show neither count nor share.
pub fn compare(population: &[(String, i64)], participants: &[String], min_group: i64) -> Vec<GroupShare> {
    let people: i64 = population.iter().map(|(_, n)| n).sum();
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for p in participants {
        *counts.entry(p.as_str()).or_default() += 1;
    }
    let answered = participants.len() as i64;
    population
        .iter()
        .map(|(group, n)| {
            let here = counts.get(group.as_str()).copied().unwrap_or(0);
            let population_share = if people > 0 { 100.0 * *n as f64 / people as f64 } else { 0.0 };
            let shown = here >= min_group && answered > 0;
            let participant_share = shown.then(|| 100.0 * here as f64 / answered as f64);
            GroupShare {
                group: group.clone(),
                population_share,
                participants: shown.then_some(here),
                participant_share,
                gap: participant_share.map(|s| s - population_share),
            }
        })
        .collect()
}

/// The population summed by one dimension, in a stable order.
pub fn population_by(rows: &[PopulationRow], key: impl Fn(&PopulationRow) -> String) -> Vec<(String, i64)> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows {
        *sums.entry(key(row)).or_default() += row.count;
    }
    sums.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::DialogueMethod;

    fn plan() -> Plan {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        Plan {
            title: "Ny park vid Mälaren".into(),
            purpose: "Att höra vad invånarna vill ha i parken.".into(),
            question: "Vad ska finnas i den nya parken?".into(),
            open_to_influence: "Innehåll och utformning; inte platsen.".into(),
            decision_node: "vasteras.tn".into(),
            decision_matter: "Gestaltningsprogram för Mälarparken".into(),
            decision_date: Some(day(30)),
            decider: "Tekniska nämnden".into(),
            use_of_results: "Underlag till gestaltningsprogrammet.".into(),
            opens_on: day(2),
            closes_on: day(20),
            target_groups: "Barn, unga och boende i närheten.".into(),
            methods: vec![DialogueMethod::Comments, DialogueMethod::Walk],
            ladder: Ladder::Konsultation,
            political_decision: None,
            feedback_plan: "Alla som lämnat e-post får beslutet.".into(),
        }
    }

    #[test]
    fn co_decision_is_published_only_with_the_political_decision_that_allows_it() {
        let mut p = plan();
        p.ladder = Ladder::Medbestammande;
        assert!(p.problems().is_empty(), "a draft may be saved");
        assert_eq!(p.publish_problems(), vec![("political_body", "dialogue-error-co-decision")]);
        let mut decision = PoliticalDecision { body: "Kommunfullmäktige".into(), date: None, paragraph: Some(12) };
        p.political_decision = Some(decision.clone());
        assert_eq!(p.problems(), vec![("political_body", "dialogue-error-political-decision")], "no date");
        decision.date = NaiveDate::from_ymd_opt(2026, 2, 5);
        p.political_decision = Some(decision);
        assert!(p.publish_problems().is_empty());
        assert_eq!(p.political_decision.as_ref().unwrap().to_string(), "Kommunfullmäktige 2026-02-05 § 12");
    }

    #[test]
    fn a_plan_lists_its_fields_and_knows_a_change_of_influence() {
        let before = plan();
        let mut after = plan();
        after.title = "Ny park vid Mälarstranden".into();
        let changed = |a: &Plan| a.fields().iter().zip(before.fields()).filter(|(x, y)| **x != *y).count();
        assert_eq!(changed(&after), 1);
        assert!(!after.changes_influence(&before));
        after.ladder = Ladder::Dialog;
        assert!(after.changes_influence(&before));
        assert_eq!(changed(&after), 2);
    }

    #[test]
    fn a_plan_names_every_missing_part_and_a_closing_before_the_opening() {
        let mut p = plan();
        p.purpose = " ".into();
        p.methods.clear();
        p.closes_on = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let fields: Vec<&str> = p.problems().iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["purpose", "methods", "closes_on"]);
    }

    #[test]
    fn the_phase_follows_publication_dates_and_decision() {
        let p = plan();
        let at = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert_eq!(Phase::of(false, false, p.opens_on, p.closes_on, at(5)), Phase::Draft);
        assert_eq!(Phase::of(true, false, p.opens_on, p.closes_on, at(1)), Phase::Announced);
        assert_eq!(Phase::of(true, false, p.opens_on, p.closes_on, at(20)), Phase::Open);
        assert_eq!(Phase::of(true, false, p.opens_on, p.closes_on, at(21)), Phase::Closed);
        assert_eq!(Phase::of(true, true, p.opens_on, p.closes_on, at(21)), Phase::Decided);
    }

    #[test]
    fn an_scb_table_is_read_into_districts_genders_and_bands() {
        let csv = "\u{feff}\"region\";\"ålder\";\"kön\";\"2025\"\n\
                   \"Västerås centrum\";\"20-24 år\";\"kvinnor\";\"1 200\"\n\
                   \"Västerås centrum\";\"25-29 år\";\"kvinnor\";800\n\
                   \"Västerås centrum\";\"totalt ålder\";\"kvinnor\";9999\n\
                   \"Västerås centrum\";\"20-24 år\";\"totalt\";9999\n\
                   \"Bäckby\";\"85+ år\";\"män\";300\n";
        let rows = parse_population(csv).unwrap();
        assert_eq!(
            rows,
            vec![
                PopulationRow {
                    district: "Bäckby".into(), gender: Gender::Man, age_band: AgeBand::From80, count: 300
                },
                PopulationRow {
                    district: "Västerås centrum".into(),
                    gender: Gender::Kvinna,
                    age_band: AgeBand::From20,
                    count: 2000
                },
            ]
        );
    }

    #[test]
    fn a_bad_population_table_is_refused_line_by_line() {
        let csv = "region,ålder,kön,2025\nBäckby,15-24 år,män,10\nBäckby,30-34 år,okänt,10\nBäckby,30-34 år,män,tio\n";
        let errors = parse_population(csv).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("line 2:") && errors[0].contains("15-24"));
        assert!(parse_population("namn;antal\nx;1\n").unwrap_err()[0].contains("header"));
    }

    #[test]
    fn participants_are_compared_with_the_population_and_small_groups_hidden() {
        let population = vec![("kvinna".to_owned(), 600), ("man".to_owned(), 400)];
        let mut participants = vec!["kvinna".to_owned(); 16];
        participants.extend(vec!["man".to_owned(); 4]);
        let shares = compare(&population, &participants, 5);
        assert_eq!(shares[0].participants, Some(16));
        assert!((shares[0].participant_share.unwrap() - 80.0).abs() < 1e-9);
        assert!((shares[0].gap.unwrap() - 20.0).abs() < 1e-9);
        assert_eq!((shares[1].participants, shares[1].gap), (None, None), "four men: fewer than five");
        assert!((shares[1].population_share - 40.0).abs() < 1e-9);
    }
}
