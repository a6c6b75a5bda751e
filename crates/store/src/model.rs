//! Records the store returns besides cases and events.

use chrono::{DateTime, Utc};
use domain::{
    ApiKeyId, CaseId, ContributionId, DialogueId, HeldSubmissionId, ImprovementId, InboundMailId, JobId,
    JurisdictionId, MeetingId, MessageId, NodeId, QuestionId, TemplateId, ThemeId, UserId,
};
use domain::{CaseKind, Channel, Status};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::sql::{Columns, from_micros, parse};

/// The `due_at` stored for a case on which no clock runs: it sorts after every real time.
pub const NO_DUE: i64 = i64::MAX;

/// A municipality using this installation, and how inhabitants reach it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    pub id: JurisdictionId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub visiting_address: Option<String>,
    pub opening_hours: Option<String>,
    /// How to reach the data protection officer, as the privacy notice names it.
    pub dpo_contact: Option<String>,
}

domain::vocabulary! {
    /// What a staff member may do.
    Role {
        Administrator => "administrator", "Administratör", "Administrator";
        Registrator => "registrator", "Registrator", "Registrar";
        Handlaggare => "handlaggare", "Handläggare", "Case handler";
        Chef => "chef", "Chef", "Manager";
        Lasare => "lasare", "Läsare", "Reader";
        /// Keeps the records: gallringsbeslut, gallring runs (approves them), the e-archive.
        Arkivansvarig => "arkivansvarig", "Arkivansvarig", "Records manager";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub jurisdiction: JurisdictionId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// An argon2id PHC string; the store never sees a password.
    pub password_hash: String,
    pub role: Role,
    pub node_id: Option<NodeId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub jurisdiction: JurisdictionId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub node_id: Option<NodeId>,
    pub disabled: bool,
}

impl User {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(row: &impl Columns) -> Result<User> {
        Ok(User {
            id: row.get("id")?,
            jurisdiction: row.get("jurisdiction_id")?,
            username: row.get("username")?,
            display_name: row.get("display_name")?,
            email: row.get("email")?,
            password_hash: row.get("password_hash")?,
            role: row.parsed("role")?,
            node_id: row.get("node_id")?,
            disabled: row.get("disabled")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user: User,
    pub created_at: DateTime<Utc>,
}

/// Which units' cases an inbox shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Units {
    /// Every unit of the jurisdiction (registrators, administrators).
    All,
    /// These units only (a handläggare's or chef's own nodes and those below).
    Only(Vec<NodeId>),
}

/// Narrows a list of cases; every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub kind: Option<CaseKind>,
    pub category: Option<String>,
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub handler: Option<UserId>,
}

/// Which cases an inbox shows: open cases, nearest deadline first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxQuery {
    pub jurisdiction: JurisdictionId,
    pub units: Units,
    pub filter: CaseFilter,
    pub limit: i64,
    pub offset: i64,
}

impl InboxQuery {
    /// The first `limit` open cases of `units`, unfiltered.
    pub fn new(jurisdiction: &JurisdictionId, units: Units, limit: i64) -> InboxQuery {
        InboxQuery { jurisdiction: jurisdiction.clone(), units, filter: CaseFilter::default(), limit, offset: 0 }
    }
}

/// A full-text search over cases, open and closed, newest first. Empty text lists every
/// case the filter lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub jurisdiction: JurisdictionId,
    pub units: Units,
    pub text: String,
    pub filter: CaseFilter,
    pub limit: i64,
    pub offset: i64,
    /// Whose words a search of words may look into, when not every case's (`None`: all).
    pub readable: Option<Readable>,
}

/// The cases whose text a person may read: those of these units, of these (public)
/// categories, or handled by them. A search of words finds no other case, so that nobody
/// learns by searching what a case they may not read says (OSL 8 kap. 1 §).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readable {
    pub units: Vec<NodeId>,
    pub categories: Vec<String>,
    pub handler: Option<UserId>,
}

/// One staff view of a case, from the access log (C5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub user_id: UserId,
    pub username: String,
    pub at: DateTime<Utc>,
    pub action: String,
}

