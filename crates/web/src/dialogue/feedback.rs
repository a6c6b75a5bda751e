//! Feedback after the decision (V-D4): every participant who left an address gets the outcome
//! and a link to the redovisning, once. Each mail is a job with its own key, so recording the
//! outcome again (a correction) sends nobody a second mail, and a crash sends nothing twice.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use store::{Dialogue, NewJob, StoreError};

use crate::AppState;
use crate::i18n::Lang;

pub const FEEDBACK_JOB: &str = "dialogue-feedback";

/// What one feedback mail says, kept in its job.
#[derive(Debug, Serialize, Deserialize)]
pub struct FeedbackMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Queues the feedback to every participant with an address and marks it sent.
pub async fn send(state: &AppState, dialogue: &Dialogue, outcome: &str) -> Result<usize, StoreError> {
    // Participants wrote in the municipality's language; the mail is in Swedish.
    let lang = Lang::Sv;
    let link = format!("{}/dialogues/{}/redovisning", state.config.public_url.trim_end_matches('/'), dialogue.id);
    let subject = lang.t1("dialogue-feedback-subject", "title", &dialogue.plan.title);
    let text = lang.t_with(
        "dialogue-feedback-text",
        &[("title", dialogue.plan.title.clone()), ("outcome", outcome.to_owned()), ("link", link)],
    );
    let now = Utc::now();
    let jobs: Vec<NewJob> = state
        .store
        .feedback_recipients(dialogue.id)
        .await?
        .into_iter()
        .map(|(participant, to)| NewJob {
            kind: FEEDBACK_JOB.into(),
            key: format!("{FEEDBACK_JOB}:{participant}"),
            payload: serde_json::to_string(&FeedbackMail { to, subject: subject.clone(), text: text.clone() })
                .expect("a mail serializes"),
            run_at: now,
        })
        .collect();
    state.store.schedule(&jobs, now).await?;
    state.store.mark_feedback_sent(dialogue.id).await?;
    Ok(jobs.len())
}
