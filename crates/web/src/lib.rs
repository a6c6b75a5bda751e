//! Lyhörd's web layer. Handlers are thin: parse the request, ask the store, render.
//! Every route is denied unless it is public by design or sits behind [`auth::require_staff`].

pub mod auth;
mod citizen;
mod dialogue;
mod diarium;
mod error;
mod form_state;
pub mod i18n;
mod observe;
mod open311;
mod pages;
pub mod reports;
mod route_list;
mod security;
mod staff;
mod staff_nav;

use app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Duration;

pub use security::RateLimiter;

/// The application as the web layer holds it: the application itself, and what only requests
/// need (per-address rate limits, the open statistics computed lately).
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    sign_in_limiter: Arc<RateLimiter>,
    account_throttle: Arc<security::AccountThrottle>,
    submit_limiter: Arc<RateLimiter>,
    api_limiter: Arc<RateLimiter>,
    statistics: Arc<reports::public::Cache>,
}

impl AppState {
    pub fn new(app: App) -> AppState {
        let config = &app.config;
        let limiter = RateLimiter::new(config.sign_in_attempts, Duration::from_secs(15 * 60));
        let submit_limiter = RateLimiter::new(config.submissions_per_hour, Duration::from_secs(60 * 60));
        let api_limiter = RateLimiter::new(config.api_requests_per_hour, Duration::from_secs(60 * 60));
        let account_throttle = security::AccountThrottle::new(config.sign_in_attempts);
        AppState {
            app,
            sign_in_limiter: Arc::new(limiter),
            account_throttle: Arc::new(account_throttle),
            submit_limiter: Arc::new(submit_limiter),
            api_limiter: Arc::new(api_limiter),
            statistics: Arc::new(reports::public::Cache::default()),
        }
    }
}

/// Handlers reach the store and the settings through the application.
impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// Largest body of a form that may carry files: every file at its limit, and the text.
pub(crate) const UPLOAD_BODY_LIMIT: usize =
    domain::attachment::MAX_FILES * domain::attachment::MAX_FILE_BYTES + 1024 * 1024;

/// The whole application. Serve it with `into_make_service_with_connect_info::<SocketAddr>()`
/// so that rate limits can see the client's address.
pub fn router(state: AppState) -> Router {
    let (staff, _) = staff_routes().into_parts();
    let staff = staff.route_layer(from_fn_with_state(state.clone(), auth::require_staff));

    let router = Router::new()
        .route("/", get(pages::start))
        .route("/lang/{code}", get(pages::switch_language))
        .route(
            "/submit",
            get(citizen::submit_form).post(citizen::submit).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/track/files/{sha256}", get(citizen::download))
        .route("/track", get(citizen::track))
        .route("/track/{token}", get(citizen::follow_link))
        .route("/track/message", post(citizen::add_message).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/track/not-solved", post(citizen::not_solved))
        .route("/privacy", get(citizen::privacy))
        .route("/register", get(diarium::public_page))
        .route("/register.csv", get(diarium::public_csv))
        .route("/routines/{node}", get(reports::routine::show))
        .route("/statistics", get(reports::public::show))
        .route("/dialogues", get(dialogue::public::list))
        .route("/dialogues/{id}", get(dialogue::public::page).post(dialogue::public::participate))
        .route("/dialogues/{id}/{file}", get(dialogue::public::account))
        .route("/paper-form", get(citizen::paper_form))
        .route("/accessibility", get(citizen::accessibility))
        .route("/staff/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/static/style.css", get(stylesheet))
        .merge(staff)
        .fallback(pages::not_found)
        .layer(from_fn(security::printable_text))
        .layer(from_fn(error::error_pages))
        .layer(from_fn(security::same_origin))
        // Outside the same-origin check: the API is called by programs with a key, never
        // with cookies, so there is no session a forged request could ride on.
        .merge(open311::routes(state.clone()))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .with_state(state);
    observe::layers(router)
}

/// Every route behind staff sign-in, in one list with the router built from it.
fn staff_routes() -> route_list::StaffRoutes {
    staff::routes()
        .merge(dialogue::staff_routes())
        .merge(reports::staff_routes())
        .merge(diarium::staff_routes())
        .route("/staff/sign-out", post(pages::sign_out))
}

/// The paths of every staff route (`/staff/cases/{number}`, …), for the access tests.
pub fn staff_paths() -> Vec<&'static str> {
    staff_routes().into_parts().1
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::error!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/style.css"),
    )
}
