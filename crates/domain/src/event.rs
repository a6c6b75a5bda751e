//! Every change to a case is an immutable event. Events of one case form a hash chain:
//! each stores the hash of the one before, so an altered or removed event is detected.
//!
//! The chain covers a salted digest of each event's content, not the content itself, so that
//! a gallring run may remove what people wrote (leaving the event, its digest and a `Gallrad`
//! event that names the run) while every chain still verifies (decision 62).

use crate::ids::{CaseId, GallringRunId, NodeId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::kinds::{CaseKind, ContactMethod};
use crate::submission::Submission;

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// The inhabitant who sent the case (through the form, e-mail, the tracking page, the API).
    Citizen,
    Staff {
        user_id: UserId,
    },
    /// Lyhörd itself, e.g. automatic routing or a clock.
    System,
    /// An Open311 client, by its API key: the app or system that sent a request or an update
    /// on someone's behalf (named by the key's name where it is shown).
    Client {
        key_id: crate::ids::ApiKeyId,
    },
}

/// What happened. Serialized with a `type` tag; the stored JSON is what the hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    /// The submission arrived (FL 22 §: the event time is the time of receipt).
    Received {
        number: String,
        node_id: NodeId,
        submission: Box<Submission>,
    },
    Classified {
        kind: CaseKind,
        category: String,
        node_id: NodeId,
    },
    Assigned {
        node_id: NodeId,
        handler_id: Option<UserId>,
    },
    /// Sent on to another unit, which then decides who handles it.
    Forwarded {
        node_id: NodeId,
        reason: String,
    },
    /// Belongs to another authority (FL 6 § 3 st., A9): where it went, how, and what the
    /// citizen was told. Ends the case here.
    ForwardedToAuthority {
        authority: String,
        how: String,
        message: String,
    },
    WorkStarted,
    InformationRequested {
        message: String,
    },
    CitizenMessage {
        message: String,
        /// Files the citizen sent with the message, already checked and stored.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<crate::attachment::Attachment>,
        /// The sending system's own name for the message (an Open311 client's `update_id`,
        /// with the key it came under), so that a message sent twice is recorded once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    Answered {
        message: String,
    },
    /// The citizen was told where the case is handled (V-S2).
    CitizenInformed {
        message: String,
    },
    /// The citizen was told who handles the case and when a decision comes (S3).
    DecisionPromised {
        handler_id: Option<UserId>,
        expected_by: NaiveDate,
        message: String,
    },
    /// A fault report's notice: what will be done, when, and who is responsible (S4).
    FixPromised {
        what: String,
        when: NaiveDate,
        who: String,
    },
    /// A contact by phone, visit, letter or e-mail, with when it happened; the event's own
    /// time is when it was recorded (FL 27 §, S6).
    ContactLogged {
        method: ContactMethod,
        occurred_at: DateTime<Utc>,
        summary: String,
    },
    NoteAdded {
        text: String,
    },
    Closed {
        summary: String,
    },
    Reopened {
        reason: String,
    },
    /// A promise's handler was reminded, or a manager told it broke (S7, B6).
    ClockAlert {
        /// The clock's id, or `fl-11` / `fl-12` for the statutory checks of a formal matter.
        clock: String,
        stage: crate::alerts::AlertStage,
        /// The due time the alert is about: after a pause the promise falls due later, and
        /// that is a new promise to remind of.
        due_at: DateTime<Utc>,
        /// Who was told, when they have an account (a manager post may have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notified: Option<UserId>,
        /// The unit whose manager was told, for breaches and escalations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        node_id: Option<NodeId>,
    },
    /// A8: the item became a formal ärende (one-way), with the reason and the day a decision
    /// is due. Its clocks still count from the day it was received.
    MadeFormal {
        reason: String,
        decide_by: NaiveDate,
    },
    /// The handler's analysis of the case (S8): justified or not, root causes, measures, and
    /// optionally a short example written for reports, without names. The latest one counts.
    Analysed {
        justified: crate::kinds::Justified,
        causes: Vec<String>,
        measures: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        example: String,
    },
    /// FL 11 §: the party was told the decision will be significantly delayed, why, and when it
    /// is now expected.
    DelayNotified {
        reason: String,
        expected_by: NaiveDate,
        message: String,
    },
    /// Staff decided what of the case anyone may read through the open API: the text as
    /// published (the citizen's words, or an edit of them; the original stays with staff),
    /// whether the exact point is shown (else it is rounded), and whether the pictures are.
    /// The latest one counts; nothing a person wrote is public before one.
    Published {
        text: String,
        #[serde(default)]
        exact_position: bool,
        #[serde(default)]
        pictures: bool,
    },
    /// Every tracking link to the case was withdrawn (one had leaked); the citizen is sent a
    /// new one when an address is known.
    TrackingLinkReplaced,
    /// What people wrote in the case was removed under a gallringsbeslut (arkivlagen 10 §):
    /// the run that did it, the decision's reference and the rule. The number, dates, kind,
    /// category, unit and status stay.
    Gallrad {
        run: GallringRunId,
        decision: String,
        rule: String,
    },
    /// The person's contact details as corrected on their request (GDPR art. 16): what is
    /// used from now on. The details first given stay in the receipt until gallring.
    ContactCorrected {
        contact: crate::submission::ContactDetails,
        reason: String,
    },
    /// The person's data are restricted (GDPR art. 18): only those handling the case read
    /// them, and the case is left out of word searches and the open API.
    Restricted {
        reason: String,
    },
    RestrictionLifted {
        reason: String,
    },
    /// The language the person speaks and whether they need an interpreter (FL 13 §, the
    /// Language Act 2009:600 and lag 2009:724 for minority languages): staff see it first.
    LanguageRecorded {
        language: String,
        interpreter: bool,
    },
    /// The case's ärendemening in the register (OSL 5 kap. 1 §): a short neutral subject.
    SubjectSet {
        subject: String,
    },
}

