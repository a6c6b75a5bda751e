//! Staff's side of a dialogue: the plan (published only when complete, and co-decision only
//! with its political decision, V-D6), the questionnaire, meetings, moderation that hides and
//! logs, themes and how each view was considered, the decision and the feedback (V-D4), and
//! the population that participants are compared with.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use domain::dialogue::{Phase, Plan, PoliticalDecision};
use domain::{Consideration, DialogueMethod, Ladder, QuestionKind};
use domain::{ContributionId, DialogueId, MeetingId, QuestionId, ThemeId};
use std::collections::HashMap;
use store::{ChangeNote, Dialogue, Meeting, Role, StoreError};

use super::account::{Account, Record};
use super::public::{account_response, phase_text};
use crate::AppState;
use crate::auth::Staff;
use crate::citizen::{Choice, choices};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, message_page, render};
use crate::staff::{Desk, StaffNav};

const PATH: &str = "/staff/dialogues";

/// Who may run dialogues: administrators, managers and handlers (deny by default).
fn may_run(desk: &Desk) -> bool {
    matches!(desk.user.role, Role::Administrator | Role::Chef | Role::Handlaggare)
}

async fn open_desk(state: &AppState, user: store::User) -> Result<Desk, PageError> {
    let desk = Desk::open(state, user).await?;
    if !may_run(&desk) {
        return Err(Error::Forbidden.into());
    }
    Ok(desk)
}

/// The desk and the dialogue of its municipality, or the page that refuses.
async fn open_dialogue(state: &AppState, user: store::User, id: DialogueId) -> Result<(Desk, Dialogue), PageError> {
    let desk = open_desk(state, user).await?;
    let dialogue = state.store.dialogue(&desk.user.jurisdiction, id).await?.ok_or(Error::NotFound)?;
    Ok((desk, dialogue))
}

#[derive(Template)]
#[template(path = "staff_dialogues.html")]
struct ListPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    /// (href, title, phase, dates)
    dialogues: Vec<(String, String, String, String)>,
}

pub async fn list(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = open_desk(&state, user).await?;
    let all = state.store.dialogues(&desk.user.jurisdiction, false).await?;
    let today = domain::time::local(Utc::now()).date_naive();
    let page = ListPage {
        lang,
        path: PATH.into(),
        nav: StaffNav::new(&desk, "dialogues"),
        dialogues: all
            .iter()
            .map(|d| {
                (
                    format!("{PATH}/{}", d.id),
                    d.plan.title.clone(),
                    phase_text(d.phase(today), lang),
                    format!("{} – {}", d.plan.opens_on, d.plan.closes_on),
                )
            })
            .collect(),
    };
    Ok(render(&page, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "staff_dialogue_plan.html")]
struct PlanPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    action: String,
    /// Set once saved: the dialogue's own pages.
    id: Option<DialogueId>,
    phase: String,
    published: bool,
    form: FormState,
    units: Vec<Choice>,
    ladders: Vec<Choice>,
    methods: Vec<Choice>,
}

impl PlanPage {
    fn has_method(&self, code: &str) -> bool {
        self.form.value("methods").split(',').any(|m| m == code)
    }
}

fn plan_page(
    desk: &Desk,
    lang: Lang,
    dialogue: Option<&Dialogue>,
    values: HashMap<String, String>,
    errors: Vec<FormError>,
) -> Response {
    let l = lang.code();
    let action = dialogue.map_or_else(|| format!("{PATH}/new"), |d| format!("{PATH}/{}", d.id));
    let today = domain::time::local(Utc::now()).date_naive();
    let page = PlanPage {
        lang,
        path: action.clone(),
        nav: StaffNav::new(desk, "dialogues"),
        action,
        id: dialogue.map(|d| d.id),
        phase: dialogue.map(|d| phase_text(d.phase(today), lang)).unwrap_or_default(),
        published: dialogue.is_some_and(|d| d.published_at.is_some()),
        form: FormState::new(values, errors),
        units: desk.unit_choices(),
        ladders: choices(Ladder::ALL, |x| x.code(), |x| x.name(l)),
        methods: choices(DialogueMethod::ALL, |x| x.code(), |x| x.name(l)),
    };
    let status = if page.form.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&page, status)
}

fn values_of(plan: &Plan) -> HashMap<String, String> {
    plan.fields().into_iter().map(|(field, value)| (field.to_owned(), value)).collect()
}

