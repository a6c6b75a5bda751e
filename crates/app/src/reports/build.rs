//! A report for a nämnd (or any unit) and a period (S8, S9, V-S4): volumes beside the period
//! before, how each promise was kept, justified share and root causes, improvement actions,
//! and examples written by staff. Aggregates only: groups smaller than the minimum are merged
//! or hidden (G6), and nothing identifies a person.

use chrono::{DateTime, Utc};
use domain::analysis::{Cause, shown};
use domain::period::Period;
use domain::time::start_of_day as start_of;
use domain::{CaseKind, Channel, ImprovementStatus, Justified, OrgTree, SubmitterRole};
use std::collections::BTreeMap;
use store::{ClockTally, Improvement, ReportGroup, Store, StoreError};

use crate::lang::Lang;

/// Examples shown at most.
const EXAMPLES: usize = 5;

/// One line of a table: a group and its counts now and in the period before (`None`: hidden,
/// fewer than the minimum group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub label: String,
    pub current: Option<i64>,
    pub previous: Option<i64>,
}

/// How one promise was kept in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockLine {
    pub id: String,
    pub name: String,
    pub met: i64,
    pub breached: i64,
    /// Still running or paused: not yet kept or broken.
    pub open: i64,
    /// Share kept in time of those kept or broken, per cent.
    pub share_met: Option<f64>,
    /// Hours from start until kept, median and 90th percentile (of those kept).
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actions {
    pub opened: i64,
    pub done: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub unit: String,
    pub period: Period,
    pub previous: Period,
    pub min_group: i64,
    pub total: Line,
    pub by_kind: Vec<Line>,
    pub by_category: Vec<Line>,
    pub by_channel: Vec<Line>,
    pub by_role: Vec<Line>,
    pub clocks: Vec<ClockLine>,
    pub breaches_by_unit: Vec<Line>,
    pub justified: Vec<Line>,
    /// Justified wholly or partly, per cent of those assessed, now and before (`None`: fewer
    /// assessed than the minimum group).
    pub justified_share: (Option<f64>, Option<f64>),
    pub causes: Vec<Line>,
    pub actions: Actions,
    pub examples: Vec<String>,
    /// The routines of the förvaltningar in the report, as links: (name, path).
    pub routines: Vec<(String, String)>,
}

/// The complaints among the groups.
fn complaints(groups: &[ReportGroup]) -> Vec<ReportGroup> {
    groups.iter().filter(|g| g.kind == CaseKind::Klagomal).cloned().collect()
}

/// A group's assessment as the table's key ("" for not assessed).
fn justification(g: &ReportGroup) -> String {
    g.justified.map_or(String::new(), |j| j.code().to_owned())
}

/// Of the complaints assessed (befogat, delvis, obefogat), the share justified wholly or partly.
fn justified_share(groups: &[ReportGroup], min_group: i64) -> Option<f64> {
    let count = |j: Justified| groups.iter().filter(|g| g.justified == Some(j)).map(|g| g.count).sum::<i64>();
    let justified = count(Justified::Befogat) + count(Justified::Delvis);
    let assessed = justified + count(Justified::Obefogat);
    (assessed > 0 && assessed >= min_group).then(|| 100.0 * justified as f64 / assessed as f64)
}