impl EventPayload {
    /// The words staff can find the case by after this event, if it brings any.
    pub fn search_text(&self) -> Option<String> {
        use EventPayload as P;
        let text = match self {
            // The number also in parts: some full-text parsers read "2026-000042" as two numbers.
            P::Received { number, submission, .. } => {
                format!("{number} {} {}", number.replace('-', " "), submission.search_text())
            }
            P::Forwarded { reason, .. } => reason.clone(),
            P::ForwardedToAuthority { authority, message, .. } => format!("{authority} {message}"),
            P::InformationRequested { message }
            | P::CitizenMessage { message, .. }
            | P::Answered { message }
            | P::CitizenInformed { message }
            | P::DecisionPromised { message, .. } => message.clone(),
            P::FixPromised { what, who, .. } => format!("{what} {who}"),
            P::ContactLogged { summary, .. } => summary.clone(),
            P::NoteAdded { text } => text.clone(),
            P::Closed { summary } => summary.clone(),
            P::Reopened { reason } => reason.clone(),
            P::MadeFormal { reason, .. } => reason.clone(),
            P::DelayNotified { reason, message, .. } => format!("{reason} {message}"),
            P::Analysed { measures, example, .. } => format!("{measures} {example}"),
            P::ContactCorrected { contact, .. } => contact.search_text(),
            P::SubjectSet { subject } => subject.clone(),
            P::Published { .. } | P::TrackingLinkReplaced | P::Gallrad { .. } => return None,
            P::Restricted { .. } | P::RestrictionLifted { .. } | P::LanguageRecorded { .. } => return None,
            P::Classified { .. } | P::Assigned { .. } | P::WorkStarted | P::ClockAlert { .. } => return None,
        };
        // Words only: a NUL stored before text was checked at entry would stop PostgreSQL's index.
        let text = crate::submission::printable(text.trim());
        (!text.is_empty()).then_some(text)
    }