/// An answer text staff start from; `{placeholders}` are filled in from the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerTemplate {
    pub id: TemplateId,
    pub name: String,
    /// "sv" or "en": the citizen's language picks the template.
    pub language: String,
    pub body: String,
}

/// An Open311 API key as staff see it; the key itself is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key may post updates only to the requests it sent.
    pub own_requests_only: bool,
}

impl ApiKey {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(r: &impl Columns) -> Result<ApiKey> {
        Ok(ApiKey {
            id: r.get("id")?,
            name: r.get("name")?,
            created_at: r.time("created_at")?,
            revoked_at: r.optional_time("revoked_at")?,
            own_requests_only: r.get("own_requests_only")?,
        })
    }
}

/// What an administrator may change about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub node_id: Option<NodeId>,
    pub disabled: bool,
}

/// One line of an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: CaseId,
    pub number: String,
    pub kind: CaseKind,
    pub channel: Channel,
    pub category: String,
    pub node_id: NodeId,
    pub handler_id: Option<UserId>,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// The most serious reminder or escalation still standing.
    pub alert: Option<domain::alerts::AlertStage>,
    /// A formal ärende (A8).
    pub formal: bool,
}

impl CaseSummary {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(row: &impl Columns) -> Result<CaseSummary> {
        let due: i64 = row.get("due_at")?;
        Ok(CaseSummary {
            id: row.get("id")?,
            number: row.get("number")?,
            kind: row.parsed("kind")?,
            channel: row.parsed("channel")?,
            category: row.get("category")?,
            node_id: row.get("node_id")?,
            handler_id: row.get("handler_id")?,
            status: row.parsed("status")?,
            received_at: row.time("received_at")?,
            due_at: if due == NO_DUE { None } else { Some(from_micros(due)?) },
            alert: row.optional_parsed("alert")?,
            formal: row.get("formal")?,
        })
    }
}

/// A förvaltning's own root causes and published routine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisSettings {
    pub node_id: NodeId,
    pub causes: Vec<domain::analysis::Cause>,
    pub routine: String,
}

/// A förbättringsåtgärd: what is done, by whom and when, and whether it worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Improvement {
    pub id: ImprovementId,
    pub node_id: NodeId,
    pub description: String,
    pub owner_id: Option<UserId>,
    pub due_date: chrono::NaiveDate,
    pub status: domain::ImprovementStatus,
    pub follow_up: String,
    pub worked: Option<domain::Worked>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// The cases that led to it: (id, number).
    pub cases: Vec<(CaseId, String)>,
}

impl Improvement {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(r: &impl Columns) -> Result<Improvement> {
        Ok(Improvement {
            id: r.get("id")?,
            node_id: r.get("node_id")?,
            description: r.get("description")?,
            owner_id: r.get("owner_id")?,
            due_date: r.parsed("due_date")?,
            status: r.parsed("status")?,
            follow_up: r.get("follow_up")?,
            worked: r.optional_parsed("worked")?,
            created_at: r.time("created_at")?,
            done_at: r.optional_time("done_at")?,
            cases: Vec::new(),
        })
    }
}

/// What staff write about an improvement action, new or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImprovementInput {
    pub node_id: NodeId,
    pub description: String,
    pub owner_id: Option<UserId>,
    pub due_date: chrono::NaiveDate,
    pub status: domain::ImprovementStatus,
    pub follow_up: String,
    pub worked: Option<domain::Worked>,
}

/// Cases of one kind of group in a report period: the projection's columns and a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportGroup {
    pub node_id: NodeId,
    pub kind: domain::CaseKind,
    pub category: String,
    pub channel: domain::Channel,
    pub role: Option<domain::SubmitterRole>,
    pub justified: Option<domain::Justified>,
    /// Root-cause codes, comma-separated.
    pub causes: String,
    pub count: i64,
}

