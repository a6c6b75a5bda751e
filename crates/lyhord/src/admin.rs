//! Setting up a municipality and its staff accounts from the command line.

use domain::{JurisdictionId, NodeLevel, OrgNode};
use store::{Jurisdiction, NewUser, Role, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> AdminError {
    AdminError::Invalid(message.into())
}

/// Identifiers that are safe in URLs and configuration files.
fn check_id(what: &str, id: &str) -> Result<(), AdminError> {
    if domain::is_valid_id(id) {
        Ok(())
    } else {
        Err(invalid(format!("{what} {id:?} may only use a–z, 0–9, '-', '_' and '.'")))
    }
}

/// Creates a municipality with its root node and first administrator; returns the
/// administrator's password, which is shown once.
pub async fn init(store: &Store, id: &str, name: &str, admin_username: &str) -> Result<String, AdminError> {
    check_id("the jurisdiction id", id)?;
    if name.trim().is_empty() {
        return Err(invalid("the municipality needs a name"));
    }
    if store.jurisdictions().await?.iter().any(|j| j.id == id) {
        return Err(invalid(format!("the jurisdiction {id} already exists; add users with `lyhord user add`")));
    }
    store
        .upsert_jurisdiction(&Jurisdiction { id: id.into(), name: name.trim().into(), ..Jurisdiction::default() })
        .await?;
    let root = OrgNode {
        id: id.into(),
        parent: None,
        level: NodeLevel::Kommun,
        name: name.trim().into(),
        manager_name: None,
        manager_user_id: None,
    };
    store.upsert_org(&id.into(), &[root]).await?;
    let password = app::accounts::generate_password();
    // Granted no node: the first administrator sets the municipality up and reads no case
    // until an account is granted a nämnd (OSL 8 kap. 1 §).
    add_user(store, Some(id), admin_username, "Administratör", Role::Administrator, None, None, &password).await?;
    Ok(password)
}

/// The jurisdiction a command acts on: the one named, or the installation's only one.
pub async fn resolve_jurisdiction(store: &Store, jurisdiction: Option<&str>) -> Result<JurisdictionId, AdminError> {
    let jurisdictions = store.jurisdictions().await?;
    match jurisdiction {
        Some(id) if jurisdictions.iter().any(|j| j.id == id) => Ok(id.into()),
        Some(id) => Err(invalid(format!("there is no jurisdiction {id}"))),
        None if jurisdictions.len() == 1 => Ok(jurisdictions[0].id.clone()),
        None if jurisdictions.is_empty() => Err(invalid("there is no municipality yet: run `lyhord init` first")),
        None => Err(invalid("there are several jurisdictions: name one with --jurisdiction")),
    }
}

/// Issues an Open311 API key and returns it; only its hash is stored.
pub async fn create_api_key(store: &Store, jurisdiction: Option<&str>, name: &str) -> Result<String, AdminError> {
    let jurisdiction = resolve_jurisdiction(store, jurisdiction).await?;
    if name.trim().is_empty() {
        return Err(invalid("the key needs a name: who will use it"));
    }
    let (key, hash) = app::accounts::new_api_key();
    store.create_api_key(&jurisdiction, name.trim(), &hash).await?;
    Ok(key)
}

/// Adds a staff account. Without `jurisdiction`, the installation's only one is used.
#[allow(clippy::too_many_arguments)]
pub async fn add_user(
    store: &Store,
    jurisdiction: Option<&str>,
    username: &str,
    display_name: &str,
    role: Role,
    node: Option<&str>,
    email: Option<&str>,
    password: &str,
) -> Result<domain::UserId, AdminError> {
    let jurisdiction = resolve_jurisdiction(store, jurisdiction).await?;
    check_id("the username", username)?;
    if password.chars().count() < 12 {
        return Err(invalid("the password must be at least 12 characters"));
    }
    if let Some(node) = node {
        store.org_tree(&jurisdiction).await?.node(node).map_err(|e| invalid(e.to_string()))?;
    } else if !matches!(role, Role::Administrator | Role::Registrator | Role::Arkivansvarig) {
        return Err(invalid(format!("a {} needs a unit (--node), which decides the cases they see", role.code())));
    }
    let user = NewUser {
        jurisdiction,
        username: username.into(),
        display_name: display_name.trim().into(),
        email: email.map(Into::into),
        password_hash: app::accounts::hash_password(password),
        role,
        node_id: node.map(Into::into),
    };
    Ok(store.create_user(&user).await?)
}