/// Builds the report of `node` (and everything below it) for `period`.
#[allow(clippy::too_many_arguments)]
pub async fn build(
    store: &Store,
    jurisdiction: &domain::JurisdictionId,
    tree: &OrgTree,
    categories: &[domain::Category],
    node: &str,
    period: Period,
    min_group: i64,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let l = lang.code();
    let nodes: Vec<domain::NodeId> =
        tree.subtree(node).map_err(|e| StoreError::Invalid(e.to_string()))?.iter().map(|n| n.id.clone()).collect();
    let previous = period.previous();
    let (from, to) = (start_of(period.from), start_of(period.to));
    let ((now_tally, before_tally), improvements, examples, settings) = tokio::try_join!(
        store.report_tallies(jurisdiction, &nodes, ((from, to), (start_of(previous.from), from))),
        store.improvements(jurisdiction, Some(&nodes)),
        store.report_examples(jurisdiction, &nodes, from, to, EXAMPLES),
        store.analysis_settings(jurisdiction),
    )?;
    let (groups, before) = (now_tally.groups, before_tally.groups);
    let table = |key: &dyn Fn(&ReportGroup) -> String, names: &[(String, String)]| {
        lines(&count_by(&groups, key), &count_by(&before, key), names, min_group)
    };
    let kinds: Vec<(String, String)> = CaseKind::ALL.iter().map(|k| (k.code().into(), k.name(l).into())).collect();
    let channels: Vec<(String, String)> = Channel::ALL.iter().map(|c| (c.code().into(), c.name(l).into())).collect();
    let mut roles: Vec<(String, String)> =
        SubmitterRole::ALL.iter().map(|r| (r.code().into(), r.name(l).into())).collect();
    roles.push((String::new(), lang.t("report-role-none")));
    let category_names: Vec<(String, String)> =
        categories.iter().map(|c| (c.code.clone(), c.name(l).to_owned())).collect();
    let mut justified: Vec<(String, String)> =
        Justified::ALL.iter().map(|j| (j.code().into(), j.name(l).into())).collect();
    justified.push((String::new(), lang.t("report-not-analysed")));

    let all_causes = causes_in(tree, &settings, &nodes);
    let cause_names: Vec<(String, String)> =
        all_causes.iter().map(|c| (c.code.clone(), c.name(l).to_owned())).collect();
    let causes_now = count_causes(&groups);
    let causes_before = count_causes(&before);

    let total_now: i64 = groups.iter().map(|g| g.count).sum();
    let total_before: i64 = before.iter().map(|g| g.count).sum();
    let policy = store.policy(jurisdiction);
    let (clocks, breaches) = clock_lines(&policy, &now_tally.clocks, now, min_group, l);
    let unit_names: Vec<(String, String)> =
        nodes.iter().map(|id| (id.to_string(), tree.display_path(id).unwrap_or_else(|_| id.to_string()))).collect();
    Ok(Report {
        unit: tree.display_path(node).unwrap_or_else(|_| node.to_owned()),
        period,
        previous,
        min_group,
        total: Line {
            label: lang.t("report-total"),
            current: shown(total_now, min_group),
            previous: shown(total_before, min_group),
        },
        by_kind: table(&|g| g.kind.code().to_owned(), &kinds),
        by_category: merged(
            lines(
                &count_by(&groups, &|g| g.category.clone()),
                &count_by(&before, &|g| g.category.clone()),
                &category_names,
                0,
            ),
            min_group,
            &lang.t("report-other-categories"),
        ),
        by_channel: table(&|g| g.channel.code().to_owned(), &channels),
        by_role: table(&|g| g.role.map_or(String::new(), |r| r.code().to_owned()), &roles),
        clocks,
        breaches_by_unit: lines(&breaches, &BTreeMap::new(), &unit_names, min_group)
            .into_iter()
            .filter(|line| line.current != Some(0))
            .map(|line| Line { previous: None, ..line })
            .collect(),
        // Whether it was justified is asked of complaints: praise and questions are not "not
        // analysed".
        justified: lines(
            &count_by(&complaints(&groups), &justification),
            &count_by(&complaints(&before), &justification),
            &justified,
            min_group,
        ),
        justified_share: (
            justified_share(&complaints(&groups), min_group),
            justified_share(&complaints(&before), min_group),
        ),
        causes: lines(&causes_now, &causes_before, &cause_names, min_group),
        actions: actions(&improvements, period, from, to),
        examples: examples.iter().map(|e| scrub(e, &[])).collect(),
        routines: nodes
            .iter()
            .filter(|id| settings.iter().any(|s| &s.node_id == *id && !s.routine.trim().is_empty()))
            .map(|id| (tree.display_path(id).unwrap_or_else(|_| id.to_string()), format!("/routines/{id}")))
            .collect(),
    })
}

fn count_by(groups: &[ReportGroup], key: &dyn Fn(&ReportGroup) -> String) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for g in groups {
        *counts.entry(key(g)).or_default() += g.count;
    }
    counts
}

fn count_causes(groups: &[ReportGroup]) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for g in groups {
        for cause in g.causes.split(',').filter(|c| !c.is_empty()) {
            *counts.entry(cause.to_owned()).or_default() += g.count;
        }
    }
    counts
}