    /// The tag stored beside the payload, for queries that look for one kind of event.
    pub fn type_code(&self) -> &'static str {
        match self {
            EventPayload::Received { .. } => "received",
            EventPayload::Classified { .. } => "classified",
            EventPayload::Assigned { .. } => "assigned",
            EventPayload::Forwarded { .. } => "forwarded",
            EventPayload::ForwardedToAuthority { .. } => "forwarded_to_authority",
            EventPayload::WorkStarted => "work_started",
            EventPayload::InformationRequested { .. } => "information_requested",
            EventPayload::CitizenMessage { .. } => "citizen_message",
            EventPayload::Answered { .. } => "answered",
            EventPayload::CitizenInformed { .. } => "citizen_informed",
            EventPayload::DecisionPromised { .. } => "decision_promised",
            EventPayload::FixPromised { .. } => "fix_promised",
            EventPayload::ContactLogged { .. } => "contact_logged",
            EventPayload::NoteAdded { .. } => "note_added",
            EventPayload::Closed { .. } => "closed",
            EventPayload::Reopened { .. } => "reopened",
            EventPayload::ClockAlert { .. } => "clock_alert",
            EventPayload::MadeFormal { .. } => "made_formal",
            EventPayload::DelayNotified { .. } => "delay_notified",
            EventPayload::Analysed { .. } => "analysed",
            EventPayload::Published { .. } => "published",
            EventPayload::TrackingLinkReplaced => "tracking_link_replaced",
            EventPayload::Gallrad { .. } => "gallrad",
            EventPayload::ContactCorrected { .. } => "contact_corrected",
            EventPayload::Restricted { .. } => "restricted",
            EventPayload::RestrictionLifted { .. } => "restriction_lifted",
            EventPayload::LanguageRecorded { .. } => "language_recorded",
            EventPayload::SubjectSet { .. } => "subject_set",
        }
    }

    /// The files the event names (a submission's, a citizen's message's).
    pub fn attachments(&self) -> &[crate::attachment::Attachment] {
        match self {
            EventPayload::Received { submission, .. } => &submission.attachments,
            EventPayload::CitizenMessage { attachments, .. } => attachments,
            _ => &[],
        }
    }

    /// The event without its files (a rule that covers the files of cases).
    pub fn without_attachments(&self) -> EventPayload {
        use EventPayload as P;
        match self.clone() {
            P::Received { number, node_id, submission } => {
                let submission = crate::submission::Submission { attachments: Vec::new(), ..*submission };
                P::Received { number, node_id, submission: Box::new(submission) }
            }
            P::CitizenMessage { message, reference, .. } => {
                P::CitizenMessage { message, attachments: Vec::new(), reference }
            }
            other => other,
        }
    }

    /// The event without the example written for the reports (a rule that covers them).
    pub fn without_report_example(&self) -> EventPayload {
        match self.clone() {
            EventPayload::Analysed { justified, causes, measures, .. } => {
                EventPayload::Analysed { justified, causes, measures, example: String::new() }
            }
            other => other,
        }
    }

    /// The event without what people wrote and who they are: what stays after gallring. The
    /// type, dates, kind, category, unit, handler and outcome stay, so the case's clocks and
    /// the statistics still read it.
    pub fn redacted(&self) -> EventPayload {
        use EventPayload as P;
        let none = String::new;
        match self.clone() {
            P::Received { number, node_id, submission } => {
                let s = *submission;
                let submitter = crate::submission::Submitter {
                    anonymous: s.submitter.anonymous,
                    role: s.submitter.role,
                    contact_method: s.submitter.contact_method,
                    ..crate::submission::Submitter::default()
                };
                let submission = crate::submission::Submission {
                    description: none(),
                    place: None,
                    position: None,
                    submitter,
                    attachments: Vec::new(),
                    media_url: None,
                    answers: Vec::new(),
                    ..s
                };
                P::Received { number, node_id, submission: Box::new(submission) }
            }
            P::Forwarded { node_id, .. } => P::Forwarded { node_id, reason: none() },
            P::ForwardedToAuthority { authority, how, .. } => {
                P::ForwardedToAuthority { authority, how, message: none() }
            }
            P::InformationRequested { .. } => P::InformationRequested { message: none() },
            P::CitizenMessage { reference, .. } => {
                P::CitizenMessage { message: none(), attachments: Vec::new(), reference }
            }
            P::Answered { .. } => P::Answered { message: none() },
            P::CitizenInformed { .. } => P::CitizenInformed { message: none() },
            P::DecisionPromised { handler_id, expected_by, .. } => {
                P::DecisionPromised { handler_id, expected_by, message: none() }
            }
            P::FixPromised { when, .. } => P::FixPromised { what: none(), when, who: none() },
            P::ContactLogged { method, occurred_at, .. } => P::ContactLogged { method, occurred_at, summary: none() },
            P::NoteAdded { .. } => P::NoteAdded { text: none() },
            P::Closed { .. } => P::Closed { summary: none() },
            P::Reopened { .. } => P::Reopened { reason: none() },
            P::MadeFormal { decide_by, .. } => P::MadeFormal { reason: none(), decide_by },
            P::DelayNotified { expected_by, .. } => P::DelayNotified { reason: none(), expected_by, message: none() },
            P::Analysed { justified, causes, .. } => {
                P::Analysed { justified, causes, measures: none(), example: none() }
            }
            P::Published { exact_position, pictures, .. } => P::Published { text: none(), exact_position, pictures },
            P::ContactCorrected { .. } => {
                P::ContactCorrected { contact: crate::submission::ContactDetails::default(), reason: none() }
            }
            P::Restricted { .. } => P::Restricted { reason: none() },
            P::RestrictionLifted { .. } => P::RestrictionLifted { reason: none() },
            P::LanguageRecorded { .. } => P::LanguageRecorded { language: none(), interpreter: false },
            kept @ (P::Classified { .. }
            | P::Assigned { .. }
            | P::WorkStarted
            | P::ClockAlert { .. }
            | P::TrackingLinkReplaced
            | P::SubjectSet { .. }
            | P::Gallrad { .. }) => kept,
        }
    }
}

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The "previous hash" of a case's first event.
    pub const GENESIS: Hash = Hash([0; 32]);

    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        bytes.try_into().ok().map(Hash)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", &self.to_hex()[..12])
    }
}

