//! mySociety's `servicerequestupdates` (b.11): GET lists what happened to public cases, each
//! event with an extended status; POST lets a client (FixMyStreet, FixaMinGata) add what its
//! user wrote to a case, as the citizen's message.

use axum::http::StatusCode;
use axum::response::Response;
use domain::event::NewEvent;
use domain::{Actor, CaseKind, EventPayload, Status};

use super::document::{Format, Value, error, errors, respond};
use super::{Body, Caller, Params, date_range, internal, jurisdiction, paging, w3c, w3c_date};
use crate::AppState;

/// mySociety's extended statuses: lower case in what we send, upper case in what we receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExtendedStatus {
    Unchanged,
    Open,
    Closed,
    Fixed,
    InProgress,
    Planned,
    ActionScheduled,
    Investigating,
    Duplicate,
    NotCouncilsResponsibility,
    NoFurtherAction,
    InternalReferral,
    Cancelled,
    Reopen,
    ForTriage,
}

impl ExtendedStatus {
    const ALL: [ExtendedStatus; 15] = [
        ExtendedStatus::Unchanged,
        ExtendedStatus::Open,
        ExtendedStatus::Closed,
        ExtendedStatus::Fixed,
        ExtendedStatus::InProgress,
        ExtendedStatus::Planned,
        ExtendedStatus::ActionScheduled,
        ExtendedStatus::Investigating,
        ExtendedStatus::Duplicate,
        ExtendedStatus::NotCouncilsResponsibility,
        ExtendedStatus::NoFurtherAction,
        ExtendedStatus::InternalReferral,
        ExtendedStatus::Cancelled,
        ExtendedStatus::Reopen,
        ExtendedStatus::ForTriage,
    ];

    pub(super) fn code(self) -> &'static str {
        match self {
            ExtendedStatus::Unchanged => "unchanged",
            ExtendedStatus::Open => "open",
            ExtendedStatus::Closed => "closed",
            ExtendedStatus::Fixed => "fixed",
            ExtendedStatus::InProgress => "in_progress",
            ExtendedStatus::Planned => "planned",
            ExtendedStatus::ActionScheduled => "action_scheduled",
            ExtendedStatus::Investigating => "investigating",
            ExtendedStatus::Duplicate => "duplicate",
            ExtendedStatus::NotCouncilsResponsibility => "not_councils_responsibility",
            ExtendedStatus::NoFurtherAction => "no_further_action",
            ExtendedStatus::InternalReferral => "internal_referral",
            ExtendedStatus::Cancelled => "cancelled",
            ExtendedStatus::Reopen => "reopen",
            ExtendedStatus::ForTriage => "for_triage",
        }
    }

    /// Reads a status as clients send it (upper case; lower case is accepted too).
    fn parse(value: &str) -> Option<ExtendedStatus> {
        ExtendedStatus::ALL.into_iter().find(|s| s.code().eq_ignore_ascii_case(value))
    }
}

/// The events the public sees as updates. Classification, notes, logged contacts and what the
/// citizen was told about where the case is handled stay inside (the unit shows as assigned).
pub(super) const PUBLIC_EVENTS: [&str; 12] = [
    "received",
    "assigned",
    "forwarded",
    "forwarded_to_authority",
    "work_started",
    "information_requested",
    "citizen_message",
    "answered",
    "decision_promised",
    "fix_promised",
    "closed",
    "reopened",
];

