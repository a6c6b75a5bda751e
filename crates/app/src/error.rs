//! The application's one error type. Each variant is something the caller shows differently:
//! a page or an Open311 document turns it into its own answer (`crates/web/src/error.rs`).

use domain::FieldError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing by that name here, or nothing this person may know exists.
    #[error("not found")]
    NotFound,
    /// It exists, and this person may not do this with it.
    #[error("forbidden")]
    Forbidden,
    /// The input has problems, each named at its field.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// It was changed by someone else, or is in a state that does not allow this.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something broke that the person cannot fix: the database, the disk, a bug.
    #[error("{0}")]
    Internal(String),
}

fn describe(problems: &[FieldError]) -> String {
    problems.iter().map(|p| format!("{} {}", p.field, p.code)).collect::<Vec<_>>().join(", ")
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Duplicate(_) | StoreError::Conflict | StoreError::Locked => Error::Conflict(e.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Internal(e.to_string())
    }
}

impl Error {
    /// A short reference for an internal error, shown to the person and written in the log
    /// line beside the error, so that support can find one from the other.
    pub fn new_reference() -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 4];
        rand::rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_keep_their_meaning() {
        assert!(matches!(Error::from(StoreError::NotFound), Error::NotFound));
        assert!(matches!(Error::from(StoreError::Locked), Error::Conflict(_)));
        assert!(matches!(Error::from(StoreError::IntakeStopped), Error::Internal(_)));
        let a = Error::new_reference();
        assert_eq!(a.len(), 8);
        assert_ne!(a, Error::new_reference());
    }
}
