//! Received e-mail. The raw bytes are stored first; then the message becomes a case on the
//! e-mail channel (with its receipt), a message on the case it answers, or is held for staff
//! with the reason: unreadable, automatic (RFC 3834), from a list, from ourselves, or one too
//! many from one sender. A message delivered twice has the outcome of its first delivery.

use chrono::{DateTime, Utc};
use domain::event::NewEvent;
use domain::{Actor, CaseKind, Channel, ContactMethod, EventPayload, Submission, Submitter};
use domain::{CaseId, InboundMailId, MessageId};
use mail_parser::{Message, MessageParser, MimeHeaders};
use store::{InboundMail, MailOutcome, StoreError};

use super::render::reply_tag;
use crate::App;
use crate::files::FileStore;
use crate::intake::{Upload, check_uploads, store_files};

/// What became of a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub outcome: MailOutcome,
    /// The case it made or was added to.
    pub case_number: Option<String>,
    /// Why it was held.
    pub reason: Option<String>,
}

/// Takes one message as received (RFC 822 bytes) for the jurisdiction. `force` registers a
/// message staff have looked at, whatever made it held. Errors are the store's: the caller
/// should let the sender's server try again.
pub async fn ingest(
    state: &App,
    jurisdiction: &domain::JurisdictionId,
    raw: &[u8],
    force: Option<InboundMailId>,
) -> Result<Ingested, StoreError> {
    let now = Utc::now();
    let files = FileStore::new(&state.config.attachments_dir);
    let bytes = raw.to_vec();
    let raw_sha256 = tokio::task::spawn_blocking(move || files.put(&bytes))
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))?
        .map_err(|e| StoreError::Invalid(format!("the message could not be stored: {e}")))?;
    let parsed = MessageParser::default().parse(raw);
    let message_id = parsed
        .as_ref()
        .and_then(|m| m.message_id())
        .map(|id| id.trim_matches(['<', '>', ' ']).to_owned())
        .filter(|id| !id.is_empty() && id.len() <= 500)
        .unwrap_or_else(|| format!("sha256:{raw_sha256}"));
    if force.is_none()
        && let Some(earlier) = state.store.inbound_by_message_id(jurisdiction, &message_id).await?
    {
        let case_number = match earlier.case_id {
            Some(id) => state.store.case(id).await?.map(|c| c.number),
            None => None,
        };
        return Ok(Ingested { outcome: earlier.outcome, case_number, reason: earlier.reason });
    }
    // A fresh id, not the default (nil) one clippy takes `new` for.
    #[allow(clippy::unwrap_or_default)]
    let id = force.unwrap_or_else(InboundMailId::new);
    let mut record = InboundMail {
        id,
        jurisdiction: jurisdiction.to_owned(),
        received_at: now,
        message_id,
        sender: String::new(),
        subject: String::new(),
        raw_sha256,
        size: raw.len() as i64,
        outcome: MailOutcome::Held,
        reason: None,
        case_id: None,
        resolution: None,
    };
    let outcome = match &parsed {
        None => Err("the message cannot be read as e-mail".to_owned()),
        Some(message) => {
            // The raw message is kept as bytes; what is read from it as text never carries a
            // control character (a NUL in a Subject would otherwise stop it being stored).
            record.sender = domain::submission::printable(&sender_of(message).unwrap_or_default());
            record.subject =
                domain::submission::printable(message.subject().unwrap_or_default()).chars().take(300).collect();
            take(state, &record, message, force.is_some(), now).await?
        }
    };
    match &outcome {
        Ok((kind, case_id, _)) => {
            record.outcome = *kind;
            record.case_id = Some(*case_id);
        }
        Err(reason) => record.reason = Some(reason.clone()),
    }
    // A forced message keeps its first record; staff's decision is recorded by the caller.
    if force.is_none() {
        state.store.record_inbound(&record).await?;
    }
    Ok(match outcome {
        Ok((kind, _, number)) => Ingested { outcome: kind, case_number: Some(number), reason: None },
        Err(reason) => {
            tracing::info!(message = %record.id, reason = %reason, "e-mail held for staff");
            Ingested { outcome: MailOutcome::Held, case_number: None, reason: Some(reason) }
        }
    })
}

fn sender_of(message: &Message) -> Option<String> {
    let from = message.from()?.first()?.address()?.trim().to_lowercase();
    (!from.is_empty()).then_some(from)
}

fn header<'a>(message: &'a Message, name: &'a str) -> Option<&'a str> {
    message.header_raw(name).map(str::trim).filter(|v| !v.is_empty())
}