/// How one promise of one unit's cases stood: counts by state when last worked out, the due
/// times of those still running (broken once past, counted when the report asks), and the
/// seconds from start until kept for each one kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClockTally {
    pub node_id: NodeId,
    pub clock: String,
    pub met: i64,
    pub breached: i64,
    pub paused: i64,
    /// Microseconds since the epoch.
    pub running_due: Vec<i64>,
    pub kept_seconds: Vec<i64>,
}

/// A period's cases counted for a report: groups, and each unit's promises.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportTally {
    pub groups: Vec<ReportGroup>,
    pub clocks: Vec<ClockTally>,
}

/// One unit's open cases by the state of their nearest promise (the manager's view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitClockCounts {
    pub node_id: NodeId,
    /// A promise has broken and is still not kept.
    pub broken: i64,
    /// The handler has been reminded: the promise is near.
    pub reminded: i64,
    /// Promises running in time.
    pub running: i64,
    /// No promise running: kept, paused, or none applies.
    pub none_running: i64,
}

/// A broken promise's manager told, or the manager above: the alert recorded on the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenPromise {
    pub case: CaseSummary,
    pub clock: String,
    /// `Breached` or `Escalated`.
    pub stage: domain::alerts::AlertStage,
    /// When the promise was due.
    pub due_at: DateTime<Utc>,
    /// When the alert was given.
    pub at: DateTime<Utc>,
}

/// A clock on a case, owned (for pages and APIs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockView {
    pub id: String,
    pub name_sv: String,
    pub name_en: String,
    pub clause: String,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub state: domain::clock::ClockState,
    pub kept_at: Option<DateTime<Utc>>,
    /// Time left until due; negative when overdue.
    pub remaining: chrono::Duration,
    /// Working days left after today until the due day; negative when overdue.
    pub working_days_left: i64,
}

impl From<&domain::clock::Clock<'_>> for ClockView {
    fn from(c: &domain::clock::Clock<'_>) -> Self {
        ClockView {
            id: c.def.id.clone(),
            name_sv: c.def.name_sv.clone(),
            name_en: c.def.name_en.clone(),
            clause: c.def.clause.clone(),
            started_at: c.started_at,
            due_at: c.due_at,
            state: c.state,
            kept_at: c.kept_at,
            remaining: c.remaining,
            working_days_left: c.working_days_left,
        }
    }
}

/// A message to a citizen in the outbox, written with the event that causes it and sent by
/// the mail worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Given by the store when the message is queued; it names the message (Message-ID).
    pub id: MessageId,
    pub case_id: CaseId,
    /// Why it is sent, e.g. `receipt` or `answer:7`; one message per case and purpose.
    pub purpose: String,
    pub recipient: String,
    /// The subject and text particular to this message; the mail template frames them. A
    /// receipt's are empty: it is written from the case when it is sent.
    pub subject: String,
    pub body: String,
    /// `sv` or `en`, the citizen's language.
    pub language: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Tries so far, and the last failure's reason.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When sending was given up after the last try.
    pub failed_at: Option<DateTime<Utc>>,
}

impl OutboxMessage {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(r: &impl Columns) -> Result<OutboxMessage> {
        Ok(OutboxMessage {
            id: r.get("id")?,
            case_id: r.get("case_id")?,
            purpose: r.get("purpose")?,
            recipient: r.get("recipient")?,
            subject: r.get("subject")?,
            body: r.get("body")?,
            language: r.get("language")?,
            created_at: r.time("created_at")?,
            sent_at: r.optional_time("sent_at")?,
            attempts: r.get("attempts")?,
            last_error: r.get("last_error")?,
            failed_at: r.optional_time("failed_at")?,
        })
    }
}

/// The frame of one kind of message in one language, as an administrator wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailTemplate {
    pub purpose: String,
    pub lang: String,
    pub subject: String,
    pub body: String,
}

domain::vocabulary! {
    /// What became of a received e-mail message.
    MailOutcome {
        /// A new case.
        Case => "case", "Nytt ärende", "New case";
        /// A message on an existing case.
        Reply => "reply", "Svar i ärende", "Reply on a case";
        /// Kept for staff: unreadable, automatic, or too many from one sender.
        Held => "held", "Kvarhållet", "Held";
    }
}

