//! Intake, the same for every channel: files checked and stored before the case that refers to
//! them, the durable commit (with the receipt e-mail when there is an address, A4), and the
//! tracking link. What the citizen is told is [`ReceiptDetails`]; each channel shows it its
//! own way (a page, an Open311 notice, a mail).

use chrono::{DateTime, Utc};
use domain::attachment::{self, Attachment, AttachmentError, Kind};
use domain::{Actor, CaseState, EventPayload, FieldError, OrgTree, Submission};
use domain::{CaseId, HeldSubmissionId};
use store::{ClockView, NewCase, Receipt, StoreError};

use crate::App;
use crate::dates::deadline;
use crate::files::FileStore;
use crate::lang::Lang;

/// A file part of a form or a mail, as received.
pub struct Upload {
    name: String,
    bytes: Vec<u8>,
}

impl Upload {
    pub fn new(name: String, bytes: Vec<u8>) -> Upload {
        Upload { name, bytes }
    }
}

/// A file that passed the checks, ready to store.
pub struct CheckedFile {
    name: String,
    kind: Kind,
    bytes: Vec<u8>,
}

/// Checks the files; every problem is named with its limit (E3).
pub fn check_uploads(uploads: &[Upload]) -> Result<Vec<CheckedFile>, Vec<FieldError>> {
    if uploads.len() > attachment::MAX_FILES {
        return Err(vec![FieldError::new("attachments", "too_many")]);
    }
    let mut checked = Vec::new();
    let mut errors = Vec::new();
    for upload in uploads {
        match attachment::prepare(&upload.bytes) {
            Ok((kind, bytes)) => {
                checked.push(CheckedFile { name: attachment::safe_name(&upload.name, kind), kind, bytes })
            }
            Err(AttachmentError::WrongType) => errors.push(FieldError::new("attachments", "wrong_type")),
            Err(AttachmentError::TooLarge) => errors.push(FieldError::new("attachments", "too_large")),
            Err(AttachmentError::Damaged) => errors.push(FieldError::new("attachments", "damaged")),
            Err(AttachmentError::TooManyPixels) => errors.push(FieldError::new("attachments", "too_many_pixels")),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        errors.dedup();
        Err(errors)
    }
}

/// Stores checked files durably, before the case that refers to them is committed.
pub async fn store_files(app: &App, checked: Vec<CheckedFile>) -> std::io::Result<Vec<Attachment>> {
    let files = FileStore::new(&app.config.attachments_dir);
    tokio::task::spawn_blocking(move || {
        checked
            .into_iter()
            .map(|file| {
                let sha256 = files.put(&file.bytes)?;
                let content_type = file.kind.content_type().to_owned();
                Ok(Attachment { sha256, name: file.name, content_type, size: file.bytes.len() as u64 })
            })
            .collect()
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The reference a held submission's sender is given, and staff see beside it: the random
/// end of its id, short enough to read out on the phone.
pub fn held_reference(id: HeldSubmissionId) -> String {
    let hex = id.uuid().simple().to_string();
    hex[hex.len() - 8..].to_uppercase()
}

/// A registered case: the store's receipt and the citizen's tracking token.
pub struct Registered {
    pub receipt: Receipt,
    pub token: String,
}

/// Registers a case the way every channel does: the durable commit with the receipt e-mail
/// when there is an address (A4), and the tracking link.
pub async fn register(
    app: &App,
    submission: Submission,
    node_id: domain::NodeId,
    idempotency_key: Option<String>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Registered, StoreError> {
    // The receipt e-mail, when there is an address, is queued in the case's own transaction.
    let case = NewCase { submission, node_id, received_at: now, idempotency_key, actor, live: true };
    let receipt = app.store.submit(case).await?;
    let token = tracking_token(app, receipt.case_id).await?;
    Ok(Registered { receipt, token })
}

/// A new tracking link's token for the case: 256 random bits, of which only the hash is
/// stored (D1). Each receipt and message gets its own; all of them lead to the case until
/// staff withdraw them ([`withdraw_tracking_links`]).
pub async fn tracking_token(app: &App, case_id: CaseId) -> Result<String, StoreError> {
    let (token, hash) = crate::accounts::new_token();
    app.store.add_tracking_token(case_id, &hash, Utc::now()).await?;
    Ok(token)
}

/// Withdraws every link to the case (one leaked): the old ones stop working at once. The
/// caller records the event and tells the citizen, whose message carries a new link.
pub async fn withdraw_tracking_links(app: &App, case_id: CaseId) -> Result<u64, StoreError> {
    app.store.revoke_tracking_tokens(case_id, Utc::now()).await
}

/// One promise as the citizen is told it.
pub struct ClockLine {
    pub name: String,
    pub due: String,
    pub state: String,
}

pub fn clock_lines(clocks: &[ClockView], lang: Lang) -> Vec<ClockLine> {
    clocks
        .iter()
        .map(|c| ClockLine {
            name: if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() },
            due: deadline(c.due_at, lang),
            state: lang.t(&format!("clock-{}", c.state.code())),
        })
        .collect()
}

/// Who handles the case and where, as the citizen is told.
pub struct Handling {
    pub unit: String,
    pub responsible: Option<String>,
}

pub fn handling(tree: &OrgTree, case: &CaseState) -> Handling {
    let unit = tree.display_path(&case.node_id).unwrap_or_else(|_| case.node_id.to_string());
    let responsible = tree.responsible(&case.node_id).ok().flatten().and_then(|n| n.manager_name.clone());
    Handling { unit, responsible }
}

/// The files an event carries.
pub fn attachments_of(payload: &EventPayload) -> &[Attachment] {
    match payload {
        EventPayload::Received { submission, .. } => &submission.attachments,
        EventPayload::CitizenMessage { attachments, .. } => attachments,
        _ => &[],
    }
}

/// What the citizen is told when a case is registered: its number, where it is handled, by
/// whom, when each promise falls due, and the tracking link.
pub struct ReceiptDetails {
    pub lang: Lang,
    pub number: String,
    pub unit: String,
    pub responsible: Option<String>,
    pub clocks: Vec<ClockLine>,
    pub link: String,
    pub anonymous: bool,
    pub attachments: Vec<String>,
}

impl ReceiptDetails {
    /// Reads them from the case as it now stands.
    pub async fn of(app: &App, lang: Lang, case_id: CaseId, token: &str) -> Result<ReceiptDetails, StoreError> {
        let case = app.store.case(case_id).await?.ok_or(StoreError::NotFound)?;
        let handling = handling(&app.store.org_tree(&case.jurisdiction).await?, &case);
        let events = app.store.events(case_id).await?;
        let clocks = app.store.clocks_of(&case, &events, Utc::now())?;
        let attachments = match events.first().map(|e| e.payload()).transpose()? {
            Some(received) => attachments_of(&received).iter().map(|a| a.name.clone()).collect(),
            None => Vec::new(),
        };
        Ok(ReceiptDetails {
            lang,
            number: case.number.clone(),
            unit: handling.unit,
            responsible: handling.responsible,
            clocks: clock_lines(&clocks, lang),
            link: format!("{}/track/{token}", app.config.public_url.trim_end_matches('/')),
            anonymous: case.anonymous,
            attachments,
        })
    }

    /// What the citizen can expect, in one sentence per fact: where the case is handled and
    /// when each promise falls due (Open311's `service_notice`).
    pub fn notice(&self) -> String {
        let lang = self.lang;
        let mut parts = vec![format!("{}: {}.", lang.t("receipt-unit"), self.unit)];
        parts.extend(self.clocks.iter().map(|c| format!("{}: {} {}.", c.name, lang.t("receipt-by"), c.due)));
        parts.join(" ")
    }

    /// The same receipt as plain text, for the e-mail.
    pub fn as_text(&self) -> String {
        let lang = self.lang;
        let mut text = format!(
            "{}\n\n{}: {}\n{}: {}\n",
            lang.t("receipt-title"),
            lang.t("receipt-number"),
            self.number,
            lang.t("receipt-unit"),
            self.unit
        );
        if let Some(responsible) = &self.responsible {
            text.push_str(&format!("{}: {responsible}\n", lang.t("receipt-responsible")));
        }
        text.push('\n');
        for clock in &self.clocks {
            text.push_str(&format!("{}: {}\n", clock.name, clock.due));
        }
        text.push_str(&format!("\n{}\n{}\n", lang.t("receipt-link-intro"), self.link));
        text
    }
}

/// The seal of a web form: an HMAC of its key and the time it was shown, so that neither can
/// be made up by a robot (a made-up `started` would pass the minimum fill time).
pub async fn form_seal(app: &App, form_key: &str, started: &str) -> Result<String, StoreError> {
    Ok(hex::encode(app.mac("web-forms", format!("{form_key}\n{started}").as_bytes()).await?))
}

/// Whether a sent form carries the seal this site gave it (compared in constant time).
pub async fn form_seal_holds(app: &App, form_key: &str, started: &str, seal: &str) -> Result<bool, StoreError> {
    let expected = form_seal(app, form_key, started).await?;
    let (a, b) = (expected.as_bytes(), seal.trim().as_bytes());
    Ok(a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0)
}
