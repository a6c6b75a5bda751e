//! The case page: clocks, the citizen's submission, the whole timeline with what the
//! citizen sees marked, and a form for every action this user may take now.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::attachment::Attachment;
use domain::{Actor, CaseKind, CaseState, ContactMethod, EventPayload, Submission};
use serde::Deserialize;
use std::collections::HashMap;
use store::{ClockView, Role};

use super::{Action, Desk, StaffNav};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::{CategoryGroup, Choice, category_groups, public_entry, send_file};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, render};
use app::dates::{deadline, short};
use app::intake::attachments_of;

pub struct ClockRow {
    pub name: String,
    pub clause: String,
    pub due: String,
    pub state: String,
    pub left: String,
    pub class: &'static str,
}

pub struct TimelineRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub text: Option<String>,
    pub files: Vec<FileLink>,
    pub public: bool,
}

pub struct FileLink {
    pub name: String,
    pub href: String,
    pub size: String,
}

pub struct AccessRow {
    pub when: String,
    pub who: String,
    pub action: String,
}

/// One e-mail to the citizen and how sending it went.
pub struct MailRow {
    pub when: String,
    pub to: String,
    pub what: String,
    pub state: String,
    pub failed: bool,
}

/// A received e-mail message behind the case, to download as it came.
pub struct OriginalRow {
    pub when: String,
    pub subject: String,
    pub href: String,
}

