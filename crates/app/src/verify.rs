//! `lyhord verify`: the installation checked end to end, as an auditor (or a test harness
//! after a crash) would: every case's hash chain, every file a case names present with the
//! content its name promises, and case numbers without gaps per municipality and year.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use store::{Store, StoreError};

use crate::files::FileStore;

/// Cases read per page.
const PAGE: i64 = 1_000;
/// Problems listed at most (the count is always whole).
const LISTED: usize = 50;

/// What was checked and what is wrong.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub cases: u64,
    pub files: u64,
    pub problems: Vec<String>,
    pub more_problems: u64,
}

impl Report {
    fn problem(&mut self, text: String) {
        if self.problems.len() < LISTED {
            self.problems.push(text);
        } else {
            self.more_problems += 1;
        }
    }

    pub fn is_sound(&self) -> bool {
        self.problems.is_empty()
    }

    /// One paragraph a person reads: what was checked, then each problem.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "Checked {} cases (hash chains, gapless numbers) and {} files (present, content as named): ",
            self.cases, self.files
        );
        if self.is_sound() {
            out.push_str("all sound.\n");
        } else {
            out.push_str(&format!("{} problem(s).\n", self.problems.len() as u64 + self.more_problems));
            for p in &self.problems {
                out.push_str(&format!("- {p}\n"));
            }
            if self.more_problems > 0 {
                out.push_str(&format!("- … and {} more\n", self.more_problems));
            }
        }
        out
    }
}

/// Checks every case of every municipality, page by page.
pub async fn run(store: &Store, files: &FileStore) -> Result<Report, StoreError> {
    let mut report = Report::default();
    // Serial numbers seen per municipality and year, to find gaps at the end.
    let mut serials: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store.case_index(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.0);
        for (id, jurisdiction, number) in &page {
            report.cases += 1;
            match number.split_once('-').map(|(y, s)| (y, s.parse::<u64>())) {
                Some((year, Ok(serial))) => {
                    serials.entry((jurisdiction.to_string(), year.to_owned())).or_default().push(serial)
                }
                _ => report.problem(format!("case {number}: the number is not YEAR-SERIAL")),
            }
            let events = match store.verified_events(*id).await {
                Ok(events) => events,
                Err(e) => {
                    report.problem(format!("case {number}: its chain does not hold: {e}"));
                    continue;
                }
            };
            for event in events {
                let Ok(payload) = event.payload() else { continue };
                for file in payload.attachments() {
                    report.files += 1;
                    match files.get(&file.sha256) {
                        Ok(bytes) if hex::encode(Sha256::digest(&bytes)) == file.sha256 => {}
                        Ok(_) => report.problem(format!("case {number}: file {} is altered", file.name)),
                        Err(_) => report.problem(format!("case {number}: file {} is missing", file.name)),
                    }
                }
            }
        }
    }
    for ((jurisdiction, year), mut seen) in serials {
        seen.sort_unstable();
        let missing: Vec<u64> =
            (1..=seen.last().copied().unwrap_or(0)).filter(|n| seen.binary_search(n).is_err()).collect();
        if !missing.is_empty() {
            let first: Vec<String> = missing.iter().take(10).map(|n| format!("{year}-{n:06}")).collect();
            report.problem(format!(
                "{jurisdiction}: {} number(s) missing in {year}: {}",
                missing.len(),
                first.join(", ")
            ));
        }
    }
    Ok(report)
}