/// A received e-mail message; its raw bytes are in the file store under `raw_sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    pub id: InboundMailId,
    pub jurisdiction: JurisdictionId,
    pub received_at: DateTime<Utc>,
    /// The Message-ID header (or a digest of the message when it has none).
    pub message_id: String,
    /// The sender's address in lower case; empty when it cannot be read.
    pub sender: String,
    pub subject: String,
    pub raw_sha256: String,
    pub size: i64,
    pub outcome: MailOutcome,
    /// Why a held message was held.
    pub reason: Option<String>,
    pub case_id: Option<CaseId>,
    /// What staff decided about a held message (`registered` or `dismissed`).
    pub resolution: Option<String>,
}

impl InboundMail {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(r: &impl Columns) -> Result<InboundMail> {
        Ok(InboundMail {
            id: r.get("id")?,
            jurisdiction: r.get("jurisdiction_id")?,
            received_at: r.time("received_at")?,
            message_id: r.get("message_id")?,
            sender: r.get("sender")?,
            subject: r.get("subject")?,
            raw_sha256: r.get("raw_sha256")?,
            size: r.get("size")?,
            outcome: r.parsed("outcome")?,
            reason: r.get("reason")?,
            case_id: r.get("case_id")?,
            resolution: r.get("resolution")?,
        })
    }
}

/// A submission held back as suspected spam, kept for staff (E6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub id: HeldSubmissionId,
    pub jurisdiction: JurisdictionId,
    pub received_at: DateTime<Utc>,
    pub reason: String,
    /// Everything that was received, as JSON.
    pub payload: String,
    /// `registered` or `dismissed` once staff have decided; the row stays either way.
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The case it became, when it was registered.
    pub case_id: Option<CaseId>,
}

/// What staff decided about a quarantined submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineDecision {
    /// `registered` or `dismissed`.
    pub resolution: &'static str,
    pub by: UserId,
    /// The case it became, when registered.
    pub case_id: Option<CaseId>,
    pub at: DateTime<Utc>,
}

/// Which requests the public (Open311) may list: cases in public categories only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicQuery {
    pub jurisdiction: JurisdictionId,
    /// These case numbers only; overrides everything else (Open311 b.6).
    pub numbers: Option<Vec<String>>,
    /// These categories only; empty means all.
    pub categories: Vec<String>,
    /// Received within [from, until).
    pub received: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// `Some(true)` open only, `Some(false)` closed only.
    pub open: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// A case as anyone may see it: no names, addresses of people, e-mail or phone numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicCase {
    pub id: CaseId,
    pub number: String,
    pub kind: domain::CaseKind,
    pub category: String,
    pub node_id: NodeId,
    pub status: Status,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// The citizen's text; the caller decides whether it may be shown.
    pub description: String,
    /// Where it is about (a place, not a person's address).
    pub place: Option<String>,
    pub position: Option<domain::Position>,
    /// What staff wrote when the case was closed or sent to another authority.
    pub closing_note: Option<String>,
    /// The files sent with the case; the caller decides which may be shown.
    pub attachments: Vec<domain::attachment::Attachment>,
    /// A picture the sender keeps elsewhere.
    pub media_url: Option<String>,
    /// Answers to the category's questions; the caller decides which may be shown.
    pub answers: Vec<domain::Answer>,
    /// What staff published of the case, the latest decision; `None` before any.
    pub publication: Option<Publication>,
}

/// Staff's decision on what of a case the open API shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub text: String,
    pub exact_position: bool,
    pub pictures: bool,
}

/// Which events of public cases the public may read, as updates (Open311 b.11).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicUpdatesQuery {
    pub jurisdiction: JurisdictionId,
    /// Events of these cases only.
    pub numbers: Option<Vec<String>>,
    /// Recorded within [from, until).
    pub recorded: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Events of these types only (`EventPayload::type_code`).
    pub types: Vec<&'static str>,
    pub limit: i64,
    pub offset: i64,
}

