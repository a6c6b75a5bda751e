//! The redovisning (V-D5, G7): how a dialogue was planned and carried out, who took part
//! against the population, what was said and how each view was considered — as a page, and as
//! tagged PDF for the decision papers. Every contribution is listed; hidden ones by number and
//! the moderator's reason, never their text.

use domain::dialogue::{Demographics, GroupShare, PopulationRow, compare, population_by};
use domain::{AgeBand, Born, Consideration, Gender, QuestionKind};
use domain::{DialogueId, QuestionId};
use store::{
    Contribution, Dialogue, DialogueChange, DialogueQuestion, Meeting, Moderation, Store, StoreError, Theme, User,
};

use crate::i18n::Lang;

/// A table of participants against the population for one dimension.
pub struct Representation {
    pub heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub struct QuestionResult {
    pub text: String,
    /// (choice, count) for choices and scales; the answers themselves for free text.
    pub counts: Vec<(String, i64)>,
    pub texts: Vec<String>,
}

pub struct ThemeView {
    /// The name and how many contributions it gathers.
    pub heading: String,
    pub consideration: String,
    pub reason: String,
    pub quotes: Vec<String>,
}

pub struct ContributionLine {
    pub number: i64,
    pub kind: String,
    pub source: String,
    /// The text, or the moderator's note when hidden.
    pub text: String,
    pub hidden: bool,
    pub theme: String,
    pub consideration: String,
    pub reason: String,
}

/// Everything recorded about one dialogue, read once for a page.
pub struct Record {
    pub questions: Vec<DialogueQuestion>,
    pub answers: Vec<(QuestionId, String)>,
    pub demographics: Vec<Demographics>,
    pub meetings: Vec<Meeting>,
    pub contributions: Vec<Contribution>,
    pub themes: Vec<Theme>,
    pub log: Vec<Moderation>,
    pub population: Vec<PopulationRow>,
    pub changes: Vec<DialogueChange>,
    /// The municipality's staff, to name who changed what.
    pub staff: Vec<User>,
}

impl Record {
    pub async fn load(
        store: &Store,
        jurisdiction: &domain::JurisdictionId,
        id: DialogueId,
    ) -> Result<Record, StoreError> {
        let (questions, answers, demographics, meetings, contributions, themes, log, population, changes, staff) = tokio::try_join!(
            store.dialogue_questions(id),
            store.dialogue_answers(id),
            store.dialogue_demographics(id),
            store.meetings(id),
            store.contributions(id),
            store.themes(id),
            store.moderation_log(id),
            store.population(jurisdiction),
            store.dialogue_changes(id),
            store.users(jurisdiction),
        )?;
        Ok(Record {
            questions,
            answers,
            demographics,
            meetings,
            contributions,
            themes,
            log,
            population,
            changes,
            staff,
        })
    }
}

pub struct Account {
    pub title: String,
    pub plan: Vec<(String, String)>,
    pub carried_out: Vec<String>,
    pub representation: Vec<Representation>,
    pub questions: Vec<QuestionResult>,
    pub themes: Vec<ThemeView>,
    pub contributions: Vec<ContributionLine>,
    pub outcome: Option<(String, String)>,
    /// Why the decision came before the dialogue closed or before every view was considered.
    pub decision_reason: String,
    /// What changed since the dialogue was published: who, when, what and why (V-D4).
    pub history: Vec<HistoryLine>,
}

/// One recorded change, as the redovisning lists it.
pub struct HistoryLine {
    pub when: String,
    pub who: String,
    pub what: String,
    /// "Field: before → after", one per field.
    pub fields: Vec<String>,
    pub reason: String,
}

impl HistoryLine {
    /// The change as one line: when, who, what, the fields and the reason.
    pub fn sentence(&self) -> String {
        let mut line = format!("{} {}: {}. {}", self.when, self.who, self.what, self.fields.join("; "));
        if !self.reason.is_empty() {
            line.push_str(&format!(" ({})", self.reason));
        }
        line
    }
}

/// The changes made since publication (a draft's edits are its drafting), oldest first.
fn history(dialogue: &Dialogue, changes: &[DialogueChange], staff: &[User], lang: Lang) -> Vec<HistoryLine> {
    let Some(published) = dialogue.published_at else {
        return Vec::new();
    };
    let shown = |field: &str, value: &str| -> String {
        let value = match field {
            "ladder" => value.parse::<domain::Ladder>().map_or(value, |l| l.name(lang.code())),
            "consideration" => value.parse::<Consideration>().map_or(value, |c| c.name(lang.code())),
            _ => value,
        };
        if value.is_empty() { "–".to_owned() } else { value.to_owned() }
    };
    changes
        .iter()
        .filter(|c| c.at >= published)
        .map(|c| {
            let (what, number) = c.what.split_once(' ').unwrap_or((c.what.as_str(), ""));
            HistoryLine {
                when: domain::time::local(c.at).format("%Y-%m-%d %H:%M").to_string(),
                who: staff.iter().find(|u| u.id == c.user_id).map_or_else(String::new, |u| u.display_name.clone()),
                what: lang.t1(&format!("dialogue-change-{what}"), "number", number),
                fields: c
                    .fields
                    .iter()
                    .map(|f| {
                        let label = match f.field.as_str() {
                            "name" => lang.t("dialogue-theme"),
                            "decided_on" => lang.t("staff-dialogue-decided-on"),
                            field => lang.t(&format!("dialogue-{}", field.replace('_', "-"))),
                        };
                        format!("{label}: {} → {}", shown(&f.field, &f.before), shown(&f.field, &f.after))
                    })
                    .collect(),
                reason: c.reason.clone(),
            }
        })
        .collect()
}

fn percent(x: f64, lang: Lang) -> String {
    format!("{} %", lang.decimal(x))
}

fn consideration_name(c: Option<Consideration>, lang: Lang) -> String {
    c.map_or_else(|| lang.t("dialogue-not-considered-yet"), |c| c.name(lang.code()).to_owned())
}

fn representation_table(
    heading: String,
    shares: Vec<GroupShare>,
    name: &dyn Fn(&str) -> String,
    min: i64,
    lang: Lang,
) -> Representation {
    let hidden = || lang.t1("report-hidden", "min", &min.to_string());
    Representation {
        heading,
        columns: [
            "dialogue-group",
            "dialogue-population-share",
            "dialogue-participants",
            "dialogue-participant-share",
            "dialogue-gap",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect(),
        rows: shares
            .iter()
            .map(|s| {
                vec![
                    name(&s.group),
                    percent(s.population_share, lang),
                    s.participants.map_or_else(hidden, |n| n.to_string()),
                    s.participant_share.map_or_else(|| "–".into(), |p| percent(p, lang)),
                    s.gap.map_or_else(
                        || "–".into(),
                        |g| {
                            lang.t1(
                                "dialogue-points",
                                "gap",
                                &format!("{}{}", if g > 0.0 { "+" } else { "" }, lang.decimal(g)),
                            )
                        },
                    ),
                ]
            })
            .collect(),
    }
}

impl Account {
    pub fn of(record: &Record, dialogue: &Dialogue, decision_unit: String, min_group: i64, lang: Lang) -> Account {
        let l = lang.code();
        let Record {
            questions,
            answers,
            demographics,
            meetings,
            contributions,
            themes,
            log,
            population,
            changes,
            staff,
        } = record;
        let p = &dialogue.plan;
        let mut ladder = p.ladder.name(l).to_owned();
        if let Some(decision) = &p.political_decision {
            ladder = format!("{ladder} ({}: {decision})", lang.t("dialogue-political-decision"));
        }
        let decision = match p.decision_date {
            Some(date) => format!("{decision_unit}: {} ({date})", p.decision_matter),
            None => format!("{decision_unit}: {}", p.decision_matter),
        };
        let plan = vec![
            (lang.t("dialogue-purpose"), p.purpose.clone()),
            (lang.t("dialogue-question"), p.question.clone()),
            (lang.t("dialogue-open-to-influence"), p.open_to_influence.clone()),
            (lang.t("dialogue-decision"), decision),
            (lang.t("dialogue-decider"), p.decider.clone()),
            (lang.t("dialogue-use-of-results"), p.use_of_results.clone()),
            (lang.t("dialogue-timeline"), format!("{} – {}", p.opens_on, p.closes_on)),
            (lang.t("dialogue-target-groups"), p.target_groups.clone()),
            (lang.t("dialogue-methods"), p.methods.iter().map(|m| m.name(l)).collect::<Vec<_>>().join(", ")),
            (lang.t("dialogue-ladder"), ladder),
            (lang.t("dialogue-feedback-plan"), p.feedback_plan.clone()),
        ];
        let web_contributions = contributions.iter().filter(|c| c.meeting_id.is_none()).count();
        let mut carried_out = vec![lang.t_with(
            "dialogue-web-summary",
            &[("participants", demographics.len().to_string()), ("contributions", web_contributions.to_string())],
        )];
        for m in meetings {
            let raised = contributions.iter().filter(|c| c.meeting_id == Some(m.id)).count();
            carried_out.push(lang.t_with(
                "dialogue-meeting-summary",
                &[
                    ("date", m.held_on.to_string()),
                    ("place", m.place.clone()),
                    ("method", m.method.name(l).to_owned()),
                    ("participants", m.participants.to_string()),
                    ("contributions", raised.to_string()),
                ],
            ));
        }

        // Who took part, against the population (V-D2). Meeting participants gave no answers
        // about themselves and are counted above.
        let mut representation = Vec::new();
        if !population.is_empty() {
            let known = |groups: &[(String, i64)], codes: Vec<String>| {
                codes.into_iter().filter(|c| groups.iter().any(|(g, _)| g == c)).collect::<Vec<_>>()
            };
            let genders = population_by(population, |r| r.gender.code().to_owned());
            let said: Vec<String> = demographics.iter().filter_map(|d| d.gender).map(|g| g.code().to_owned()).collect();
            let gender_name = |c: &str| c.parse::<Gender>().map_or_else(|_| c.to_owned(), |g| g.name(l).to_owned());
            representation.push(representation_table(
                lang.t("dialogue-by-gender"),
                compare(&genders, &known(&genders, said), min_group),
                &gender_name,
                min_group,
                lang,
            ));
            let ages = population_by(population, |r| r.age_band.code().to_owned());
            let said: Vec<String> =
                demographics.iter().filter_map(|d| d.age_band).map(|a| a.code().to_owned()).collect();
            let age_name = |c: &str| c.parse::<AgeBand>().map_or_else(|_| c.to_owned(), |a| a.name(l).to_owned());
            representation.push(representation_table(
                lang.t("dialogue-by-age"),
                compare(&ages, &known(&ages, said), min_group),
                &age_name,
                min_group,
                lang,
            ));
            let districts = population_by(population, |r| r.district.clone());
            let said: Vec<String> = demographics.iter().filter_map(|d| d.district.clone()).collect();
            representation.push(representation_table(
                lang.t("dialogue-by-district"),
                compare(&districts, &known(&districts, said), min_group),
                &|c: &str| c.to_owned(),
                min_group,
                lang,
            ));
        }
        // Born in Sweden or abroad: the population table does not say, so counts only.
        let born: Vec<String> = demographics.iter().filter_map(|d| d.born).map(|b| b.code().to_owned()).collect();
        if !born.is_empty() {
            let hidden = || lang.t1("report-hidden", "min", &min_group.to_string());
            representation.push(Representation {
                heading: lang.t("dialogue-by-born"),
                columns: vec![lang.t("dialogue-group"), lang.t("dialogue-participants")],
                rows: Born::ALL
                    .iter()
                    .map(|b| {
                        let n = born.iter().filter(|c| *c == b.code()).count() as i64;
                        vec![
                            b.name(l).to_owned(),
                            domain::analysis::shown(n, min_group).map_or_else(hidden, |n| n.to_string()),
                        ]
                    })
                    .collect(),
            });
        }

        let questions = questions
            .iter()
            .map(|q| {
                let given: Vec<&str> = answers.iter().filter(|(id, _)| *id == q.id).map(|(_, v)| v.as_str()).collect();
                let choices: Vec<String> = match q.kind {
                    QuestionKind::Scale => (1..=5).map(|n| n.to_string()).collect(),
                    QuestionKind::Text => Vec::new(),
                    _ => q.options.clone(),
                };
                QuestionResult {
                    text: q.text.clone(),
                    counts: choices
                        .iter()
                        .map(|c| (c.clone(), given.iter().filter(|v| v.lines().any(|line| line == c)).count() as i64))
                        .collect(),
                    texts: if q.kind == QuestionKind::Text {
                        given.iter().map(|v| (*v).to_owned()).collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();

        let theme_views = themes
            .iter()
            .map(|t| {
                let mine: Vec<&Contribution> = contributions.iter().filter(|c| c.theme_id == Some(t.id)).collect();
                ThemeView {
                    heading: lang.t_with(
                        "dialogue-theme-heading",
                        &[("name", t.name.clone()), ("count", mine.len().to_string())],
                    ),
                    consideration: consideration_name(t.consideration, lang),
                    reason: t.reason.clone(),
                    quotes: mine.iter().filter(|c| !c.hidden).take(3).map(|c| c.body.clone()).collect(),
                }
            })
            .collect();
        let lines = contributions
            .iter()
            .map(|c| {
                let theme = themes.iter().find(|t| Some(t.id) == c.theme_id);
                // A contribution's own consideration, else its theme's.
                let (consideration, reason) = match (c.consideration, theme) {
                    (Some(own), _) => (Some(own), c.reason.clone()),
                    (None, Some(t)) => (t.consideration, t.reason.clone()),
                    (None, None) => (None, String::new()),
                };
                let note = log.iter().rev().find(|m| m.contribution_id == c.id && m.hidden).map(|m| m.reason.clone());
                ContributionLine {
                    number: c.number,
                    kind: c.kind.name(l).to_owned(),
                    source: match c.meeting_id.and_then(|m| meetings.iter().find(|x| x.id == m)) {
                        Some(m) => format!("{} {}", m.method.name(l), m.held_on),
                        None => lang.t("dialogue-source-web"),
                    },
                    text: if c.hidden {
                        lang.t1("dialogue-hidden-note", "reason", &note.unwrap_or_default())
                    } else {
                        c.body.clone()
                    },
                    hidden: c.hidden,
                    theme: theme.map(|t| t.name.clone()).unwrap_or_default(),
                    consideration: consideration_name(consideration, lang),
                    reason,
                }
            })
            .collect();
        Account {
            title: p.title.clone(),
            plan,
            carried_out,
            representation,
            questions,
            themes: theme_views,
            contributions: lines,
            outcome: dialogue.decided_on.map(|d| (d.to_string(), dialogue.outcome.clone())),
            decision_reason: dialogue.decision_reason.clone(),
            history: history(dialogue, changes, staff, lang),
        }
    }

    /// The redovisning as tagged PDF (PDF/UA-1) to attach to the decision papers.
    pub fn pdf(&self, lang: Lang) -> Result<Vec<u8>, pdf::Error> {
        use pdf::Block;
        let mut blocks = vec![
            Block::Heading(1, lang.t1("dialogue-account-title", "title", &self.title)),
            Block::Heading(2, lang.t("dialogue-account-planned")),
            Block::Table {
                columns: vec![lang.t("dialogue-part"), lang.t("dialogue-plan")],
                rows: self.plan.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect(),
            },
            Block::Heading(2, lang.t("dialogue-account-carried-out")),
            Block::List(self.carried_out.clone()),
            Block::Heading(2, lang.t("dialogue-account-who")),
        ];
        if self.representation.is_empty() {
            blocks.push(Block::Paragraph(lang.t("dialogue-no-population")));
        }
        for r in &self.representation {
            blocks.push(Block::Heading(3, r.heading.clone()));
            blocks.push(Block::Table { columns: r.columns.clone(), rows: r.rows.clone() });
        }
        blocks.push(Block::Heading(2, lang.t("dialogue-account-said")));
        for q in &self.questions {
            blocks.push(Block::Heading(3, q.text.clone()));
            if !q.counts.is_empty() {
                blocks.push(Block::Table {
                    columns: vec![lang.t("dialogue-answer"), lang.t("dialogue-count")],
                    rows: q.counts.iter().map(|(c, n)| vec![c.clone(), n.to_string()]).collect(),
                });
            }
            if !q.texts.is_empty() {
                blocks.push(Block::List(q.texts.clone()));
            }
        }
        for t in &self.themes {
            blocks.push(Block::Heading(3, t.heading.clone()));
            blocks.push(Block::Paragraph(format!(
                "{}: {}. {}",
                lang.t("dialogue-consideration"),
                t.consideration,
                t.reason
            )));
            if !t.quotes.is_empty() {
                blocks.push(Block::List(t.quotes.iter().map(|q| format!("”{q}”")).collect()));
            }
        }
        blocks.push(Block::Heading(2, lang.t("dialogue-account-all")));
        if self.contributions.is_empty() {
            blocks.push(Block::Paragraph(lang.t("dialogue-no-contributions")));
        } else {
            blocks.push(Block::Table {
                columns: [
                    "dialogue-number",
                    "dialogue-contribution",
                    "dialogue-theme",
                    "dialogue-consideration",
                    "dialogue-reason",
                ]
                .iter()
                .map(|k| lang.t(k))
                .collect(),
                rows: self
                    .contributions
                    .iter()
                    .map(|c| {
                        vec![
                            c.number.to_string(),
                            format!("{} ({}, {})", c.text, c.kind, c.source),
                            c.theme.clone(),
                            c.consideration.clone(),
                            c.reason.clone(),
                        ]
                    })
                    .collect(),
            });
        }
        if let Some((date, outcome)) = &self.outcome {
            blocks.push(Block::Heading(2, lang.t("dialogue-account-outcome")));
            blocks.push(Block::Paragraph(format!("{date}: {outcome}")));
            if !self.decision_reason.is_empty() {
                blocks.push(Block::Paragraph(format!(
                    "{}: {}",
                    lang.t("dialogue-decision-reason"),
                    self.decision_reason
                )));
            }
        }
        if !self.history.is_empty() {
            blocks.push(Block::Heading(2, lang.t("dialogue-account-history")));
            blocks.push(Block::List(self.history.iter().map(HistoryLine::sentence).collect()));
        }
        pdf::render(&pdf::Document {
            title: lang.t1("dialogue-account-title", "title", &self.title),
            lang: lang.code().to_owned(),
            blocks,
        })
    }
}
