//! The public side of a dialogue: the list, each dialogue's page with its plan before it
//! opens (V-D3), the form to take part while it is open (no account; an address only for
//! feedback), what others said, and afterwards the outcome and the redovisning (V-D4, V-D5).

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::DialogueId;
use domain::dialogue::{Demographics, Phase};
use domain::{AgeBand, Born, ContributionKind, Gender, QuestionKind};
use store::{Dialogue, DialogueQuestion, Participation};

use super::account::{Account, ContributionLine, Record};
use crate::AppState;
use crate::citizen::{Choice, choices, home_jurisdiction};
use crate::error::{Error, PageError};
use crate::i18n::{Lang, PageLang};
use crate::pages::{FormError, FormState, message_page, render};

#[derive(Template)]
#[template(path = "dialogues.html")]
struct ListPage {
    lang: Lang,
    path: String,
    /// (href, title, phase text, dates)
    dialogues: Vec<(String, String, String, String)>,
}

pub(crate) fn phase_text(phase: Phase, lang: Lang) -> String {
    lang.t(&format!("dialogue-phase-{}", phase.code()))
}

pub async fn list(State(state): State<AppState>, PageLang(lang): PageLang) -> Result<Response, PageError> {
    let path = "/dialogues";
    let found = async {
        let Some(j) = home_jurisdiction(&state).await? else { return Ok(Vec::new()) };
        state.store.dialogues(&j.id, true).await
    };
    let all = found.await?;
    let today = domain::time::local(Utc::now()).date_naive();
    let page = ListPage {
        lang,
        path: path.into(),
        dialogues: all
            .iter()
            .map(|d| {
                (
                    format!("/dialogues/{}", d.id),
                    d.plan.title.clone(),
                    phase_text(d.phase(today), lang),
                    format!("{} – {}", d.plan.opens_on, d.plan.closes_on),
                )
            })
            .collect(),
    };
    Ok(render(&page, StatusCode::OK))
}

struct QuestionView {
    name: String,
    text: String,
    /// Free text, a scale 1–5, several choices, or one.
    text_answer: bool,
    scale: bool,
    multiple: bool,
    options: Vec<String>,
}

#[derive(Template)]
#[template(path = "dialogue.html")]
struct DialoguePage {
    lang: Lang,
    path: String,
    title: String,
    phase: String,
    open: bool,
    plan: Vec<(String, String)>,
    carried_out: Vec<String>,
    questions: Vec<QuestionView>,
    kinds: Vec<Choice>,
    genders: Vec<Choice>,
    ages: Vec<Choice>,
    districts: Vec<Choice>,
    borns: Vec<Choice>,
    form: FormState,
    contributions: Vec<ContributionLine>,
    account: Option<String>,
    outcome: Option<(String, String)>,
}

/// The published dialogue with this id in the home municipality, or nothing (drafts are not
/// public).
async fn published(
    state: &AppState,
    id: DialogueId,
) -> Result<Option<(domain::JurisdictionId, Dialogue)>, store::StoreError> {
    let Some(j) = home_jurisdiction(state).await? else { return Ok(None) };
    Ok(state.store.dialogue(&j.id, id).await?.filter(|d| d.published_at.is_some()).map(|d| (j.id, d)))
}