fn mail_rows(messages: &[store::OutboxMessage], lang: Lang) -> Vec<MailRow> {
    messages
        .iter()
        .map(|m| {
            let kind = app::mail::kind_of(&m.purpose);
            let error = m.last_error.clone().unwrap_or_default();
            let state = match (m.sent_at, m.failed_at) {
                (Some(at), _) => lang.t1("mail-state-sent", "when", &short(at)),
                (None, Some(_)) => lang.t1("mail-state-failed", "reason", &error),
                (None, None) if m.attempts > 0 && !error.is_empty() => lang.t1("mail-state-retrying", "reason", &error),
                (None, None) => lang.t("mail-state-queued"),
            };
            MailRow {
                when: short(m.created_at),
                to: m.recipient.clone(),
                what: lang.t(&format!("mail-kind-{kind}")),
                state,
                failed: m.failed_at.is_some(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_case.html")]
pub(super) struct CasePage {
    lang: Lang,
    path: String,
    /// The text the open API shows, once staff published it.
    publication: Option<String>,
    nav: StaffNav,
    number: String,
    status: String,
    facts: Vec<(String, String)>,
    clocks: Vec<ClockRow>,
    /// Reminders and escalations still standing, and the FL 11/12 § checks, as sentences.
    alerts: Vec<String>,
    description: String,
    place: Option<String>,
    position: Option<String>,
    /// A picture the sender keeps elsewhere (Open311 `media_url`), as a link.
    media_url: Option<String>,
    /// The category's extra questions with their answers (question, answer).
    answers: Vec<(String, String)>,
    /// Whether the case's category is public: its closing note is then published (Open311).
    public_category: bool,
    anonymous: bool,
    contact: Vec<(String, String)>,
    files: Vec<FileLink>,
    timeline: Vec<TimelineRow>,
    access_log: Option<Vec<AccessRow>>,
    mail: Vec<MailRow>,
    originals: Vec<OriginalRow>,
    notice: Option<String>,
    form: FormState,
    allowed: Vec<&'static str>,
    can_print_receipt: bool,
    kinds: Vec<Choice>,
    category_groups: Vec<CategoryGroup>,
    units: Vec<Choice>,
    handlers: Vec<Choice>,
    methods: Vec<Choice>,
    templates: Vec<Choice>,
    /// The analysis form's choices: justified or not, and the unit's causes.
    justified: Vec<Choice>,
    causes: Vec<Choice>,
    /// Improvement actions the case led to: (description, status, link).
    improvements: Vec<(String, String, String)>,
    /// The user may route the case but not read what was written in it (another nämnd's
    /// case in a category that is not public): the page shows its facts and clocks only.
    withheld: bool,
    /// The person's data are restricted (GDPR art. 18).
    restricted: bool,
    /// FL 13 §: the person's language and interpreter need, as last recorded.
    language_needs: Option<String>,
    /// Personnummer in the text, pointed out so that nobody passes them on.
    personal_numbers: Vec<String>,
}

impl CasePage {
    /// Whether a checkbox of an action's form is ticked.
    fn ticked(&self, id: &str) -> bool {
        !self.form.value(id).is_empty()
    }

    fn can(&self, action: &str) -> bool {
        self.allowed.contains(&action)
    }
}

/// A case with its events, read once; what only the page shows (clocks, templates) is
/// read when the page is rendered.
pub(super) struct Loaded {
    pub case: CaseState,
    pub submission: Submission,
    pub events: Vec<domain::Event>,
    pub payloads: Vec<(chrono::DateTime<Utc>, Actor, EventPayload)>,
}

impl Loaded {
    /// The language the citizen wrote in, which everything told to them is written in.
    pub fn citizen_lang(&self) -> Lang {
        Lang::from_code(&self.submission.language).unwrap_or(Lang::Sv)
    }

    pub async fn read(state: &AppState, case: CaseState) -> Result<Loaded, store::StoreError> {
        let events = state.store.events(case.id).await?;
        let mut payloads = Vec::with_capacity(events.len());
        for e in &events {
            payloads.push((e.at(), e.actor()?, e.payload()?));
        }
        let Some((_, _, EventPayload::Received { submission, .. })) = payloads.first() else {
            return Err(store::StoreError::Corrupt("a case without its receipt".into()));
        };
        let mut submission = (**submission).clone();
        // GDPR art. 16: the latest correction is how the person is reached from now on.
        for (_, _, payload) in &payloads {
            if let EventPayload::ContactCorrected { contact, .. } = payload {
                submission.submitter = submission.submitter.corrected(contact);
            }
        }
        Ok(Loaded { case, submission, events, payloads })
    }

    pub fn files(&self) -> impl Iterator<Item = &Attachment> {
        self.payloads.iter().flat_map(|(_, _, p)| attachments_of(p).iter())
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1048576.0)
    } else {
        format!("{} kB", bytes.div_ceil(1024))
    }
}

fn file_links(number: &str, files: &[Attachment]) -> Vec<FileLink> {
    files
        .iter()
        .map(|a| FileLink {
            name: a.name.clone(),
            href: format!("/staff/cases/{number}/files/{}", a.sha256),
            size: size(a.size),
        })
        .collect()
}

fn clock_rows(clocks: &[ClockView], lang: Lang) -> Vec<ClockRow> {
    use domain::clock::ClockState;
    clocks
        .iter()
        .map(|c| {
            let left = if c.kept_at.is_none() {
                let days = c.working_days_left;
                if days < 0 {
                    lang.t1("clock-late-days", "days", &(-days).to_string())
                } else {
                    lang.t1("clock-days-left", "days", &days.to_string())
                }
            } else {
                c.kept_at.map(|at| lang.t1("clock-kept-at", "when", &short(at))).unwrap_or_default()
            };
            ClockRow {
                name: if lang == Lang::En { c.name_en.clone() } else { c.name_sv.clone() },
                clause: c.clause.clone(),
                due: deadline(c.due_at, lang),
                state: lang.t(&format!("clock-{}", c.state.code())),
                left,
                class: match c.state {
                    ClockState::Breached => "mark breached",
                    ClockState::Met => "mark met",
                    _ => "",
                },
            }
        })
        .collect()
}

/// The alerts standing on the case, as sentences for its handler.
fn standing_alerts(state: &AppState, loaded: &Loaded, lang: Lang) -> Vec<String> {
    let case = &loaded.case;
    let policy = state.store.policy(&case.jurisdiction);
    let events: Vec<(chrono::DateTime<Utc>, EventPayload)> =
        loaded.payloads.iter().map(|(at, _, payload)| (*at, payload.clone())).collect();
    let standing = policy
        .clocks(&case.clock_facts(), &events, Utc::now())
        .and_then(|clocks| policy.standing_alerts(&case.alert_case(), &clocks, &events))
        .unwrap_or_default();
    standing
        .iter()
        .map(|a| {
            lang.t_with(
                &format!("case-alert-{}", a.stage.code()),
                &[("clock", domain::alerts::label(&a.clock)), ("due", app::dates::deadline(a.due_at, lang))],
            )
        })
        .collect()
}

/// What happened, as staff read it.
fn describe(
    desk: &Desk,
    payload: &EventPayload,
    lang: Lang,
    names: &HashMap<domain::UserId, &str>,
) -> (String, Option<String>) {
    use EventPayload as P;
    let l = lang.code();
    let who = |id: &Option<domain::UserId>| {
        id.and_then(|id| names.get(&id).map(|n| (*n).to_owned())).unwrap_or_else(|| lang.t("nobody"))
    };
    match payload {
        P::Received { submission, .. } => {
            (lang.t1("staff-event-received", "channel", submission.channel.name(l)), None)
        }
        P::Classified { kind, category, .. } => (
            lang.t_with(
                "staff-event-classified",
                &[("kind", kind.name(l).to_owned()), ("category", desk.category_name(category, lang))],
            ),
            None,
        ),
        P::Assigned { node_id, handler_id } => (
            lang.t_with("staff-event-assigned", &[("handler", who(handler_id)), ("unit", desk.unit_name(node_id))]),
            None,
        ),
        P::Forwarded { node_id, reason } => {
            (lang.t1("staff-event-forwarded", "unit", &desk.unit_name(node_id)), Some(reason.clone()))
        }
        P::ForwardedToAuthority { authority, how, message } => (
            lang.t_with(
                "staff-event-forwarded-to-authority",
                &[("authority", authority.clone()), ("how", how.clone())],
            ),
            Some(message.clone()),
        ),
        P::WorkStarted => (lang.t("event-work-started"), None),
        P::InformationRequested { message } => (lang.t("staff-event-information-requested"), Some(message.clone())),
        P::CitizenMessage { message, .. } => (lang.t("staff-event-citizen-message"), Some(message.clone())),
        P::Answered { message } => (lang.t("staff-event-answered"), Some(message.clone())),
        P::CitizenInformed { message } => (lang.t("staff-event-informed"), Some(message.clone())),
        P::DecisionPromised { handler_id, expected_by, message } => (
            lang.t_with(
                "staff-event-decision-promised",
                &[("date", expected_by.to_string()), ("handler", who(handler_id))],
            ),
            Some(message.clone()),
        ),
        P::FixPromised { what, when, who } => (
            lang.t_with("staff-event-fix-promised", &[("date", when.to_string()), ("who", who.clone())]),
            Some(what.clone()),
        ),
        P::ContactLogged { method, occurred_at, summary } => (
            lang.t_with(
                "staff-event-contact",
                &[("method", method.name(l).to_lowercase()), ("occurred", short(*occurred_at))],
            ),
            Some(summary.clone()),
        ),
        P::NoteAdded { text } => (lang.t("staff-event-note"), Some(text.clone())),
        P::Closed { summary } => (lang.t("staff-event-closed"), Some(summary.clone())),
        P::Reopened { reason } => (lang.t("staff-event-reopened"), Some(reason.clone()).filter(|r| !r.is_empty())),
        // An alert that reached nobody says so, and why.
        P::ClockAlert { clock, due_at, notified: None, .. } => (
            lang.t_with(
                "staff-event-alert-unreached",
                &[("clock", domain::alerts::label(clock)), ("due", app::dates::deadline(*due_at, lang))],
            ),
            None,
        ),
        P::ClockAlert { clock, stage, due_at, notified, node_id } => (
            lang.t_with(
                &format!("staff-event-alert-{}", stage.code()),
                &[
                    ("clock", domain::alerts::label(clock)),
                    ("due", app::dates::deadline(*due_at, lang)),
                    ("who", who(notified)),
                    ("unit", node_id.as_deref().map_or_else(|| lang.t("nobody"), |n| desk.unit_name(n))),
                ],
            ),
            None,
        ),
        P::MadeFormal { reason, decide_by } => {
            (lang.t1("staff-event-made-formal", "date", &decide_by.to_string()), Some(reason.clone()))
        }
        P::Analysed { justified, causes, measures, example } => {
            let names: Vec<String> = causes.iter().map(|c| desk.cause_name(c, lang)).collect();
            let mut text = measures.clone();
            if !example.is_empty() {
                text = format!("{text}\n\n{}: {example}", lang.t("field-report-example"));
            }
            (
                lang.t_with(
                    "staff-event-analysed",
                    &[("justified", justified.name(l).to_owned()), ("causes", names.join(", "))],
                ),
                Some(text),
            )
        }
        P::DelayNotified { reason, expected_by, message } => (
            lang.t1("staff-event-delay-notified", "date", &expected_by.to_string()),
            Some(format!("{reason}\n\n{message}")),
        ),
        P::TrackingLinkReplaced => (lang.t("staff-event-link-replaced"), None),
        P::ContactCorrected { reason, .. } => (lang.t("staff-event-contact-corrected"), Some(reason.clone())),
        P::Restricted { reason } => (lang.t("staff-event-restricted"), Some(reason.clone())),
        P::RestrictionLifted { reason } => (lang.t("staff-event-restriction-lifted"), Some(reason.clone())),
        P::SubjectSet { subject } => (lang.t("staff-event-subject"), Some(subject.clone())),
        P::LanguageRecorded { language, interpreter } => {
            (lang.t("staff-event-language"), Some(language_needs(language, *interpreter, lang)))
        }
        P::Gallrad { decision, rule, .. } => {
            (lang.t_with("staff-event-gallrad", &[("decision", decision.clone()), ("rule", rule.clone())]), None)
        }
        P::Published { text, exact_position, pictures } => {
            let mut shown = vec![lang.t("publish-shows-text")];
            shown.push(lang.t(if *exact_position { "publish-shows-exact" } else { "publish-shows-rounded" }));
            if *pictures {
                shown.push(lang.t("publish-shows-pictures"));
            }
            (lang.t1("staff-event-published", "what", &shown.join(", ")), Some(text.clone()))
        }
    }
}

fn actor_name(
    actor: &Actor,
    lang: Lang,
    names: &HashMap<domain::UserId, &str>,
    clients: &HashMap<domain::ApiKeyId, String>,
) -> String {
    match actor {
        Actor::Citizen => lang.t("actor-citizen"),
        Actor::System => lang.t("site-name"),
        Actor::Staff { user_id } => names.get(user_id).map_or_else(|| lang.t("actor-staff"), |n| (*n).to_owned()),
        Actor::Client { key_id } => lang.t1("actor-client", "name", clients.get(key_id).map_or("?", String::as_str)),
    }
}

/// Staff who can take this case: handlers, managers and administrators whose units cover
/// it, so that the person assigned can see it.
pub(super) fn eligible_handlers<'a>(desk: &'a Desk, case: &CaseState) -> Vec<&'a store::User> {
    desk.staff
        .iter()
        .filter(|u| !u.disabled && matches!(u.role, Role::Handlaggare | Role::Chef | Role::Administrator))
        .filter(|u| {
            u.role == Role::Administrator
                || u.node_id.as_deref().is_some_and(|n| desk.tree.is_within(&case.node_id, n).unwrap_or(false))
        })
        .collect()
}

/// The suggested handler: the responsible manager of the case's unit (S7).
pub(super) fn default_handler(desk: &Desk, case: &CaseState) -> Option<domain::UserId> {
    desk.tree.line(&case.node_id).ok()?.iter().find_map(|n| n.manager_user_id)
}

/// Fills an answer template's placeholders from the case.
pub(super) fn fill_template(body: &str, desk: &Desk, loaded: &Loaded, lang: Lang) -> String {
    let case = &loaded.case;
    let names = desk.staff_names();
    let handler = case.handler_id.and_then(|id| names.get(&id).map(|n| (*n).to_owned())).unwrap_or_default();
    let name = loaded.submission.submitter.name.clone().unwrap_or_default();
    [
        ("{number}", case.number.clone()),
        ("{name}", name),
        ("{unit}", desk.unit_name(&case.node_id)),
        ("{handler}", handler),
        ("{received}", short(case.received_at)),
        ("{category}", desk.category_name(&case.category, lang)),
    ]
    .iter()
    .fold(body.to_owned(), |text, (placeholder, value)| text.replace(placeholder, value))
}

/// "arabiska, behöver tolk": the person's language as staff read it at the top of the case.
fn language_needs(language: &str, interpreter: bool, lang: Lang) -> String {
    if interpreter { format!("{language}, {}", lang.t("case-needs-interpreter")) } else { language.to_owned() }
}

/// How the page is asked for: after an action (`done`) or to start an answer from a template.
#[derive(Debug, Default, Deserialize)]
pub struct ShowParams {
    #[serde(default)]
    done: String,
    #[serde(default)]
    template: String,
}

pub(super) struct Outcome {
    pub errors: Vec<FormError>,
    pub values: HashMap<String, String>,
    pub notice: Option<String>,
}

pub(super) async fn page(
    state: &AppState,
    lang: Lang,
    desk: &Desk,
    loaded: &Loaded,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let case = &loaded.case;
    let path = format!("/staff/cases/{}", case.number);
    let access = desk.access();
    let withheld = !access.can_read(case);
    let names = desk.staff_names();
    let l = lang.code();
    let s = &loaded.submission;
    let found = async {
        let clocks = state.store.clocks_of(case, &loaded.events, Utc::now())?;
        let (templates, mail, received, improvements) = tokio::try_join!(
            state.store.templates(&case.jurisdiction),
            state.store.outbox_for_case(case.id),
            state.store.inbound_for_case(case.id),
            state.store.improvements_of_case(&case.jurisdiction, case.id)
        )?;
        Ok::<_, store::StoreError>((clocks, templates, mail, received, improvements))
    };
    let (clocks, templates, mail, received, improvements) = found.await?;

    let access_log = if access.can_read_access_log(case) {
        match state.store.access_log(case.id).await {
            Ok(entries) => Some(
                entries
                    .iter()
                    .rev()
                    .take(50)
                    .map(|e| AccessRow { when: short(e.at), who: e.username.clone(), action: e.action.clone() })
                    .collect(),
            ),
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };

    // Open311 clients by their keys' names, read only when one wrote in the case.
    let clients: HashMap<domain::ApiKeyId, String> =
        if loaded.payloads.iter().any(|(_, actor, _)| matches!(actor, Actor::Client { .. })) {
            state.store.api_keys(&case.jurisdiction).await?.into_iter().map(|k| (k.id, k.name)).collect()
        } else {
            HashMap::new()
        };
    let unit_of = |id: &str| desk.unit_name(id);
    let timeline = loaded
        .payloads
        .iter()
        .map(|(at, actor, payload)| {
            let (what, text) = describe(desk, payload, lang, &names);
            TimelineRow {
                when: short(*at),
                who: actor_name(actor, lang, &names, &clients),
                what,
                text: text.filter(|_| !withheld),
                files: if withheld { Vec::new() } else { file_links(&case.number, attachments_of(payload)) },
                public: public_entry(*at, payload, lang, &unit_of).is_some(),
            }
        })
        .collect();

    let subject = if case.subject.is_empty() {
        app::register::default_subject(case.kind, &case.category, &desk.categories, lang)
    } else {
        case.subject.clone()
    };
    let mut facts = vec![
        (lang.t("case-subject"), subject.clone()),
        (lang.t("col-kind"), case.kind.name(l).to_owned()),
        (lang.t("col-category"), desk.category_name(&case.category, lang)),
        (lang.t("col-unit"), desk.unit_name(&case.node_id)),
        (
            lang.t("col-handler"),
            case.handler_id.and_then(|id| names.get(&id).map(|n| (*n).to_owned())).unwrap_or_else(|| lang.t("nobody")),
        ),
        (lang.t("col-channel"), case.channel.name(l).to_owned()),
        (lang.t("col-received"), short(case.received_at)),
    ];
    if let Some(role) = case.submitter_role {
        facts.push((lang.t("case-submitter-role"), role.name(l).to_owned()));
    }
    facts.push((lang.t("case-language"), if s.language == "en" { "English" } else { "svenska" }.to_owned()));
    if case.formal {
        facts.push((lang.t("case-formal"), lang.t("yes")));
    }

    let contact = if s.submitter.anonymous || withheld {
        Vec::new()
    } else {
        let sub = &s.submitter;
        [
            ("case-contact-name", sub.name.clone()),
            ("case-contact-email", sub.email.clone()),
            ("case-contact-phone", sub.phone.clone()),
            ("case-contact-address", sub.postal_address.clone()),
            ("case-contact-method", sub.contact_method.map(|m| m.name(l).to_owned())),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (lang.t(key), v)))
        .collect()
    };

    let allowed: Vec<&'static str> = Action::ALL.iter().filter(|a| access.can(**a, case)).map(|a| a.code()).collect();

    let mut values = outcome.values;
    values.entry("classify-kind".into()).or_insert_with(|| case.kind.code().to_owned());
    values.entry("classify-category".into()).or_insert_with(|| case.category.clone());
    values.entry("assign-handler".into()).or_insert_with(|| {
        case.handler_id.or_else(|| default_handler(desk, case)).map(|id| id.to_string()).unwrap_or_default()
    });
    // The analysis form shows the latest analysis, to be revised.
    if let Some(EventPayload::Analysed { justified, causes, measures, example }) =
        loaded.payloads.iter().rev().map(|(_, _, p)| p).find(|p| matches!(p, EventPayload::Analysed { .. }))
    {
        values.entry("analyse-justified".into()).or_insert_with(|| justified.code().to_owned());
        values.entry("analyse-measures".into()).or_insert_with(|| measures.clone());
        values.entry("analyse-example".into()).or_insert_with(|| example.clone());
        for cause in causes {
            values.entry(format!("analyse-cause_{cause}")).or_insert_with(|| "on".into());
        }
    }
    values.entry("set-subject-subject".into()).or_insert(subject);
    let recorded_language = loaded.payloads.iter().rev().find_map(|(_, _, p)| match p {
        EventPayload::LanguageRecorded { language, interpreter } => Some((language.clone(), *interpreter)),
        _ => None,
    });
    if let Some((language, interpreter)) = &recorded_language {
        values.entry("record-language-language".into()).or_insert_with(|| language.clone());
        if *interpreter {
            values.entry("record-language-interpreter".into()).or_insert_with(|| "on".into());
        }
    }
    // The correction form starts from the details in use.
    if !withheld {
        let sub = &s.submitter;
        for (field, value) in [
            ("correct-contact-name", &sub.name),
            ("correct-contact-email", &sub.email),
            ("correct-contact-phone", &sub.phone),
            ("correct-contact-postal_address", &sub.postal_address),
        ] {
            values.entry(field.into()).or_insert_with(|| value.clone().unwrap_or_default());
        }
    }
    values
        .entry("log-contact-date".into())
        .or_insert_with(|| domain::time::local(Utc::now()).format("%Y-%m-%d").to_string());
    values
        .entry("log-contact-time".into())
        .or_insert_with(|| domain::time::local(Utc::now()).format("%H:%M").to_string());

    // What the open API shows now, and the publishing form's starting point: the latest
    // decision, or the citizen's own words to edit.
    let publication = loaded.payloads.iter().rev().find_map(|(_, _, p)| match p {
        EventPayload::Published { text, exact_position, pictures } => Some((text.clone(), *exact_position, *pictures)),
        _ => None,
    });
    if !values.contains_key("publish-text") && !withheld {
        let (text, exact, pictures) = publication.clone().unwrap_or_else(|| (s.description.clone(), false, false));
        values.insert("publish-text".into(), text);
        for (field, on) in [("publish-exact_position", exact), ("publish-pictures", pictures)] {
            if on {
                values.insert(field.into(), "on".into());
            }
        }
    }
    let page = CasePage {
        lang,
        path: path.clone(),
        publication: publication.map(|p| p.0).filter(|_| !withheld),
        nav: StaffNav::new(desk, "case"),
        number: case.number.clone(),
        status: if lang == Lang::En { case.status.name_en() } else { case.status.name_sv() }.to_owned(),
        facts,
        clocks: clock_rows(&clocks, lang),
        alerts: standing_alerts(state, loaded, lang),
        description: if withheld { String::new() } else { s.description.clone() },
        place: s.place.clone().filter(|_| !withheld),
        position: s.position.filter(|_| !withheld).map(|p| format!("{:.6}, {:.6}", p.latitude(), p.longitude())),
        media_url: s.media_url.clone().filter(|_| !withheld),
        answers: if withheld { Vec::new() } else { answers(s, &desk.categories, lang) },
        public_category: desk.categories.iter().any(|c| c.code == case.category && c.public),
        anonymous: s.submitter.anonymous,
        contact,
        files: if withheld {
            Vec::new()
        } else {
            file_links(&case.number, &loaded.files().cloned().collect::<Vec<_>>())
        },
        timeline,
        access_log,
        mail: if withheld { Vec::new() } else { mail_rows(&mail, lang) },
        originals: received
            .iter()
            .filter(|_| !withheld)
            .map(|m| OriginalRow {
                when: short(m.received_at),
                subject: m.subject.clone(),
                href: format!("/staff/cases/{}/mail/{}", case.number, m.id),
            })
            .collect(),
        notice: outcome.notice,
        form: FormState::new(values, outcome.errors),
        allowed,
        can_print_receipt: access.can_register(),
        kinds: CaseKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: k.name(l).into() }).collect(),
        category_groups: category_groups(&desk.categories, lang),
        units: desk
            .tree
            .subtree(&desk.tree.root().id)
            .unwrap_or_default()
            .iter()
            .filter(|n| n.id != case.node_id)
            .map(|n| Choice { value: n.id.to_string(), label: desk.unit_name(&n.id) })
            .collect(),
        handlers: eligible_handlers(desk, case)
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: format!(
                    "{} ({})",
                    u.display_name,
                    u.node_id.as_deref().map(|n| desk.unit_name(n)).unwrap_or_default()
                ),
            })
            .collect(),
        methods: ContactMethod::ALL
            .iter()
            .map(|m| Choice { value: m.code().into(), label: m.name(l).into() })
            .collect(),
        templates: templates
            .iter()
            .map(|t| Choice { value: t.id.to_string(), label: format!("{} ({})", t.name, t.language) })
            .collect(),
        justified: domain::Justified::ALL
            .iter()
            .map(|j| Choice { value: j.code().into(), label: j.name(l).into() })
            .collect(),
        causes: app::reports::causes_for(&desk.tree, &desk.analysis, &case.node_id)
            .iter()
            .map(|c| Choice { value: c.code.clone(), label: c.name(l).into() })
            .collect(),
        improvements: improvements
            .iter()
            .filter(|_| !withheld)
            .map(|i| (i.description.clone(), i.status.name(l).to_owned(), format!("/staff/improvements/{}", i.id)))
            .collect(),
        withheld,
        restricted: case.restricted,
        personal_numbers: if withheld { Vec::new() } else { domain::publication::personal_numbers(&s.description) },
        language_needs: recorded_language.map(|(language, interpreter)| language_needs(&language, interpreter, lang)),
    };
    Ok(render(&page, status))
}

