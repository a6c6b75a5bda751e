//! Gallring runs (arkivlagen 10 §, GDPR 5.1 e; decision 62): planned from the decisions in
//! force, read as a preview, approved by an arkivansvarig, then carried out one case or record
//! per transaction, resuming where a crash stopped it. Each run keeps its protocol for ever.

use chrono::{DateTime, Utc};
use domain::gallring::{Covers, Decision, Disposal, Rule, Verdict, verdict};
use domain::{GallringRuleId, GallringRunId, JurisdictionId, OrgTree};
use store::{GallringItem, GallringRun, Store, StoreError};

use crate::files::FileStore;
use crate::lang::Lang;

/// Items done per read of the run's open items.
const BATCH: i64 = 500;

/// Plans a run at `now`: every case and record due under the decisions in force, each under
/// the rule that makes it due. Nothing is removed until the run is approved.
pub async fn plan(
    store: &Store,
    jurisdiction: &JurisdictionId,
    planned_by: &str,
    now: DateTime<Utc>,
) -> Result<GallringRunId, StoreError> {
    let (decisions, tree) = tokio::try_join!(store.gallring_decisions(jurisdiction), store.org_tree(jurisdiction))?;
    let rules: Vec<Rule> = decisions.iter().flat_map(|d| d.rules.iter().cloned()).collect();
    let mut items = Vec::new();
    for part in Covers::ALL.iter().copied().filter(|c| c.is_of_cases()) {
        items.extend(due_cases(store, jurisdiction, part, &rules, &tree, now).await?);
    }
    for covers in Covers::ALL.iter().copied().filter(|c| !c.is_of_cases()) {
        // Several rules for one kind of record: the longest time wins, and keeping wins.
        let of_kind: Vec<&Rule> = rules.iter().filter(|r| r.covers == covers).collect();
        if of_kind.iter().any(|r| r.action != Disposal::Gallras) {
            continue;
        }
        let Some(rule) = of_kind.into_iter().max_by_key(|r| r.after_months) else { continue };
        for (target, label, amount) in store.due_records(jurisdiction, covers, rule.due_before(now)).await? {
            items.push(GallringItem { covers, target, rule: rule.id, label, amount, done_at: None });
        }
    }
    store.plan_gallring_run(jurisdiction, planned_by, None, &items).await
}

/// Why a person's request for erasure (GDPR art. 17) cannot be carried out as asked: the
/// case is an allmän handling that only a gallring rule lets leave (arkivlagen 10 §).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureRefused {
    NoSuchCase,
    /// An open case is still being handled.
    StillOpen,
    /// A rule keeps it (bevaras), or keeps it until it is delivered to the e-archive.
    Kept,
    /// No rule covers it, so it is kept.
    Uncovered,
}

impl ErasureRefused {
    /// The Fluent key of the sentence that says why.
    pub fn text_key(self) -> &'static str {
        match self {
            ErasureRefused::NoSuchCase => "gallring-erase-no-case",
            ErasureRefused::StillOpen => "gallring-erase-open",
            ErasureRefused::Kept => "gallring-erase-kept",
            ErasureRefused::Uncovered => "gallring-erase-uncovered",
        }
    }
}

