use domain::{ChainError, OrgError, ProjectionError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Connect(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
    #[error(
        "migration {version} ({name}) was applied to this database in another form than this program has: \
         an applied migration must never be edited (add a new one instead)"
    )]
    MigrationEdited { version: i64, name: &'static str },
    #[error("the submission is not valid ({0})")]
    Invalid(String),
    #[error("{0} is already taken")]
    Duplicate(String),
    #[error("not found")]
    NotFound,
    #[error("the case changed while this change was made; try again")]
    Conflict,
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Org(#[from] OrgError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("the questionnaire has answers and can no longer be changed")]
    Locked,
    #[error("the intake writer has stopped")]
    IntakeStopped,
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(what.to_string())
    }
}
