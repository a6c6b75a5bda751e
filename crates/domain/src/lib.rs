//! Lyhörd's domain: what a case is, how it may change, who is responsible for it.
//!
//! Pure Rust without I/O or async, so that the rules that matter to citizens and to the
//! law can be tested exhaustively. Storage and the web build on this crate, never the
//! other way round.

pub mod alerts;
pub mod analysis;
pub mod attachment;
pub mod calendar;
pub mod case;
pub mod case_number;
pub mod category;
pub mod clock;
pub mod dialogue;
pub mod event;
pub mod gallring;
pub mod ids;
pub mod kinds;
pub mod lifecycle;
pub mod org;
pub mod period;
pub mod publication;
pub mod submission;
pub mod time;

pub use case::{CaseState, ProjectionError};
pub use case_number::{CaseNumber, CaseNumberError};
pub use category::{Answer, Category, Choice, Question, QuestionError, RoutingError};
pub use event::{Actor, ChainError, Event, EventPayload, Hash, NewEvent};
pub use ids::{
    ApiKeyId, CaseId, ContributionId, DialogueId, GallringDecisionId, GallringRuleId, GallringRunId, HeldSubmissionId,
    ImprovementId, InboundMailId, JobId, JurisdictionId, MeetingId, MessageId, NodeId, ParticipantId, QuestionId,
    TemplateId, ThemeId, UserId,
};
pub use kinds::{
    AgeBand, Born, CaseKind, Channel, Consideration, ContactMethod, ContributionKind, DialogueMethod, Gender,
    ImprovementStatus, Justified, Ladder, QuestionKind, SubmitterRole, Worked,
};
pub use lifecycle::{IllegalTransition, Status};
pub use org::{NodeLevel, OrgError, OrgNode, OrgTree};
pub use submission::{FieldError, Position, Submission, Submitter};

/// Whether `id` is a safe identifier for URLs and configuration files (usernames, unit ids,
/// category codes): 1–64 characters of a–z, 0–9, '-', '_' and '.'.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}
