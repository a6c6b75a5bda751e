//! The register of cases (OSL 5 kap. 1-2 §§): number, date received, kind, unit, the
//! ärendemening and from whom, for staff and, when the municipality chooses, for anyone. A
//! private person is never named in it: *(skyddad)*.

use chrono::{DateTime, NaiveDate, Utc};
use domain::{CaseKind, Category, JurisdictionId, NodeId, OrgTree, SubmitterRole};
use store::{RegisterEntry, RegisterQuery, SubjectMatch};

use crate::lang::Lang;

/// Lines per page; a CSV export holds at most [`EXPORT_LIMIT`].
pub const PAGE: i64 = 50;
pub const EXPORT_LIMIT: i64 = 10_000;

/// The ärendemening a case has until staff write one: "Synpunkt: Parker och grönområden".
pub fn default_subject(kind: CaseKind, category: &str, categories: &[Category], lang: Lang) -> String {
    let l = lang.code();
    let category = categories.iter().find(|c| c.code == category).map_or(category, |c| c.name(l));
    format!("{}: {category}", kind.name(l))
}

/// A register search as people type it: each field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    pub number: String,
    pub from: String,
    pub to: String,
    pub unit: String,
    pub subject: String,
}

fn day(text: &str) -> Result<Option<NaiveDate>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| ()),
    }
}

impl Typed {
    /// The query, or the fields that cannot be read with the Fluent key saying why.
    pub fn query(
        &self,
        jurisdiction: &JurisdictionId,
        tree: &OrgTree,
        categories: &[Category],
        page: i64,
    ) -> Result<RegisterQuery, Vec<(&'static str, &'static str)>> {
        let mut problems = Vec::new();
        let from = day(&self.from).unwrap_or_else(|()| {
            problems.push(("from", "error-date-invalid"));
            None
        });
        let to = day(&self.to).unwrap_or_else(|()| {
            problems.push(("to", "error-date-invalid"));
            None
        });
        let unit = Some(self.unit.trim()).filter(|u| !u.is_empty());
        let units = match unit.map(|u| tree.subtree(u)) {
            None => None,
            Some(Ok(nodes)) => Some(nodes.into_iter().map(|n| n.id.clone()).collect::<Vec<NodeId>>()),
            Some(Err(_)) => {
                problems.push(("unit", "error-unit-required"));
                None
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let words = self.subject.trim().to_lowercase();
        let subject = (!words.is_empty()).then(|| SubjectMatch {
            categories: categories
                .iter()
                .filter(|c| c.name_sv.to_lowercase().contains(&words) || c.name_en.to_lowercase().contains(&words))
                .map(|c| c.code.clone())
                .collect(),
            kinds: CaseKind::ALL
                .iter()
                .copied()
                .filter(|k| {
                    k.name("sv").to_lowercase().contains(&words) || k.name("en").to_lowercase().contains(&words)
                })
                .collect(),
            words,
        });
        Ok(RegisterQuery {
            jurisdiction: jurisdiction.clone(),
            number: Some(self.number.trim().to_owned()).filter(|n| !n.is_empty()),
            from: from.map(domain::time::start_of_day),
            until: to.and_then(|d| d.succ_opt()).map(domain::time::start_of_day),
            units,
            subject,
            limit: PAGE + 1,
            offset: (page.max(1) - 1) * PAGE,
        })
    }
}

/// A register line as it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: String,
    pub received: String,
    pub kind: String,
    pub unit: String,
    pub subject: String,
    pub sender: String,
}

/// From whom: an organisation by name, a private person never.
fn sender(entry: &RegisterEntry, lang: Lang) -> String {
    match (&entry.organisation, entry.anonymous, entry.submitter_role) {
        (_, true, _) => lang.t("diarium-anonymous"),
        (Some(name), false, Some(SubmitterRole::Foretag)) if !name.trim().is_empty() => name.clone(),
        _ => lang.t("diarium-protected"),
    }
}

pub fn lines(entries: &[RegisterEntry], tree: &OrgTree, categories: &[Category], lang: Lang) -> Vec<Line> {
    let l = lang.code();
    entries
        .iter()
        .map(|e| Line {
            number: e.number.clone(),
            received: crate::dates::short(e.received_at),
            kind: e.kind.name(l).to_owned(),
            unit: tree.node(&e.node_id).map_or_else(|_| e.node_id.to_string(), |n| n.name.clone()),
            subject: if e.subject.is_empty() {
                default_subject(e.kind, &e.category, categories, lang)
            } else {
                e.subject.clone()
            },
            sender: sender(e, lang),
        })
        .collect()
}

pub fn columns(lang: Lang) -> Vec<String> {
    let keys = ["number", "received", "kind", "unit", "subject", "sender"];
    keys.iter().map(|k| lang.t(&format!("diarium-col-{k}"))).collect()
}

/// CSV as Swedish Excel opens it, like the reports.
pub fn csv(lines: &[Line], at: DateTime<Utc>, lang: Lang) -> String {
    let mut rows = vec![vec![lang.t1("diarium-csv-title", "when", &crate::dates::short(at))], columns(lang)];
    rows.extend(lines.iter().map(|l| {
        vec![l.number.clone(), l.received.clone(), l.kind.clone(), l.unit.clone(), l.subject.clone(), l.sender.clone()]
    }));
    crate::reports::csv_of(&rows)
}
