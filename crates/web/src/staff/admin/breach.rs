//! The breach report (GDPR art. 33-34): for a time window and a unit, the persons and cases
//! whose data were written, shown or sent, by category of data; as a page and as CSV.

use super::*;
use app::breach::{BreachReport, Window};

/// Lines the page lists; the CSV has them all.
const LISTED: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct BreachParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    node: String,
}

impl BreachParams {
    fn asked(&self) -> bool {
        !(self.from.is_empty() && self.to.is_empty())
    }

    fn query(&self) -> String {
        serde_urlencoded::to_string([("from", &self.from), ("to", &self.to), ("node", &self.node)]).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "staff_breach.html")]
struct BreachPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    form: FormState,
    units: Vec<Choice>,
    title: Option<String>,
    summary: Vec<(String, usize, usize)>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    total: usize,
    csv: String,
}

/// The report for what the page was asked, or the problems at their fields.
async fn report(
    state: &AppState,
    desk: &Desk,
    params: &BreachParams,
    lang: Lang,
) -> Result<Result<BreachReport, FormState>, PageError> {
    let typed = [("from", params.from.clone()), ("to", params.to.clone()), ("node", params.node.clone())];
    let window = match Window::read(&params.from, &params.to, &params.node, &desk.tree) {
        Ok(window) => window,
        Err(problems) => {
            let mut form = FormState::new(typed.map(|(k, v)| (k.to_owned(), v)), Vec::new());
            for p in problems {
                form.error(p.field(), lang.t(p.text_key()));
            }
            return Ok(Err(form));
        }
    };
    let granted = match desk.access().units() {
        store::Units::All => None,
        store::Units::Only(ids) => Some(ids),
    };
    let report = BreachReport::build(&state.store, &desk.user.jurisdiction, window, granted.as_deref(), lang).await?;
    Ok(Ok(report))
}

pub async fn breach_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<BreachParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/breach").await?;
    let mut page = BreachPage {
        lang,
        path: "/staff/admin/breach".into(),
        nav: StaffNav::new(&desk, "admin"),
        form: FormState::new(
            [("from", params.from.clone()), ("to", params.to.clone()), ("node", params.node.clone())]
                .map(|(k, v)| (k.to_owned(), v)),
            Vec::new(),
        ),
        units: desk.unit_choices(),
        title: None,
        summary: Vec::new(),
        columns: BreachReport::columns(lang),
        rows: Vec::new(),
        total: 0,
        csv: format!("/staff/admin/breach.csv?{}", params.query()),
    };
    let mut status = StatusCode::OK;
    if params.asked() {
        match report(&state, &desk, &params, lang).await? {
            Ok(report) => {
                tracing::info!(user = %desk.user.id, cases = report.lines.len(), "breach report read");
                page.title = Some(report.title(lang));
                page.summary = report
                    .summary()
                    .into_iter()
                    .map(|(c, cases, persons)| (lang.t(c.text_key()), cases, persons))
                    .collect();
                page.total = report.lines.len();
                page.rows = report.lines.iter().take(LISTED).map(|l| BreachReport::row(l, lang)).collect();
            }
            Err(form) => {
                page.form = form;
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
        }
    }
    Ok(render(&page, status))
}

pub async fn breach_csv(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Query(params): Query<BreachParams>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user, "/staff/admin/breach.csv").await?;
    match report(&state, &desk, &params, lang).await? {
        Ok(report) => {
            tracing::info!(user = %desk.user.id, cases = report.lines.len(), "breach report downloaded");
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"personuppgiftsincident.csv\""),
                ],
                report.csv(lang),
            )
                .into_response())
        }
        Err(_) => Ok(Redirect::to(&format!("/staff/admin/breach?{}", params.query())).into_response()),
    }
}