/// Plans the erasure of one closed case on its person's request: a run of one, under the
/// gallras rule that covers the case, due now rather than when the rule's time has passed.
/// It is approved and minuted like any run.
pub async fn plan_erasure(
    store: &Store,
    jurisdiction: &JurisdictionId,
    number: &str,
    planned_by: &str,
    reason: &str,
) -> Result<Result<GallringRunId, ErasureRefused>, StoreError> {
    let Some(case) = store.case_by_number(jurisdiction, number).await? else {
        return Ok(Err(ErasureRefused::NoSuchCase));
    };
    let Some(closed) = store.closed_case(case.id).await? else {
        return Ok(Err(ErasureRefused::StillOpen));
    };
    let (decisions, tree) = tokio::try_join!(store.gallring_decisions(jurisdiction), store.org_tree(jurisdiction))?;
    let rules: Vec<Rule> = decisions.iter().flat_map(|d| d.rules.iter().cloned()).collect();
    // Whether or not the rule's time has passed: the request is what makes it due.
    let at = closed.closed_at;
    let rule = match verdict(&rules, Covers::Cases, &closed.facts(), at, at, &tree) {
        Verdict::Due(rule) | Verdict::NotYet(rule) => rule,
        Verdict::Kept(_) => return Ok(Err(ErasureRefused::Kept)),
        Verdict::Uncovered => return Ok(Err(ErasureRefused::Uncovered)),
    };
    let item = case_item(Covers::Cases, closed.id, closed.number, rule);
    Ok(Ok(store.plan_gallring_run(jurisdiction, planned_by, Some(reason), &[item]).await?))
}

fn case_item(covers: Covers, case: domain::CaseId, number: String, rule: &Rule) -> GallringItem {
    GallringItem { covers, target: case.uuid(), rule: rule.id, label: number, amount: 1, done_at: None }
}

/// The closed cases whose `part` (the whole case, its files, its report example) is due.
async fn due_cases(
    store: &Store,
    jurisdiction: &JurisdictionId,
    part: Covers,
    rules: &[Rule],
    tree: &OrgTree,
    now: DateTime<Utc>,
) -> Result<Vec<GallringItem>, StoreError> {
    let shortest = rules.iter().filter(|r| r.covers == part && r.action == Disposal::Gallras);
    let Some(shortest) = shortest.min_by_key(|r| r.after_months) else { return Ok(Vec::new()) };
    let mut items = Vec::new();
    for case in store.closed_cases(jurisdiction, part, shortest.due_before(now)).await? {
        if let Verdict::Due(rule) = verdict(rules, part, &case.facts(), case.closed_at, now, tree) {
            items.push(case_item(part, case.id, case.number, rule));
        }
    }
    Ok(items)
}

/// Where a run removes files: the attachments and mail originals, and the `.eml` copies of
/// sent mail an installation without an SMTP server keeps (`mail_dir`).
pub struct Disk {
    pub files: FileStore,
    pub mail_dir: std::path::PathBuf,
}

impl Disk {
    pub fn new(attachments_dir: impl Into<std::path::PathBuf>, mail_dir: impl Into<std::path::PathBuf>) -> Disk {
        Disk { files: FileStore::new(attachments_dir.into()), mail_dir: mail_dir.into() }
    }

    /// Removes the `.eml` copies of the case's mail, before the case's transaction: a crash
    /// after it leaves no copy behind, and one before it leaves the case to the resumed run.
    async fn remove_sent_copies(&self, store: &Store, case: domain::CaseId) -> Result<(), StoreError> {
        for message in store.outbox_for_case(case).await? {
            let path = self.mail_dir.join(format!("{}.eml", message.id));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::Invalid(format!("cannot remove {}: {e}", path.display()))),
            }
        }
        Ok(())
    }
}

/// Carries out an approved run, or what is left of one: each case or record in one
/// transaction with the mark that it is done, then the files no live case names.
pub async fn carry_out(store: &Store, disk: &Disk, run: &GallringRun) -> Result<(), StoreError> {
    if run.approved_at.is_none() {
        return Err(StoreError::Invalid("a gallring run is carried out only once it is approved".into()));
    }
    let (decisions, tree) =
        tokio::try_join!(store.gallring_decisions(&run.jurisdiction), store.org_tree(&run.jurisdiction))?;
    loop {
        let items = store.gallring_items(run.id, true, BATCH).await?;
        if items.is_empty() {
            break;
        }
        for item in &items {
            let (decision, rule) = rule_of(&decisions, item.rule)
                .ok_or_else(|| StoreError::Corrupt("a gallring item names a rule that is not recorded".into()))?;
            if item.covers.is_of_cases() {
                let label = rule_label(rule, &tree, Lang::Sv);
                // A case is gallrad only if still closed since before the rule's time (an
                // erasure on request: closed at all).
                let closed_before = run.reason.is_none().then(|| rule.due_before(run.planned_at));
                let label = if run.reason.is_some() { format!("{label} (radering på begäran)") } else { label };
                let case = domain::CaseId::from_uuid(item.target);
                let step = store::CaseGallring {
                    run: run.id,
                    decision: &decision.reference,
                    rule: &label,
                    part: item.covers,
                    closed_before,
                };
                if item.covers == Covers::Cases {
                    disk.remove_sent_copies(store, case).await?;
                }
                store.gallra_case(case, &step).await?;
            } else {
                store.gallra_record(run.id, item, &run.jurisdiction, rule.due_before(run.planned_at)).await?;
            }
        }
        remove_files(store, &disk.files, run.id).await?;
    }
    remove_files(store, &disk.files, run.id).await?;
    store.finish_gallring_run(run.id).await
}