/// An event before it is placed in its case's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub payload: EventPayload,
}

/// The random bytes mixed into an event's content digest.
pub type Salt = [u8; 16];

/// An event as stored: position in the chain, its content and the digest the chain covers,
/// and the hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub case_id: CaseId,
    /// 1 for the first event of a case, then consecutive.
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC; the precision the chain covers.
    pub at_micros: i64,
    pub actor_json: String,
    /// The content: the payload as written, or what is left of it after gallring.
    pub payload_json: String,
    /// The content's salt; gone with the content.
    pub salt: Option<Salt>,
    /// SHA-256 of the salt and the content as written: what the chain covers.
    pub digest: Hash,
    /// The gallring run that removed the content, if one has.
    pub gallrad_by: Option<GallringRunId>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("event {seq} of the case is missing")]
    Missing { seq: i64 },
    #[error("event {seq} has been altered: its content does not match its hash")]
    Altered { seq: i64 },
    #[error("event {seq} does not follow the event before it")]
    Broken { seq: i64 },
    #[error("the case has {found} events but its record says {expected}")]
    Truncated { expected: i64, found: i64 },
    #[error("event {seq} cannot be read: {reason}")]
    Unreadable { seq: i64, reason: String },
    #[error("the content of event {seq} is gone without a gallring that removed it")]
    ContentMissing { seq: i64 },
}

impl NewEvent {
    pub fn new(at: DateTime<Utc>, actor: Actor, payload: EventPayload) -> Self {
        NewEvent { at, actor, payload }
    }

