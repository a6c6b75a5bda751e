//! Breach support (GDPR art. 33-34): after a personal data breach the controller must say,
//! within 72 hours, whose data of which categories were concerned, and tell the persons when
//! the risk is high. The report lists, for a time window (and a unit with what is below it),
//! every case whose person's data were written, shown to staff or sent by mail, who the
//! person is, and which categories of data the case holds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use domain::{Category, JurisdictionId, NodeId, OrgTree, Submission};
use store::{BreachCase, Store, StoreError};

use crate::lang::Lang;

/// A category of personal data the report names apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataCategory {
    /// Name, e-mail address, telephone number, postal address.
    Contact,
    /// What the person wrote.
    FreeText,
    /// Pictures and documents.
    Files,
    /// Sensitive data (GDPR art. 9): the case's category is marked so, e.g. home care.
    Sensitive,
}

impl DataCategory {
    pub const ALL: [DataCategory; 4] =
        [DataCategory::Contact, DataCategory::FreeText, DataCategory::Files, DataCategory::Sensitive];

    pub fn text_key(self) -> &'static str {
        match self {
            DataCategory::Contact => "breach-data-contact",
            DataCategory::FreeText => "breach-data-free-text",
            DataCategory::Files => "breach-data-files",
            DataCategory::Sensitive => "breach-data-sensitive",
        }
    }
}

/// The window and scope a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// A unit and everything below it; `None`: the whole municipality (or what the person
    /// asking is granted).
    pub node: Option<NodeId>,
}

/// Why a window cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowProblem {
    From,
    To,
    Order,
    Node,
}

impl WindowProblem {
    pub fn field(self) -> &'static str {
        match self {
            WindowProblem::From => "from",
            WindowProblem::To | WindowProblem::Order => "to",
            WindowProblem::Node => "node",
        }
    }

    pub fn text_key(self) -> &'static str {
        match self {
            WindowProblem::From | WindowProblem::To => "breach-error-time",
            WindowProblem::Order => "breach-error-order",
            WindowProblem::Node => "error-unit-required",
        }
    }
}

/// A moment as people write it, Swedish time: "2026-11-30" (the day's start) or
/// "2026-11-30T14:05" / "2026-11-30 14:05".
fn moment(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end_of_day { day.succ_opt()? } else { day };
        return Some(domain::time::start_of_day(day));
    }
    let at = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"].iter().find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?;
    use chrono::TimeZone;
    Some(domain::time::STOCKHOLM.from_local_datetime(&at).earliest()?.with_timezone(&Utc))
}

impl Window {
    /// Reads a window from what was typed: `to` as a day means the end of that day.
    pub fn read(from: &str, to: &str, node: &str, tree: &OrgTree) -> Result<Window, Vec<WindowProblem>> {
        let mut problems = Vec::new();
        let from = moment(from, false);
        let until = moment(to, true);
        if from.is_none() {
            problems.push(WindowProblem::From);
        }
        if until.is_none() {
            problems.push(WindowProblem::To);
        }
        if let (Some(from), Some(until)) = (from, until)
            && from >= until
        {
            problems.push(WindowProblem::Order);
        }
        let node = Some(node.trim()).filter(|n| !n.is_empty()).map(NodeId::from);
        if node.as_deref().is_some_and(|n| tree.node(n).is_err()) {
            problems.push(WindowProblem::Node);
        }
        match (from, until) {
            (Some(from), Some(until)) if problems.is_empty() => Ok(Window { from, until, node }),
            _ => Err(problems),
        }
    }
}

/// One case of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub number: String,
    pub unit: String,
    pub category: String,
    pub received: String,
    /// Who the person is, as the case holds it now ("" when anonymous or gallrad).
    pub person: String,
    pub data: Vec<DataCategory>,
    pub stored: bool,
    pub shown_to: Vec<String>,
    pub sent_to: Vec<String>,
}

/// The report: its window and its cases.
#[derive(Debug, Clone)]
pub struct BreachReport {
    pub window: Window,
    pub scope: String,
    pub lines: Vec<Line>,
}