/// Removes from disk the files of done items that no live case or kept message names.
async fn remove_files(store: &Store, files: &FileStore, run: GallringRunId) -> Result<(), StoreError> {
    for (covers, target, digests) in store.gallring_files_pending(run).await? {
        for sha256 in &digests {
            if !store.file_in_use(sha256).await? {
                files.remove(sha256).map_err(|e| StoreError::Invalid(format!("cannot remove file {sha256}: {e}")))?;
            }
        }
        store.gallring_files_removed(run, covers, target).await?;
    }
    Ok(())
}

/// Resumes every approved run a stop interrupted (at start).
pub async fn resume(store: &Store, disk: &Disk) -> Result<usize, StoreError> {
    let runs = store.unfinished_gallring_runs().await?;
    for run in &runs {
        tracing::info!(run = %run.id, "resuming an interrupted gallring run");
        carry_out(store, disk, run).await?;
    }
    Ok(runs.len())
}

fn rule_of(decisions: &[Decision], id: GallringRuleId) -> Option<(&Decision, &Rule)> {
    decisions.iter().find_map(|d| d.rules.iter().find(|r| r.id == id).map(|r| (d, r)))
}

/// A rule as people read it: "Ärenden, synpunkt, Tekniska nämnden: gallras 24 månader efter
/// att ärendet avslutades".
pub fn rule_label(rule: &Rule, tree: &OrgTree, lang: Lang) -> String {
    let l = lang.code();
    let mut what = vec![rule.covers.name(l).to_owned()];
    what.extend(rule.kind.map(|k| k.name(l).to_lowercase()));
    what.extend(rule.category.clone());
    what.extend(rule.node_id.as_ref().map(|n| tree.node(n).map_or_else(|_| n.to_string(), |n| n.name.clone())));
    what.extend(rule.channel.map(|c| c.name(l).to_lowercase()));
    what.extend(rule.outcome.map(|o| o.name(l).to_lowercase()));
    let action = rule.action.name(l).to_lowercase();
    let months = if lang == Lang::En { "months" } else { "månader" };
    match (rule.action, rule.after_months) {
        (Disposal::Bevaras, _) => format!("{}: {action}", what.join(", ")),
        (_, 0) => format!("{}: {action} {}", what.join(", "), rule.covers.counted_from(l)),
        (_, n) => format!("{}: {action} {n} {months} {}", what.join(", "), rule.covers.counted_from(l)),
    }
}

/// One line of a run's protocol: a rule, what it covered, and how much was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolLine {
    pub decision: String,
    pub body: String,
    pub decided_on: String,
    pub rule: String,
    pub covers: Covers,
    pub total: i64,
    pub done: i64,
}

/// A run's protocol: what, how many, under which decision, planned and approved by whom, when.
#[derive(Debug, Clone)]
pub struct Protocol {
    pub run: GallringRun,
    pub lines: Vec<ProtocolLine>,
}