    /// Places the event after `prev` (the case's current head) in the chain of `case_id`;
    /// `salt` must be random (the store draws it).
    pub fn seal(&self, case_id: CaseId, seq: i64, prev_hash: Hash, salt: Salt) -> Event {
        let actor_json = serde_json::to_string(&self.actor).expect("actor serializes");
        let payload_json = serde_json::to_string(&self.payload).expect("payload serializes");
        let at_micros = self.at.timestamp_micros();
        let digest = content_digest(&salt, &payload_json);
        let hash = event_hash(case_id, seq, at_micros, &actor_json, &digest, &prev_hash);
        Event {
            case_id,
            seq,
            at_micros,
            actor_json,
            payload_json,
            salt: Some(salt),
            digest,
            gallrad_by: None,
            prev_hash,
            hash,
        }
    }
}

impl Event {
    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.at_micros).unwrap_or_default()
    }

    pub fn actor(&self) -> Result<Actor, ChainError> {
        serde_json::from_str(&self.actor_json).map_err(|e| self.unreadable(e))
    }

    /// Each event's time and payload, in order: what the clocks are computed from.
    pub fn timeline(events: &[Event]) -> Result<Vec<(DateTime<Utc>, EventPayload)>, ChainError> {
        events.iter().map(|e| Ok((e.at(), e.payload()?))).collect()
    }

    pub fn payload(&self) -> Result<EventPayload, ChainError> {
        serde_json::from_str(&self.payload_json).map_err(|e| self.unreadable(e))
    }

    fn unreadable(&self, e: serde_json::Error) -> ChainError {
        ChainError::Unreadable { seq: self.seq, reason: e.to_string() }
    }
}

/// The digest of an event's content that the chain covers.
pub fn content_digest(salt: &Salt, payload_json: &str) -> Hash {
    let mut h = Sha256::new();
    h.update(b"lyhord-content-v1\0");
    h.update(salt);
    h.update(payload_json.as_bytes());
    Hash(h.finalize().into())
}

/// The hash of one event: what identifies it, who caused it, its content's digest and its
/// predecessor.
pub fn event_hash(
    case_id: CaseId,
    seq: i64,
    at_micros: i64,
    actor_json: &str,
    digest: &Hash,
    prev_hash: &Hash,
) -> Hash {
    let mut h = Sha256::new();
    h.update(b"lyhord-event-v2\0");
    h.update(case_id.uuid().as_bytes());
    h.update(seq.to_be_bytes());
    h.update(at_micros.to_be_bytes());
    h.update(prev_hash.0);
    h.update((actor_json.len() as u64).to_be_bytes());
    h.update(actor_json.as_bytes());
    h.update(digest.0);
    Hash(h.finalize().into())
}

/// The hash events had before content digests (version 1, over the payload itself): only
/// to check a chain once before it is re-expressed.
pub fn event_hash_v1(
    case_id: CaseId,
    seq: i64,
    at_micros: i64,
    actor_json: &str,
    payload_json: &str,
    prev_hash: &Hash,
) -> Hash {
    let mut h = Sha256::new();
    h.update(b"lyhord-event-v1\0");
    h.update(case_id.uuid().as_bytes());
    h.update(seq.to_be_bytes());
    h.update(at_micros.to_be_bytes());
    h.update(prev_hash.0);
    // Lengths make the boundary between the two texts unambiguous.
    h.update((actor_json.len() as u64).to_be_bytes());
    h.update(actor_json.as_bytes());
    h.update((payload_json.len() as u64).to_be_bytes());
    h.update(payload_json.as_bytes());
    Hash(h.finalize().into())
}

/// Whether an event after the `i`th records the gallring run `run` (its own content intact:
/// a `Gallrad` event is never gallrad).
fn gallrad_later(events: &[Event], i: usize, run: GallringRunId) -> bool {
    events[i + 1..].iter().any(|e| {
        e.gallrad_by.is_none()
            && matches!(e.payload(), Ok(EventPayload::Gallrad { run: r, .. }) if r == run)
            && e.salt.is_some_and(|salt| content_digest(&salt, &e.payload_json) == e.digest)
    })
}