/// The form as sent, with the methods (checkboxes, repeated) joined into one value.
fn flatten(form: &[(String, String)]) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in form {
        match values.get_mut(k) {
            Some(existing) if k == "methods" => {
                existing.push(',');
                existing.push_str(v);
            }
            _ => {
                values.insert(k.clone(), v.clone());
            }
        }
    }
    values
}

/// Reads the plan form; problems at their fields.
fn read_plan(desk: &Desk, values: &HashMap<String, String>, publish: bool, lang: Lang) -> Result<Plan, Vec<FormError>> {
    let get = |name: &str| values.get(name).map_or("", |v| v.trim());
    let mut errors = Vec::new();
    let date = |name: &'static str, errors: &mut Vec<FormError>| {
        NaiveDate::parse_from_str(get(name), "%Y-%m-%d")
            .map_err(|_| errors.push(FormError { field: name, message: lang.t("error-date-invalid") }))
            .ok()
    };
    let opens_on = date("opens_on", &mut errors);
    let closes_on = date("closes_on", &mut errors);
    let decision_date = if get("decision_date").is_empty() { None } else { date("decision_date", &mut errors) };
    let ladder = get("ladder").parse::<Ladder>();
    if ladder.is_err() {
        errors.push(FormError { field: "ladder", message: lang.t("dialogue-error-ladder") });
    }
    let decision_node = get("decision_node").to_owned();
    if !decision_node.is_empty() && desk.tree.node(&decision_node).is_err() {
        errors.push(FormError { field: "decision_node", message: lang.t("error-unit-required") });
    }
    let political_decision = read_political_decision(values, &mut errors, lang);
    let plan = Plan {
        title: get("title").to_owned(),
        purpose: get("purpose").to_owned(),
        question: get("question").to_owned(),
        open_to_influence: get("open_to_influence").to_owned(),
        decision_node: decision_node.into(),
        decision_matter: get("decision_matter").to_owned(),
        decision_date,
        decider: get("decider").to_owned(),
        use_of_results: get("use_of_results").to_owned(),
        opens_on: opens_on.unwrap_or_default(),
        closes_on: closes_on.unwrap_or_default(),
        target_groups: get("target_groups").to_owned(),
        methods: get("methods").split(',').filter_map(|m| m.parse().ok()).collect(),
        ladder: ladder.unwrap_or(Ladder::Information),
        political_decision,
        feedback_plan: get("feedback_plan").to_owned(),
    };
    let problems = if publish { plan.publish_problems() } else { plan.problems() };
    for (field, key) in problems {
        if !errors.iter().any(|e| e.field == field)
            && !(field == "closes_on" && (opens_on.is_none() || closes_on.is_none()))
            && !(field == "political_body" && errors.iter().any(|e| e.field.starts_with("political_")))
        {
            errors.push(FormError { field, message: lang.t(key) });
        }
    }
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// A change by the signed-in user, with the reason they gave.
fn note(desk: &Desk, reason: &str) -> ChangeNote {
    ChangeNote { user_id: desk.user.id, reason: reason.to_owned() }
}

/// The political decision's three fields: none filled in is no decision; otherwise each must
/// be there, the date a date and the paragraph a number (V-D6).
fn read_political_decision(
    values: &HashMap<String, String>,
    errors: &mut Vec<FormError>,
    lang: Lang,
) -> Option<PoliticalDecision> {
    let get = |name: &str| values.get(name).map_or("", |v| v.trim());
    let (body, date, paragraph) = (get("political_body"), get("political_date"), get("political_paragraph"));
    if body.is_empty() && date.is_empty() && paragraph.is_empty() {
        return None;
    }
    if body.is_empty() {
        errors.push(FormError { field: "political_body", message: lang.t("dialogue-error-political-body") });
    }
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(FormError { field: "political_date", message: lang.t("error-date-invalid") });
    }
    let paragraph = paragraph.trim_start_matches('§').trim().parse::<u32>().ok().filter(|p| *p > 0);
    if paragraph.is_none() {
        errors.push(FormError { field: "political_paragraph", message: lang.t("dialogue-error-paragraph") });
    }
    Some(PoliticalDecision { body: body.to_owned(), date, paragraph })
}

pub async fn new_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = open_desk(&state, user).await?;
    let values = HashMap::from([("ladder".to_owned(), Ladder::Konsultation.code().to_owned())]);
    Ok(plan_page(&desk, lang, None, values, Vec::new()))
}