/// One event of a public case; the caller decides what of it may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUpdate {
    pub number: String,
    pub kind: domain::CaseKind,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub payload: domain::EventPayload,
}

/// Work to do later, once per key (e.g. `reminder:<case>:<clock>:half`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    pub key: String,
    /// What the job needs, as JSON.
    pub payload: String,
    pub run_at: DateTime<Utc>,
}

/// A scheduled job, as claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub key: String,
    pub payload: String,
    pub run_at: DateTime<Utc>,
    /// Tries so far, this one included once claimed.
    pub attempts: i64,
    pub last_error: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

impl Job {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(r: &impl Columns) -> Result<Job> {
        Ok(Job {
            id: r.get("id")?,
            kind: r.get("kind")?,
            key: r.get("job_key")?,
            payload: r.get("payload")?,
            run_at: r.time("run_at")?,
            attempts: r.get("attempts")?,
            last_error: r.get("last_error")?,
            done_at: r.optional_time("done_at")?,
        })
    }
}

/// A citizen dialogue: its plan and where it got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialogue {
    pub id: DialogueId,
    pub plan: domain::dialogue::Plan,
    pub published_at: Option<DateTime<Utc>>,
    /// The decision as made (V-D4); empty until recorded.
    pub outcome: String,
    pub decided_on: Option<chrono::NaiveDate>,
    /// Why the decision was recorded before the dialogue closed, or with views not yet
    /// considered (shown in the redovisning); empty otherwise.
    pub decision_reason: String,
    pub feedback_sent_at: Option<DateTime<Utc>>,
}

impl Dialogue {
    /// The record as a row of its table reads.
    pub(crate) fn from_row(r: &impl Columns) -> Result<Dialogue> {
        let methods: String = r.get("methods")?;
        Ok(Dialogue {
            id: r.get("id")?,
            plan: domain::dialogue::Plan {
                title: r.get("title")?,
                purpose: r.get("purpose")?,
                question: r.get("question")?,
                open_to_influence: r.get("open_to_influence")?,
                decision_node: r.get("decision_node")?,
                decision_matter: r.get("decision_matter")?,
                decision_date: r.optional_parsed("decision_date")?,
                decider: r.get("decider")?,
                use_of_results: r.get("use_of_results")?,
                opens_on: r.parsed("opens_on")?,
                closes_on: r.parsed("closes_on")?,
                target_groups: r.get("target_groups")?,
                methods: methods
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(|m| parse("method", m))
                    .collect::<Result<_>>()?,
                ladder: r.parsed("ladder")?,
                political_decision: {
                    let body: String = r.get("political_body")?;
                    (!body.is_empty())
                        .then(|| -> Result<_> {
                            Ok(domain::dialogue::PoliticalDecision {
                                body,
                                date: r.optional_parsed("political_date")?,
                                paragraph: r
                                    .get::<Option<i64>>("political_paragraph")?
                                    .map(|p| u32::try_from(p).map_err(|e| crate::StoreError::corrupt(e.to_string())))
                                    .transpose()?,
                            })
                        })
                        .transpose()?
                },
                feedback_plan: r.get("feedback_plan")?,
            },
            published_at: r.optional_time("published_at")?,
            outcome: r.get("outcome")?,
            decided_on: r.optional_parsed("decided_on")?,
            decision_reason: r.get("decision_reason")?,
            feedback_sent_at: r.optional_time("feedback_sent_at")?,
        })
    }

    pub fn phase(&self, today: chrono::NaiveDate) -> domain::dialogue::Phase {
        domain::dialogue::Phase::of(
            self.published_at.is_some(),
            self.decided_on.is_some(),
            self.plan.opens_on,
            self.plan.closes_on,
            today,
        )
    }
}

/// Who makes a change to a dialogue, and why (required for some changes; may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeNote {
    pub user_id: UserId,
    pub reason: String,
}