/// How one event of a public case reads to anyone: its extended status and a description with
/// no personal data (messages to and from the citizen are named, not quoted). The closing
/// note is shown, as in `status_notes`. `None` for events the public does not see.
pub(super) fn public_view(
    payload: &EventPayload,
    kind: CaseKind,
    english: bool,
    unit_of: &dyn Fn(&str) -> String,
) -> Option<(ExtendedStatus, String)> {
    use EventPayload as P;
    use ExtendedStatus as S;
    let say = |sv: &str, en: &str| if english { en.to_owned() } else { sv.to_owned() };
    Some(match payload {
        P::Received { .. } => (S::Open, say("Mottaget", "Received")),
        P::Assigned { node_id, .. } => (S::Open, format!("{} {}", say("Handläggs av", "Handled by"), unit_of(node_id))),
        P::Forwarded { node_id, .. } => {
            (S::InternalReferral, format!("{} {}", say("Skickat vidare till", "Sent on to"), unit_of(node_id)))
        }
        P::ForwardedToAuthority { authority, .. } => (
            S::NotCouncilsResponsibility,
            format!(
                "{} {authority}",
                say(
                    "Hör till en annan myndighet och har skickats till",
                    "Belongs to another authority and was sent to"
                )
            ),
        ),
        P::WorkStarted => (S::InProgress, say("Arbetet har börjat", "Work has started")),
        P::InformationRequested { .. } => (
            S::Investigating,
            say("Handläggaren har bett om mer information", "The handler asked for more information"),
        ),
        P::CitizenMessage { .. } => {
            (S::Unchanged, say("Mer information har kommit in", "More information has come in"))
        }
        P::Answered { .. } => (S::InProgress, say("Ett svar har skickats", "An answer has been sent")),
        P::DecisionPromised { expected_by, .. } => {
            (S::Investigating, format!("{} {expected_by}", say("Beslut senast", "Decision by")))
        }
        P::FixPromised { what, when, .. } => (S::ActionScheduled, format!("{what} ({} {when})", say("senast", "by"))),
        P::Closed { summary } => (if kind == CaseKind::Felanmalan { S::Fixed } else { S::Closed }, summary.clone()),
        P::Reopened { .. } => (S::Reopen, say("Öppnat igen", "Reopened")),
        P::MadeFormal { decide_by, .. } => (
            S::Investigating,
            format!("{} {decide_by}", say("Formellt ärende, beslut senast", "Formal matter, decision by")),
        ),
        P::DelayNotified { expected_by, .. } => (
            S::Investigating,
            format!(
                "{} {expected_by}",
                say("Beslutet är försenat, väntas senast", "The decision is delayed, now expected by")
            ),
        ),
        P::Classified { .. }
        | P::CitizenInformed { .. }
        | P::ContactLogged { .. }
        | P::NoteAdded { .. }
        | P::ClockAlert { .. }
        | P::Analysed { .. }
        | P::Published { .. }
        | P::TrackingLinkReplaced
        | P::ContactCorrected { .. }
        | P::Restricted { .. }
        | P::RestrictionLifted { .. }
        | P::LanguageRecorded { .. }
        | P::SubjectSet { .. }
        | P::Gallrad { .. } => {
            return None;
        }
    })
}

/// An update's identifier: the case number and the event's number on the case.
fn update_id(number: &str, seq: i64) -> String {
    format!("{number}-{seq}")
}

/// `GET servicerequestupdates.{xml,json}`: the public updates recorded between `start_date`
/// and `end_date` (at most 90 days, the last 90 by default), oldest first, paged like requests.
pub(super) async fn list_updates(state: &AppState, format: Format, params: &Params) -> Response {
    if let Some(off) = super::reads_off(state, format) {
        return off;
    }
    let j = match jurisdiction(state, params, format).await {
        Ok(j) => j,
        Err(response) => return response,
    };
    let (recorded, (limit, offset)) = match date_range(&params.rest).and_then(|r| Ok((r, paging(&params.rest)?))) {
        Ok(arguments) => arguments,
        Err(problem) => return error(StatusCode::BAD_REQUEST, format, &problem),
    };
    let query = store::PublicUpdatesQuery {
        jurisdiction: j.id.clone(),
        numbers: None,
        recorded: Some(recorded),
        types: PUBLIC_EVENTS.to_vec(),
        limit,
        offset,
    };
    let (updates, tree) = match tokio::try_join!(state.store.public_updates(&query), state.store.org_tree(&j.id)) {
        Ok(found) => found,
        Err(e) => return internal(format, e),
    };
    let unit_of = |n: &str| tree.display_path(n).unwrap_or_else(|_| n.to_owned());
    let items = updates
        .iter()
        .filter_map(|u| {
            let (status, description) = public_view(&u.payload, u.kind, params.english(), &unit_of)?;
            Some(Value::Object(vec![
                ("update_id", Value::text(update_id(&u.number, u.seq))),
                ("service_request_id", Value::text(u.number.clone())),
                ("status", Value::text(status.code())),
                ("updated_datetime", w3c(u.at)),
                ("description", Value::text(domain::publication::masked(&description))),
                ("media_url", Value::Text(None)),
            ]))
        })
        .collect();
    respond(StatusCode::OK, format, "service_request_updates", &Value::List { item: "request_update", items })
}

/// The longest client `update_id` kept.
const MAX_UPDATE_ID: usize = 100;

