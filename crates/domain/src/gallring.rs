//! Gallring (arkivlagen 10 §): records may be destroyed only under a decision the nämnd took,
//! and personal data kept no longer than needed (GDPR 5.1 e). A decision has rules; each names
//! what it covers, when that falls due, and whether it is destroyed or kept. What no rule
//! covers is kept.

use chrono::{DateTime, Months, NaiveDate, Utc};

use crate::ids::{GallringDecisionId, GallringRuleId, JurisdictionId, NodeId};
use crate::kinds::{CaseKind, Channel};
use crate::org::OrgTree;

crate::vocabulary! {
    /// The kind of record a rule covers.
    Covers {
        Cases => "cases", "Ärenden", "Cases";
        /// The pictures and documents of cases (the text stays).
        Attachments => "attachments", "Bilagor och bilder i ärenden", "Files in cases";
        /// The examples written for the reports in the complaint analysis (the analysis stays).
        ReportExamples => "report_examples", "Exempel i rapporterna (ur klagomålsanalysen)", "Examples in the reports (from the complaint analysis)";
        HeldSubmissions => "held_submissions", "Kvarhållna inlämningar (misstänkt skräp)", "Held submissions (suspected spam)";
        InboundMail => "inbound_mail", "Kvarhållna e-postoriginal", "Held e-mail originals";
        AccessLog => "access_log", "Åtkomstloggen", "The access log";
        DialogueAddresses => "dialogue_addresses", "Dialogdeltagares e-postadresser", "Dialogue participants' e-mail addresses";
    }
}

crate::vocabulary! {
    /// How a case ended, for rules that treat them differently.
    Outcome {
        Handled => "handled", "Handlagt och avslutat här", "Handled and closed here";
        /// Sent on to the authority it belonged to (FL 4 §): Lyhörd held it only briefly.
        Referred => "referred", "Överlämnat till annan myndighet", "Referred to another authority";
    }
}

crate::vocabulary! {
    /// What happens to what a rule covers once it falls due.
    Disposal {
        Gallras => "gallras", "Gallras", "Disposed of";
        Bevaras => "bevaras", "Bevaras", "Kept";
        /// Disposed of once delivered to the e-archive (until then, kept).
        GallrasEfterLeverans => "gallras_efter_leverans", "Gallras efter leverans till e-arkivet", "Disposed of after delivery to the e-archive";
    }
}

impl Covers {
    /// Whether the rule is about cases (or a part of them), and takes the case filters.
    pub fn is_of_cases(self) -> bool {
        matches!(self, Covers::Cases | Covers::Attachments | Covers::ReportExamples)
    }

    /// From when a record's time runs: a case from its closing (its last change while
    /// closed), held submissions and mail from receipt, log rows from when they were written,
    /// dialogue addresses from the feedback.
    pub fn counted_from(self, lang: &str) -> &'static str {
        match (self, lang) {
            (Covers::Cases | Covers::Attachments | Covers::ReportExamples, "en") => "after the case was closed",
            (Covers::Cases | Covers::Attachments | Covers::ReportExamples, _) => "efter att ärendet avslutades",
            (Covers::HeldSubmissions | Covers::InboundMail, "en") => "after it was received",
            (Covers::HeldSubmissions | Covers::InboundMail, _) => "efter att det kom in",
            (Covers::AccessLog, "en") => "after it was written",
            (Covers::AccessLog, _) => "efter att raden skrevs",
            (Covers::DialogueAddresses, "en") => "after the feedback was sent",
            (Covers::DialogueAddresses, _) => "efter att återkopplingen skickades",
        }
    }
}

/// A gallringsbeslut as recorded: who decided what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: GallringDecisionId,
    pub jurisdiction: JurisdictionId,
    /// The decision's reference in the diarium, e.g. "KS 2025/123 § 45".
    pub reference: String,
    /// The deciding body, e.g. "Kommunstyrelsen".
    pub body: String,
    pub decided_on: NaiveDate,
    pub rules: Vec<Rule>,
}

/// One rule of a decision. For cases, each filter that is set must match (a unit matches the
/// cases of its whole subtree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: GallringRuleId,
    pub covers: Covers,
    pub kind: Option<CaseKind>,
    pub category: Option<String>,
    pub node_id: Option<NodeId>,
    pub channel: Option<Channel>,
    pub outcome: Option<Outcome>,
    /// Months from the record's start point (see [`Covers::counted_from`]) until it is due.
    pub after_months: u32,
    pub action: Disposal,
}

/// What a case rule looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts<'a> {
    pub kind: CaseKind,
    pub category: &'a str,
    pub node_id: &'a str,
    pub channel: Channel,
    pub outcome: Outcome,
}

