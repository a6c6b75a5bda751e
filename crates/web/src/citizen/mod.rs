//! The citizens' front door: the submission form, the receipt, and following one's
//! own case through an unguessable link. Everything works without JavaScript.

mod form;
mod info;
mod tracking;
mod uploads;

pub(crate) use form::{
    Filler, Questions, STAFF_CHANNELS, SubmitForm, form_page_for, new_form, read_form, register_case,
};
pub use form::{submit, submit_form};
pub use info::{accessibility, paper_form, privacy};
pub use tracking::{add_message, download, follow_link, not_solved, track};
pub(crate) use tracking::{public_entry, receipt_page, send_file};
pub(crate) use uploads::read_request;

use axum::http::StatusCode;
use axum::response::Response;
use domain::{Category, FieldError};
use store::Jurisdiction;

use crate::AppState;
use crate::i18n::Lang;
use crate::pages::{FormError, message_page};

/// The municipality this installation serves on its public pages.
pub async fn home_jurisdiction(state: &AppState) -> Result<Option<Jurisdiction>, store::StoreError> {
    let all = state.store.jurisdictions().await?;
    Ok(public_of(all, state.config.public_jurisdiction.as_deref()))
}

/// The municipality the public site serves: the one the setting names, or the only one there
/// is; never whichever sorts first.
pub(crate) fn public_of(all: Vec<Jurisdiction>, chosen: Option<&str>) -> Option<Jurisdiction> {
    match chosen {
        Some(id) => all.into_iter().find(|j| j.id == id),
        None if all.len() == 1 => all.into_iter().next(),
        None => None,
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct CategoryGroup {
    pub label: String,
    pub categories: Vec<Choice>,
}

/// A vocabulary as the choices of a form field.
pub(crate) fn choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    name: impl Fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v).to_owned(), label: name(*v).to_owned() }).collect()
}

pub(crate) fn category_groups(categories: &[Category], lang: Lang) -> Vec<CategoryGroup> {
    let mut groups: Vec<CategoryGroup> = Vec::new();
    for c in categories {
        let label = c.group(lang.code()).to_owned();
        let choice = Choice { value: c.code.clone(), label: c.name(lang.code()).to_owned() };
        match groups.iter_mut().find(|g| g.label == label) {
            Some(group) => group.categories.push(choice),
            None => groups.push(CategoryGroup { label, categories: vec![choice] }),
        }
    }
    groups
}

fn not_set_up(lang: Lang) -> Response {
    message_page(lang, "/", "start-not-configured", StatusCode::NOT_FOUND)
}

pub(crate) fn field_message(lang: Lang, e: &FieldError) -> FormError {
    let message = if e.code == domain::submission::CONTROL_CHARACTER {
        lang.t("error-control-character")
    } else {
        lang.t(&format!("error-{}-{}", e.field, e.code))
    };
    FormError { field: e.field, message }
}

pub(crate) fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}