pub async fn show(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(number): Path<String>,
    Query(params): Query<ShowParams>,
) -> Result<Response, PageError> {
    let (desk, case) = Desk::with_case(&state, user, &number).await?;
    // C5: every staff view is logged before anything is shown.
    state.store.log_access(case.id, desk.user.id, Utc::now(), "view").await?;
    let loaded = Loaded::read(&state, case).await?;
    let mut values = HashMap::new();
    // Templates are read here only when one is asked for; the page reads its list itself.
    let templates = if params.template.is_empty() || !desk.access().can_read(&loaded.case) {
        Vec::new()
    } else {
        state.store.templates(&loaded.case.jurisdiction).await?
    };
    if let Some(template) = templates.iter().find(|t| t.id.to_string() == params.template) {
        values.insert("answer-message".to_owned(), fill_template(&template.body, &desk, &loaded, lang));
        values.insert("answer-template".to_owned(), params.template.clone());
    }
    let known = Action::from_code(&params.done).is_some() || params.done == "register";
    let notice = known.then(|| lang.t(&format!("done-{}", params.done)));
    page(&state, lang, &desk, &loaded, Outcome { errors: Vec::new(), values, notice }, StatusCode::OK).await
}

/// A file of a case the user may see; the download is logged like a view.
pub async fn download(
    State(state): State<AppState>,
    Extension(Staff(user)): Extension<Staff>,
    Path((number, sha256)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (desk, case) = Desk::with_case(&state, user, &number).await?;
    if !desk.access().can_read(&case) {
        return Err(Error::Forbidden.into());
    }
    let loaded = Loaded::read(&state, case).await?;
    let Some(file) = loaded.files().find(|a| a.sha256 == sha256).cloned() else {
        return Err(Error::NotFound.into());
    };
    state.store.log_access(loaded.case.id, desk.user.id, Utc::now(), "download").await?;
    send_file(&state, file).await
}

/// A received e-mail message of the case as it came (`.eml`), logged like a download.
pub async fn original(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path((number, id)): Path<(String, domain::InboundMailId)>,
) -> Result<Response, PageError> {
    let path = format!("/staff/cases/{number}");
    let (desk, case) = Desk::with_case(&state, user, &number).await?;
    if !desk.access().can_read(&case) {
        return Err(Error::Forbidden.into());
    }
    let mail = match state.store.inbound_mail(&case.jurisdiction, id).await {
        Ok(Some(mail)) if mail.case_id == Some(case.id) => mail,
        Ok(_) => return Ok(crate::pages::message_page(lang, &path, "not-found", StatusCode::NOT_FOUND)),
        Err(e) => return Err(e.into()),
    };
    state.store.log_access(case.id, desk.user.id, Utc::now(), "download").await?;
    send_file(&state, original_file(&mail)).await
}

/// A received message as a file to download.
pub(crate) fn original_file(mail: &store::InboundMail) -> domain::attachment::Attachment {
    domain::attachment::Attachment {
        sha256: mail.raw_sha256.clone(),
        name: format!("e-post-{}.eml", mail.received_at.format("%Y%m%d-%H%M%S")),
        content_type: "message/rfc822".into(),
        size: mail.size as u64,
    }
}

/// The citizen's receipt with the link to follow the case, to print or read out for a
/// citizen who called, visited or wrote without an e-mail address (A4). Logged like a view.
pub async fn receipt(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let (desk, case) = Desk::with_case(&state, user, &number).await?;
    // The link lets its holder act as the citizen: only those who register cases hand it out.
    if !desk.access().can_register() || !desk.access().can_read(&case) {
        return Err(Error::Forbidden.into());
    }
    let built = async {
        state.store.log_access(case.id, desk.user.id, Utc::now(), "receipt").await?;
        let token = app::intake::tracking_token(&state, case.id).await?;
        crate::citizen::receipt_page(&state, lang, case.id, &token).await
    };
    let page = built.await?;
    Ok(render(&page, StatusCode::OK))
}

/// The answers to the category's questions as the case page shows them; an answer to a
/// question since removed keeps its code as the question.
fn answers(s: &domain::Submission, categories: &[domain::Category], lang: Lang) -> Vec<(String, String)> {
    let l = lang.code();
    let questions = categories.iter().find(|c| c.code == s.category).map_or(&[][..], |c| &c.questions);
    s.answers
        .iter()
        .map(|a| match questions.iter().find(|q| q.code == a.code) {
            Some(q) => (q.label(l).to_owned(), q.answer_text(&a.value, l).to_owned()),
            None => (a.code.clone(), a.value.clone()),
        })
        .collect()
}