/// `POST servicerequestupdates.{xml,json}`: what a client's user wrote about a public case
/// becomes the citizen's message on it (and wakes a clock paused for the citizen). A status of
/// OPEN or REOPEN on a closed or answered case reopens it, as the tracking page's "not solved"
/// does; any other status is the sender's view and is noted, not obeyed. The same `update_id`
/// from the same key is recorded once.
pub(super) async fn post_update(state: &AppState, format: Format, caller: Caller, body: Body) -> Response {
    let mut problems = Vec::new();
    let number = body.field("service_request_id");
    let client_id = body.field("update_id");
    for (name, value) in [("service_request_id", number), ("update_id", client_id)] {
        if value.is_none() {
            problems.push(format!("{name} is required"));
        }
    }
    if client_id.is_some_and(|id| id.len() > MAX_UPDATE_ID) {
        problems.push(format!("update_id may be at most {MAX_UPDATE_ID} characters"));
    }
    let status = match body.field("status") {
        None => {
            problems.push("status is required".to_owned());
            None
        }
        Some(value) => {
            let status = ExtendedStatus::parse(value);
            if status.is_none() {
                problems.push(format!("status {value} is not one of the extended statuses"));
            }
            status
        }
    };
    match w3c_date("updated_datetime", body.field("updated_datetime")) {
        Ok(Some(_)) => {}
        Ok(None) => problems.push("updated_datetime is required".to_owned()),
        Err(problem) => problems.push(problem),
    }
    let description = body.field("description").unwrap_or_default();
    if description.is_empty() && body.media.is_empty() {
        problems.push("description is required".to_owned());
    } else if description.chars().count() > domain::submission::MAX_DESCRIPTION_CHARS {
        problems.push("description may be at most 4000 characters".to_owned());
    }
    let checked = app::intake::check_uploads(&body.media);
    if let Err(files) = &checked {
        problems.extend(files.iter().map(|e| super::requests::media_problem(e.code)));
    }
    let (Some(number), Some(client_id), Some(status), Ok(checked), true) =
        (number, client_id, status, checked, problems.is_empty())
    else {
        return errors(StatusCode::BAD_REQUEST, format, &problems);
    };
    let j = &caller.jurisdiction;
    let query = store::PublicQuery {
        jurisdiction: j.id.clone(),
        numbers: Some(vec![number.to_owned()]),
        limit: 1,
        ..store::PublicQuery::default()
    };
    let case = match state.store.public_cases(&query).await {
        Ok(found) if found.is_empty() => {
            return error(StatusCode::NOT_FOUND, format, &format!("service_request_id {number} not found"));
        }
        Ok(mut found) => found.remove(0),
        Err(e) => return internal(format, e),
    };
    let client = Actor::Client { key_id: caller.key_id };
    if caller.own_requests_only {
        let sent_it = match state.store.events(case.id).await {
            Ok(events) => events.first().and_then(|e| e.actor().ok()) == Some(client),
            Err(e) => return internal(format, e),
        };
        if !sent_it {
            return error(StatusCode::FORBIDDEN, format, "this api_key may update only the requests it sent");
        }
    }
    let reference = format!("{}:{client_id}", caller.key_id);
    match earlier_update(state, case.id, &reference).await {
        Ok(Some(seq)) => return answer(format, &case.number, seq),
        Ok(None) => {}
        Err(e) => return internal(format, e),
    }
    let attachments = match app::intake::store_files(state, checked).await {
        Ok(attachments) => attachments,
        Err(e) => return internal(format, e),
    };
    let now = chrono::Utc::now();
    let reopens = matches!(status, ExtendedStatus::Open | ExtendedStatus::Reopen)
        && matches!(case.status, Status::Closed | Status::Answered);
    if reopens {
        let event = NewEvent::new(now, client, EventPayload::Reopened { reason: description.to_owned() });
        match state.store.append(case.id, event).await {
            // Reopened meanwhile (the same update sent twice at once): open is what was asked.
            Ok(_) | Err(store::StoreError::Projection(_)) => {}
            Err(e) => return internal(format, e),
        }
    }
    let mut message = description.to_owned();
    if matches!(status, ExtendedStatus::Fixed | ExtendedStatus::Closed) && case.status.is_open() {
        // Staff decide when a case is done; what the sender thinks is said in their words.
        message.push_str(if message.is_empty() { "" } else { "\n\n" });
        message.push_str("(Avsändaren anger att det är åtgärdat.)");
    }
    let payload = EventPayload::CitizenMessage { message, attachments, reference: Some(reference.clone()) };
    match state.store.append(case.id, NewEvent::new(now, client, payload)).await {
        Ok(after) => answer(format, &case.number, after.event_count),
        // The same update, sent twice at once: the other delivery recorded it.
        Err(store::StoreError::Duplicate(_)) => match earlier_update(state, case.id, &reference).await {
            Ok(Some(seq)) => answer(format, &case.number, seq),
            Ok(None) => internal(format, "a recorded update was not found"),
            Err(e) => internal(format, e),
        },
        Err(e) => internal(format, e),
    }
}

/// The number of the event that recorded a client's update, if one did.
async fn earlier_update(
    state: &AppState,
    case_id: domain::CaseId,
    reference: &str,
) -> Result<Option<i64>, store::StoreError> {
    let events = state.store.events(case_id).await?;
    Ok(events
        .iter()
        .find(|e| matches!(e.payload(), Ok(EventPayload::CitizenMessage { reference: Some(r), .. }) if r == reference))
        .map(|e| e.seq))
}

fn answer(format: Format, number: &str, seq: i64) -> Response {
    let update =
        Value::Object(vec![("update_id", Value::text(update_id(number, seq))), ("account_id", Value::Text(None))]);
    respond(
        StatusCode::OK,
        format,
        "service_request_updates",
        &Value::List { item: "request_update", items: vec![update] },
    )
}
