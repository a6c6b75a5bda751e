//! The actions on a case. Each form becomes exactly one event; what the citizen is told
//! also goes to the outbox in the same transaction. A refused form comes back with every
//! problem at its field and what was typed kept.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime, Utc};
use domain::{Actor, CaseKind, ContactMethod, EventPayload, NewEvent};
use std::collections::HashMap;
use store::{OutboxMessage, StoreError};

use super::case_page::{Loaded, Outcome, eligible_handlers, page};
use super::{Action, Desk};
use crate::AppState;
use crate::auth::Staff;
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::FormError;

/// The longest free text an action takes, like a citizen's description.
const MAX_TEXT: usize = domain::submission::MAX_DESCRIPTION_CHARS;

/// Reads one action's form: trimmed fields, and the problems found so far.
struct Fields<'a> {
    form: &'a HashMap<String, String>,
    lang: Lang,
    errors: Vec<FormError>,
    /// Values the form comes back with in place of what was typed (a scrubbed example).
    replaced: Vec<(&'static str, String)>,
}

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> &'a str {
        self.form.get(name).map_or("", |v| v.trim())
    }

    fn fail(&mut self, id: &'static str, key: &str) {
        self.errors.push(FormError { field: id, message: self.lang.t(key) });
    }

    /// Free text that must be given, within the length limit.
    fn text(&mut self, name: &str, id: &'static str) -> String {
        let value = self.get(name);
        if value.is_empty() {
            self.fail(id, "error-text-required");
        } else if value.chars().count() > MAX_TEXT {
            self.fail(id, "error-text-too-long");
        }
        value.to_owned()
    }

    /// A date (YYYY-MM-DD) that is today or later.
    fn future_date(&mut self, name: &str, id: &'static str) -> NaiveDate {
        let today = domain::time::local(Utc::now()).date_naive();
        match NaiveDate::parse_from_str(self.get(name), "%Y-%m-%d") {
            Ok(date) if date >= today => date,
            Ok(_) => {
                self.fail(id, "error-date-past");
                today
            }
            Err(_) => {
                self.fail(id, "error-date-invalid");
                today
            }
        }
    }
}

