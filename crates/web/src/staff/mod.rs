//! The staff workspace: the inbox and search, the case page and its actions,
//! registering on a citizen's behalf, and administration. Every route sits behind
//! [`crate::auth::require_staff`], and every case route asks [`access::Access`] first.

mod actions;
mod admin;
mod analysis_settings;
mod case_page;
mod gallring;
mod held_mail;
mod improvements;
mod inbox;
mod manager;
mod quarantine;
mod register;

use crate::error::{Error, PageError};
use crate::route_list::StaffRoutes;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::UserId;
use domain::{CaseState, Category, OrgTree};
use std::collections::HashMap;
use store::User;

pub use app::access::{Access, Action};

use crate::AppState;
use crate::i18n::Lang;

pub(crate) fn routes() -> StaffRoutes {
    StaffRoutes::default()
        .route("/staff", get(inbox::inbox))
        .route("/staff/search", get(inbox::search))
        .route("/staff/manager", get(manager::show))
        .route("/staff/improvements", get(improvements::list))
        .route("/staff/improvements/new", get(improvements::new_form).post(improvements::create))
        .route("/staff/improvements/{id}", get(improvements::edit_form).post(improvements::update))
        .route("/staff/analysis", get(analysis_settings::show).post(analysis_settings::save))
        .route("/staff/cases/{number}", get(case_page::show))
        .route("/staff/cases/{number}/files/{sha256}", get(case_page::download))
        .route("/staff/cases/{number}/receipt", get(case_page::receipt))
        .route("/staff/cases/{number}/mail/{id}", get(case_page::original))
        .route("/staff/cases/{number}/{action}", post(actions::act))
        .route(
            "/staff/register",
            get(register::form).post(register::register).layer(DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT)),
        )
        .route("/staff/quarantine", get(quarantine::list))
        .route("/staff/quarantine/{id}/register", post(quarantine::register))
        .route("/staff/quarantine/{id}/dismiss", post(quarantine::dismiss))
        .route("/staff/quarantine/mail/{id}", get(held_mail::download))
        .route("/staff/quarantine/mail/{id}/register", post(held_mail::register))
        .route("/staff/quarantine/mail/{id}/dismiss", post(held_mail::dismiss))
        .merge(admin::routes())
        .merge(gallring::routes())
}

/// What every staff page starts from: who is asking, and their jurisdiction.
pub(crate) struct Desk {
    pub user: User,
    pub tree: OrgTree,
    pub categories: Vec<Category>,
    pub staff: Vec<User>,
    /// The förvaltningar's own root causes and routines; read only for the pages
    /// that use them (`with_analysis`), not for every staff page.
    pub analysis: Vec<store::AnalysisSettings>,
}

impl Desk {
    pub async fn open(state: &AppState, user: User) -> Result<Desk, store::StoreError> {
        let store = &state.store;
        let j = user.jurisdiction.clone();
        let (tree, categories, staff) = tokio::try_join!(store.org_tree(&j), store.categories(&j), store.users(&j))?;
        Ok(Desk { user, tree, categories, staff, analysis: Vec::new() })
    }

    /// The desk with the förvaltningar's causes and routines read too.
    pub async fn with_analysis(mut self, state: &AppState) -> Result<Desk, store::StoreError> {
        self.analysis = state.store.analysis_settings(&self.user.jurisdiction).await?;
        Ok(self)
    }

    pub fn access(&self) -> Access<'_> {
        Access::new(&self.user, &self.tree, &self.categories)
    }

    /// Every unit of the organisation as a choice, in tree order.
    pub fn unit_choices(&self) -> Vec<crate::citizen::Choice> {
        let all = self.tree.subtree(&self.tree.root().id).unwrap_or_default();
        all.iter().map(|n| crate::citizen::Choice { value: n.id.to_string(), label: self.unit_name(&n.id) }).collect()
    }

    pub fn unit_name(&self, id: &str) -> String {
        self.tree.display_path(id).unwrap_or_else(|_| id.to_owned())
    }

    /// A root cause's name, from any förvaltning's list or the defaults.
    pub fn cause_name(&self, code: &str, lang: Lang) -> String {
        self.analysis
            .iter()
            .flat_map(|s| s.causes.iter())
            .chain(domain::analysis::default_causes().iter())
            .find(|c| c.code == code)
            .map_or_else(|| code.to_owned(), |c| c.name(lang.code()).to_owned())
    }

    pub fn category_name(&self, code: &str, lang: Lang) -> String {
        self.categories.iter().find(|c| c.code == code).map_or_else(|| code.to_owned(), |c| c.name(lang.code()).into())
    }

    /// The manager posts within `covers` that alerts pass over (no active account), as
    /// "unit (name)".
    pub fn unlinked_posts(&self, covers: impl Fn(&str) -> bool) -> Vec<String> {
        app::alerts::posts_without_account(&self.tree, &self.staff)
            .iter()
            .filter(|n| covers(&n.id))
            .map(|n| format!("{} ({})", self.unit_name(&n.id), n.manager_name.as_deref().unwrap_or_default()))
            .collect()
    }

    /// One colleague's name.
    pub fn staff_name(&self, id: UserId) -> Option<&str> {
        self.staff.iter().find(|u| u.id == id).map(|u| u.display_name.as_str())
    }

    pub fn staff_names(&self) -> HashMap<UserId, &str> {
        self.staff.iter().map(|u| (u.id, u.display_name.as_str())).collect()
    }

    /// The user's desk and the case with this number, or the page that refuses.
    pub async fn with_case(state: &AppState, user: User, number: &str) -> Result<(Desk, CaseState), PageError> {
        let desk = Desk::open(state, user).await?;
        // A case page offers the analysis by its förvaltning's causes.
        let desk = desk.with_analysis(state).await?;
        let case = desk.case(state, number).await?;
        Ok((desk, case))
    }

    /// The user's municipality, or "not found" if it is gone.
    pub async fn jurisdiction(&self, state: &AppState) -> Result<store::Jurisdiction, PageError> {
        let all = state.store.jurisdictions().await?;
        Ok(all.into_iter().find(|j| j.id == self.user.jurisdiction).ok_or(Error::NotFound)?)
    }

    /// The case with this number, if this user may see it. A case of another unit or
    /// jurisdiction is "not found", exactly like a number that does not exist.
    pub async fn case(&self, state: &AppState, number: &str) -> Result<CaseState, PageError> {
        let case = state.store.case_by_number(&self.user.jurisdiction, number).await?;
        Ok(case.filter(|c| self.access().can_see(c)).ok_or(Error::NotFound)?)
    }
}

pub(crate) use crate::staff_nav::StaffNav;

impl StaffNav {
    pub fn new(desk: &Desk, current: &'static str) -> StaffNav {
        let access = desk.access();
        StaffNav {
            current,
            can_register: access.can_register(),
            can_administer: access.can_administer(),
            can_triage_quarantine: access.can_triage_quarantine(),
            can_manage: access.can_manage(),
            can_run_dialogues: matches!(
                desk.user.role,
                store::Role::Administrator | store::Role::Chef | store::Role::Handlaggare
            ),
            can_keep_records: access.can_keep_records(),
        }
    }
}

pub(crate) fn role_name(role: store::Role, lang: Lang) -> &'static str {
    if lang == Lang::En { role.name_en() } else { role.name_sv() }
}
