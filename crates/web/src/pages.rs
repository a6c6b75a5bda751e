//! The pages of the thin shell: the citizens' start page, staff sign-in and inbox.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::Jurisdiction;

use crate::AppState;
use crate::auth;
use crate::error::PageError;
use crate::i18n::{LANG_COOKIE, Lang, PageLang};
use crate::security::ClientAddr;

/// Renders a template, or a plain error page if rendering itself fails.
pub(crate) fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The internal-error page, naming the reference that the log line carries.
pub(crate) fn reference_page(lang: Lang, path: &str, reference: &str) -> Response {
    let page = MessagePage {
        lang,
        path: path.to_owned(),
        heading: lang.t("error-title"),
        text: format!("{} {}", lang.t("error-text"), lang.t1("error-reference", "reference", reference)),
    };
    render(&page, StatusCode::INTERNAL_SERVER_ERROR)
}

/// A page with one heading and one paragraph: the texts `{key}-title` and `{key}-text`.
pub(crate) fn message_page(lang: Lang, path: &str, key: &str, status: StatusCode) -> Response {
    let page = MessagePage {
        lang,
        path: path.to_owned(),
        heading: lang.t(&format!("{key}-title")),
        text: lang.t(&format!("{key}-text")),
    };
    render(&page, status)
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: Lang,
    path: String,
    heading: String,
    text: String,
}

pub async fn not_found(PageLang(lang): PageLang, uri: Uri) -> Response {
    message_page(lang, uri.path(), "not-found", StatusCode::NOT_FOUND)
}

// --- Language ---------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Remembers the chosen language and returns to the page the link was on.
pub async fn switch_language(Path(code): Path<String>, Query(back): Query<Back>) -> Response {
    let Some(lang) = Lang::from_code(&code) else {
        return (StatusCode::NOT_FOUND, "unknown language").into_response();
    };
    // Only a path on this site: never an open redirect.
    let back = back
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}

// --- Start page -------------------------------------------------------------------------

struct Way {
    label: String,
    value: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    lang: Lang,
    path: String,
    title: String,
    jurisdiction: Option<Jurisdiction>,
    /// Several municipalities, and no `public_jurisdiction` to say which this site serves.
    unchosen: bool,
    ways: Vec<Way>,
    promises: Vec<Promise>,
}

/// One promise on the start page, with how the policy's words are read (in Swedish, the
/// policies' language; empty for a clock that needs no reading).
struct Promise {
    line: String,
    reading: String,
}

/// What the citizen can expect and when, from the clocks in force (not hard-coded).
fn promises(policy: &domain::clock::Policy, lang: Lang) -> Vec<Promise> {
    use domain::clock::Unit;
    policy
        .clocks
        .iter()
        .map(|c| {
            let unit = match c.unit {
                Unit::Hours => "hours",
                Unit::OfficeHours => "office-hours",
                Unit::WorkingDays => "working-days",
                Unit::Days => "days",
                Unit::Weeks => "weeks",
            };
            let number = if c.length == 1 { "one" } else { "other" };
            let within = format!("{} {}", c.length, lang.t(&format!("unit-{unit}-{number}")));
            let mut scope: Vec<String> = c.kinds.iter().map(|k| k.name(lang.code()).to_lowercase()).collect();
            scope.extend(c.channels.iter().map(|ch| ch.name(lang.code()).to_lowercase()));
            let line = lang.t_with("promise-line", &[("promise", c.name(lang.code()).to_owned()), ("within", within)]);
            let line = if scope.is_empty() { line } else { format!("{line} ({})", scope.join(", ")) };
            Promise { line, reading: c.reading.clone() }
        })
        .collect()
}