async fn show(
    state: &AppState,
    lang: Lang,
    id: DialogueId,
    values: Vec<(String, String)>,
    errors: Vec<FormError>,
) -> Result<Response, PageError> {
    let path = format!("/dialogues/{id}");
    let (j, dialogue) = published(state, id).await?.ok_or(Error::NotFound)?;
    let loaded = async {
        let tree = state.store.org_tree(&j).await?;
        let unit = tree.display_path(&dialogue.plan.decision_node).unwrap_or_default();
        let record = Record::load(&state.store, &j, id).await?;
        let account = Account::of(&record, &dialogue, unit, state.config.report_min_group, lang);
        Ok::<_, store::StoreError>((account, record))
    };
    let (account, Record { questions, population, .. }) = loaded.await?;
    let l = lang.code();
    let phase = dialogue.phase(domain::time::local(Utc::now()).date_naive());
    let mut districts: Vec<String> = population.iter().map(|r| r.district.clone()).collect();
    districts.dedup();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = DialoguePage {
        lang,
        path: path.clone(),
        title: dialogue.plan.title.clone(),
        phase: phase_text(phase, lang),
        open: phase == Phase::Open,
        plan: account.plan,
        carried_out: account.carried_out,
        questions: questions
            .iter()
            .map(|q| QuestionView {
                name: format!("q-{}", q.id),
                text: q.text.clone(),
                text_answer: q.kind == QuestionKind::Text,
                scale: q.kind == QuestionKind::Scale,
                multiple: q.kind == QuestionKind::Multiple,
                options: q.options.clone(),
            })
            .collect(),
        kinds: choices(ContributionKind::ALL, |x| x.code(), |x| x.name(l)),
        genders: choices(Gender::ALL, |x| x.code(), |x| x.name(l)),
        ages: choices(AgeBand::ALL, |x| x.code(), |x| x.name(l)),
        districts: districts.into_iter().map(|d| Choice { value: d.clone(), label: d }).collect(),
        borns: choices(Born::ALL, |x| x.code(), |x| x.name(l)),
        form: FormState::new(values, errors),
        contributions: account.contributions.into_iter().filter(|c| !c.hidden).collect(),
        account: matches!(phase, Phase::Closed | Phase::Decided).then(|| format!("{path}/redovisning")),
        outcome: account.outcome,
    };
    Ok(render(&page, status))
}

pub async fn page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path(id): Path<DialogueId>,
) -> Result<Response, PageError> {
    show(&state, lang, id, vec![("kind".into(), ContributionKind::Comment.code().into())], Vec::new()).await
}

/// Reads a participation: answers checked against their questions, the voluntary facts
/// against their vocabularies, each problem at its field.
fn read(
    form: &[(String, String)],
    questions: &[DialogueQuestion],
    districts: &[String],
    lang: Lang,
) -> (Participation, Vec<FormError>) {
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim());
    let mut errors = Vec::new();
    let mut answers = Vec::new();
    for q in questions {
        let name = format!("q-{}", q.id);
        let given: Vec<&str> =
            form.iter().filter(|(k, v)| *k == name && !v.trim().is_empty()).map(|(_, v)| v.trim()).collect();
        if given.is_empty() {
            continue;
        }
        let fits = match q.kind {
            QuestionKind::Single => given.len() == 1 && q.options.iter().any(|o| o == given[0]),
            QuestionKind::Multiple => given.iter().all(|g| q.options.iter().any(|o| o == g)),
            QuestionKind::Scale => given.len() == 1 && matches!(given[0], "1" | "2" | "3" | "4" | "5"),
            QuestionKind::Text => given.len() == 1 && given[0].chars().count() <= 4000,
        };
        if fits {
            answers.push((q.id, given.join("\n")));
        } else {
            errors
                .push(FormError { field: "questions", message: lang.t1("dialogue-error-answer", "question", &q.text) });
        }
    }
    let body = get("body");
    if body.chars().count() > 4000 {
        errors.push(FormError { field: "body", message: lang.t("error-message-too_long") });
    }
    let contribution = match get("kind").parse::<ContributionKind>() {
        _ if body.is_empty() => None,
        Ok(kind) => Some((kind, body.to_owned())),
        Err(_) => Some((ContributionKind::Comment, body.to_owned())),
    };
    if answers.is_empty() && contribution.is_none() && errors.is_empty() {
        errors.push(FormError { field: "body", message: lang.t("dialogue-error-empty") });
    }
    let email = match get("email") {
        "" => None,
        e if domain::submission::is_plausible_email(e) => Some(e.to_owned()),
        _ => {
            errors.push(FormError { field: "email", message: lang.t("error-email-invalid") });
            None
        }
    };
    let mut code_of = |field: &'static str, ok: bool| {
        if !ok {
            errors.push(FormError { field, message: lang.t("dialogue-error-choice") });
        }
    };
    let gender = get("gender").parse::<Gender>().ok();
    code_of("gender", get("gender").is_empty() || gender.is_some());
    let age_band = get("age_band").parse::<AgeBand>().ok();
    code_of("age_band", get("age_band").is_empty() || age_band.is_some());
    let born = get("born").parse::<Born>().ok();
    code_of("born", get("born").is_empty() || born.is_some());
    let district = Some(get("district").to_owned()).filter(|d| !d.is_empty());
    code_of("district", district.as_ref().is_none_or(|d| districts.contains(d)));
    let participation =
        Participation { email, demographics: Demographics { gender, age_band, district, born }, answers, contribution };
    (participation, errors)
}

