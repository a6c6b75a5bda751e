//! The current state of a case, derived from its events. The store keeps this projection
//! in the `cases` table; it can always be rebuilt by replaying the events.

use crate::ids::{CaseId, UserId};
use chrono::{DateTime, Utc};

use crate::event::{ChainError, Event, EventPayload, Hash};
use crate::kinds::{CaseKind, Channel, SubmitterRole};
use crate::lifecycle::{IllegalTransition, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub id: CaseId,
    pub jurisdiction: crate::ids::JurisdictionId,
    pub number: String,
    pub kind: CaseKind,
    pub channel: Channel,
    pub category: String,
    pub node_id: crate::ids::NodeId,
    pub handler_id: Option<UserId>,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub anonymous: bool,
    pub submitter_role: Option<SubmitterRole>,
    /// A formal ärende (A8): decided by the authority, with the FL checks.
    pub formal: bool,
    /// Number of events so far; the next event gets `event_count + 1`.
    pub event_count: i64,
    /// Hash of the newest event: the head of the chain.
    pub head: Hash,
    /// The person's data are restricted (GDPR art. 18): read only by those handling it.
    pub restricted: bool,
    /// The ärendemening staff set; empty: the default from kind and category.
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("the case is closed; reopen it first")]
    Closed,
    #[error("a case's first event must be its receipt")]
    NotStartedByReceipt,
    #[error("a case is received only once")]
    AlreadyReceived,
    #[error("the case is already a formal matter")]
    AlreadyFormal,
    #[error("only a formal matter has a decision to be delayed")]
    NotFormal,
    #[error("the person's data are already restricted")]
    AlreadyRestricted,
    #[error("the person's data are not restricted")]
    NotRestricted,
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl CaseState {
    /// The state right after receipt, from the case's first event.
    pub fn received(first: &Event) -> Result<CaseState, ProjectionError> {
        let EventPayload::Received { number, node_id, submission } = first.payload()? else {
            return Err(ProjectionError::NotStartedByReceipt);
        };
        let submission = *submission;
        Ok(CaseState {
            id: first.case_id,
            jurisdiction: submission.jurisdiction,
            number,
            kind: submission.kind,
            channel: submission.channel,
            category: submission.category,
            node_id,
            handler_id: None,
            status: Status::Received,
            received_at: first.at(),
            updated_at: first.at(),
            anonymous: submission.submitter.anonymous,
            submitter_role: submission.submitter.role,
            formal: false,
            event_count: first.seq,
            head: first.hash,
            restricted: false,
            subject: String::new(),
        })
    }

    /// The state after `payload`, or why the lifecycle does not allow it now.
    pub fn apply(&self, payload: &EventPayload) -> Result<CaseState, ProjectionError> {
        use EventPayload as P;
        let mut next = self.clone();
        let open = self.status.is_open();
        match payload {
            P::Received { .. } => return Err(ProjectionError::AlreadyReceived),
            P::Classified { kind, category, node_id } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
                next.kind = *kind;
                next.category = category.clone();
                next.node_id = node_id.clone();
                if self.status == Status::Received {
                    next.status = self.status.become_(Status::Triaged)?;
                }
            }
            P::Assigned { node_id, handler_id } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
                next.node_id = node_id.clone();
                next.handler_id = *handler_id;
                if matches!(self.status, Status::Received | Status::Triaged) {
                    next.status = self.status.become_(Status::Assigned)?;
                }
            }
            P::Forwarded { node_id, .. } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
                next.node_id = node_id.clone();
                // The receiving unit decides who handles it.
                next.handler_id = None;
            }
            P::ForwardedToAuthority { .. } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
                next.status = Status::Closed;
            }
            P::WorkStarted => next.status = self.status.become_(Status::InProgress)?,
            P::InformationRequested { .. } => next.status = self.status.become_(Status::WaitingForCitizen)?,
            P::CitizenMessage { .. } => {
                if self.status == Status::WaitingForCitizen {
                    next.status = self.status.become_(Status::InProgress)?;
                }
            }
            P::Answered { .. } => next.status = self.status.become_(Status::Answered)?,
            P::CitizenInformed { .. } | P::DecisionPromised { .. } | P::FixPromised { .. } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
            }
            // Notes and contacts may be recorded after closing too (FL 27 §: "snarast"); the
            // analysis is often made when the case is closed.
            // What the open API shows may be decided at any time, closed cases included.
            P::NoteAdded { .. }
            | P::ContactLogged { .. }
            | P::Analysed { .. }
            | P::Published { .. }
            | P::TrackingLinkReplaced
            | P::ContactCorrected { .. }
            | P::LanguageRecorded { .. }
            | P::Gallrad { .. } => {}
            P::SubjectSet { subject } => next.subject = subject.clone(),
            P::Restricted { .. } if self.restricted => return Err(ProjectionError::AlreadyRestricted),
            P::Restricted { .. } => next.restricted = true,
            P::RestrictionLifted { .. } if !self.restricted => return Err(ProjectionError::NotRestricted),
            P::RestrictionLifted { .. } => next.restricted = false,
            P::Closed { .. } => next.status = self.status.become_(Status::Closed)?,
            P::ClockAlert { .. } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
            }
            P::MadeFormal { .. } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
                if self.formal {
                    return Err(ProjectionError::AlreadyFormal);
                }
                next.formal = true;
            }
            P::DelayNotified { .. } => {
                if !open {
                    return Err(ProjectionError::Closed);
                }
                if !self.formal {
                    return Err(ProjectionError::NotFormal);
                }
            }
            P::Reopened { .. } => {
                if self.status != Status::Closed && self.status != Status::Answered {
                    return Err(IllegalTransition { from: self.status, to: Status::InProgress }.into());
                }
                next.status = self.status.become_(Status::InProgress)?;
            }
        }
        Ok(next)
    }

    /// Moves the projection past a sealed event (after `apply` accepted its payload).
    pub fn advance(mut self, event: &Event) -> CaseState {
        self.event_count = event.seq;
        self.head = event.hash;
        self.updated_at = event.at();
        self
    }

    /// What the case's clocks depend on besides its events.
    pub fn clock_facts(&self) -> crate::clock::CaseFacts<'_> {
        crate::clock::CaseFacts {
            kind: self.kind,
            channel: self.channel,
            category: &self.category,
            received_at: self.received_at,
        }
    }

    /// What the case's alerts depend on besides its clocks and events.
    pub fn alert_case(&self) -> crate::alerts::AlertCase {
        crate::alerts::AlertCase { status: self.status, formal: self.formal, received_at: self.received_at }
    }

    /// Rebuilds the state from all of a case's events, in order.
    pub fn replay(events: &[Event]) -> Result<CaseState, ProjectionError> {
        let (first, rest) = events.split_first().ok_or(ProjectionError::NotStartedByReceipt)?;
        let mut state = CaseState::received(first)?;
        for event in rest {
            state = state.apply(&event.payload()?)?.advance(event);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Actor, NewEvent};
    use crate::submission::tests::sample;

    fn received() -> (CaseState, Vec<Event>) {
        let first = NewEvent::new(
            Utc::now(),
            Actor::Citizen,
            EventPayload::Received {
                number: "2026-000001".into(),
                node_id: "park".into(),
                submission: Box::new(sample()),
            },
        )
        .seal(CaseId::new(), 1, Hash::GENESIS, [0; 16]);
        (CaseState::received(&first).unwrap(), vec![first])
    }

    fn step(state: &CaseState, events: &mut Vec<Event>, payload: EventPayload) -> Result<CaseState, ProjectionError> {
        let next = state.apply(&payload)?;
        let event = NewEvent::new(Utc::now(), Actor::System, payload).seal(
            state.id,
            state.event_count + 1,
            state.head,
            [1; 16],
        );
        events.push(event.clone());
        Ok(next.advance(&event))
    }

    #[test]
    fn a_case_runs_its_whole_life_and_replays_to_the_same_state() {
        let (mut state, mut events) = received();
        let handler = Some(UserId::new());
        for payload in [
            EventPayload::Assigned { node_id: "park".into(), handler_id: handler },
            EventPayload::WorkStarted,
            EventPayload::InformationRequested { message: "Vilken gunga?".into() },
            EventPayload::CitizenMessage { message: "Den röda.".into(), attachments: vec![], reference: None },
            EventPayload::Answered { message: "Lagad.".into() },
            EventPayload::Closed { summary: "Gungan bytt.".into() },
            EventPayload::Reopened { reason: "Trasig igen.".into() },
        ] {
            state = step(&state, &mut events, payload).unwrap();
        }
        assert_eq!(state.status, Status::InProgress);
        assert_eq!(state.handler_id, handler);
        assert_eq!(state.event_count, 8);
        assert_eq!(CaseState::replay(&events).unwrap(), state);
    }

    #[test]
    fn closing_an_unanswered_case_is_refused() {
        let (state, mut events) = received();
        let err = step(&state, &mut events, EventPayload::Closed { summary: "x".into() }).unwrap_err();
        assert_eq!(
            err,
            ProjectionError::IllegalTransition(IllegalTransition { from: Status::Received, to: Status::Closed })
        );
    }

    #[test]
    fn a_closed_case_takes_no_assignment_until_reopened() {
        let (mut state, mut events) = received();
        for payload in [
            EventPayload::Assigned { node_id: "park".into(), handler_id: None },
            EventPayload::Answered { message: "Tack!".into() },
            EventPayload::Closed { summary: "Klart.".into() },
        ] {
            state = step(&state, &mut events, payload).unwrap();
        }
        let err = step(&state, &mut events, EventPayload::Assigned { node_id: "gp".into(), handler_id: None });
        assert_eq!(err.unwrap_err(), ProjectionError::Closed);
        assert_eq!(
            step(
                &state,
                &mut events,
                EventPayload::Received { number: "x".into(), node_id: "x".into(), submission: Box::new(sample()) }
            )
            .unwrap_err(),
            ProjectionError::AlreadyReceived
        );
    }

    #[test]
    fn classification_of_a_new_case_marks_it_triaged_and_reroutes_it() {
        let (state, mut events) = received();
        let state = step(
            &state,
            &mut events,
            EventPayload::Classified { kind: CaseKind::Felanmalan, category: "gata".into(), node_id: "gp".into() },
        )
        .unwrap();
        assert_eq!((state.status, state.kind, state.node_id.as_str()), (Status::Triaged, CaseKind::Felanmalan, "gp"));
    }
}