fn person_of(submission: &Submission, corrections: &[domain::submission::ContactDetails]) -> String {
    let submitter = corrections.iter().fold(submission.submitter.clone(), |s, c| s.corrected(c));
    if submitter.anonymous {
        return String::new();
    }
    [submitter.name, submitter.email, submitter.phone, submitter.postal_address]
        .into_iter()
        .flatten()
        .filter(|v| !v.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn data_of(case: &BreachCase, person: &str, categories: &[Category]) -> Vec<DataCategory> {
    let mut data = Vec::new();
    if let Some(s) = &case.submission {
        if !person.is_empty() {
            data.push(DataCategory::Contact);
        }
        if !s.description.trim().is_empty() {
            data.push(DataCategory::FreeText);
        }
        if !s.attachments.is_empty() {
            data.push(DataCategory::Files);
        }
    }
    if categories.iter().any(|c| c.code == case.category && c.sensitive) {
        data.push(DataCategory::Sensitive);
    }
    data
}

impl BreachReport {
    /// Reads the report. `granted` limits it to the units the person asking is granted
    /// (`None`: every unit).
    pub async fn build(
        store: &Store,
        jurisdiction: &JurisdictionId,
        window: Window,
        granted: Option<&[NodeId]>,
        lang: Lang,
    ) -> Result<BreachReport, StoreError> {
        let (tree, categories) = tokio::try_join!(store.org_tree(jurisdiction), store.categories(jurisdiction))?;
        let below: Option<Vec<NodeId>> = window
            .node
            .as_ref()
            .map(|n| tree.subtree(n).unwrap_or_default().into_iter().map(|n| n.id.clone()).collect::<Vec<NodeId>>());
        let units: Option<Vec<NodeId>> = match (below, granted) {
            (Some(below), Some(granted)) => Some(below.into_iter().filter(|n| granted.contains(n)).collect()),
            (Some(below), None) => Some(below),
            (None, granted) => granted.map(<[NodeId]>::to_vec),
        };
        let cases = store.breach_cases(jurisdiction, units.as_deref(), window.from, window.until).await?;
        let l = lang.code();
        let lines = cases
            .iter()
            .map(|case| {
                let person = case.submission.as_ref().map(|s| person_of(s, &case.corrections)).unwrap_or_default();
                Line {
                    number: case.number.clone(),
                    unit: tree.node(&case.node_id).map_or_else(|_| case.node_id.to_string(), |n| n.name.clone()),
                    category: categories
                        .iter()
                        .find(|c| c.code == case.category)
                        .map_or_else(|| case.category.clone(), |c| c.name(l).to_owned()),
                    received: crate::dates::short(case.received_at),
                    data: data_of(case, &person, &categories),
                    person,
                    stored: case.stored,
                    shown_to: case.shown_to.clone(),
                    sent_to: case.sent_to.clone(),
                }
            })
            .collect();
        let scope = match &window.node {
            Some(n) => tree.node(n).map_or_else(|_| n.to_string(), |n| n.name.clone()),
            None => tree.root().name.clone(),
        };
        Ok(BreachReport { window, scope, lines })
    }

    pub fn title(&self, lang: Lang) -> String {
        lang.t_with(
            "breach-title-window",
            &[
                ("from", crate::dates::short(self.window.from)),
                ("until", crate::dates::short(self.window.until)),
                ("scope", self.scope.clone()),
            ],
        )
    }

    /// How many cases, and how many different persons, hold each category of data.
    pub fn summary(&self) -> Vec<(DataCategory, usize, usize)> {
        DataCategory::ALL
            .iter()
            .map(|&category| {
                let lines: Vec<&Line> = self.lines.iter().filter(|l| l.data.contains(&category)).collect();
                let mut persons: Vec<String> =
                    lines.iter().filter(|l| !l.person.is_empty()).map(|l| l.person.to_lowercase()).collect();
                persons.sort();
                persons.dedup();
                (category, lines.len(), persons.len())
            })
            .collect()
    }

    pub fn columns(lang: Lang) -> Vec<String> {
        [
            "breach-col-case",
            "breach-col-unit",
            "breach-col-category",
            "breach-col-received",
            "breach-col-person",
            "breach-col-data",
            "breach-col-how",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect()
    }

    /// What happened to the case's data in the window, in words.
    pub fn how(line: &Line, lang: Lang) -> String {
        let mut how = Vec::new();
        if line.stored {
            how.push(lang.t("breach-how-stored"));
        }
        if !line.shown_to.is_empty() {
            how.push(lang.t1("breach-how-shown", "who", &line.shown_to.join(", ")));
        }
        if !line.sent_to.is_empty() {
            how.push(lang.t1("breach-how-sent", "to", &line.sent_to.join(", ")));
        }
        how.join("; ")
    }

    pub fn row(line: &Line, lang: Lang) -> Vec<String> {
        vec![
            line.number.clone(),
            line.unit.clone(),
            line.category.clone(),
            line.received.clone(),
            if line.person.is_empty() { lang.t("breach-no-person") } else { line.person.clone() },
            line.data.iter().map(|d| lang.t(d.text_key())).collect::<Vec<_>>().join(", "),
            BreachReport::how(line, lang),
        ]
    }

    /// CSV as Swedish Excel opens it, like the reports.
    pub fn csv(&self, lang: Lang) -> String {
        let mut rows = vec![vec![self.title(lang)], Vec::new()];
        rows.push(vec![lang.t("breach-col-data"), lang.t("breach-col-cases"), lang.t("breach-col-persons")]);
        for (category, cases, persons) in self.summary() {
            rows.push(vec![lang.t(category.text_key()), cases.to_string(), persons.to_string()]);
        }
        rows.push(Vec::new());
        rows.push(BreachReport::columns(lang));
        rows.extend(self.lines.iter().map(|l| BreachReport::row(l, lang)));
        crate::reports::csv_of(&rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_read_in_swedish_time_and_a_day_runs_to_its_end() {
        let root = domain::OrgNode {
            id: "k".into(),
            parent: None,
            level: domain::NodeLevel::Kommun,
            name: "Kommunen".into(),
            manager_name: None,
            manager_user_id: None,
        };
        let tree = OrgTree::new(vec![root]).unwrap();
        let w = Window::read("2026-11-30", "2026-11-30", "", &tree).unwrap();
        assert_eq!(w.from.to_rfc3339(), "2026-11-29T23:00:00+00:00");
        assert_eq!(w.until.to_rfc3339(), "2026-11-30T23:00:00+00:00");
        let w = Window::read("2026-07-01 08:30", "2026-07-01T09:00", "", &tree).unwrap();
        assert_eq!(w.from.to_rfc3339(), "2026-07-01T06:30:00+00:00");
        assert_eq!(Window::read("igår", "2026-11-30", "", &tree), Err(vec![WindowProblem::From]));
        assert_eq!(Window::read("2026-12-02", "2026-12-01", "", &tree), Err(vec![WindowProblem::Order]));
        assert_eq!(Window::read("2026-12-01", "2026-12-01", "nowhere", &tree), Err(vec![WindowProblem::Node]));
    }
}