/// The event a form describes, and the messages it sends the citizen.
fn event_from_form(
    action: Action,
    fields: &mut Fields,
    desk: &Desk,
    loaded: &Loaded,
) -> Option<(EventPayload, Option<(&'static str, String)>)> {
    use EventPayload as P;
    let case = &loaded.case;
    let payload = match action {
        Action::Classify => {
            let kind = fields.get("kind").parse::<CaseKind>().ok();
            let category = desk.categories.iter().find(|c| c.code == fields.get("category"));
            if kind.is_none() {
                fields.fail("classify-kind", "error-kind-required");
            }
            match (category, kind) {
                (None, _) => fields.fail("classify-category", "error-category-required"),
                (Some(c), Some(k)) if !c.accepts(k) => {
                    fields.fail("classify-category", "error-category-kind_not_accepted")
                }
                _ => {}
            }
            let (Some(kind), Some(category)) = (kind, category) else { return None };
            // The category decides the unit (routing by category, S7).
            P::Classified { kind, category: category.code.clone(), node_id: category.node_id.clone() }
        }
        Action::Assign => {
            let chosen = fields.get("handler");
            let handler_id = if chosen.is_empty() {
                None
            } else {
                let found = chosen
                    .parse::<domain::UserId>()
                    .ok()
                    .filter(|id| eligible_handlers(desk, case).iter().any(|u| u.id == *id));
                if found.is_none() {
                    fields.fail("assign-handler", "error-handler-invalid");
                    return None;
                }
                found
            };
            // The citizen is told who their handler is now, when that changes (S3).
            let told = handler_id.filter(|id| Some(*id) != case.handler_id).and_then(|id| {
                let lang = loaded.citizen_lang();
                let name = desk.staff_name(id)?.to_owned();
                Some(("handler-assigned", lang.t1("handler-assigned-text", "handler", &name)))
            });
            return Some((P::Assigned { node_id: case.node_id.clone(), handler_id }, told));
        }
        Action::Forward => {
            let unit = fields.get("unit").to_owned();
            if desk.tree.node(&unit).is_err() || case.node_id == *unit {
                fields.fail("forward-unit", "error-unit-required");
            }
            let reason = fields.text("reason", "forward-reason");
            P::Forwarded { node_id: unit.into(), reason }
        }
        Action::ForwardToAuthority => {
            let authority = fields.text("authority", "forward-to-authority-authority");
            let how = fields.text("how", "forward-to-authority-how");
            let message = fields.text("message", "forward-to-authority-message");
            return fields.errors.is_empty().then(|| {
                let mail = Some(("forwarded", message.clone()));
                (P::ForwardedToAuthority { authority, how, message }, mail)
            });
        }
        Action::StartWork => P::WorkStarted,
        Action::Answer => {
            let message = fields.text("message", "answer-message");
            return fields
                .errors
                .is_empty()
                .then(|| (P::Answered { message: message.clone() }, Some(("answer", message))));
        }
        Action::RequestInformation => {
            let message = fields.text("message", "request-information-message");
            return fields.errors.is_empty().then(|| {
                (P::InformationRequested { message: message.clone() }, Some(("information-request", message)))
            });
        }
        Action::InformCitizen => {
            let message = fields.text("message", "inform-message");
            return fields
                .errors
                .is_empty()
                .then(|| (P::CitizenInformed { message: message.clone() }, Some(("information", message))));
        }
        Action::Note => P::NoteAdded { text: fields.text("text", "note-text") },
        Action::LogContact => {
            let method = fields.get("method").parse::<ContactMethod>().ok();
            if method.is_none() {
                fields.fail("log-contact-method", "error-method-required");
            }
            let date = NaiveDate::parse_from_str(fields.get("date"), "%Y-%m-%d").ok();
            let time = NaiveTime::parse_from_str(fields.get("time"), "%H:%M").ok();
            if date.is_none() {
                fields.fail("log-contact-date", "error-date-invalid");
            }
            if time.is_none() {
                fields.fail("log-contact-time", "error-time-invalid");
            }
            let occurred_at = date.zip(time).and_then(|(d, t)| {
                d.and_time(t).and_local_timezone(domain::time::STOCKHOLM).earliest().map(|at| at.to_utc())
            });
            // FL 27 §: the note is recorded now; the contact cannot lie in the future.
            if occurred_at.is_some_and(|at| at > Utc::now() + chrono::Duration::minutes(1)) {
                fields.fail("log-contact-date", "error-contact-future");
            }
            let summary = fields.text("summary", "log-contact-summary");
            let (Some(method), Some(occurred_at)) = (method, occurred_at) else { return None };
            P::ContactLogged { method, occurred_at, summary }
        }
        Action::PromiseDecision => {
            let expected_by = fields.future_date("date", "promise-decision-date");
            let message = fields.text("message", "promise-decision-message");
            let handler_id = case.handler_id.or(Some(desk.user.id));
            return fields.errors.is_empty().then(|| {
                // S3: the citizen is told when and who, whatever the free text says.
                let lang = loaded.citizen_lang();
                let handler = handler_id.and_then(|id| desk.staff_name(id)).map(str::to_owned);
                let text = lang.t_with(
                    "decision-promised-text",
                    &[
                        ("message", message.clone()),
                        ("date", app::dates::day_in_words(expected_by, lang)),
                        ("handler", handler.unwrap_or_else(|| desk.user.display_name.clone())),
                    ],
                );
                (P::DecisionPromised { handler_id, expected_by, message }, Some(("decision-promised", text)))
            });
        }
        Action::PromiseFix => {
            let what = fields.text("what", "promise-fix-what");
            let when = fields.future_date("date", "promise-fix-date");
            let who = fields.text("who", "promise-fix-who");
            return fields.errors.is_empty().then(|| {
                // S4: what, when and who, each labelled, the date in words.
                let lang = loaded.citizen_lang();
                let text = lang.t_with(
                    "fix-promised-text",
                    &[("what", what.clone()), ("date", app::dates::day_in_words(when, lang)), ("who", who.clone())],
                );
                (P::FixPromised { what, when, who }, Some(("fix-promised", text)))
            });
        }
        Action::MakeFormal => {
            let reason = fields.text("reason", "make-formal-reason");
            let decide_by = fields.future_date("date", "make-formal-date");
            P::MadeFormal { reason, decide_by }
        }
        Action::NotifyDelay => {
            let reason = fields.text("reason", "notify-delay-reason");
            let expected_by = fields.future_date("date", "notify-delay-date");
            let message = fields.text("message", "notify-delay-message");
            return fields.errors.is_empty().then(|| {
                // FL 11 §: the notice gives the reason; the citizen reads it in their language.
                let lang = loaded.citizen_lang();
                let text = lang.t_with(
                    "delay-notice-text",
                    &[("message", message.clone()), ("reason", reason.clone()), ("date", expected_by.to_string())],
                );
                (P::DelayNotified { reason, expected_by, message }, Some(("delay-notice", text)))
            });
        }
        Action::Analyse => {
            let justified = fields.get("justified").parse::<domain::Justified>().ok();
            if justified.is_none() {
                fields.fail("analyse-justified", "error-justified-required");
            }
            let causes: Vec<String> = app::reports::causes_for(&desk.tree, &desk.analysis, &case.node_id)
                .into_iter()
                .filter(|c| !fields.get(&format!("cause_{}", c.code)).is_empty())
                .map(|c| c.code)
                .collect();
            let measures = fields.text("measures", "analyse-measures");
            let example = fields.get("example").to_owned();
            if example.chars().count() > MAX_TEXT {
                fields.fail("analyse-example", "error-text-too-long");
            }
            // Reports show the example: staff see it as it will stand there, without the
            // submitter's name, numbers or addresses, before it is saved.
            let names: Vec<&str> = loaded.submission.submitter.name.iter().map(String::as_str).collect();
            let scrubbed = app::reports::scrub(&example, &names);
            if scrubbed != example {
                fields.fail("analyse-example", "error-example-scrubbed");
                fields.replaced.push(("analyse-example", scrubbed));
            }
            let justified = justified?;
            P::Analysed { justified, causes, measures, example }
        }
        Action::Publish => {
            let text = fields.text("text", "publish-text");
            // A personnummer in the text is flagged at the field: staff edit it out first.
            if !domain::publication::personal_numbers(&text).is_empty() {
                fields.fail("publish-text", "error-publish-personal-number");
            }
            let exact_position = !fields.get("exact_position").is_empty();
            let pictures = !fields.get("pictures").is_empty();
            P::Published { text, exact_position, pictures }
        }
        Action::NewLink => {
            let lang = loaded.citizen_lang();
            return Some((P::TrackingLinkReplaced, Some(("new-link", lang.t("new-link-text")))));
        }
        Action::CorrectContact => {
            let given =
                |fields: &Fields, name: &str| Some(fields.get(name).trim().to_owned()).filter(|v| !v.is_empty());
            let contact = domain::submission::ContactDetails {
                name: given(fields, "name"),
                email: given(fields, "email"),
                phone: given(fields, "phone"),
                postal_address: given(fields, "postal_address"),
            };
            for problem in contact.problems() {
                let id = match problem.field {
                    "name" => "correct-contact-name",
                    "email" => "correct-contact-email",
                    "phone" => "correct-contact-phone",
                    _ => "correct-contact-postal_address",
                };
                fields.fail(id, &format!("error-{}-{}", problem.field, problem.code));
            }
            let reason = fields.text("reason", "correct-contact-reason");
            P::ContactCorrected { contact, reason }
        }
        Action::SetSubject => {
            let subject = fields.get("subject").to_owned();
            if subject.is_empty() {
                fields.fail("set-subject-subject", "error-text-required");
            } else if subject.chars().count() > 200 {
                fields.fail("set-subject-subject", "error-subject-too-long");
            } else if !domain::publication::personal_numbers(&subject).is_empty() {
                // The register is public: a personnummer never stands in it.
                fields.fail("set-subject-subject", "error-subject-personal-number");
            }
            P::SubjectSet { subject }
        }
        Action::RecordLanguage => {
            let language = fields.get("language").to_owned();
            if language.is_empty() {
                fields.fail("record-language-language", "error-text-required");
            } else if language.chars().count() > 100 {
                fields.fail("record-language-language", "error-language-too-long");
            }
            P::LanguageRecorded { language, interpreter: !fields.get("interpreter").is_empty() }
        }
        Action::Restrict => P::Restricted { reason: fields.text("reason", "restrict-reason") },
        Action::LiftRestriction => P::RestrictionLifted { reason: fields.text("reason", "lift-restriction-reason") },
        Action::Close => P::Closed { summary: fields.text("summary", "close-summary") },
        Action::Reopen => P::Reopened { reason: fields.text("reason", "reopen-reason") },
    };
    fields.errors.is_empty().then_some((payload, None))
}

/// The e-mail that tells the citizen, in their language; the mail template adds the link to
/// follow the case when it is sent.
fn citizen_mail(loaded: &Loaded, purpose: &'static str, text: String) -> Option<OutboxMessage> {
    let s = &loaded.submission;
    let recipient = s.submitter.email.clone().filter(|_| !s.submitter.anonymous)?;
    let lang = loaded.citizen_lang();
    Some(OutboxMessage {
        case_id: loaded.case.id,
        purpose: purpose.to_owned(),
        recipient,
        subject: lang.t1(&format!("mail-subject-{purpose}"), "number", &loaded.case.number),
        body: text,
        language: lang.code().to_owned(),
        created_at: Utc::now(),
        ..OutboxMessage::default()
    })
}

pub async fn act(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path((number, code)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let path = format!("/staff/cases/{number}");
    let (desk, case) = Desk::with_case(&state, user, &number).await?;
    let Some(action) = Action::from_code(&code) else {
        return Err(Error::NotFound.into());
    };
    if !desk.access().can(action, &case) {
        tracing::warn!(user = %desk.user.id, case = %case.id, action = code, "action refused");
        return Err(Error::Forbidden.into());
    }
    let loaded = Loaded::read(&state, case).await?;
    let mut fields = Fields { form: &form, lang, errors: Vec::new(), replaced: Vec::new() };
    let built = event_from_form(action, &mut fields, &desk, &loaded);
    let Some((payload, mail)) = built else {
        let mut values: HashMap<String, String> =
            form.iter().map(|(k, v)| (format!("{}-{k}", action.code()), v.clone())).collect();
        values.extend(fields.replaced.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let outcome = Outcome { errors: fields.errors, values, notice: None };
        return page(&state, lang, &desk, &loaded, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // The old links stop working before the new one is written (it is made when the message
    // is sent).
    if action == Action::NewLink {
        app::intake::withdraw_tracking_links(&state, loaded.case.id).await?;
    }
    let messages: Vec<OutboxMessage> =
        mail.and_then(|(purpose, text)| citizen_mail(&loaded, purpose, text)).into_iter().collect();
    let event = NewEvent::new(Utc::now(), Actor::Staff { user_id: desk.user.id }, payload);
    Ok(match state.store.append_with(loaded.case.id, event, &messages).await {
        // A case sent out of the user's units leaves their sight: back to the inbox then.
        Ok(next) if !desk.access().can_see(&next) => Redirect::to("/staff").into_response(),
        Ok(_) => Redirect::to(&format!("{path}?done={}#notice", action.code())).into_response(),
        Err(StoreError::Projection(e)) => {
            let error = FormError { field: "actions", message: lang.t1("error-lifecycle", "reason", &e.to_string()) };
            let outcome = Outcome { errors: vec![error], values: HashMap::new(), notice: None };
            page(&state, lang, &desk, &loaded, outcome, StatusCode::CONFLICT).await?
        }
        Err(StoreError::Conflict) => {
            let error = FormError { field: "actions", message: lang.t("error-conflict") };
            let outcome = Outcome { errors: vec![error], values: HashMap::new(), notice: None };
            page(&state, lang, &desk, &loaded, outcome, StatusCode::CONFLICT).await?
        }
        Err(e) => return Err(e.into()),
    })
}