fn ways_to_reach(j: &Jurisdiction, lang: Lang) -> Vec<Way> {
    let mut ways = Vec::new();
    if let Some(email) = &j.email {
        ways.push(Way {
            label: lang.t("start-way-email"),
            value: email.clone(),
            href: Some(format!("mailto:{email}")),
        });
    }
    if let Some(phone) = &j.phone {
        let dial: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        ways.push(Way { label: lang.t("start-way-phone"), value: phone.clone(), href: Some(format!("tel:{dial}")) });
    }
    if let Some(address) = &j.visiting_address {
        ways.push(Way { label: lang.t("start-way-visit"), value: address.clone(), href: None });
    }
    if let Some(hours) = &j.opening_hours {
        ways.push(Way { label: lang.t("start-way-hours"), value: hours.clone(), href: None });
    }
    ways.push(Way {
        label: lang.t("start-way-paper"),
        value: lang.t("start-way-paper-text"),
        href: Some("/paper-form".into()),
    });
    ways
}

pub async fn start(State(state): State<AppState>, PageLang(lang): PageLang) -> Result<Response, PageError> {
    let all = state.store.jurisdictions().await?;
    let set_up = !all.is_empty();
    let jurisdiction = crate::citizen::public_of(all, state.config.public_jurisdiction.as_deref());
    // Set up, but not said which municipality this site is for.
    let unchosen = set_up && jurisdiction.is_none();
    let title = match &jurisdiction {
        Some(j) => lang.t_with("start-title", &[("municipality", j.name.clone())]),
        None => lang.t("start-not-configured-title"),
    };
    let ways = jurisdiction.as_ref().map(|j| ways_to_reach(j, lang)).unwrap_or_default();
    let promises = jurisdiction.as_ref().map(|j| promises(&state.store.policy(&j.id), lang)).unwrap_or_default();
    Ok(render(&StartPage { lang, path: "/".into(), title, jurisdiction, unchosen, ways, promises }, StatusCode::OK))
}

// --- Sign-in ----------------------------------------------------------------------------

pub(crate) use crate::form_state::{FormError, FormState};

#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    lang: Lang,
    path: String,
    username: String,
    form: FormState,
    /// A form sent after the session ended, carried through sign-in so nothing typed is lost.
    resume: Option<Resume>,
}

/// A staff form that met an ended session: where it was going, and what it held (encoded).
#[derive(Debug, Clone, Default)]
pub(crate) struct Resume {
    pub to: String,
    pub body: String,
}

impl Resume {
    /// Only forms to staff pages are carried, never to anywhere else (no open redirect).
    fn checked(to: &str, body: &str) -> Option<Resume> {
        let safe = to.starts_with("/staff/") && !to.contains("//") && !to.contains('\\') && to != "/staff/sign-in";
        (safe && !body.is_empty()).then(|| Resume { to: to.to_owned(), body: body.to_owned() })
    }

    /// The form's fields, to send again.
    fn fields(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(&self.body).unwrap_or_default()
    }
}

/// The sign-in page for a staff form that arrived after its session ended (WCAG 2.2.1).
pub(crate) fn sign_in_to_resume(lang: Lang, to: &str, body: &str) -> Option<Response> {
    let resume = Resume::checked(to, body)?;
    let page = SignInPage {
        lang,
        path: "/staff/sign-in".into(),
        username: String::new(),
        form: FormState::default(),
        resume: Some(resume),
    };
    Some(render(&page, StatusCode::UNAUTHORIZED))
}