/// Checks a case's events, in `seq` order, against each other and against the count and
/// head hash the case record holds (which catches removal of the newest events). An event
/// without content passes only if a later event records the gallring run that removed it.
pub fn verify_chain(events: &[Event], expected_count: i64, expected_head: &Hash) -> Result<(), ChainError> {
    let mut prev = Hash::GENESIS;
    for (i, event) in events.iter().enumerate() {
        let want_seq = i as i64 + 1;
        if event.seq != want_seq {
            return Err(ChainError::Missing { seq: want_seq });
        }
        match (&event.salt, event.gallrad_by) {
            (Some(salt), None) if content_digest(salt, &event.payload_json) == event.digest => {}
            (Some(_), _) => return Err(ChainError::Altered { seq: event.seq }),
            (None, Some(run)) if gallrad_later(events, i, run) => {}
            (None, _) => return Err(ChainError::ContentMissing { seq: event.seq }),
        }
        let recomputed =
            event_hash(event.case_id, event.seq, event.at_micros, &event.actor_json, &event.digest, &event.prev_hash);
        if recomputed != event.hash {
            return Err(ChainError::Altered { seq: event.seq });
        }
        if event.prev_hash != prev {
            return Err(ChainError::Broken { seq: event.seq });
        }
        prev = event.hash;
    }
    let found = events.len() as i64;
    if found != expected_count || prev != *expected_head {
        return Err(ChainError::Truncated { expected: expected_count, found });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A salt for tests (the store draws real ones at random).
    pub(crate) fn salt(i: usize) -> Salt {
        [i as u8; 16]
    }

    fn chain(n: usize) -> (Vec<Event>, Hash) {
        let case_id = CaseId::new();
        let mut prev = Hash::GENESIS;
        let mut events = Vec::new();
        for i in 0..n {
            let e = NewEvent::new(Utc::now(), Actor::System, EventPayload::NoteAdded { text: format!("note {i}") })
                .seal(case_id, i as i64 + 1, prev, salt(i));
            prev = e.hash;
            events.push(e);
        }
        (events, prev)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (events, head) = chain(5);
        assert_eq!(verify_chain(&events, 5, &head), Ok(()));
    }

    #[test]
    fn an_altered_payload_is_detected() {
        let (mut events, head) = chain(5);
        events[2].payload_json = events[2].payload_json.replace("note 2", "note X");
        assert_eq!(verify_chain(&events, 5, &head), Err(ChainError::Altered { seq: 3 }));
    }

    #[test]
    fn an_altered_time_or_actor_is_detected() {
        let (mut events, head) = chain(3);
        events[1].at_micros -= 1;
        assert_eq!(verify_chain(&events, 3, &head), Err(ChainError::Altered { seq: 2 }));
        let (mut events, head) = chain(3);
        events[0].actor_json = r#"{"type":"citizen"}"#.into();
        assert_eq!(verify_chain(&events, 3, &head), Err(ChainError::Altered { seq: 1 }));
    }

    #[test]
    fn a_removed_event_is_detected_in_the_middle_and_at_the_end() {
        let (mut events, head) = chain(5);
        events.remove(2);
        assert_eq!(verify_chain(&events, 5, &head), Err(ChainError::Missing { seq: 3 }));
        let (mut events, head) = chain(5);
        events.pop();
        assert_eq!(verify_chain(&events, 5, &head), Err(ChainError::Truncated { expected: 5, found: 4 }));
    }

    #[test]
    fn a_rehashed_forgery_still_breaks_the_link_to_its_successor() {
        let (mut events, head) = chain(4);
        let forged = NewEvent::new(Utc::now(), Actor::System, EventPayload::NoteAdded { text: "forged".into() }).seal(
            events[1].case_id,
            2,
            events[1].prev_hash,
            salt(9),
        );
        events[1] = forged;
        assert_eq!(verify_chain(&events, 4, &head), Err(ChainError::Broken { seq: 3 }));
    }

    #[test]
    fn payloads_are_tagged_json_that_reads_back() {
        let p = EventPayload::Assigned { node_id: "park".into(), handler_id: None };
        let e = NewEvent::new(Utc::now(), Actor::System, p.clone()).seal(CaseId::new(), 1, Hash::GENESIS, salt(0));
        assert!(e.payload_json.starts_with(r#"{"type":"assigned""#));
        assert_eq!(e.payload().unwrap(), p);
        assert_eq!(e.actor().unwrap(), Actor::System);
    }

    /// Gallras events 1..=`upto` of the chain by `run`, as the store does: content redacted,
    /// salt gone, run named; then seals the `Gallrad` event that records it.
    fn gallra(events: &mut Vec<Event>, upto: usize, run: GallringRunId) -> Hash {
        for e in events.iter_mut().take(upto) {
            e.payload_json = serde_json::to_string(&e.payload().unwrap().redacted()).unwrap();
            e.salt = None;
            e.gallrad_by = Some(run);
        }
        let last = events.last().unwrap();
        let record = EventPayload::Gallrad { run, decision: "KS 2025/123 § 45".into(), rule: "1".into() };
        let sealed =
            NewEvent::new(Utc::now(), Actor::System, record).seal(last.case_id, last.seq + 1, last.hash, salt(7));
        let head = sealed.hash;
        events.push(sealed);
        head
    }

    #[test]
    fn a_gallrad_chain_still_verifies_and_keeps_no_text() {
        let (mut events, _) = chain(4);
        let head = gallra(&mut events, 4, GallringRunId::new());
        assert_eq!(verify_chain(&events, 5, &head), Ok(()));
        assert!(events[..4].iter().all(|e| !e.payload_json.contains("note ")), "the notes are gone");
        assert_eq!(events[1].payload().unwrap(), EventPayload::NoteAdded { text: String::new() });
    }

    #[test]
    fn content_removed_without_a_recorded_gallring_is_detected() {
        // Blanked by hand, no run named.
        let (mut events, head) = chain(3);
        events[1].payload_json = r#"{"type":"note_added","text":""}"#.into();
        events[1].salt = None;
        assert_eq!(verify_chain(&events, 3, &head), Err(ChainError::ContentMissing { seq: 2 }));
        // A run named that no event of the chain records.
        let (mut events, head) = chain(3);
        events[1].salt = None;
        events[1].gallrad_by = Some(GallringRunId::new());
        assert_eq!(verify_chain(&events, 3, &head), Err(ChainError::ContentMissing { seq: 2 }));
        // A gallrad chain whose remaining text is then altered, or whose digest is changed.
        let (mut events, _) = chain(3);
        let head = gallra(&mut events, 2, GallringRunId::new());
        events[2].payload_json = events[2].payload_json.replace("note 2", "note X");
        assert_eq!(verify_chain(&events, 4, &head), Err(ChainError::Altered { seq: 3 }));
        let (mut events, _) = chain(3);
        let head = gallra(&mut events, 2, GallringRunId::new());
        events[0].digest = Hash([1; 32]);
        assert_eq!(verify_chain(&events, 4, &head), Err(ChainError::Altered { seq: 1 }));
    }

    #[test]
    fn redaction_keeps_the_facts_and_drops_what_people_wrote() {
        use crate::submission::{Submission, Submitter};
        let mut submission = Submission::new(
            "vasteras",
            CaseKind::Klagomal,
            crate::kinds::Channel::Web,
            "gata",
            "Hålet utanför Storgatan 3",
        )
        .with_place("Storgatan 3", None);
        submission.submitter = Submitter {
            name: Some("Anna Andersson".into()),
            email: Some("anna@example.se".into()),
            phone: Some("070-1234567".into()),
            ..Submitter::default()
        };
        let received = EventPayload::Received {
            number: "2026-000001".into(),
            node_id: "park".into(),
            submission: Box::new(submission),
        };
        let kept = serde_json::to_string(&received.redacted()).unwrap();
        for gone in ["Storgatan", "Anna", "anna@", "070-"] {
            assert!(!kept.contains(gone), "{gone} is still in {kept}");
        }
        for stays in ["2026-000001", "park", "klagomal", "gata"] {
            assert!(kept.contains(stays), "{stays} is gone from {kept}");
        }
    }
}