pub async fn create(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let desk = open_desk(&state, user).await?;
    let values = flatten(&form);
    Ok(match read_plan(&desk, &values, false, lang) {
        Err(errors) => plan_page(&desk, lang, None, values, errors),
        Ok(plan) => match state.store.save_dialogue(&desk.user.jurisdiction, None, &plan, &note(&desk, "")).await {
            Ok(id) => Redirect::to(&format!("{PATH}/{id}")).into_response(),
            Err(e) => return Err(e.into()),
        },
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<DialogueId>,
) -> Result<Response, PageError> {
    let (desk, d) = open_dialogue(&state, user, id).await?;
    Ok(plan_page(&desk, lang, Some(&d), values_of(&d.plan), Vec::new()))
}

/// Saves the plan; with `publish` set, also publishes it if it is complete.
pub async fn update(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<DialogueId>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let path = format!("{PATH}/{id}");
    let (desk, dialogue) = open_dialogue(&state, user, id).await?;
    let values = flatten(&form);
    let publish = values.contains_key("publish") || dialogue.published_at.is_some();
    let plan = match read_plan(&desk, &values, publish, lang) {
        Ok(plan) => plan,
        Err(errors) => return Ok(plan_page(&desk, lang, Some(&dialogue), values, errors)),
    };
    // What was promised about influence stands unless a reason is recorded (V-D6).
    let reason = values.get("change_reason").map_or("", |r| r.trim());
    if dialogue.published_at.is_some() && plan.changes_influence(&dialogue.plan) && reason.is_empty() {
        let errors = vec![FormError { field: "change_reason", message: lang.t("dialogue-error-change-reason") }];
        return Ok(plan_page(&desk, lang, Some(&dialogue), values, errors));
    }
    let j = &desk.user.jurisdiction;
    let saved = async {
        state.store.save_dialogue(j, Some(id), &plan, &note(&desk, reason)).await?;
        if publish {
            state.store.publish_dialogue(j, id).await?;
        }
        Ok::<_, StoreError>(())
    };
    saved.await?;
    Ok(Redirect::to(&path).into_response())
}

struct ContributionRow {
    id: ContributionId,
    number: i64,
    text: String,
    kind: String,
    source: String,
    hidden: bool,
    theme: String,
    consideration: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "staff_dialogue_work.html")]
struct WorkPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    base: String,
    title: String,
    phase: String,
    public_href: Option<String>,
    questions: Vec<(QuestionId, String, String, String)>,
    locked: bool,
    question_kinds: Vec<Choice>,
    meeting_methods: Vec<Choice>,
    meetings: Vec<String>,
    contributions: Vec<ContributionRow>,
    themes: Vec<(ThemeId, String, String, String, String)>,
    theme_choices: Vec<Choice>,
    considerations: Vec<Choice>,
    account: Account,
    outcome: String,
    decided_on: String,
    feedback_sent: bool,
    form: FormState,
}

async fn work_page(
    state: &AppState,
    desk: &Desk,
    lang: Lang,
    d: &Dialogue,
    values: HashMap<String, String>,
    errors: Vec<FormError>,
) -> Result<Response, PageError> {
    let l = lang.code();
    let base = format!("{PATH}/{}", d.id);
    let path = format!("{base}/work");
    let j = &desk.user.jurisdiction;
    let loaded = async {
        let record = Record::load(&state.store, j, d.id).await?;
        let unit = desk.unit_name(&d.plan.decision_node);
        Ok::<_, StoreError>((Account::of(&record, d, unit, state.config.report_min_group, lang), record))
    };
    let (account, Record { questions, answers, contributions, themes, .. }) = loaded.await?;
    let consideration = |c: Option<Consideration>| c.map(|c| c.name(l).to_owned()).unwrap_or_default();
    let today = domain::time::local(Utc::now()).date_naive();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = WorkPage {
        lang,
        path,
        nav: StaffNav::new(desk, "dialogues"),
        title: d.plan.title.clone(),
        phase: phase_text(d.phase(today), lang),
        public_href: d.published_at.map(|_| format!("/dialogues/{}", d.id)),
        questions: questions
            .iter()
            .map(|q| (q.id, q.text.clone(), q.kind.name(l).to_owned(), q.options.join(", ")))
            .collect(),
        locked: !answers.is_empty(),
        question_kinds: choices(QuestionKind::ALL, |x| x.code(), |x| x.name(l)),
        meeting_methods: choices(
            &[DialogueMethod::Meeting, DialogueMethod::Walk, DialogueMethod::FocusGroup],
            |x| x.code(),
            |x| x.name(l),
        ),
        meetings: account.carried_out.iter().skip(1).cloned().collect(),
        contributions: contributions
            .iter()
            .zip(&account.contributions)
            .map(|(c, line)| ContributionRow {
                id: c.id,
                number: c.number,
                text: c.body.clone(),
                kind: line.kind.clone(),
                source: line.source.clone(),
                hidden: c.hidden,
                theme: c.theme_id.map(|t| t.to_string()).unwrap_or_default(),
                consideration: c.consideration.map(|c| c.code().to_owned()).unwrap_or_default(),
                reason: c.reason.clone(),
            })
            .collect(),
        themes: themes
            .iter()
            .map(|t| {
                let count = contributions.iter().filter(|c| c.theme_id == Some(t.id)).count();
                (t.id, t.name.clone(), count.to_string(), consideration(t.consideration), t.reason.clone())
            })
            .collect(),
        theme_choices: themes.iter().map(|t| Choice { value: t.id.to_string(), label: t.name.clone() }).collect(),
        considerations: choices(Consideration::ALL, |x| x.code(), |x| x.name(l)),
        account,
        outcome: d.outcome.clone(),
        decided_on: d.decided_on.map(|x| x.to_string()).unwrap_or_default(),
        feedback_sent: d.feedback_sent_at.is_some(),
        base,
        form: FormState::new(values, errors),
    };
    Ok(render(&page, status))
}

