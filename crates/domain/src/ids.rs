//! Identifiers, one type each, so that a case's id cannot be passed where a user's is meant.
//!
//! Records made here (cases, accounts, dialogues …) are named by a UUID (version 7, so that
//! they sort by creation); municipalities and their units by a short code chosen in the
//! setup. With the `sqlx` feature each reads and writes as the plain value it wraps, which
//! is how the database stores it.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_ids {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new identifier, later than every one made before it.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The identifier a stored or received UUID names.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        /// The nil id: a placeholder in a record the store fills in (an outbox message's id).
        impl Default for $name {
            fn default() -> Self {
                Self(Uuid::nil())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::from_str(s).map(Self)
            }
        }

        #[cfg(feature = "sqlx")]
        sql_transparent!($name, Uuid, Self);
    )+};
}

macro_rules! code_ids {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(code: impl Into<String>) -> Self {
                Self(code.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(code: String) -> Self {
                Self(code)
            }
        }

        impl From<&str> for $name {
            fn from(code: &str) -> Self {
                Self(code.to_owned())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        #[cfg(feature = "sqlx")]
        sql_transparent!($name, String, Self);
    )+};
}

/// Reads and writes the identifier as the value it wraps, on any database that has that value.
#[cfg(feature = "sqlx")]
macro_rules! sql_transparent {
    ($name:ident, $inner:ty, $ctor:path) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            $inner: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <$inner as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <$inner as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            $inner: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <$inner as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            $inner: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                <$inner as sqlx::Decode<'r, DB>>::decode(value).map($ctor)
            }
        }
    };
}

uuid_ids! {
    /// A case (ärende).
    CaseId;
    /// A staff account.
    UserId;
    /// A citizen dialogue.
    DialogueId;
    /// One question of a dialogue's web form.
    QuestionId;
    /// One person's or meeting's contribution to a dialogue.
    ContributionId;
    /// A theme staff group a dialogue's contributions under.
    ThemeId;
    /// A meeting held in a dialogue.
    MeetingId;
    /// A person who took part in a dialogue.
    ParticipantId;
    /// An improvement action a unit decided after analysing complaints.
    ImprovementId;
    /// A submission held as suspected spam.
    HeldSubmissionId;
    /// A received e-mail message.
    InboundMailId;
    /// A message in the outbox.
    MessageId;
    /// A background job.
    JobId;
    /// A staff answer template.
    TemplateId;
    /// An Open311 API key.
    ApiKeyId;
    /// A gallringsbeslut (the decision a nämnd took to destroy records).
    GallringDecisionId;
    /// One rule of a gallringsbeslut.
    GallringRuleId;
    /// One gallring run: planned, approved, carried out.
    GallringRunId;
}

code_ids! {
    /// A municipality using the installation (Open311's `jurisdiction_id`), e.g. `exempelkommun`.
    JurisdictionId;
    /// A unit of the organisation (nämnd, förvaltning, avdelning, enhet), e.g. `sbf-gata`.
    NodeId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_reads_back_as_written() {
        let id = CaseId::new();
        assert_eq!(id.to_string().parse::<CaseId>().unwrap(), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
        assert!("not-a-uuid".parse::<UserId>().is_err());
        let node = NodeId::from("sbf-gata");
        assert_eq!(node, "sbf-gata");
        assert_eq!(serde_json::to_string(&node).unwrap(), "\"sbf-gata\"");
    }
}
