//! The sender: takes due messages from the outbox with a lease, sends each, and records the
//! outcome. A message that fails is tried again later, each wait twice the last, and given up
//! after the last try with the reason, which staff see on the case. Its Message-ID is fixed
//! by its outbox row, so a message sent again after a crash is the same message to the
//! recipient's mail system.

use chrono::Utc;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use store::{OutboxMessage, StoreError};

use super::MailConfig;
use super::render::{Rendered, render};
use crate::App;

/// How messages leave.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a directory, for the demo and for installations without a server.
    Files(PathBuf),
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(String);

impl Transport {
    /// From the configuration; the SMTP address is checked here, not at the first message.
    pub fn from_config(config: &MailConfig) -> Result<Transport, TransportError> {
        match &config.smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|builder| Transport::Smtp(builder.timeout(Some(Duration::from_secs(30))).build()))
                // The address may hold a password: the error names the problem, not the address.
                .map_err(|_| {
                    TransportError(
                        "smtp_url cannot be used: write it as smtps://user:password@host:465 or \
                         smtp://user:password@host:587?tls=required"
                            .into(),
                    )
                }),
            None => Ok(Transport::Files(config.dir.clone())),
        }
    }
}

/// One failed try: whether trying again can help, and why it failed.
struct Failure {
    permanent: bool,
    reason: String,
}

/// Header text without line breaks or other control characters: nothing a person typed can
/// add a header (E4).
fn header_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

fn build(m: &OutboxMessage, r: &Rendered, config: &MailConfig) -> Result<Message, Failure> {
    let permanent = |reason: String| Failure { permanent: true, reason };
    let from = config.from.parse().map_err(|_| permanent("the sending address (mail_from) is not valid".into()))?;
    let to = m.recipient.parse().map_err(|_| permanent("the recipient's address is not valid".into()))?;
    let reply_to = r.reply_to.parse().map_err(|_| permanent("the reply address is not valid".into()))?;
    let mut builder = Message::builder()
        .from(Mailbox::new(Some(header_text(&r.municipality)), from))
        .reply_to(Mailbox::new(Some(header_text(&r.municipality)), reply_to))
        .to(Mailbox::new(None, to))
        .subject(header_text(&r.subject))
        .message_id(Some(format!("<{}@{}>", m.id, config.domain())));
    if r.automatic {
        // RFC 3834: automatic mail says so, so that other systems do not answer it.
        let name = HeaderName::new_from_ascii_str("Auto-Submitted");
        builder = builder.raw_header(HeaderValue::new(name, "auto-generated".into()));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(r.text.clone(), r.html.clone()))
        .map_err(|e| permanent(format!("the message cannot be built: {e}")))
}

/// Writes the message as `<dir>/<id>.eml`, whole or not at all.
fn write_file(dir: &std::path::Path, m: &OutboxMessage, message: &Message) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}.eml", m.id));
    let partial = dir.join(format!(".{}.eml.partial", m.id));
    std::fs::write(&partial, message.formatted())?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

async fn deliver(state: &App, transport: &Transport, m: &OutboxMessage) -> Result<(), Failure> {
    let rendered = render(state, m)
        .await
        .map_err(|e| Failure { permanent: false, reason: format!("the message could not be written: {e}") })?;
    let message = build(m, &rendered, &state.config.mail)?;
    transmit(transport, m, message).await
}

/// Hands a built message to the SMTP server, or writes it to a file when none is configured.
async fn transmit(transport: &Transport, m: &OutboxMessage, message: Message) -> Result<(), Failure> {
    match transport {
        Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| Failure {
            permanent: e.is_permanent(),
            reason: match e.status() {
                Some(code) => format!("the mail server refused it ({code})"),
                None => format!("the mail server could not be reached ({e})"),
            },
        }),
        Transport::Files(dir) => {
            let (dir, m2) = (dir.clone(), m.clone());
            let written = tokio::task::spawn_blocking(move || write_file(&dir, &m2, &message)).await;
            match written {
                Ok(Ok(path)) => {
                    tracing::info!(message = %m.id, purpose = %m.purpose, path = %path.display(), "e-mail written to a file (no SMTP server is configured)");
                    Ok(())
                }
                Ok(Err(e)) => Err(Failure { permanent: false, reason: format!("the file could not be written: {e}") }),
                Err(e) => Err(Failure { permanent: false, reason: e.to_string() }),
            }
        }
    }
}