/// Why a message must not be answered, if it must not (RFC 3834 and common practice).
fn automatic(message: &Message, own: &str) -> Option<String> {
    if let Some(value) = header(message, "Auto-Submitted")
        && !value.eq_ignore_ascii_case("no")
    {
        return Some(format!("an automatic message (Auto-Submitted: {value})"));
    }
    if let Some(value) = header(message, "Precedence")
        && ["bulk", "list", "junk"].iter().any(|p| value.eq_ignore_ascii_case(p))
    {
        return Some(format!("a bulk or list message (Precedence: {value})"));
    }
    if let Some(value) = header(message, "Precedence").filter(|v| v.eq_ignore_ascii_case("auto_reply")) {
        return Some(format!("an automatic reply (Precedence: {value})"));
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(value) = header(message, name) {
            return Some(format!("an automatic reply ({name}: {value})"));
        }
    }
    if header(message, "List-Id").is_some() || header(message, "List-Unsubscribe").is_some() {
        return Some("a message from a mailing list".to_owned());
    }
    if header(message, "Return-Path").is_some_and(|v| v.trim_matches(['<', '>', ' ']).is_empty()) {
        return Some("a delivery report or other message without a return address".to_owned());
    }
    if message.content_type().is_some_and(|ct| ct.ctype() == "multipart" && ct.subtype() == Some("report")) {
        return Some("a delivery report".to_owned());
    }
    let sender = sender_of(message).unwrap_or_default();
    let (own_local, own_domain) = own.rsplit_once('@').unwrap_or((own, ""));
    if let Some((local, domain)) = sender.rsplit_once('@')
        && domain.eq_ignore_ascii_case(own_domain)
        && (local.eq_ignore_ascii_case(own_local) || local.to_lowercase().starts_with(&format!("{own_local}+")))
    {
        return Some("a message from Lyhörd's own address".to_owned());
    }
    None
}

/// The case a message answers: one of our Message-IDs in In-Reply-To or References, or a
/// case's own reply address among its recipients.
async fn answered_case(
    state: &App,
    jurisdiction: &domain::JurisdictionId,
    message: &Message<'_>,
) -> Result<Option<CaseId>, StoreError> {
    let config = &state.config.mail;
    let domain = config.domain().to_lowercase();
    let mut ids: Vec<String> = Vec::new();
    for value in [message.in_reply_to(), message.references()] {
        ids.extend(
            value.as_text_list().unwrap_or_default().iter().map(|id| id.trim_matches(['<', '>', ' ']).to_owned()),
        );
    }
    for id in ids {
        let Some((local, host)) = id.rsplit_once('@') else { continue };
        if host.to_lowercase() != domain {
            continue;
        }
        if let Ok(outbox_id) = local.parse::<MessageId>()
            && let Some(sent) = state.store.outbox_message(outbox_id).await?
            && let Some(case) = state.store.case(sent.case_id).await?
            && case.jurisdiction == *jurisdiction
        {
            return Ok(Some(case.id));
        }
    }
    let mut recipients: Vec<String> = Vec::new();
    for list in [message.to(), message.cc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|a| a.address()).map(str::to_lowercase));
    }
    for name in ["Delivered-To", "X-Original-To"] {
        recipients.extend(header(message, name).map(|v| v.trim_matches(['<', '>']).to_lowercase()));
    }
    let prefix = format!("{}+", config.local_part().to_lowercase());
    for address in recipients {
        let Some((local, host)) = address.rsplit_once('@') else { continue };
        let Some((number, tag)) = local.strip_prefix(&prefix).and_then(|rest| rest.rsplit_once('.')) else {
            continue;
        };
        if host != domain {
            continue;
        }
        if let Some(case) = state.store.case_by_number(jurisdiction, number).await?
            && reply_tag(state, case.id).await? == tag
        {
            return Ok(Some(case.id));
        }
    }
    Ok(None)
}

/// The text a person wrote: without the quoted message below it and the line introducing it.
fn own_words(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    while end > 0 && (lines[end - 1].trim().is_empty() || lines[end - 1].trim_start().starts_with('>')) {
        end -= 1;
    }
    let quoted = lines[end..].iter().any(|l| l.trim_start().starts_with('>'));
    if quoted && end > 0 {
        let intro = lines[end - 1].trim();
        if intro.ends_with(':') && ["skrev", "wrote", "schrieb", "kirjoitti"].iter().any(|w| intro.contains(w)) {
            end -= 1;
        }
    }
    lines[..end].join("\n").trim().to_owned()
}

/// The message's pictures and PDFs, checked and stored like web attachments; the names of
/// the files that could not be kept (they stay in the original message).
async fn files_of(
    state: &App,
    message: &Message<'_>,
) -> Result<(Vec<domain::attachment::Attachment>, Vec<String>), StoreError> {
    let mut checked = Vec::new();
    let mut left = Vec::new();
    for part in message.attachments() {
        let name = part.attachment_name().unwrap_or("bilaga").to_owned();
        if part.is_message() || checked.len() >= domain::attachment::MAX_FILES {
            left.push(name);
            continue;
        }
        match check_uploads(&[Upload::new(name.clone(), part.contents().to_vec())]) {
            Ok(mut file) => checked.append(&mut file),
            Err(_) => left.push(name),
        }
    }
    let stored = store_files(state, checked).await.map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((stored, left))
}