pub async fn work(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path(id): Path<DialogueId>,
) -> Result<Response, PageError> {
    let (desk, d) = open_dialogue(&state, user, id).await?;
    work_page(&state, &desk, lang, &d, HashMap::new(), Vec::new()).await
}

/// Staff's preview of the redovisning (any phase), page or PDF.
pub async fn preview(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path((id, file)): Path<(DialogueId, String)>,
) -> Result<Response, PageError> {
    let (desk, d) = open_dialogue(&state, user, id).await?;
    account_response(&state, lang, &desk.user.jurisdiction, &d, &file, format!("{PATH}/{id}")).await
}

/// One change from the work page (`what`): done, then back to the page; or the page again
/// with the problem at its field and what was typed kept.
pub async fn act(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Path((id, what)): Path<(DialogueId, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let path = format!("{PATH}/{id}/{what}");
    let (desk, d) = open_dialogue(&state, user, id).await?;
    let values = flatten(&form);
    let get = |name: &str| values.get(name).map_or("", |v| v.trim());
    let fail = |field: &'static str, key: &str| vec![FormError { field, message: lang.t(key) }];
    let store = &state.store;
    let outcome: Result<Result<(), Vec<FormError>>, StoreError> = async {
        Ok(match what.as_str() {
            "questions" => match (get("remove").parse::<QuestionId>().ok(), get("kind").parse::<QuestionKind>()) {
                (Some(remove), _) => Ok(store.change_questions(id, None, Some(remove)).await?),
                (None, _) if get("text").is_empty() => Err(fail("question_text", "error-text-required")),
                (None, Err(_)) => Err(fail("question_kind", "dialogue-error-choice")),
                (None, Ok(kind)) => {
                    let options: Vec<String> =
                        get("options").lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
                    if matches!(kind, QuestionKind::Single | QuestionKind::Multiple) && options.len() < 2 {
                        Err(fail("question_options", "dialogue-error-options"))
                    } else {
                        Ok(store.change_questions(id, Some((kind, get("text"), &options)), None).await?)
                    }
                }
            },
            "meetings" => {
                let held_on = NaiveDate::parse_from_str(get("held_on"), "%Y-%m-%d").ok();
                let method = get("method").parse::<DialogueMethod>().ok();
                let participants = get("participants").parse::<i64>().ok().filter(|n| *n >= 0);
                if held_on.is_none() {
                    Err(fail("held_on", "error-date-invalid"))
                } else if get("place").is_empty() {
                    Err(fail("place", "error-text-required"))
                } else if method.is_none() {
                    Err(fail("method", "dialogue-error-choice"))
                } else if participants.is_none() {
                    Err(fail("participants", "dialogue-error-participants"))
                } else {
                    let meeting = Meeting {
                        id: MeetingId::new(),
                        held_on: held_on.unwrap_or_default(),
                        place: get("place").to_owned(),
                        method: method.unwrap_or(DialogueMethod::Meeting),
                        participants: participants.unwrap_or_default(),
                        notes: get("notes").to_owned(),
                    };
                    let raised: Vec<String> =
                        get("raised").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
                    Ok(store.add_meeting(id, &meeting, &raised).await?)
                }
            }
            "moderate" => match get("contribution").parse::<ContributionId>().ok() {
                None => Err(fail("moderate", "dialogue-error-choice")),
                Some(_) if get("hide") == "1" && get("reason").is_empty() => {
                    Err(fail("moderate", "dialogue-error-moderation-reason"))
                }
                Some(c) => Ok(store.moderate(id, c, get("hide") == "1", desk.user.id, get("reason")).await?),
            },
            "themes" => {
                if get("name").is_empty() {
                    Err(fail("theme_name", "error-text-required"))
                } else {
                    let consideration = get("consideration").parse::<Consideration>().ok();
                    let by = desk.user.id;
                    store
                        .save_theme(
                            id,
                            get("theme").parse::<ThemeId>().ok(),
                            get("name"),
                            consideration,
                            get("reason"),
                            by,
                        )
                        .await?;
                    Ok(())
                }
            }
            "consider" => match get("contribution").parse::<ContributionId>().ok() {
                None => Err(fail("consider", "dialogue-error-choice")),
                Some(c) => {
                    let consideration = get("consideration").parse::<Consideration>().ok();
                    let by = desk.user.id;
                    Ok(store
                        .consider_contribution(
                            id,
                            c,
                            get("theme").parse::<ThemeId>().ok(),
                            consideration,
                            get("reason"),
                            by,
                        )
                        .await?)
                }
            },
            "outcome" => match NaiveDate::parse_from_str(get("decided_on"), "%Y-%m-%d") {
                _ if get("outcome").is_empty() => Err(fail("outcome", "error-text-required")),
                Err(_) => Err(fail("decided_on", "error-date-invalid")),
                Ok(decided_on) => {
                    let today = domain::time::local(Utc::now()).date_naive();
                    let (contributions, themes) = tokio::try_join!(store.contributions(id), store.themes(id))?;
                    let early = early_decision(&d, &contributions, &themes, today, decided_on);
                    if d.phase(today) == Phase::Draft {
                        Err(fail("outcome", "dialogue-error-not-published"))
                    } else if let Some(key) = early.filter(|_| get("decision_reason").is_empty()) {
                        Err(fail("decision_reason", key))
                    } else {
                        let note = note(&desk, if early.is_some() { get("decision_reason") } else { "" });
                        store.record_outcome(&desk.user.jurisdiction, id, get("outcome"), decided_on, &note).await?;
                        app::dialogue::feedback::send(&state, &desk.user.jurisdiction, &d).await?;
                        Ok(())
                    }
                }
            },
            _ => return Err(StoreError::NotFound),
        })
    }
    .await;
    Ok(match outcome {
        Ok(Ok(())) => Redirect::to(&format!("{PATH}/{id}/work")).into_response(),
        Ok(Err(errors)) => work_page(&state, &desk, lang, &d, values, errors).await?,
        Err(StoreError::Locked) => {
            work_page(&state, &desk, lang, &d, values, fail("question_text", "dialogue-error-locked")).await?
        }
        Err(StoreError::NotFound) => message_page(lang, &path, "not-found", StatusCode::NOT_FOUND),
        Err(e) => return Err(e.into()),
    })
}

/// Why a decision recorded now would come too early, if it would: before the dialogue's
/// published end date, or with views not yet considered (the message asking for a reason).
fn early_decision(
    d: &Dialogue,
    contributions: &[store::Contribution],
    themes: &[store::Theme],
    today: NaiveDate,
    decided_on: NaiveDate,
) -> Option<&'static str> {
    // A view is considered by its own judgement or, as the redovisning reads it, its theme's.
    let considered = |c: &store::Contribution| {
        c.consideration.is_some()
            || c.theme_id.is_some_and(|t| themes.iter().any(|theme| theme.id == t && theme.consideration.is_some()))
    };
    if today <= d.plan.closes_on || decided_on <= d.plan.closes_on {
        Some("dialogue-error-decision-before-close")
    } else if contributions.iter().any(|c| !c.hidden && !considered(c)) {
        Some("dialogue-error-decision-unconsidered")
    } else {
        None
    }
}