/// One field of a dialogue changed: its name (as the forms name it), before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One recorded change to what a dialogue's decision rests on (V-D4): the plan, the outcome,
/// a theme or a contribution's consideration. The store records it with the change itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogueChange {
    pub at: DateTime<Utc>,
    pub user_id: UserId,
    /// `plan`, `outcome`, `theme` or `consideration`.
    pub what: String,
    pub fields: Vec<FieldChange>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogueQuestion {
    pub id: QuestionId,
    pub kind: domain::QuestionKind,
    pub text: String,
    pub options: Vec<String>,
}

/// One person taking part on the web: answers, a contribution, voluntary facts about
/// themselves, and an address for feedback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participation {
    pub email: Option<String>,
    pub demographics: domain::dialogue::Demographics,
    pub answers: Vec<(QuestionId, String)>,
    pub contribution: Option<(domain::ContributionKind, String)>,
}

/// A meeting, walk or focus group as staff recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: MeetingId,
    pub held_on: chrono::NaiveDate,
    pub place: String,
    pub method: domain::DialogueMethod,
    pub participants: i64,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub id: ContributionId,
    /// Registered in order within the dialogue (G7).
    pub number: i64,
    pub kind: domain::ContributionKind,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Raised at this meeting (none: on the web).
    pub meeting_id: Option<MeetingId>,
    pub hidden: bool,
    pub theme_id: Option<ThemeId>,
    pub consideration: Option<domain::Consideration>,
    pub reason: String,
}

/// One hiding or showing again of a contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moderation {
    pub contribution_id: ContributionId,
    pub at: DateTime<Utc>,
    pub staff_id: UserId,
    pub hidden: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub id: ThemeId,
    pub name: String,
    pub consideration: Option<domain::Consideration>,
    pub reason: String,
}

/// A gallringsbeslut as recorded (its rules are added one by one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGallringDecision {
    pub reference: String,
    pub body: String,
    pub decided_on: chrono::NaiveDate,
    pub recorded_by: Option<UserId>,
}

/// A closed case as gallring rules look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedCase {
    pub id: CaseId,
    pub number: String,
    pub kind: CaseKind,
    pub category: String,
    pub node_id: NodeId,
    pub channel: Channel,
    /// When it was last changed while closed: when its time under the rules starts.
    pub closed_at: DateTime<Utc>,
    pub outcome: domain::gallring::Outcome,
}

impl ClosedCase {
    pub(crate) fn from_row(r: &impl Columns) -> Result<ClosedCase> {
        let referred: bool = r.get("referred")?;
        Ok(ClosedCase {
            id: r.get("id")?,
            number: r.get("number")?,
            kind: r.parsed("kind")?,
            category: r.get("category")?,
            node_id: r.get("node_id")?,
            channel: r.parsed("channel")?,
            closed_at: r.time("updated_at")?,
            outcome: if referred { domain::gallring::Outcome::Referred } else { domain::gallring::Outcome::Handled },
        })
    }

    /// What the gallring rules look at.
    pub fn facts(&self) -> domain::gallring::CaseFacts<'_> {
        domain::gallring::CaseFacts {
            kind: self.kind,
            category: &self.category,
            node_id: &self.node_id,
            channel: self.channel,
            outcome: self.outcome,
        }
    }
}

/// One thing a gallring run removes: a case, a held submission or message, a participant's
/// address, or the access log's rows before a day (`amount` of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GallringItem {
    pub covers: domain::gallring::Covers,
    pub target: uuid::Uuid,
    pub rule: domain::GallringRuleId,
    /// What staff read in the preview and the protocol: a case number, a date.
    pub label: String,
    pub amount: i64,
    pub done_at: Option<DateTime<Utc>>,
}

/// What one case's item of a run removes, and under what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseGallring<'a> {
    pub run: domain::GallringRunId,
    /// The decision's reference and the rule as people read it, for the `gallrad` event.
    pub decision: &'a str,
    pub rule: &'a str,
    /// The whole case, or only its files or report example.
    pub part: domain::gallring::Covers,
    /// The case is left if it was changed after this (no longer due); `None`: an erasure on
    /// request, due whenever the case is closed.
    pub closed_before: Option<DateTime<Utc>>,
}