impl Rule {
    /// Records that started before this instant are due at `now`.
    pub fn due_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_months(Months::new(self.after_months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Whether the rule is about `covers` of this case.
    pub fn matches(&self, covers: Covers, case: &CaseFacts<'_>, tree: &OrgTree) -> bool {
        self.covers == covers
            && covers.is_of_cases()
            && self.outcome.is_none_or(|o| o == case.outcome)
            && self.kind.is_none_or(|k| k == case.kind)
            && self.category.as_deref().is_none_or(|c| c == case.category)
            && self.channel.is_none_or(|c| c == case.channel)
            && self.node_id.as_deref().is_none_or(|n| tree.is_within(case.node_id, n).unwrap_or(false))
    }
}

/// What the rules say of one case closed at `closed_at`, at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// No rule covers it: kept.
    Uncovered,
    /// A rule says it is kept (bevaras), or kept until delivered to the e-archive.
    Kept(&'a Rule),
    /// Due under this rule (of the gallras rules that match, the one with the longest time).
    Due(&'a Rule),
    /// Covered, but not yet due.
    NotYet(&'a Rule),
}

/// Applies the rules of `rules` about `covers` (the case, or a part of it) to a case: keeping
/// wins over destroying, and it is due only when the longest matching period has passed.
pub fn verdict<'a>(
    rules: &'a [Rule],
    covers: Covers,
    case: &CaseFacts<'_>,
    closed_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tree: &OrgTree,
) -> Verdict<'a> {
    let matching: Vec<&Rule> = rules.iter().filter(|r| r.matches(covers, case, tree)).collect();
    if let Some(kept) = matching.iter().find(|r| r.action != Disposal::Gallras) {
        return Verdict::Kept(kept);
    }
    match matching.into_iter().max_by_key(|r| r.after_months) {
        None => Verdict::Uncovered,
        Some(rule) if closed_at < rule.due_before(now) => Verdict::Due(rule),
        Some(rule) => Verdict::NotYet(rule),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::NodeLevel;
    use crate::org::tests::node;
    use chrono::TimeZone;

    fn rule(after_months: u32, action: Disposal, node: Option<&str>) -> Rule {
        Rule {
            id: GallringRuleId::new(),
            covers: Covers::Cases,
            kind: Some(CaseKind::Synpunkt),
            category: None,
            node_id: node.map(Into::into),
            channel: None,
            outcome: None,
            after_months,
            action,
        }
    }

    #[test]
    fn keeping_wins_the_longest_period_counts_and_an_uncovered_case_is_kept() {
        let tree = OrgTree::new(vec![
            node("k", None, NodeLevel::Kommun, None),
            node("tn", Some("k"), NodeLevel::Namnd, None),
            node("park", Some("tn"), NodeLevel::Enhet, None),
            node("skola", Some("k"), NodeLevel::Namnd, None),
        ])
        .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let closed = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let park = CaseFacts {
            kind: CaseKind::Synpunkt,
            category: "gata",
            node_id: "park",
            channel: Channel::Web,
            outcome: Outcome::Handled,
        };
        let two_years = rule(24, Disposal::Gallras, Some("tn"));
        let three_years = rule(36, Disposal::Gallras, None);
        assert!(matches!(
            verdict(std::slice::from_ref(&two_years), Covers::Cases, &park, closed, now, &tree),
            Verdict::Due(_)
        ));
        let both = [two_years.clone(), three_years];
        assert!(
            matches!(verdict(&both, Covers::Cases, &park, closed, now, &tree), Verdict::NotYet(r) if r.after_months == 36)
        );
        let kept = [two_years.clone(), rule(0, Disposal::Bevaras, None)];
        assert!(matches!(verdict(&kept, Covers::Cases, &park, closed, now, &tree), Verdict::Kept(_)));
        let skola = CaseFacts { node_id: "skola", ..park.clone() };
        assert_eq!(
            verdict(std::slice::from_ref(&two_years), Covers::Cases, &skola, closed, now, &tree),
            Verdict::Uncovered
        );
        let klagomal = CaseFacts { kind: CaseKind::Klagomal, ..park };
        assert_eq!(
            verdict(std::slice::from_ref(&two_years), Covers::Cases, &klagomal, closed, now, &tree),
            Verdict::Uncovered
        );
        // A rule for referred cases leaves those handled here; a files rule is not a case rule.
        let referred = Rule { outcome: Some(Outcome::Referred), ..two_years.clone() };
        assert_eq!(
            verdict(std::slice::from_ref(&referred), Covers::Cases, &park, closed, now, &tree),
            Verdict::Uncovered
        );
        let sent_on = CaseFacts { outcome: Outcome::Referred, ..park.clone() };
        assert!(matches!(verdict(&[referred], Covers::Cases, &sent_on, closed, now, &tree), Verdict::Due(_)));
        let files = Rule { covers: Covers::Attachments, ..two_years };
        assert_eq!(verdict(std::slice::from_ref(&files), Covers::Cases, &park, closed, now, &tree), Verdict::Uncovered);
        assert!(matches!(verdict(&[files], Covers::Attachments, &park, closed, now, &tree), Verdict::Due(_)));
    }
}