pub async fn participate(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    crate::security::ClientAddr(client): crate::security::ClientAddr,
    Path(id): Path<DialogueId>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let path = format!("/dialogues/{id}");
    let (j, dialogue) = published(&state, id).await?.ok_or(Error::NotFound)?;
    if dialogue.phase(domain::time::local(Utc::now()).date_naive()) != Phase::Open {
        return Ok(message_page(lang, &path, "dialogue-closed", StatusCode::CONFLICT));
    }
    // A filled-in hidden field is a robot; many from one address, a flood.
    let honeypot = form.iter().any(|(k, v)| k == "website" && !v.is_empty());
    if honeypot || !state.submit_limiter.allow(&client.to_string()) {
        return Ok(message_page(lang, &path, "dialogue-too-many", StatusCode::TOO_MANY_REQUESTS));
    }
    let loaded = async {
        let questions = state.store.dialogue_questions(id).await?;
        let districts = state.store.population(&j).await?.into_iter().map(|r| r.district).collect::<Vec<_>>();
        Ok::<_, store::StoreError>((questions, districts))
    };
    let (questions, districts) = loaded.await?;
    let (participation, errors) = read(&form, &questions, &districts, lang);
    if !errors.is_empty() {
        return show(&state, lang, id, form, errors).await;
    }
    Ok(match state.store.participate(id, &participation).await {
        Ok(number) => {
            let key = if number.is_some() { "dialogue-thanks" } else { "dialogue-thanks-answers" };
            message_page(lang, &path, key, StatusCode::OK)
        }
        Err(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "dialogue_account.html")]
struct AccountPage {
    lang: Lang,
    path: String,
    back: String,
    account: Account,
}

/// The redovisning of a published dialogue, as a page or (`.pdf`) tagged PDF.
pub async fn account(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path((id, file)): Path<(DialogueId, String)>,
) -> Result<Response, PageError> {
    let (j, dialogue) = published(&state, id).await?.ok_or(Error::NotFound)?;
    account_response(&state, lang, &j, &dialogue, &file, format!("/dialogues/{id}")).await
}

/// The redovisning of `dialogue` in the form `file` asks for (shared with staff's preview).
pub(crate) async fn account_response(
    state: &AppState,
    lang: Lang,
    j: &domain::JurisdictionId,
    dialogue: &Dialogue,
    file: &str,
    back: String,
) -> Result<Response, PageError> {
    let path = format!("{back}/{file}");
    let built = async {
        let tree = state.store.org_tree(j).await?;
        let unit = tree.display_path(&dialogue.plan.decision_node).unwrap_or_default();
        let record = Record::load(&state.store, j, dialogue.id).await?;
        Ok::<_, store::StoreError>(Account::of(&record, dialogue, unit, state.config.report_min_group, lang))
    };
    let account = built.await?;
    Ok(match file {
        "redovisning" => render(&AccountPage { lang, path, back, account }, StatusCode::OK),
        "redovisning.pdf" => match account.pdf(lang) {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"redovisning-{}.pdf\"", dialogue.id)),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => return Err(PageError::internal(e)),
        },
        _ => message_page(lang, &path, "not-found", StatusCode::NOT_FOUND),
    })
}
