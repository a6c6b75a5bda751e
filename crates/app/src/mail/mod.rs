//! E-mail both ways. Out: messages wait in the outbox, written with their event,
//! and a worker frames them with the administrators' templates and sends them (SMTP, or
//! `.eml` files when no server is configured). In: a received message becomes a case, a
//! message on its case, or is held for staff; its raw bytes are always kept.

mod imap;
mod receive;
mod render;
mod send;

pub use imap::{Mailbox, PollError, poll_once, run_poller};
pub use receive::{Ingested, ingest};
pub use render::reply_tag;
pub use render::{PURPOSES, default_template, kind_of};
pub use send::{Transport, TransportError, run_sender, send_due};

use std::path::PathBuf;
use std::time::Duration;

/// How mail is sent and received.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The address messages come from (`kontakt@kommun.se`). Replies about a case go to
    /// `local+number.tag@domain`, which the same mailbox receives.
    pub from: String,
    /// `smtps://user:password@host:465`, `smtp://host:587?tls=required`, …; without one,
    /// messages are written as `.eml` files to `dir`.
    pub smtp_url: Option<String>,
    pub dir: PathBuf,
    /// The wait before the second try; each later try waits twice as long (at most an hour).
    pub retry_after: Duration,
    /// Tries before a message is given up and staff are shown why.
    pub max_attempts: i64,
    /// New cases one sender's messages may make per hour; more are held for staff.
    pub per_sender_per_hour: i64,
    /// The category new cases from e-mail get until staff classify them.
    pub category: String,
    /// How long a sender holds a message it is sending before another instance may take it.
    pub lease: Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "lyhord@localhost".into(),
            smtp_url: None,
            dir: "./data/mail".into(),
            retry_after: Duration::from_secs(60),
            max_attempts: 8,
            per_sender_per_hour: 20,
            category: "ovrigt".into(),
            lease: Duration::from_secs(60),
        }
    }
}

impl MailConfig {
    /// The domain of the sending address, which names our Message-IDs.
    pub fn domain(&self) -> &str {
        self.from.rsplit_once('@').map_or("localhost", |(_, domain)| domain)
    }

    fn local_part(&self) -> &str {
        self.from.rsplit_once('@').map_or(self.from.as_str(), |(local, _)| local)
    }
}