#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage {
    lang: Lang,
    path: String,
    to: String,
    fields: Vec<(String, String)>,
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    parts: axum::http::request::Parts,
) -> Response {
    if auth::current_staff(&state, &parts).await.is_some() {
        return Redirect::to("/staff").into_response();
    }
    let page = SignInPage {
        lang,
        path: "/staff/sign-in".into(),
        username: String::new(),
        form: FormState::default(),
        resume: None,
    };
    render(&page, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    resume_to: String,
    #[serde(default)]
    resume: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PageLang(lang): PageLang,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let username = form.username.trim().to_owned();
    let resume = Resume::checked(&form.resume_to, &form.resume);
    let refuse = |status, errors| {
        let page = SignInPage {
            lang,
            path: "/staff/sign-in".into(),
            username: username.clone(),
            form: FormState::with_errors(errors),
            resume: resume.clone(),
        };
        render(&page, status)
    };
    let mut missing = Vec::new();
    if username.is_empty() {
        missing.push(FormError { field: "username", message: lang.t("username-required") });
    }
    if form.password.is_empty() {
        missing.push(FormError { field: "password", message: lang.t("password-required") });
    }
    if !missing.is_empty() {
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, missing));
    }
    let limiter = &state.sign_in_limiter;
    // An address is stopped after its failures; an account is only slowed, so that nobody
    // guessing at it from many addresses can lock its owner out. Both count failures only:
    // staff behind one proxy, signing in right, never use them up.
    let by_address = format!("ip:{client}");
    let account = username.to_lowercase();
    if limiter.is_exhausted(&by_address) {
        let error = FormError { field: "username", message: lang.t("sign-in-too-many") };
        return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, vec![error]));
    }
    if let Some(wait) = state.account_throttle.wait(&account) {
        let seconds = wait.as_secs() + 1;
        let error =
            FormError { field: "username", message: lang.t1("sign-in-slowed", "seconds", &seconds.to_string()) };
        return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, vec![error]));
    }
    let user = match state.store.user_by_username(&username).await {
        Ok(user) => user.filter(|u| !u.disabled),
        Err(e) => return Err(e.into()),
    };
    let phc = user.as_ref().map_or_else(|| auth::dummy_hash().to_owned(), |u| u.password_hash.clone());
    let password = form.password;
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc)).await.unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        limiter.record(&by_address);
        state.account_throttle.failed(&account);
        tracing::info!(client = %client, "sign-in refused");
        let error = FormError { field: "username", message: lang.t("sign-in-failed") };
        return Ok(refuse(StatusCode::UNAUTHORIZED, vec![error]));
    };
    state.account_throttle.succeeded(&account);
    let (token, hash) = auth::new_token();
    state.store.create_session(&hash, user.id, chrono::Utc::now()).await?;
    tracing::info!(user = %user.id, "signed in");
    let cookie = auth::session_cookie(&token, state.config.cookie_secure);
    if let Some(resume) = resume {
        // Signed in again: the form is shown once more, to send with one press.
        let page = ResumePage { lang, path: "/staff/sign-in".into(), fields: resume.fields(), to: resume.to };
        let mut response = render(&page, StatusCode::OK);
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        return Ok(response);
    }
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/staff")).into_response())
}

pub async fn sign_out(State(state): State<AppState>, parts: axum::http::request::Parts) -> Response {
    if let Some(token) = crate::i18n::cookie(&parts, auth::SESSION_COOKIE)
        && let Err(e) = state.store.delete_session(&auth::token_hash(token)).await
    {
        tracing::error!(error = %e, "sign-out failed");
    }
    let cookie = auth::cleared_session_cookie(state.config.cookie_secure);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/staff/sign-in")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// The log lines written while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber =
            tracing_subscriber::fmt().with_ansi(false).with_writer(move || Writer(writer.clone())).finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(buffer.lock().unwrap().clone()).unwrap()
    }

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn an_internal_error_page_names_the_reference_its_log_line_carries() {
        let mut response = None;
        let log = logged(|| response = Some(reference_page(Lang::Sv, "/submit", &crate::error::logged("disk full"))));
        let response = response.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(bytes.to_vec()).unwrap();
        let reference = html.split("referensen ").nth(1).unwrap()[..8].to_owned();
        assert!(reference.bytes().all(|b| b.is_ascii_hexdigit()), "{reference}");
        assert!(
            log.contains(&format!("reference=\"{reference}\"")) || log.contains(&format!("reference={reference}")),
            "{log}"
        );
        assert!(log.contains("disk full"), "the cause is logged, not shown: {log}");
        assert!(!html.contains("disk full"));
    }
}
