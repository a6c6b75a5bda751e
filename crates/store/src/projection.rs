//! What registering a case takes and gives, and the columns of a case that follow from its
//! clocks. Intake computes a projection when a case arrives, `append` when an event changes
//! it; the SQL writes it.

use chrono::{DateTime, Utc};
use domain::CaseId;
use domain::alerts::{AlertCase, AlertStage};
use domain::clock::{Clock, Policy};
use domain::{Actor, Submission};

use crate::{Result, StoreError};

/// The parts of a case's projection that follow from its clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Projected {
    /// Due time of the nearest running clock, for ordering inboxes.
    pub due: Option<DateTime<Utc>>,
    /// When the case next owes someone an alert.
    pub alert_at: Option<DateTime<Utc>>,
    /// The most serious alert still standing, for inboxes.
    pub alert: Option<AlertStage>,
    /// Each clock as it stands, for reports (`ClockRecord::summarize`).
    pub clocks: String,
    /// The latest analysis: justified or not, and the root-cause codes comma-separated.
    pub justified: Option<domain::Justified>,
    pub causes: String,
}

impl Projected {
    pub(crate) fn of(
        policy: &Policy,
        case: &AlertCase,
        clocks: &[Clock<'_>],
        events: &[(DateTime<Utc>, domain::EventPayload)],
    ) -> Result<Projected> {
        let invalid = |e: domain::calendar::CalendarError| StoreError::Invalid(e.to_string());
        let pending = policy.pending_alerts(case, clocks, events).map_err(invalid)?;
        let analysis = events.iter().rev().find_map(|(_, p)| match p {
            domain::EventPayload::Analysed { justified, causes, .. } => Some((*justified, causes.join(","))),
            _ => None,
        });
        Ok(Projected {
            due: Policy::nearest_due(clocks),
            alert_at: pending.iter().map(|a| a.at).min(),
            alert: policy.standing_alert(case, clocks, events).map_err(invalid)?,
            clocks: domain::clock::ClockRecord::summarize(clocks),
            justified: analysis.as_ref().map(|(j, _)| *j),
            causes: analysis.map(|(_, c)| c).unwrap_or_default(),
        })
    }
}

/// A submission ready to register: already validated and routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub submission: Submission,
    /// The organisation node the case is routed to (from its category, S7).
    pub node_id: domain::NodeId,
    /// Server receipt time (FL 22 §), also outside office hours.
    pub received_at: DateTime<Utc>,
    /// Chosen by the client; the same key always yields the same case (I3).
    pub idempotency_key: Option<String>,
    pub actor: Actor,
    /// A case arriving now. Its receipt is mailed to the submitter, if they gave an address
    /// (A4), and its promises are reminded of. History being loaded (the demo's, a
    /// benchmark's fill) is not live: no receipt, and no reminders until its next event.
    pub live: bool,
}

/// What the citizen is given once the case is durably stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub case_id: CaseId,
    pub number: String,
    pub received_at: DateTime<Utc>,
    /// True when an earlier submission with the same idempotency key made this case.
    pub duplicate: bool,
}