/// A line per known name (in its order), then any other key seen, each shown per the rule.
fn lines(
    now: &BTreeMap<String, i64>,
    before: &BTreeMap<String, i64>,
    names: &[(String, String)],
    min_group: i64,
) -> Vec<Line> {
    let mut keys: Vec<(String, String)> = names.to_vec();
    for key in now.keys().chain(before.keys()) {
        if !keys.iter().any(|(k, _)| k == key) {
            keys.push((key.clone(), key.clone()));
        }
    }
    keys.into_iter()
        .map(|(key, label)| Line {
            label,
            current: shown(now.get(&key).copied().unwrap_or(0), min_group),
            previous: shown(before.get(&key).copied().unwrap_or(0), min_group),
        })
        .collect()
}

/// Lines whose counts are all below the minimum are merged into one line named `other`,
/// itself shown by the same rule; lines with nothing in either period are left out.
fn merged(all: Vec<Line>, min_group: i64, other: &str) -> Vec<Line> {
    let small = |n: Option<i64>| n.is_some_and(|n| n > 0 && n < min_group);
    let (mut keep, mut rest) = (Vec::new(), Line { label: other.to_owned(), current: Some(0), previous: Some(0) });
    let mut merged_any = false;
    for line in all {
        if line.current == Some(0) && line.previous == Some(0) {
            continue;
        }
        if small(line.current) || small(line.previous) {
            rest.current = rest.current.zip(line.current).map(|(a, b)| a + b);
            rest.previous = rest.previous.zip(line.previous).map(|(a, b)| a + b);
            merged_any = true;
        } else {
            keep.push(line);
        }
    }
    if merged_any {
        keep.push(Line {
            label: rest.label,
            current: rest.current.and_then(|n| shown(n, min_group)),
            previous: rest.previous.and_then(|n| shown(n, min_group)),
        });
    }
    keep
}

/// Each promise of the policy: kept in time, broken, still open; times until kept. Also the
/// broken promises per unit.
fn clock_lines(
    policy: &domain::clock::Policy,
    tallies: &[ClockTally],
    now: DateTime<Utc>,
    min_group: i64,
    l: &str,
) -> (Vec<ClockLine>, BTreeMap<String, i64>) {
    let mut per_clock: BTreeMap<String, (i64, i64, i64, Vec<f64>)> = BTreeMap::new();
    let mut breaches: BTreeMap<String, i64> = BTreeMap::new();
    let now = now.timestamp_micros();
    for tally in tallies {
        let entry = per_clock.entry(tally.clock.clone()).or_default();
        // A promise still running when last worked out is broken once its due time passed.
        let late = tally.running_due.iter().filter(|due| now >= **due).count() as i64;
        let breached = tally.breached + late;
        entry.0 += tally.met;
        entry.1 += breached;
        entry.2 += tally.paused + tally.running_due.len() as i64 - late;
        entry.3.extend(tally.kept_seconds.iter().map(|s| *s as f64 / 3600.0));
        if breached > 0 {
            *breaches.entry(tally.node_id.to_string()).or_default() += breached;
        }
    }
    let lines = policy
        .clocks
        .iter()
        .map(|def| {
            let (met, breached, open, mut hours) = per_clock.remove(&def.id).unwrap_or_default();
            hours.sort_by(f64::total_cmp);
            let enough = hours.len() as i64 >= min_group;
            let decided = met + breached;
            ClockLine {
                id: def.id.clone(),
                name: def.name(l).to_owned(),
                met,
                breached,
                open,
                share_met: (decided >= min_group).then(|| 100.0 * met as f64 / decided as f64),
                median_hours: enough.then(|| percentile(&hours, 50)),
                p90_hours: enough.then(|| percentile(&hours, 90)),
            }
        })
        .collect();
    (lines, breaches)
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: usize) -> f64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Improvement actions opened and done in the period, and those overdue at its end.
fn actions(all: &[Improvement], period: Period, from: DateTime<Utc>, to: DateTime<Utc>) -> Actions {
    let within = |at: DateTime<Utc>| from <= at && at < to;
    Actions {
        opened: all.iter().filter(|i| within(i.created_at)).count() as i64,
        done: all.iter().filter(|i| i.done_at.is_some_and(within)).count() as i64,
        overdue: all
            .iter()
            .filter(|i| i.created_at < to && i.status != ImprovementStatus::Cancelled)
            .filter(|i| i.due_date < period.to && i.done_at.is_none_or(|d| d >= to))
            .count() as i64,
    }
}