#[derive(Template)]
#[template(path = "staff_population.html")]
struct PopulationPage {
    lang: Lang,
    path: String,
    nav: StaffNav,
    /// (district, people)
    districts: Vec<(String, i64)>,
    total: i64,
    csv: String,
    form: FormState,
}

async fn population_page(
    state: &AppState,
    desk: &Desk,
    lang: Lang,
    csv: String,
    errors: Vec<FormError>,
) -> Result<Response, PageError> {
    let path = "/staff/population";
    let rows = state.store.population(&desk.user.jurisdiction).await?;
    let districts = domain::dialogue::population_by(&rows, |r| r.district.clone());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = PopulationPage {
        lang,
        path: path.into(),
        nav: StaffNav::new(desk, "dialogues"),
        total: districts.iter().map(|(_, n)| n).sum(),
        districts,
        csv,
        form: FormState::with_errors(errors),
    };
    Ok(render(&page, status))
}

async fn admin_desk(state: &AppState, user: store::User) -> Result<Desk, PageError> {
    let desk = Desk::open(state, user).await?;
    if desk.user.role != Role::Administrator {
        return Err(Error::Forbidden.into());
    }
    Ok(desk)
}

pub async fn population(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user).await?;
    population_page(&state, &desk, lang, String::new(), Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct PopulationForm {
    #[serde(default)]
    csv: String,
}

/// Replaces the population with the table pasted in SCB's layout; a table with errors is
/// refused whole, each bad line named, and kept in the field.
pub async fn load_population(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(Staff(user)): Extension<Staff>,
    Form(form): Form<PopulationForm>,
) -> Result<Response, PageError> {
    let desk = admin_desk(&state, user).await?;
    Ok(match domain::dialogue::parse_population(&form.csv) {
        Err(problems) => {
            let message =
                lang.t1("population-error", "problems", &problems.into_iter().take(10).collect::<Vec<_>>().join("; "));
            population_page(&state, &desk, lang, form.csv, vec![FormError { field: "csv", message }]).await?
        }
        Ok(rows) => match state.store.set_population(&desk.user.jurisdiction, &rows).await {
            Ok(()) => Redirect::to("/staff/population").into_response(),
            Err(e) => return Err(e.into()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialogue(closes_on: NaiveDate) -> Dialogue {
        Dialogue {
            id: DialogueId::new(),
            plan: Plan {
                title: "Lekplats".into(),
                purpose: "Höra barnen".into(),
                question: "Vad vill ni ha?".into(),
                open_to_influence: "Utrustningen".into(),
                decision_node: "tn".into(),
                decision_matter: "Gestaltning".into(),
                decision_date: None,
                decider: "Tekniska nämnden".into(),
                use_of_results: "Underlag".into(),
                opens_on: closes_on - chrono::Days::new(10),
                closes_on,
                target_groups: "Barnfamiljer".into(),
                methods: vec![DialogueMethod::Comments],
                ladder: Ladder::Konsultation,
                political_decision: None,
                feedback_plan: "E-post".into(),
            },
            published_at: Some(Utc::now()),
            outcome: String::new(),
            decided_on: None,
            decision_reason: String::new(),
            feedback_sent_at: None,
        }
    }

    fn view(theme: Option<ThemeId>, consideration: Option<Consideration>) -> store::Contribution {
        store::Contribution {
            id: ContributionId::new(),
            number: 1,
            kind: domain::ContributionKind::Comment,
            body: "Gungor".into(),
            created_at: Utc::now(),
            meeting_id: None,
            hidden: false,
            theme_id: theme,
            consideration,
            reason: String::new(),
        }
    }

    #[test]
    fn a_decision_is_early_before_the_close_or_with_a_view_no_one_has_judged() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let d = dialogue(day(10));
        let theme =
            store::Theme { id: ThemeId::new(), name: "Gungor".into(), consideration: None, reason: String::new() };
        let judged = store::Theme { consideration: Some(Consideration::Beaktad), ..theme.clone() };
        let in_theme = [view(Some(theme.id), None)];
        assert_eq!(early_decision(&d, &[], &[], day(5), day(20)), Some("dialogue-error-decision-before-close"));
        let unjudged = early_decision(&d, &in_theme, std::slice::from_ref(&theme), day(20), day(20));
        assert_eq!(unjudged, Some("dialogue-error-decision-unconsidered"), "a theme without a judgement");
        assert_eq!(early_decision(&d, &in_theme, &[judged], day(20), day(20)), None, "judged through its theme");
        let own = [view(None, Some(Consideration::Delvis))];
        assert_eq!(early_decision(&d, &own, &[], day(20), day(20)), None, "judged itself");
    }
}
