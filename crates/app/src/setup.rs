//! A municipality's setup as one TOML file: its contact details, organisation tree,
//! categories, answer templates and policy. Exported and imported from the administration
//! pages and by `lyhord setup export|import`, so that a setup can be prepared, reviewed and
//! moved between installations.

use domain::{Category, OrgNode, OrgTree};
use serde::{Deserialize, Serialize};
use store::{AnswerTemplate, Jurisdiction, Store, StoreError};

#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    pub jurisdiction: Jurisdiction,
    // Empty lists are left out, so that `[[categories]]` can simply be added to the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub org: Vec<OrgNode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<AnswerTemplate>,
    /// The policy in the same TOML as a policy file; absent keeps the one in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the setup file cannot be read: {0}")]
    Unreadable(String),
    #[error("the setup is for {found}, not {expected}")]
    WrongJurisdiction { expected: domain::JurisdictionId, found: domain::JurisdictionId },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SetupError> for crate::Error {
    /// A setup problem that reaches a caller unhandled: the store's as the store's, the rest
    /// as what the person typed (a form shows them at its field before this).
    fn from(e: SetupError) -> crate::Error {
        match e {
            SetupError::Store(e) => e.into(),
            other => crate::Error::Conflict(other.to_string()),
        }
    }
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub nodes: usize,
    pub categories: usize,
    pub templates: usize,
    pub policy: bool,
}

pub async fn export(store: &Store, jurisdiction: &domain::JurisdictionId) -> Result<String, SetupError> {
    let j = store.jurisdictions().await?.into_iter().find(|j| j.id == *jurisdiction).ok_or(StoreError::NotFound)?;
    let setup = Setup {
        org: store.org_nodes(jurisdiction).await?,
        categories: store.categories(jurisdiction).await?,
        templates: store.templates(jurisdiction).await?,
        policy: Some(store.policy(jurisdiction).to_toml()),
        jurisdiction: j,
    };
    let body = toml::to_string(&setup).map_err(|e| SetupError::Invalid(e.to_string()))?;
    Ok(format!("# Lyhörd setup for {}. Import with `lyhord setup import FILE`.\n\n{body}", setup.jurisdiction.name))
}

/// Applies a setup to its jurisdiction: everything is checked before anything is written.
pub async fn import(store: &Store, jurisdiction: &domain::JurisdictionId, text: &str) -> Result<Imported, SetupError> {
    let setup: Setup = toml::from_str(text).map_err(|e| SetupError::Unreadable(e.message().to_owned()))?;
    if setup.jurisdiction.id != *jurisdiction {
        return Err(SetupError::WrongJurisdiction {
            expected: jurisdiction.clone(),
            found: setup.jurisdiction.id.clone(),
        });
    }
    let invalid = |m: String| SetupError::Invalid(m);
    // Manager accounts belong to this installation: keep only those that exist here.
    let users = store.users(jurisdiction).await?;
    let mut nodes = setup.org.clone();
    for node in &mut nodes {
        if !domain::is_valid_id(&node.id) {
            return Err(invalid(format!("the unit id {:?} may only use a–z, 0–9, '-', '_' and '.'", node.id)));
        }
        node.manager_user_id = node.manager_user_id.filter(|id| users.iter().any(|u| u.id == *id));
    }
    let mut all = store.org_nodes(jurisdiction).await?;
    all.retain(|n| !nodes.iter().any(|m| m.id == n.id));
    all.extend(nodes.iter().cloned());
    let tree = OrgTree::new(all).map_err(|e| invalid(e.to_string()))?;
    for c in &setup.categories {
        if !domain::is_valid_id(&c.code) {
            return Err(invalid(format!("the category code {:?} may only use a–z, 0–9, '-', '_' and '.'", c.code)));
        }
        tree.node(&c.node_id).map_err(|e| invalid(format!("category {}: {e}", c.code)))?;
        c.check_questions().map_err(|e| invalid(format!("category {}: {e}", c.code)))?;
    }
    if let Some(policy) = &setup.policy {
        domain::clock::Policy::from_toml(policy).map_err(|e| invalid(format!("the policy: {e}")))?;
        if store.policy_is_pinned(jurisdiction) {
            return Err(invalid("the policy is set in the configuration file; remove it from the setup".into()));
        }
    }

    store.upsert_jurisdiction(&setup.jurisdiction).await?;
    if !nodes.is_empty() {
        store.upsert_org(jurisdiction, &nodes).await?;
    }
    for (position, c) in setup.categories.iter().enumerate() {
        store.upsert_category(jurisdiction, c, position as i64).await?;
    }
    for t in &setup.templates {
        store.save_template(jurisdiction, t).await?;
    }
    if let Some(policy) = &setup.policy {
        store.save_policy(jurisdiction, policy).await?;
    }
    Ok(Imported {
        nodes: nodes.len(),
        categories: setup.categories.len(),
        templates: setup.templates.len(),
        policy: setup.policy.is_some(),
    })
}
