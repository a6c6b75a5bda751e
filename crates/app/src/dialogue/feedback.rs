//! Feedback after the decision (V-D4): every participant who left an address gets the outcome
//! and a link to the redovisning, once, and then the address is erased — it was given for this
//! alone. Each mail is a job with its own key, so recording the outcome again (a correction)
//! sends nobody a second mail, and a crash sends nothing twice. The job holds no address: it
//! is read when the mail is sent.

use chrono::Utc;
use domain::{DialogueId, ParticipantId};
use serde::{Deserialize, Serialize};
use store::{Dialogue, NewJob, StoreError};

use crate::App;
use crate::lang::Lang;

pub const FEEDBACK_JOB: &str = "dialogue-feedback";

/// Whom one feedback mail is for, kept in its job.
#[derive(Debug, Serialize, Deserialize)]
pub struct FeedbackJob {
    pub jurisdiction: domain::JurisdictionId,
    pub dialogue: DialogueId,
    pub participant: ParticipantId,
}

/// A feedback mail ready to send.
pub struct FeedbackMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Queues the feedback to every participant with an address and marks it sent.
pub async fn send(
    state: &App,
    jurisdiction: &domain::JurisdictionId,
    dialogue: &Dialogue,
) -> Result<usize, StoreError> {
    let now = Utc::now();
    let jobs: Vec<NewJob> = state
        .store
        .feedback_recipients(dialogue.id)
        .await?
        .into_iter()
        .map(|(participant, _)| NewJob {
            kind: FEEDBACK_JOB.into(),
            key: format!("{FEEDBACK_JOB}:{participant}"),
            payload: serde_json::to_string(&FeedbackJob {
                jurisdiction: jurisdiction.to_owned(),
                dialogue: dialogue.id,
                participant,
            })
            .expect("a job serializes"),
            run_at: now,
        })
        .collect();
    state.store.schedule(&jobs, now).await?;
    state.store.mark_feedback_sent(dialogue.id).await?;
    Ok(jobs.len())
}

/// The mail a job asks for, written from the dialogue as decided; `None` when there is no
/// longer anyone to write to.
pub async fn compose(state: &App, job: &FeedbackJob) -> Result<Option<FeedbackMail>, StoreError> {
    let (Some(to), Some(dialogue)) = (
        state.store.participant_email(job.participant).await?,
        state.store.dialogue(&job.jurisdiction, job.dialogue).await?,
    ) else {
        return Ok(None);
    };
    // Participants wrote in the municipality's language; the mail is in Swedish.
    let lang = Lang::Sv;
    let link = format!("{}/dialogues/{}/redovisning", state.config.public_url.trim_end_matches('/'), dialogue.id);
    let title = dialogue.plan.title.clone();
    Ok(Some(FeedbackMail {
        to,
        subject: lang.t1("dialogue-feedback-subject", "title", &title),
        text: lang.t_with("dialogue-feedback-text", &[("title", title), ("outcome", dialogue.outcome), ("link", link)]),
    }))
}