/// The causes the report's units analyse by: each förvaltning's own, or the defaults.
fn causes_in(tree: &OrgTree, settings: &[store::AnalysisSettings], nodes: &[domain::NodeId]) -> Vec<Cause> {
    let mut all: Vec<Cause> = Vec::new();
    for node in nodes {
        for cause in crate::reports::causes_for(tree, settings, node) {
            if !all.iter().any(|c| c.code == cause.code) {
                all.push(cause);
            }
        }
    }
    all
}

/// An example as a report may show it: e-mail addresses, telephone numbers, personnummer and
/// any run of six digits or more, and the words of `names` (the case's submitter), each
/// replaced by `[…]`, whatever punctuation stands around them.
pub fn scrub(text: &str, names: &[&str]) -> String {
    const MARK: &str = "[…]";
    let names: Vec<String> = names
        .iter()
        .flat_map(|n| n.split_whitespace())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| w.chars().count() >= 2)
        .collect();
    // Each word as what stands before its core, the core, and what follows: `(070-123,` keeps
    // its bracket and comma around whatever the core becomes.
    let split = |w: &str| -> (String, String, String) {
        let start = w.find(|c: char| c.is_alphanumeric() || c == '+').unwrap_or(w.len());
        let end = w.char_indices().rev().find(|(_, c)| c.is_alphanumeric()).map_or(start, |(i, c)| i + c.len_utf8());
        let end = end.max(start);
        (w[..start].to_owned(), w[start..end].to_owned(), w[end..].to_owned())
    };
    let numeric = |core: &str| {
        core.chars().any(|c| c.is_ascii_digit()) && core.chars().all(|c| c.is_ascii_digit() || "+-()/.".contains(c))
    };
    let words: Vec<(String, String, String)> = text.split_whitespace().map(split).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (before, core, after) = &words[i];
        // A telephone number is a run of words made of digits and separators with six digits or more.
        let mut j = i;
        while j < words.len() && numeric(&words[j].1) {
            j += 1;
        }
        let digits: usize = words[i..j].iter().map(|w| w.1.chars().filter(char::is_ascii_digit).count()).sum();
        if j > i && digits >= 6 {
            out.push(format!("{before}{MARK}{}", words[j - 1].2));
            i = j;
            continue;
        }
        let hidden = core.contains('@') || names.contains(&core.to_lowercase());
        out.push(if hidden { format!("{before}{MARK}{after}") } else { format!("{before}{core}{after}") });
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!((percentile(&v, 50), percentile(&v, 90)), (5.0, 9.0));
        assert_eq!(percentile(&[3.0], 90), 3.0);
    }

    #[test]
    fn small_categories_are_merged_and_a_small_remainder_hidden() {
        let line = |label: &str, c: i64, p: i64| Line { label: label.into(), current: Some(c), previous: Some(p) };
        let out = merged(vec![line("a", 12, 9), line("b", 3, 0), line("c", 2, 6), line("d", 0, 0)], 5, "Övriga");
        assert_eq!(out, vec![line("a", 12, 9), Line { label: "Övriga".into(), current: Some(5), previous: Some(6) }]);
        let out = merged(vec![line("a", 12, 9), line("b", 3, 0)], 5, "Övriga");
        assert_eq!(out[1], Line { label: "Övriga".into(), current: None, previous: Some(0) });
    }

    #[test]
    fn examples_lose_addresses_and_numbers() {
        assert_eq!(scrub("Ring 070-123 45 67 eller anna@example.se om bänken", &[]), "Ring […] eller […] om bänken");
        assert_eq!(scrub("Bänken lagades 2026 efter 3 veckor", &[]), "Bänken lagades 2026 efter 3 veckor");
        // Punctuation around a number or an address does not let it through.
        assert_eq!(scrub("Ring 070-1234567, tack. (anna@example.se)", &[]), "Ring […], tack. ([…])");
        assert_eq!(scrub("Pnr 19121212-1212.", &[]), "Pnr […].");
        // The submitter's own name, in any case and with punctuation.
        assert_eq!(
            scrub("Karin Lund ringde; LUND var arg, sa Karin.", &["Karin Lund"]),
            "[…] […] ringde; […] var arg, sa […]."
        );
    }
}
