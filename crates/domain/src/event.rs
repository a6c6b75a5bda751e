//! Every change to a case is an immutable event. Events of one case form a hash chain:
//! each stores the hash of the one before, so an altered or removed event is detected.

use crate::ids::{CaseId, NodeId, UserId};
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
            P::Published { .. } | P::TrackingLinkReplaced => return None,
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

/// An event as stored: position in the chain, the exact JSON that was hashed, and the hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub case_id: CaseId,
    /// 1 for the first event of a case, then consecutive.
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC; the precision the chain covers.
    pub at_micros: i64,
    pub actor_json: String,
    pub payload_json: String,
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
}

impl NewEvent {
    pub fn new(at: DateTime<Utc>, actor: Actor, payload: EventPayload) -> Self {
        NewEvent { at, actor, payload }
    }

    /// Places the event after `prev` (the case's current head) in the chain of `case_id`.
    pub fn seal(&self, case_id: CaseId, seq: i64, prev_hash: Hash) -> Event {
        let actor_json = serde_json::to_string(&self.actor).expect("actor serializes");
        let payload_json = serde_json::to_string(&self.payload).expect("payload serializes");
        let at_micros = self.at.timestamp_micros();
        let hash = event_hash(case_id, seq, at_micros, &actor_json, &payload_json, &prev_hash);
        Event { case_id, seq, at_micros, actor_json, payload_json, prev_hash, hash }
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

/// The hash of one event: everything that identifies and describes it, and its predecessor.
pub fn event_hash(
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

/// Checks a case's events, in `seq` order, against each other and against the count and
/// head hash the case record holds (which catches removal of the newest events).
pub fn verify_chain(events: &[Event], expected_count: i64, expected_head: &Hash) -> Result<(), ChainError> {
    let mut prev = Hash::GENESIS;
    for (i, event) in events.iter().enumerate() {
        let want_seq = i as i64 + 1;
        if event.seq != want_seq {
            return Err(ChainError::Missing { seq: want_seq });
        }
        let recomputed = event_hash(
            event.case_id,
            event.seq,
            event.at_micros,
            &event.actor_json,
            &event.payload_json,
            &event.prev_hash,
        );
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

    fn chain(n: usize) -> (Vec<Event>, Hash) {
        let case_id = CaseId::new();
        let mut prev = Hash::GENESIS;
        let mut events = Vec::new();
        for i in 0..n {
            let e = NewEvent::new(Utc::now(), Actor::System, EventPayload::NoteAdded { text: format!("note {i}") })
                .seal(case_id, i as i64 + 1, prev);
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
        );
        events[1] = forged;
        assert_eq!(verify_chain(&events, 4, &head), Err(ChainError::Broken { seq: 3 }));
    }

    #[test]
    fn payloads_are_tagged_json_that_reads_back() {
        let p = EventPayload::Assigned { node_id: "park".into(), handler_id: None };
        let e = NewEvent::new(Utc::now(), Actor::System, p.clone()).seal(CaseId::new(), 1, Hash::GENESIS);
        assert!(e.payload_json.starts_with(r#"{"type":"assigned""#));
        assert_eq!(e.payload().unwrap(), p);
        assert_eq!(e.actor().unwrap(), Actor::System);
    }
}