impl Protocol {
    pub async fn of(store: &Store, run: GallringRun, lang: Lang) -> Result<Protocol, StoreError> {
        let (decisions, counts, tree) = tokio::try_join!(
            store.gallring_decisions(&run.jurisdiction),
            store.gallring_counts(run.id),
            store.org_tree(&run.jurisdiction)
        )?;
        let mut lines: Vec<ProtocolLine> = counts
            .into_iter()
            .filter_map(|(rule_id, covers, total, done)| {
                let (d, rule) = rule_of(&decisions, rule_id)?;
                Some(ProtocolLine {
                    decision: d.reference.clone(),
                    body: d.body.clone(),
                    decided_on: d.decided_on.to_string(),
                    rule: rule_label(rule, &tree, lang),
                    covers,
                    total,
                    done,
                })
            })
            .collect();
        lines.sort_by(|a, b| (&a.decision, &a.rule).cmp(&(&b.decision, &b.rule)));
        Ok(Protocol { run, lines })
    }

    pub fn title(&self, lang: Lang) -> String {
        lang.t1("gallring-protocol-title", "date", &crate::dates::long_date(self.run.planned_at, lang))
    }

    /// The facts of the run, as label and value.
    pub fn facts(&self, lang: Lang) -> Vec<(String, String)> {
        let when = |t: Option<DateTime<Utc>>| t.map_or_else(|| lang.t("gallring-not-yet"), crate::dates::short);
        let mut facts = vec![
            (lang.t("gallring-run-id"), self.run.id.to_string()),
            (
                lang.t("gallring-planned"),
                format!("{}, {}", crate::dates::short(self.run.planned_at), self.run.planned_by),
            ),
            (
                lang.t("gallring-approved"),
                match (&self.run.approved_by, self.run.approved_at) {
                    (Some(by), Some(at)) => format!("{}, {by}", crate::dates::short(at)),
                    _ => lang.t("gallring-not-yet"),
                },
            ),
            (lang.t("gallring-finished"), when(self.run.finished_at)),
        ];
        if let Some(reason) = &self.run.reason {
            facts.push((lang.t("gallring-erasure-reason"), reason.clone()));
        }
        facts
    }

    pub fn columns(lang: Lang) -> Vec<String> {
        ["gallring-col-decision", "gallring-col-rule", "gallring-col-covers", "gallring-col-due", "gallring-col-done"]
            .iter()
            .map(|k| lang.t(k))
            .collect()
    }

    pub fn rows(&self, lang: Lang) -> Vec<Vec<String>> {
        self.lines
            .iter()
            .map(|l| {
                vec![
                    format!("{} ({}, {})", l.decision, l.body, l.decided_on),
                    l.rule.clone(),
                    l.covers.name(lang.code()).to_owned(),
                    l.total.to_string(),
                    l.done.to_string(),
                ]
            })
            .collect()
    }

    /// CSV as Swedish Excel opens it, like the reports.
    pub fn csv(&self, lang: Lang) -> String {
        let mut rows = vec![vec![self.title(lang)]];
        rows.extend(self.facts(lang).into_iter().map(|(k, v)| vec![k, v]));
        rows.push(Vec::new());
        rows.push(Protocol::columns(lang));
        rows.extend(self.rows(lang));
        crate::reports::csv_of(&rows)
    }

    /// Tagged PDF (PDF/UA-1), to be filed with the decision.
    pub fn pdf(&self, lang: Lang) -> Result<Vec<u8>, pdf::Error> {
        use pdf::Block;
        let title = self.title(lang);
        let blocks = vec![
            Block::Heading(1, title.clone()),
            Block::List(self.facts(lang).into_iter().map(|(k, v)| format!("{k}: {v}")).collect()),
            Block::Heading(2, lang.t("gallring-protocol-lines")),
            if self.lines.is_empty() {
                Block::Paragraph(lang.t("gallring-nothing-due"))
            } else {
                Block::Table { columns: Protocol::columns(lang), rows: self.rows(lang) }
            },
        ];
        pdf::render(&pdf::Document { title, lang: lang.code().to_owned(), blocks })
    }
}
