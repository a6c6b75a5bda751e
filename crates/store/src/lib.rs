//! Lyhörd's case store: one API over SQLite (embedded, the default) and PostgreSQL
//! (several instances, more data). Both use native sqlx pools and the same SQL where the
//! dialects agree.
//!
//! Durability is the promise (requirements §3): a receipt exists only after the
//! transaction that holds the case has committed with `synchronous=FULL` (SQLite) or
//! `synchronous_commit=on` (PostgreSQL).

/// Calls the operation of the same name generated for the backend in use (see [`sql`]).
macro_rules! on_backend {
    ($backend:expr, $fn:ident ( $($arg:expr),* )) => {
        match $backend {
            Backend::Sqlite(db) => sql::sqlite::$fn(db, $($arg),*).await,
            Backend::Postgres(db) => sql::postgres::$fn(db, $($arg),*).await,
        }
    };
}

mod backend;
mod error;
mod intake;
mod migrate;
mod model;
mod policies;
mod projection;
mod sql;
#[cfg(feature = "test-support")]
pub mod testing;

pub use backend::{Backend, ConnectOptions};

/// From one instant until (not including) another.
pub type Span = (DateTime<Utc>, DateTime<Utc>);
pub use error::StoreError;
pub use model::{
    AccessEntry, AnalysisSettings, AnswerTemplate, ApiKey, BreachCase, BrokenPromise, CaseFilter, CaseGallring,
    CaseSummary, ChangeNote, ClockTally, ClockView, ClosedCase, Contribution, Dialogue, DialogueChange,
    DialogueQuestion, FieldChange, GallringItem, GallringRun, Improvement, ImprovementInput, InboundMail, InboxQuery,
    Job, Jurisdiction, MailOutcome, MailTemplate, Meeting, Moderation, NO_DUE, NewGallringDecision, NewJob, NewUser,
    OutboxMessage, Participation, PublicCase, PublicQuery, PublicUpdate, PublicUpdatesQuery, Publication,
    QuarantineDecision, Quarantined, Readable, RegisterEntry, RegisterQuery, ReportGroup, ReportTally, Role,
    SearchQuery, SessionRecord, SubjectMatch, Theme, UnitClockCounts, Units, User, UserUpdate,
};
pub use model::{HELD_FILES, held_files};
pub use projection::{NewCase, Receipt};

use chrono::{DateTime, Utc};
use domain::clock::Policy;
use domain::{
    ApiKeyId, CaseId, ContributionId, DialogueId, HeldSubmissionId, ImprovementId, InboundMailId, JobId,
    JurisdictionId, MessageId, NodeId, ParticipantId, QuestionId, TemplateId, ThemeId, UserId,
};
use domain::{
    CaseState, Category, Event, GallringDecisionId, GallringRuleId, GallringRunId, NewEvent, OrgNode, OrgTree,
};
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Cases indexed for search per transaction.
const SEARCH_BATCH: i64 = 500;
/// How long the search indexer rests, and how quiet intake must have been before it works.
const INDEXING_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// The handle every other layer uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    intake: intake::Intake,
    policies: policies::Policies,
}

/// Runs one store operation on the backend in use, in a span named after it (`store`,
/// `op = "inbox"`), so a slow request's log shows which operations it waited on.
macro_rules! dispatch {
    ($self:ident, $fn:ident ( $($arg:expr),* )) => {{
        use tracing::Instrument as _;
        let span = tracing::debug_span!("store", op = stringify!($fn));
        async { on_backend!(&$self.inner.backend, $fn($($arg),*)) }.instrument(span).await
    }};
}

impl Store {
    /// Opens the database named by `url` (`sqlite:path` or `postgres://…`), runs pending
    /// migrations, and starts the intake writer.
    pub async fn open(url: &str, options: ConnectOptions) -> Result<Store> {
        let backend = Backend::connect(url, &options).await?;
        migrate::run(&backend).await?;
        reexpress_chains(&backend).await?;
        let policies = policies::Policies::new(Policy::defaults());
        load_stored_policies(&backend, &policies).await?;
        let intake = intake::Intake::start(backend.clone(), policies.clone(), options.max_batch);
        let store = Store { inner: Arc::new(Inner { backend, intake, policies }) };
        tokio::spawn(index_in_background(Arc::downgrade(&store.inner)));
        Ok(store)
    }

    /// Runs migrations only (for `lyhord migrate`), returning how many were applied.
    pub async fn migrate_only(url: &str, options: ConnectOptions) -> Result<usize> {
        let backend = Backend::connect(url, &options).await?;
        let applied = migrate::run(&backend).await?;
        backend.close().await;
        Ok(applied)
    }