/// A gallring run: planned, approved, finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GallringRun {
    pub id: domain::GallringRunId,
    pub jurisdiction: JurisdictionId,
    pub planned_at: DateTime<Utc>,
    pub planned_by: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why a run of one was planned out of turn: a person's request for erasure (GDPR art. 17).
    pub reason: Option<String>,
}

impl GallringRun {
    pub(crate) fn from_row(row: &impl Columns) -> Result<GallringRun> {
        Ok(GallringRun {
            id: row.get("id")?,
            jurisdiction: row.get("jurisdiction_id")?,
            planned_at: row.time("planned_at")?,
            planned_by: row.get("planned_by")?,
            approved_at: row.optional_time("approved_at")?,
            approved_by: row.get("approved_by")?,
            finished_at: row.optional_time("finished_at")?,
            reason: row.get("reason")?,
        })
    }
}

impl GallringItem {
    pub(crate) fn from_row(row: &impl Columns) -> Result<GallringItem> {
        Ok(GallringItem {
            covers: row.parsed("covers")?,
            target: row.get("target")?,
            rule: row.get("rule_id")?,
            label: row.get("label")?,
            amount: row.get("amount")?,
            done_at: row.optional_time("done_at")?,
        })
    }
}

pub(crate) fn gallring_rule_from_row(row: &impl Columns) -> Result<domain::gallring::Rule> {
    Ok(domain::gallring::Rule {
        id: row.get("id")?,
        covers: row.parsed("covers")?,
        kind: row.optional_parsed("kind")?,
        category: row.get("category")?,
        node_id: row.get("node_id")?,
        channel: row.optional_parsed("channel")?,
        outcome: row.optional_parsed("outcome")?,
        after_months: u32::try_from(row.get::<i64>("after_months")?).unwrap_or(0),
        action: row.parsed("action")?,
    })
}

/// A case a breach report names (GDPR art. 33-34): how its personal data were touched in the
/// window, and its receipt as it stands now (gallrad cases have none left).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BreachCase {
    pub case_id: domain::CaseId,
    pub number: String,
    pub node_id: domain::NodeId,
    pub category: String,
    pub received_at: DateTime<Utc>,
    /// The person's data were written in the window (the receipt, a message, a correction).
    pub stored: bool,
    /// The staff accounts shown the case in the window.
    pub shown_to: Vec<String>,
    /// The addresses mail about the case went to in the window.
    pub sent_to: Vec<String>,
    pub submission: Option<domain::Submission>,
    /// Contact details corrected since the receipt, oldest first.
    pub corrections: Vec<domain::submission::ContactDetails>,
}

/// A search of the register (OSL 5 kap. 1 §); every field that is set must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterQuery {
    pub jurisdiction: JurisdictionId,
    /// A case number, or its start ("2026-0001").
    pub number: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// These units only (a unit and those below it).
    pub units: Option<Vec<NodeId>>,
    pub subject: Option<SubjectMatch>,
    pub limit: i64,
    pub offset: i64,
}

/// Words of an ärendemening, and the categories and kinds whose names hold them (which is
/// what a default ärendemening is made of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectMatch {
    pub words: String,
    pub categories: Vec<String>,
    pub kinds: Vec<CaseKind>,
}

/// One line of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterEntry {
    pub number: String,
    pub received_at: DateTime<Utc>,
    pub kind: CaseKind,
    pub category: String,
    pub node_id: NodeId,
    /// The ärendemening staff set; empty: the default from kind and category.
    pub subject: String,
    pub anonymous: bool,
    pub submitter_role: Option<domain::SubmitterRole>,
    /// The sender's name when it is a business or organisation; a private person's name is
    /// never read for the register.
    pub organisation: Option<String>,
}

/// The key under which a held form's payload keeps the files that came with it.
pub const HELD_FILES: &str = "held_attachments";

/// The files a held form's payload keeps.
pub fn held_files(payload: &str) -> Vec<domain::attachment::Attachment> {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    value.get(HELD_FILES).and_then(|files| serde_json::from_value(files.clone()).ok()).unwrap_or_default()
}