/// What the message becomes: `Ok` with the outcome, the case and its number, or `Err` with
/// the reason it is held.
async fn take(
    state: &App,
    record: &InboundMail,
    message: &Message<'_>,
    forced: bool,
    now: DateTime<Utc>,
) -> Result<Result<(MailOutcome, CaseId, String), String>, StoreError> {
    let config = &state.config.mail;
    if record.sender.is_empty() || !domain::submission::is_plausible_email(&record.sender) {
        return Ok(Err("the message has no sender address that can be answered".into()));
    }
    if !forced && let Some(reason) = automatic(message, &config.from) {
        return Ok(Err(reason));
    }
    let text = domain::submission::printable(&message.body_text(0).map(|t| t.into_owned()).unwrap_or_default());
    let (attachments, left) = files_of(state, message).await?;
    let left_note = if left.is_empty() {
        String::new()
    } else {
        format!("\n\n[Bilagor som inte kunde sparas här, de finns i originalmeddelandet: {}]", left.join(", "))
    };

    if let Some(case_id) = answered_case(state, &record.jurisdiction, message).await? {
        let case = state.store.case(case_id).await?.ok_or(StoreError::NotFound)?;
        let message = shorten(&format!("{}{left_note}", own_words(&text)));
        let reference = Some(format!("mail:{}", record.message_id));
        let payload = EventPayload::CitizenMessage { message, attachments, reference };
        match state.store.append(case_id, NewEvent::new(now, Actor::Citizen, payload)).await {
            // Delivered before (a redelivery, or two pollers at once): recorded once.
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
        return Ok(Ok((MailOutcome::Reply, case_id, case.number)));
    }

    let since = now - chrono::Duration::hours(1);
    if !forced
        && state.store.inbound_cases_from(&record.jurisdiction, &record.sender, since).await?
            >= config.per_sender_per_hour
    {
        return Ok(Err(format!(
            "more than {} new messages from this sender within an hour",
            config.per_sender_per_hour
        )));
    }
    let categories = state.store.categories(&record.jurisdiction).await?;
    let Some(category) = categories.iter().find(|c| c.code == config.category) else {
        return Ok(Err(format!("the category for e-mail ({}) does not exist in this municipality", config.category)));
    };
    let subject = record.subject.trim();
    let body = text.trim();
    let description = match (subject.is_empty(), body.is_empty()) {
        (true, true) => "(Meddelandet har ingen text.)".to_owned(),
        (false, true) => subject.to_owned(),
        (true, false) => body.to_owned(),
        (false, false) => format!("{subject}\n\n{body}"),
    };
    let name =
        message.from().and_then(|a| a.first()).and_then(|a| a.name()).map(|n| domain::submission::printable(n.trim()));
    let submission = Submission {
        jurisdiction: record.jurisdiction.clone(),
        kind: CaseKind::Synpunkt,
        channel: Channel::Email,
        category: category.code.clone(),
        description: shorten(&format!("{description}{left_note}")),
        place: None,
        position: None,
        submitter: Submitter {
            anonymous: false,
            role: None,
            name: name.filter(|n| !n.is_empty()).map(|n| n.chars().take(200).collect()),
            email: Some(record.sender.clone()),
            phone: None,
            postal_address: None,
            contact_method: Some(ContactMethod::Email),
        },
        language: "sv".into(),
        attachments,
        media_url: None,
        answers: Vec::new(),
    };
    let key = Some(format!("mail:{}", record.message_id));
    let registered =
        crate::intake::register(state, submission, category.node_id.clone(), key, Actor::Citizen, now).await?;
    Ok(Ok((MailOutcome::Case, registered.receipt.case_id, registered.receipt.number)))
}

/// At most the longest description a case takes; the whole text stays in the original.
fn shorten(text: &str) -> String {
    let max = domain::submission::MAX_DESCRIPTION_CHARS;
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let note = "\n\n[Texten är förkortad. Hela meddelandet finns som originalmeddelande på ärendet.]";
    let kept: String = text.chars().take(max - note.chars().count()).collect();
    format!("{kept}{note}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_replies_are_cut_at_the_quote() {
        let text = "Den sitter vid kiosken.\n\nDen 22 nov. 2026 skrev Västerås stad <kontakt@vasteras.example>:\n> Hej!\n>\n> Vilken lampa?\n";
        assert_eq!(own_words(text), "Den sitter vid kiosken.");
        assert_eq!(own_words("> bara citat\n"), "");
        assert_eq!(own_words("Ingen citering här:\nrad två"), "Ingen citering här:\nrad två");
    }

    #[test]
    fn long_text_is_shortened_with_a_note() {
        let long = "å".repeat(5000);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), domain::submission::MAX_DESCRIPTION_CHARS);
        assert!(short.ends_with("originalmeddelande på ärendet.]"));
    }
}