    pub fn backend_name(&self) -> &'static str {
        self.inner.backend.name()
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, ping())
    }

    pub async fn close(&self) {
        self.inner.backend.close().await;
    }

    // --- Intake -------------------------------------------------------------------------

    /// Registers a new case and returns its receipt once it is durably committed. Concurrent
    /// submissions share one commit (group commit); a repeated idempotency key returns the
    /// first case's receipt.
    pub async fn submit(&self, case: NewCase) -> Result<Receipt> {
        self.inner.intake.submit(case).await
    }

    // --- Cases --------------------------------------------------------------------------

    /// Appends an event to a case if the lifecycle allows it, in one transaction with the
    /// projection (status, unit, handler, and the due time of the nearest running clock).
    /// Returns the case's new state.
    pub async fn append(&self, case_id: CaseId, event: NewEvent) -> Result<CaseState> {
        self.append_with(case_id, event, &[]).await
    }

    /// Appends an event and queues the messages it causes, in one transaction: a message is
    /// sent only if its event is recorded. Each message's purpose gets the event's number.
    pub async fn append_with(&self, case_id: CaseId, event: NewEvent, messages: &[OutboxMessage]) -> Result<CaseState> {
        let policies = &self.inner.policies;
        dispatch!(self, append(case_id, &event, messages, None, policies))
    }

    /// Puts a jurisdiction's own policy in force instead of the defaults, pinned: it comes
    /// from the configuration, and the administration pages cannot change it. Due times of
    /// new cases and of cases that change follow it from now on.
    pub fn set_policy(&self, jurisdiction: &JurisdictionId, policy: Policy) {
        self.inner.policies.pin(jurisdiction, policy);
    }

    /// Whether the jurisdiction's policy comes from the configuration (see [`Store::set_policy`]).
    pub fn policy_is_pinned(&self, jurisdiction: &JurisdictionId) -> bool {
        self.inner.policies.is_pinned(jurisdiction)
    }

    /// Saves a policy written in the administration pages and puts it in force.
    pub async fn save_policy(&self, jurisdiction: &JurisdictionId, toml: &str) -> Result<()> {
        if self.policy_is_pinned(jurisdiction) {
            return Err(StoreError::Invalid("this policy is set in the configuration file".into()));
        }
        let policy = parse_policy(toml)?;
        dispatch!(self, save_policy_toml(jurisdiction, toml))?;
        self.inner.policies.set(jurisdiction, policy);
        Ok(())
    }

    /// Puts a policy in force for every jurisdiction without one of its own.
    pub fn set_default_policy(&self, policy: Policy) {
        self.inner.policies.set_default(policy);
    }

    pub fn policy(&self, jurisdiction: &JurisdictionId) -> Arc<Policy> {
        self.inner.policies.get(jurisdiction)
    }

    /// Every clock of a case at `now`: due time, state, time left.
    pub async fn clocks(&self, case_id: CaseId, now: DateTime<Utc>) -> Result<Vec<ClockView>> {
        let state = self.case(case_id).await?.ok_or(StoreError::NotFound)?;
        let events = self.events(case_id).await?;
        self.clocks_of(&state, &events, now)
    }

    /// The clocks of a case whose state and events the caller has already read.
    pub fn clocks_of(&self, case: &CaseState, events: &[Event], now: DateTime<Utc>) -> Result<Vec<ClockView>> {
        let timeline = Event::timeline(events)?;
        let policy = self.policy(&case.jurisdiction);
        let clocks =
            policy.clocks(&case.clock_facts(), &timeline, now).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(clocks.iter().map(ClockView::from).collect())
    }

    pub async fn case(&self, case_id: CaseId) -> Result<Option<CaseState>> {
        dispatch!(self, case(case_id))
    }

    pub async fn case_by_number(&self, jurisdiction: &JurisdictionId, number: &str) -> Result<Option<CaseState>> {
        dispatch!(self, case_by_number(jurisdiction, number))
    }

    pub async fn events(&self, case_id: CaseId) -> Result<Vec<Event>> {
        dispatch!(self, events(case_id))
    }

    /// Checks the case's hash chain against its events and its record.
    /// Every case by id, a page at a time after `after`: (id, jurisdiction, number).
    pub async fn case_index(&self, after: Option<CaseId>, limit: i64) -> Result<Vec<(CaseId, JurisdictionId, String)>> {
        dispatch!(self, case_index(after, limit))
    }

    pub async fn verify(&self, case_id: CaseId) -> Result<()> {
        self.verified_events(case_id).await.map(|_| ())
    }

    /// The case's events, once its chain is checked against its head.
    pub async fn verified_events(&self, case_id: CaseId) -> Result<Vec<Event>> {
        let state = self.case(case_id).await?.ok_or(StoreError::NotFound)?;
        let events = self.events(case_id).await?;
        domain::event::verify_chain(&events, state.event_count, &state.head)?;
        Ok(events)
    }

    /// The case's chain head before and after its events were re-expressed over content
    /// digests, and when (decision 62); none for a case created since.
    pub async fn chain_reexpression(
        &self,
        case_id: CaseId,
    ) -> Result<Option<(domain::Hash, domain::Hash, DateTime<Utc>)>> {
        dispatch!(self, chain_reexpression(case_id))
    }

    /// Open cases of the given units, nearest deadline first.
    pub async fn inbox(&self, query: &InboxQuery) -> Result<Vec<CaseSummary>> {
        dispatch!(self, inbox(query))
    }

    /// Cases, open and closed, matching the words of the query, newest first. Cases
    /// received a moment ago are indexed first, so a search always sees every case.
    pub async fn search(&self, query: &SearchQuery) -> Result<Vec<CaseSummary>> {
        if !query.text.trim().is_empty() {
            while self.index_pending().await? == SEARCH_BATCH as usize {}
        }
        dispatch!(self, search(query))
    }

    /// Makes up to one batch of newly received cases searchable; returns how many.
    pub async fn index_pending(&self) -> Result<usize> {
        dispatch!(self, index_pending(SEARCH_BATCH))
    }

    /// Records that a staff member saw or fetched something of a case (C5).
    pub async fn log_access(&self, case_id: CaseId, user_id: UserId, at: DateTime<Utc>, action: &str) -> Result<()> {
        dispatch!(self, log_access(case_id, user_id, at, action))
    }

    pub async fn access_log(&self, case_id: CaseId) -> Result<Vec<AccessEntry>> {
        dispatch!(self, access_log(case_id))
    }

    /// Cases of public categories as anyone may see them (Open311 GET requests).
    pub async fn public_cases(&self, query: &PublicQuery) -> Result<Vec<PublicCase>> {
        dispatch!(self, public_cases(query))
    }

    /// Events of public cases, oldest first (Open311 updates and notes).
    pub async fn public_updates(&self, query: &PublicUpdatesQuery) -> Result<Vec<PublicUpdate>> {
        dispatch!(self, public_updates(query))
    }

    pub async fn count_cases(&self, jurisdiction: &JurisdictionId) -> Result<i64> {
        dispatch!(self, count_cases(jurisdiction))
    }

    /// Writes a consistent copy of the whole database to `path` (which must not exist) while
    /// the store stays open: SQLite's `VACUUM INTO`, within one read transaction, so intake
    /// goes on. PostgreSQL is backed up with its own tools (`pg_dump`, continuous archiving).
    pub async fn backup_into(&self, path: &std::path::Path) -> Result<()> {
        match &self.inner.backend {
            Backend::Sqlite(db) => {
                let target = path.to_str().ok_or_else(|| StoreError::Invalid("the backup path is not UTF-8".into()))?;
                sqlx::query("VACUUM INTO $1").bind(target).execute(&db.read).await?;
                Ok(())
            }
            Backend::Postgres(_) => Err(StoreError::Invalid(
                "a PostgreSQL database is backed up with pg_dump or continuous archiving (see the README); \
                 `lyhord backup` copies SQLite databases"
                    .into(),
            )),
        }
    }

    // --- Organisation -------------------------------------------------------------------

    pub async fn upsert_jurisdiction(&self, jurisdiction: &Jurisdiction) -> Result<()> {
        dispatch!(self, upsert_jurisdiction(jurisdiction))
    }

    /// All jurisdictions, by id.
    pub async fn jurisdictions(&self) -> Result<Vec<Jurisdiction>> {
        dispatch!(self, jurisdictions())
    }

    /// Replaces the organisation nodes given (insert or update), after checking that the
    /// resulting tree of the jurisdiction is valid.
    pub async fn upsert_org(&self, jurisdiction: &JurisdictionId, nodes: &[OrgNode]) -> Result<()> {
        let mut all = self.org_nodes(jurisdiction).await?;
        all.retain(|n| !nodes.iter().any(|m| m.id == n.id));
        all.extend(nodes.iter().cloned());
        let tree = OrgTree::new(all)?;
        // Parents first, so that every parent reference points at a stored node.
        let mut ordered = nodes.to_vec();
        ordered.sort_by_cached_key(|n| tree.line(&n.id).map_or(0, |line| line.len()));
        dispatch!(self, upsert_org(jurisdiction, &ordered))
    }

    pub async fn org_nodes(&self, jurisdiction: &JurisdictionId) -> Result<Vec<OrgNode>> {
        dispatch!(self, org_nodes(jurisdiction))
    }

    pub async fn org_tree(&self, jurisdiction: &JurisdictionId) -> Result<OrgTree> {
        Ok(OrgTree::new(self.org_nodes(jurisdiction).await?)?)
    }

    pub async fn upsert_category(
        &self,
        jurisdiction: &JurisdictionId,
        category: &Category,
        position: i64,
    ) -> Result<()> {
        dispatch!(self, upsert_category(jurisdiction, category, position))
    }

    /// The jurisdiction's categories in their configured order.
    pub async fn categories(&self, jurisdiction: &JurisdictionId) -> Result<Vec<Category>> {
        dispatch!(self, categories(jurisdiction))
    }

    // --- Citizens ----------------------------------------------------------------------

    /// The named server secret, created from `candidate` the first time it is asked for.
    /// Every instance then shares the same value.
    pub async fn secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        dispatch!(self, secret(name, candidate))
    }

    /// Lets the holder of a tracking link with this hash follow the case (idempotent).
    /// Withdraws every tracking link of the case; returns how many there were.
    pub async fn revoke_tracking_tokens(&self, case_id: CaseId, now: DateTime<Utc>) -> Result<u64> {
        dispatch!(self, revoke_tracking_tokens(case_id, now))
    }

    pub async fn add_tracking_token(&self, case_id: CaseId, token_hash: &[u8], now: DateTime<Utc>) -> Result<()> {
        dispatch!(self, add_tracking_token(case_id, token_hash, now))
    }

    /// The case a tracking link leads to, unless the link was revoked.
    pub async fn case_by_tracking_token(&self, token_hash: &[u8]) -> Result<Option<CaseState>> {
        dispatch!(self, case_by_tracking_token(token_hash))
    }

    /// Keeps a suspected spam submission for staff; returns its id.
    pub async fn quarantine(
        &self,
        jurisdiction: &JurisdictionId,
        at: DateTime<Utc>,
        reason: &str,
        payload: &str,
    ) -> Result<HeldSubmissionId> {
        dispatch!(self, quarantine(jurisdiction, at, reason, payload))
    }

    pub async fn quarantined(&self, jurisdiction: &JurisdictionId) -> Result<Vec<Quarantined>> {
        dispatch!(self, quarantined(jurisdiction))
    }

    /// Records staff's decision on a quarantined submission; false if it was already decided.
    pub async fn resolve_quarantine(
        &self,
        jurisdiction: &JurisdictionId,
        id: HeldSubmissionId,
        decision: &QuarantineDecision,
    ) -> Result<bool> {
        dispatch!(self, resolve_quarantine(jurisdiction, id, decision))
    }

    /// A case's messages, oldest first, with how sending went.
    pub async fn outbox_for_case(&self, case_id: CaseId) -> Result<Vec<OutboxMessage>> {
        dispatch!(self, outbox_for_case(case_id))
    }

    // --- Jobs ----------------------------------------------------------------------------

    /// Schedules jobs; a key scheduled before (done or not) is left alone. Returns how many
    /// were new.
    pub async fn schedule(&self, jobs: &[NewJob], now: DateTime<Utc>) -> Result<u64> {
        dispatch!(self, schedule(jobs, now))
    }

    /// Takes up to `limit` due jobs of `kind`, held until `until`; each counts as a try. A job
    /// whose holder died is taken again when its lease runs out.
    pub async fn claim_jobs(
        &self,
        kind: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        dispatch!(self, claim_jobs(kind, now, until, limit))
    }

    /// Marks a job done; false if it already was.
    pub async fn finish_job(&self, id: JobId, now: DateTime<Utc>) -> Result<bool> {
        dispatch!(self, finish_job(id, now))
    }

    /// A failed try: again at `retry_at`, or given up when `None`.
    pub async fn fail_job(
        &self,
        id: JobId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(self, fail_job(id, error, retry_at, now))
    }

    /// A recurring job done for now: due again at `run_at`.
    pub async fn repeat_job(&self, id: JobId, run_at: DateTime<Utc>) -> Result<()> {
        dispatch!(self, repeat_job(id, run_at))
    }

    pub async fn job_by_key(&self, key: &str) -> Result<Option<Job>> {
        dispatch!(self, job_by_key(key))
    }

    /// Finishes a job by recording its event (and the messages it causes) in one transaction:
    /// if the job was already done — by another instance, or before a crash — nothing is
    /// recorded and `StoreError::Duplicate` says so. Work that is an event happens once.
    pub async fn append_for_job(
        &self,
        job: JobId,
        case_id: CaseId,
        event: NewEvent,
        messages: &[OutboxMessage],
    ) -> Result<CaseState> {
        let policies = &self.inner.policies;
        dispatch!(self, append(case_id, &event, messages, Some(job), policies))
    }

    // --- Reminders and escalation --------------------------------------------

    /// Open cases that owe someone an alert at `now`, the longest waiting first.
    pub async fn alerts_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<CaseId>> {
        dispatch!(self, alerts_due(now, limit))
    }

    /// Sets when the case next owes an alert, unless it has had an event since
    /// `event_count` (which has set it then). False in that case.
    pub async fn set_alert_at(&self, case_id: CaseId, event_count: i64, at: Option<DateTime<Utc>>) -> Result<bool> {
        dispatch!(self, set_alert_at(case_id, event_count, at))
    }

    /// Open cases of each of `nodes` by the state of their nearest promise at `now`.
    pub async fn unit_clock_counts(&self, nodes: &[NodeId], now: DateTime<Utc>) -> Result<Vec<UnitClockCounts>> {
        dispatch!(self, unit_clock_counts(nodes, now))
    }

    /// Promises of the units' cases that broke since `since`, newest first.
    pub async fn broken_since(&self, nodes: &[NodeId], since: DateTime<Utc>, limit: i64) -> Result<Vec<BrokenPromise>> {
        dispatch!(self, broken_since(nodes, since, limit))
    }

    // --- Learning from complaints --------------------------------------------

    /// The förvaltningar's own root causes and routines.
    pub async fn analysis_settings(&self, jurisdiction: &JurisdictionId) -> Result<Vec<AnalysisSettings>> {
        dispatch!(self, analysis_settings(jurisdiction))
    }

    pub async fn save_analysis_settings(
        &self,
        jurisdiction: &JurisdictionId,
        settings: &AnalysisSettings,
    ) -> Result<()> {
        dispatch!(self, save_analysis_settings(jurisdiction, settings, Utc::now()))
    }

    /// Improvement actions, of `nodes` when given, soonest due first, with their cases.
    pub async fn improvements(
        &self,
        jurisdiction: &JurisdictionId,
        nodes: Option<&[NodeId]>,
    ) -> Result<Vec<Improvement>> {
        dispatch!(self, improvements(jurisdiction, nodes, None))
    }

    /// The improvement actions a case led to.
    pub async fn improvements_of_case(
        &self,
        jurisdiction: &JurisdictionId,
        case_id: CaseId,
    ) -> Result<Vec<Improvement>> {
        dispatch!(self, improvements(jurisdiction, None, Some(case_id)))
    }

    /// Records a new improvement action (`id` = None) or changes one, linking `cases` to it.
    pub async fn save_improvement(
        &self,
        jurisdiction: &JurisdictionId,
        id: Option<ImprovementId>,
        input: &ImprovementInput,
        cases: &[CaseId],
    ) -> Result<ImprovementId> {
        dispatch!(self, save_improvement(jurisdiction, id, input, cases, Utc::now()))
    }

    // Citizen dialogues.

    /// Saves a dialogue's plan, new (`id` none) or changed; returns its id.
    pub async fn save_dialogue(
        &self,
        jurisdiction: &JurisdictionId,
        id: Option<DialogueId>,
        plan: &domain::dialogue::Plan,
        note: &ChangeNote,
    ) -> Result<DialogueId> {
        dispatch!(self, save_dialogue(jurisdiction, id, plan, note, Utc::now()))
    }

    /// Every recorded change to a dialogue's plan, outcome, themes and considerations.
    pub async fn dialogue_changes(&self, dialogue: DialogueId) -> Result<Vec<DialogueChange>> {
        dispatch!(self, dialogue_changes(dialogue))
    }

    /// Makes the dialogue public (once; later calls keep the first time).
    pub async fn publish_dialogue(&self, jurisdiction: &JurisdictionId, id: DialogueId) -> Result<()> {
        dispatch!(self, publish_dialogue(jurisdiction, id, Utc::now()))
    }

    pub async fn record_outcome(
        &self,
        jurisdiction: &JurisdictionId,
        id: DialogueId,
        outcome: &str,
        decided_on: chrono::NaiveDate,
        note: &ChangeNote,
    ) -> Result<()> {
        dispatch!(self, record_outcome(jurisdiction, id, outcome, decided_on, note, Utc::now()))
    }

    /// Marks the feedback as sent (the first time is kept); each participant's mail is a job
    /// of its own, so it goes out once however often this is called.
    pub async fn mark_feedback_sent(&self, id: DialogueId) -> Result<()> {
        dispatch!(self, mark_feedback_sent(id, Utc::now()))
    }

    pub async fn dialogues(&self, jurisdiction: &JurisdictionId, published_only: bool) -> Result<Vec<Dialogue>> {
        dispatch!(self, dialogues(jurisdiction, published_only))
    }

    pub async fn dialogue(&self, jurisdiction: &JurisdictionId, id: DialogueId) -> Result<Option<Dialogue>> {
        dispatch!(self, dialogue(jurisdiction, id))
    }

    pub async fn dialogue_questions(&self, dialogue: DialogueId) -> Result<Vec<DialogueQuestion>> {
        dispatch!(self, questions(dialogue))
    }

    /// Adds a question or removes one; `StoreError::Locked` once anyone has answered.
    pub async fn change_questions(
        &self,
        dialogue: DialogueId,
        add: Option<(domain::QuestionKind, &str, &[String])>,
        remove: Option<QuestionId>,
    ) -> Result<()> {
        dispatch!(self, change_questions(dialogue, add, remove))
    }

    /// Records one person's taking part; returns their contribution's number, if any.
    pub async fn participate(&self, dialogue: DialogueId, participation: &Participation) -> Result<Option<i64>> {
        dispatch!(self, participate(dialogue, participation, Utc::now()))
    }

    pub async fn add_meeting(&self, dialogue: DialogueId, meeting: &Meeting, contributions: &[String]) -> Result<()> {
        dispatch!(self, add_meeting(dialogue, meeting, contributions, Utc::now()))
    }

    pub async fn meetings(&self, dialogue: DialogueId) -> Result<Vec<Meeting>> {
        dispatch!(self, meetings(dialogue))
    }

    /// Every contribution, hidden ones too, in registration order.
    pub async fn contributions(&self, dialogue: DialogueId) -> Result<Vec<Contribution>> {
        dispatch!(self, contributions(dialogue))
    }

    /// Hides a contribution (or shows it again) and logs it; the text is never changed.
    pub async fn moderate(
        &self,
        dialogue: DialogueId,
        contribution: ContributionId,
        hidden: bool,
        staff: UserId,
        reason: &str,
    ) -> Result<()> {
        dispatch!(self, moderate(dialogue, contribution, hidden, staff, reason, Utc::now()))
    }

    pub async fn moderation_log(&self, dialogue: DialogueId) -> Result<Vec<Moderation>> {
        dispatch!(self, moderation_log(dialogue))
    }

    pub async fn consider_contribution(
        &self,
        dialogue: DialogueId,
        contribution: ContributionId,
        theme: Option<ThemeId>,
        consideration: Option<domain::Consideration>,
        reason: &str,
        by: UserId,
    ) -> Result<()> {
        dispatch!(self, consider_contribution(dialogue, contribution, theme, consideration, reason, by, Utc::now()))
    }

    pub async fn themes(&self, dialogue: DialogueId) -> Result<Vec<Theme>> {
        dispatch!(self, themes(dialogue))
    }

    pub async fn save_theme(
        &self,
        dialogue: DialogueId,
        id: Option<ThemeId>,
        name: &str,
        consideration: Option<domain::Consideration>,
        reason: &str,
        by: UserId,
    ) -> Result<ThemeId> {
        dispatch!(self, save_theme(dialogue, id, name, consideration, reason, by, Utc::now()))
    }

    /// What each web participant said about themselves.
    pub async fn dialogue_demographics(&self, dialogue: DialogueId) -> Result<Vec<domain::dialogue::Demographics>> {
        dispatch!(self, demographics(dialogue))
    }

    pub async fn dialogue_answers(&self, dialogue: DialogueId) -> Result<Vec<(QuestionId, String)>> {
        dispatch!(self, answers(dialogue))
    }

    pub async fn feedback_recipients(&self, dialogue: DialogueId) -> Result<Vec<(ParticipantId, String)>> {
        dispatch!(self, feedback_recipients(dialogue))
    }

    /// A participant's address, while it is kept (a gallring rule removes it after feedback).
    pub async fn participant_email(&self, participant: ParticipantId) -> Result<Option<String>> {
        dispatch!(self, participant_email(participant))
    }

    pub async fn set_population(
        &self,
        jurisdiction: &JurisdictionId,
        rows: &[domain::dialogue::PopulationRow],
    ) -> Result<()> {
        dispatch!(self, set_population(jurisdiction, rows))
    }

    pub async fn population(&self, jurisdiction: &JurisdictionId) -> Result<Vec<domain::dialogue::PopulationRow>> {
        dispatch!(self, population(jurisdiction))
    }

    /// A period's cases of `nodes` (received from `from` until `to`) counted for a report:
    /// by group, and each unit's promises. Brings the per-day tallies up to date first.
    pub async fn report_tally(
        &self,
        jurisdiction: &JurisdictionId,
        nodes: &[NodeId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<ReportTally> {
        self.refresh_report_days(jurisdiction).await?;
        dispatch!(self, report_tally(jurisdiction, nodes, from, to))
    }

    /// A report's period and the one before it, counted side by side after one refresh.
    pub async fn report_tallies(
        &self,
        jurisdiction: &JurisdictionId,
        nodes: &[NodeId],
        (now, before): (Span, Span),
    ) -> Result<(ReportTally, ReportTally)> {
        self.refresh_report_days(jurisdiction).await?;
        let read = |(from, to): Span| async move { dispatch!(self, report_tally(jurisdiction, nodes, from, to)) };
        tokio::try_join!(read(now), read(before))
    }

    /// Recomputes the per-day report tallies whose cases changed; returns how many.
    pub async fn refresh_report_days(&self, jurisdiction: &JurisdictionId) -> Result<usize> {
        dispatch!(self, refresh_report_days(jurisdiction))
    }

    /// Up to `limit` examples staff wrote for reports about a period's cases.
    pub async fn report_examples(
        &self,
        jurisdiction: &JurisdictionId,
        nodes: &[NodeId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<String>> {
        dispatch!(self, report_examples(jurisdiction, nodes, from, to, limit))
    }

    /// Cases stored before the projection kept their clocks; `lyhord serve` works them out.
    pub async fn unprojected(&self, limit: i64) -> Result<Vec<CaseId>> {
        dispatch!(self, unprojected(limit))
    }

    pub async fn set_clock_summary(&self, case_id: CaseId, event_count: i64, summary: &str) -> Result<()> {
        dispatch!(self, set_clock_summary(case_id, event_count, summary))
    }

    // --- Gallring (decision 62) -----------------------------------------------------------

    /// The register's lines that match, newest first.
    pub async fn register_entries(&self, query: &RegisterQuery) -> Result<Vec<RegisterEntry>> {
        dispatch!(self, register_entries(query))
    }

    /// The cases whose personal data were written, shown or sent between `from` and `until`
    /// (GDPR art. 33-34), within `units` when given.
    pub async fn breach_cases(
        &self,
        jurisdiction: &JurisdictionId,
        units: Option<&[domain::NodeId]>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<BreachCase>> {
        dispatch!(self, breach_cases(jurisdiction, units, from, until))
    }

    /// Records a gallringsbeslut; `StoreError::Duplicate` if its reference is recorded already.
    pub async fn save_gallring_decision(
        &self,
        jurisdiction: &JurisdictionId,
        decision: &NewGallringDecision,
    ) -> Result<GallringDecisionId> {
        dispatch!(self, save_gallring_decision(jurisdiction, decision, Utc::now()))
    }

    pub async fn add_gallring_rule(
        &self,
        jurisdiction: &JurisdictionId,
        decision: GallringDecisionId,
        rule: &domain::gallring::Rule,
    ) -> Result<()> {
        dispatch!(self, add_gallring_rule(jurisdiction, decision, rule))
    }

    /// The jurisdiction's gallringsbeslut with their rules, newest first.
    pub async fn gallring_decisions(&self, jurisdiction: &JurisdictionId) -> Result<Vec<domain::gallring::Decision>> {
        dispatch!(self, gallring_decisions(jurisdiction))
    }

    /// Closed cases last changed before `before` that no run has gallrat yet.
    pub async fn closed_cases(
        &self,
        jurisdiction: &JurisdictionId,
        covers: domain::gallring::Covers,
        before: DateTime<Utc>,
    ) -> Result<Vec<ClosedCase>> {
        dispatch!(self, closed_cases(jurisdiction, covers, before))
    }

    /// One case as its gallring rules read it, if it is closed.
    pub async fn closed_case(&self, case_id: CaseId) -> Result<Option<ClosedCase>> {
        dispatch!(self, closed_case(case_id))
    }

    /// Records of one kind other than cases that started before `before`: (id, label, amount).
    pub async fn due_records(
        &self,
        jurisdiction: &JurisdictionId,
        covers: domain::gallring::Covers,
        before: DateTime<Utc>,
    ) -> Result<Vec<(uuid::Uuid, String, i64)>> {
        dispatch!(self, due_records(jurisdiction, covers, before))
    }

    /// Records a run with what it will remove; it removes nothing until approved. `reason`
    /// names why a run is planned out of turn (an erasure on request).
    pub async fn plan_gallring_run(
        &self,
        jurisdiction: &JurisdictionId,
        planned_by: &str,
        reason: Option<&str>,
        items: &[GallringItem],
    ) -> Result<GallringRunId> {
        dispatch!(self, plan_gallring_run(jurisdiction, planned_by, reason, items, Utc::now()))
    }

    pub async fn gallring_runs(&self, jurisdiction: &JurisdictionId) -> Result<Vec<GallringRun>> {
        dispatch!(self, gallring_runs(jurisdiction))
    }

    pub async fn gallring_run(&self, jurisdiction: &JurisdictionId, run: GallringRunId) -> Result<Option<GallringRun>> {
        dispatch!(self, gallring_run(jurisdiction, run))
    }

    /// Approved runs not finished (a restart resumes them).
    pub async fn unfinished_gallring_runs(&self) -> Result<Vec<GallringRun>> {
        dispatch!(self, unfinished_gallring_runs())
    }

    /// Up to `limit` of the run's items, only those not yet done when `open`.
    pub async fn gallring_items(&self, run: GallringRunId, open: bool, limit: i64) -> Result<Vec<GallringItem>> {
        dispatch!(self, gallring_items(run, open, limit))
    }

    /// Per rule and kind of record: (rule, kind, how many in all, how many done).
    pub async fn gallring_counts(
        &self,
        run: GallringRunId,
    ) -> Result<Vec<(GallringRuleId, domain::gallring::Covers, i64, i64)>> {
        dispatch!(self, gallring_counts(run))
    }

    /// Approves a planned run; false if it was approved already.
    pub async fn approve_gallring_run(
        &self,
        jurisdiction: &JurisdictionId,
        run: GallringRunId,
        approved_by: &str,
    ) -> Result<bool> {
        dispatch!(self, approve_gallring_run(jurisdiction, run, approved_by, Utc::now()))
    }

    pub async fn finish_gallring_run(&self, run: GallringRunId) -> Result<()> {
        dispatch!(self, finish_gallring_run(run, Utc::now()))
    }

    /// Gallrar one case in one transaction (see decision 62); returns the files it named.
    pub async fn gallra_case(&self, case_id: CaseId, step: &CaseGallring<'_>) -> Result<Vec<String>> {
        dispatch!(self, gallra_case(case_id, step, Utc::now()))
    }

    /// Gallrar one record other than a case; returns the files it named.
    pub async fn gallra_record(
        &self,
        run: GallringRunId,
        item: &GallringItem,
        jurisdiction: &JurisdictionId,
        before: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        dispatch!(self, gallra_record(run, item, jurisdiction, before, Utc::now()))
    }

    /// Done items whose files are still on disk.
    pub async fn gallring_files_pending(
        &self,
        run: GallringRunId,
    ) -> Result<Vec<(domain::gallring::Covers, uuid::Uuid, Vec<String>)>> {
        dispatch!(self, gallring_files_pending(run))
    }

    pub async fn gallring_files_removed(
        &self,
        run: GallringRunId,
        covers: domain::gallring::Covers,
        target: uuid::Uuid,
    ) -> Result<()> {
        dispatch!(self, gallring_files_removed(run, covers, target))
    }

    /// Whether a case not gallrad, or a kept received message, still names the file.
    pub async fn file_in_use(&self, sha256: &str) -> Result<bool> {
        dispatch!(self, file_in_use(sha256))
    }

    // --- E-mail ------------------------------------------------------------------------

    /// Takes up to `limit` messages due at `now` for sending, held until `until`; each
    /// counts as a try. Instances sharing a database never take the same message at once.
    pub async fn claim_mail(&self, now: DateTime<Utc>, until: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxMessage>> {
        dispatch!(self, claim_mail(now, until, limit))
    }

    pub async fn mail_sent(&self, id: MessageId, at: DateTime<Utc>) -> Result<()> {
        dispatch!(self, mail_sent(id, at))
    }

    /// A failed try: again at `retry_at`, or given up when `None`.
    pub async fn mail_failed(
        &self,
        id: MessageId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(self, mail_failed(id, error, retry_at, now))
    }

    pub async fn outbox_message(&self, id: MessageId) -> Result<Option<OutboxMessage>> {
        dispatch!(self, outbox_message(id))
    }

    pub async fn mail_templates(&self, jurisdiction: &JurisdictionId) -> Result<Vec<MailTemplate>> {
        dispatch!(self, mail_templates(jurisdiction))
    }

    pub async fn save_mail_template(&self, jurisdiction: &JurisdictionId, template: &MailTemplate) -> Result<()> {
        dispatch!(self, save_mail_template(jurisdiction, template))
    }

    pub async fn delete_mail_template(&self, jurisdiction: &JurisdictionId, purpose: &str, lang: &str) -> Result<()> {
        dispatch!(self, delete_mail_template(jurisdiction, purpose, lang))
    }

    /// Logs a received message and what became of it.
    pub async fn record_inbound(&self, mail: &InboundMail) -> Result<()> {
        dispatch!(self, record_inbound(mail))
    }

    pub async fn inbound_by_message_id(
        &self,
        jurisdiction: &JurisdictionId,
        message_id: &str,
    ) -> Result<Option<InboundMail>> {
        dispatch!(self, inbound_by_message_id(jurisdiction, message_id))
    }

    /// How many new cases one sender's messages made since `since`.
    pub async fn inbound_cases_from(
        &self,
        jurisdiction: &JurisdictionId,
        sender: &str,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        dispatch!(self, inbound_cases_from(jurisdiction, sender, since))
    }

    pub async fn held_mail(&self, jurisdiction: &JurisdictionId) -> Result<Vec<InboundMail>> {
        dispatch!(self, held_mail(jurisdiction))
    }

    pub async fn inbound_mail(&self, jurisdiction: &JurisdictionId, id: InboundMailId) -> Result<Option<InboundMail>> {
        dispatch!(self, inbound_mail(jurisdiction, id))
    }

    pub async fn inbound_for_case(&self, case_id: CaseId) -> Result<Vec<InboundMail>> {
        dispatch!(self, inbound_for_case(case_id))
    }

    /// Records staff's decision on a held message; false if it was already decided.
    pub async fn resolve_held_mail(
        &self,
        jurisdiction: &JurisdictionId,
        id: InboundMailId,
        decision: &QuarantineDecision,
    ) -> Result<bool> {
        dispatch!(self, resolve_held_mail(jurisdiction, id, decision))
    }

    // --- Staff and sessions -------------------------------------------------------------

    pub async fn create_user(&self, user: &NewUser) -> Result<UserId> {
        dispatch!(self, create_user(user))
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        dispatch!(self, user(id))
    }

    /// Every account of a jurisdiction, by username.
    pub async fn users(&self, jurisdiction: &JurisdictionId) -> Result<Vec<User>> {
        dispatch!(self, users(jurisdiction))
    }

    /// Changes an account of the jurisdiction; disabling it signs it out everywhere.
    pub async fn update_user(&self, jurisdiction: &JurisdictionId, id: UserId, update: &UserUpdate) -> Result<()> {
        dispatch!(self, update_user(jurisdiction, id, update))
    }

    /// Replaces an account's password hash and ends its sessions.
    pub async fn set_password(&self, jurisdiction: &JurisdictionId, id: UserId, phc: &str) -> Result<()> {
        dispatch!(self, set_password(jurisdiction, id, phc))
    }

    // --- Answer templates and API keys --------------------------------------------------

    pub async fn save_template(&self, jurisdiction: &JurisdictionId, template: &AnswerTemplate) -> Result<()> {
        dispatch!(self, save_template(jurisdiction, template))
    }

    pub async fn templates(&self, jurisdiction: &JurisdictionId) -> Result<Vec<AnswerTemplate>> {
        dispatch!(self, templates(jurisdiction))
    }

    pub async fn delete_template(&self, jurisdiction: &JurisdictionId, id: TemplateId) -> Result<()> {
        dispatch!(self, delete_template(jurisdiction, id))
    }

    /// Stores the hash of a new API key; the caller shows the key once.
    pub async fn create_api_key(&self, jurisdiction: &JurisdictionId, name: &str, key_hash: &[u8]) -> Result<ApiKeyId> {
        dispatch!(self, create_api_key(jurisdiction, name, key_hash))
    }

    pub async fn api_keys(&self, jurisdiction: &JurisdictionId) -> Result<Vec<ApiKey>> {
        dispatch!(self, api_keys(jurisdiction))
    }

    /// The jurisdiction and key of a live key, by the key's hash.
    pub async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<(JurisdictionId, ApiKey)>> {
        dispatch!(self, api_key_by_hash(key_hash))
    }

    /// Limits a key to updating the requests it sent itself (or lifts the limit).
    pub async fn limit_api_key(
        &self,
        jurisdiction: &JurisdictionId,
        id: ApiKeyId,
        own_requests_only: bool,
    ) -> Result<()> {
        dispatch!(self, limit_api_key(jurisdiction, id, own_requests_only))
    }

    pub async fn revoke_api_key(&self, jurisdiction: &JurisdictionId, id: ApiKeyId, at: DateTime<Utc>) -> Result<()> {
        dispatch!(self, revoke_api_key(jurisdiction, id, at))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        dispatch!(self, user_by_username(username))
    }

    pub async fn create_session(&self, id_hash: &[u8], user_id: UserId, now: DateTime<Utc>) -> Result<()> {
        dispatch!(self, create_session(id_hash, user_id, now))
    }

    /// The session with this id hash, touched to `now`, if it exists and has not expired.
    pub async fn session(
        &self,
        id_hash: &[u8],
        now: DateTime<Utc>,
        idle: chrono::Duration,
        absolute: chrono::Duration,
    ) -> Result<Option<SessionRecord>> {
        dispatch!(self, session(id_hash, now, idle, absolute))
    }

    pub async fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
        dispatch!(self, delete_session(id_hash))
    }
}

fn parse_policy(toml_text: &str) -> Result<Policy> {
    Policy::from_toml(toml_text).map_err(StoreError::Invalid)
}

/// Gives the events stored before content digests their digests, case by case (decision 62).
/// Runs once per database; later starts find nothing to do.
async fn reexpress_chains(backend: &Backend) -> Result<()> {
    let mut done = 0;
    loop {
        let cases = on_backend!(backend, unexpressed_cases(200))?;
        if cases.is_empty() {
            break;
        }
        on_backend!(backend, reexpress(&cases, Utc::now()))?;
        done += cases.len();
        if done % 10_000 < 200 {
            tracing::info!(cases = done, "event chains re-expressed over content digests");
        }
    }
    if done > 0 {
        tracing::info!(cases = done, "every event chain is re-expressed over content digests");
    }
    Ok(())
}

/// Puts the policies saved in the administration pages in force.
async fn load_stored_policies(backend: &Backend, policies: &policies::Policies) -> Result<()> {
    let stored = on_backend!(backend, stored_policies())?;
    for (jurisdiction, toml_text) in stored {
        policies.set(&jurisdiction, parse_policy(&toml_text)?);
    }
    Ok(())
}

/// Keeps the search index up with intake: batch after batch while intake is quiet, a look
/// every quarter second otherwise. Ends with the last handle to the store.
async fn index_in_background(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(inner) = inner.upgrade() else { return };
        if inner.backend.is_closed() {
            return;
        }
        // Receipts first: during a burst of submissions indexing waits, and catches up after.
        let quiet = !inner.intake.busy_within(INDEXING_PAUSE);
        let store = Store { inner };
        if !quiet {
            drop(store);
            tokio::time::sleep(INDEXING_PAUSE).await;
            continue;
        }
        let indexed = store.index_pending().await;
        drop(store);
        match indexed {
            Ok(n) if n == SEARCH_BATCH as usize => continue,
            Ok(_) => {}
            // The store was closed while indexing: the program is ending.
            Err(StoreError::Database(sqlx::Error::PoolClosed)) => return,
            Err(e) => tracing::warn!(error = %e, "search indexing failed; retrying"),
        }
        tokio::time::sleep(INDEXING_PAUSE).await;
    }
}