/// One round: sends what is due now; returns how many messages were tried.
#[tracing::instrument(name = "outbox", skip_all)]
pub async fn send_due(state: &App, transport: &Transport) -> Result<usize, StoreError> {
    let now = Utc::now();
    // A few at a time, held for a minute: if this process dies, another instance sends them
    // a minute later (with the same Message-ID, should the first have got as far, I5).
    let lease = chrono::Duration::from_std(state.config.mail.lease).unwrap_or(chrono::Duration::minutes(1));
    let due = state.store.claim_mail(now, now + lease, 5).await?;
    let config = &state.config.mail;
    for m in &due {
        match deliver(state, transport, m).await {
            Ok(()) => state.store.mail_sent(m.id, Utc::now()).await?,
            Err(failure) => {
                let last = failure.permanent || m.attempts >= config.max_attempts;
                let retry_at = (!last).then(|| Utc::now() + crate::retry::wait(config.retry_after, m.attempts));
                tracing::warn!(message = %m.id, attempt = m.attempts, reason = %failure.reason, given_up = last, "e-mail not sent");
                state.store.mail_failed(m.id, &failure.reason, retry_at, Utc::now()).await?;
            }
        }
    }
    Ok(due.len() + send_feedback(state, transport).await?)
}

/// Feedback after a dialogue's decision (V-D4): queued as jobs, sent like any other mail;
/// once sent, the participant's address is erased.
async fn send_feedback(state: &App, transport: &Transport) -> Result<usize, StoreError> {
    use crate::dialogue::feedback::{FEEDBACK_JOB, FeedbackJob, compose};
    let now = Utc::now();
    let lease = chrono::Duration::from_std(state.config.mail.lease).unwrap_or(chrono::Duration::minutes(1));
    let jobs = state.store.claim_jobs(FEEDBACK_JOB, now, now + lease, 5).await?;
    if jobs.is_empty() {
        return Ok(0);
    }
    let config = &state.config.mail;
    let municipalities = state.store.jurisdictions().await?;
    for job in &jobs {
        let Ok(wanted) = serde_json::from_str::<FeedbackJob>(&job.payload) else {
            state.store.fail_job(job.id, "the job cannot be read", None, now).await?;
            continue;
        };
        let Some(mail) = compose(state, &wanted).await? else {
            // The address is gone (already written to, or erased): nothing to send.
            state.store.finish_job(job.id, Utc::now()).await?;
            continue;
        };
        // Framed like an outbox message for `build` and `transmit`, which read its id (the
        // Message-ID), recipient and purpose; it belongs to no case.
        let m = OutboxMessage {
            id: domain::MessageId::from_uuid(job.id.uuid()),
            case_id: domain::CaseId::from_uuid(uuid::Uuid::nil()),
            purpose: FEEDBACK_JOB.into(),
            recipient: mail.to,
            subject: mail.subject.clone(),
            body: mail.text.clone(),
            language: "sv".into(),
            created_at: job.run_at,
            sent_at: None,
            attempts: job.attempts,
            last_error: None,
            failed_at: None,
        };
        let municipality = municipalities.iter().find(|j| j.id == wanted.jurisdiction);
        let rendered = Rendered {
            subject: mail.subject,
            html: super::render::html_of(&mail.text, "sv"),
            text: mail.text,
            automatic: true,
            reply_to: config.from.clone(),
            municipality: municipality.map_or_else(|| "Lyhörd".to_owned(), |j| j.name.clone()),
        };
        let sent = match build(&m, &rendered, config) {
            Ok(message) => transmit(transport, &m, message).await,
            Err(failure) => Err(failure),
        };
        match sent {
            Ok(()) => {
                // The address stays until a gallring run under the municipality's rule for
                // dialogue addresses removes it (decision 62).
                state.store.finish_job(job.id, Utc::now()).await?;
            }
            Err(failure) => {
                let last = failure.permanent || job.attempts >= config.max_attempts;
                let retry_at = (!last).then(|| Utc::now() + crate::retry::wait(config.retry_after, job.attempts));
                tracing::warn!(job = %job.key, reason = %failure.reason, given_up = last, "feedback e-mail not sent");
                state.store.fail_job(job.id, &failure.reason, retry_at, Utc::now()).await?;
            }
        }
    }
    Ok(jobs.len())
}

/// Sends until the process stops: at once when there is more, otherwise every second.
pub async fn run_sender(state: App, transport: Transport, mut shutdown: crate::Shutdown) {
    while !shutdown.is_stopped() {
        match send_due(&state, &transport).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the outbox could not be read"),
        }
        shutdown.sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_never_carry_line_breaks() {
        assert_eq!(header_text("Svar\r\nBcc: x@y.se"), "Svar  Bcc: x@y.se");
        assert_eq!(header_text(" Västerås\tstad "), "Västerås stad");
    }
}
