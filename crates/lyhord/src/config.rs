//! Settings: built-in defaults, then a TOML file, then `LYHORD_*` environment variables.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `sqlite:PATH` (the default, embedded) or `postgres://user@host/db`.
    pub database_url: String,
    /// Address and port to listen on.
    pub listen: String,
    /// The address citizens and staff use; `https://…` makes cookies Secure.
    pub public_url: String,
    /// Database connections (SQLite readers, or the PostgreSQL pool).
    pub max_connections: u32,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Sign-in attempts allowed per address and per username in 15 minutes.
    pub sign_in_attempts: u32,
    /// Submissions accepted per address and hour; more go to quarantine for staff.
    pub submissions_per_hour: u32,
    /// Open311 API calls per key and per address and hour.
    pub api_requests_per_hour: u32,
    /// Where attachments are stored; with PostgreSQL, a directory every instance shares.
    pub attachments_dir: String,
    /// Log filter, e.g. `info` or `lyhord=debug,info`.
    pub log: String,
    /// A TOML file with the municipality's promises (`lyhord policy show` prints the
    /// defaults to start from); without one, the defaults encode the three policies.
    pub policy_file: Option<String>,
    /// Policy files of particular jurisdictions, by jurisdiction id; they take precedence
    /// over `policy_file` for that jurisdiction.
    pub policy_files: std::collections::BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite:./data/lyhord.db".into(),
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            max_connections: 8,
            session_idle_minutes: 30,
            session_absolute_hours: 10,
            sign_in_attempts: 10,
            submissions_per_hour: 20,
            api_requests_per_hour: 1000,
            attachments_dir: "./data/attachments".into(),
            log: "info".into(),
            policy_file: None,
            policy_files: Default::default(),
        }
    }
}

/// The environment variables that may set a setting; others starting with `LYHORD_`
/// (e.g. `LYHORD_CONFIG`, test variables) are not settings.
const ENV_KEYS: &[&str] = &[
    "database_url",
    "listen",
    "public_url",
    "max_connections",
    "session_idle_minutes",
    "session_absolute_hours",
    "sign_in_attempts",
    "submissions_per_hour",
    "api_requests_per_hour",
    "attachments_dir",
    "log",
    "policy_file",
];

#[derive(Debug, thiserror::Error)]
#[error("the configuration is not valid: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads the settings; `file` is used if given, else `./lyhord.toml` if it exists.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        let default_file = PathBuf::from("lyhord.toml");
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!("the configuration file {} does not exist", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if default_file.exists() => figment = figment.merge(Toml::file_exact(default_file)),
            None => {}
        }
        figment = figment.merge(Env::prefixed("LYHORD_").only(ENV_KEYS));
        let settings: Settings = figment.extract().map_err(|e| ConfigError(one_line(&e)))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError(format!("public_url {:?} must start with http:// or https://", self.public_url)));
        }
        if self.session_idle_minutes <= 0 || self.session_absolute_hours <= 0 {
            return Err(ConfigError("session timeouts must be positive".into()));
        }
        if self.max_connections == 0 {
            return Err(ConfigError("max_connections must be at least 1".into()));
        }
        Ok(())
    }

    pub fn cookie_secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn one_line(e: &figment::Error) -> String {
    e.clone().into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::default();
        assert_eq!(s.database_url, "sqlite:./data/lyhord.db");
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert!(!s.cookie_secure());
    }

    #[test]
    fn a_file_overrides_defaults_and_typos_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lyhord.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\npublic_url = \"https://synpunkter.kommun.se\"\n").unwrap();
        let s = Settings::load(Some(&path)).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert!(s.cookie_secure());
        std::fs::write(&path, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let err = Settings::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("unknown field") && err.contains("lisen"), "{err}");
        let missing = Settings::load(Some(&dir.path().join("nope.toml"))).unwrap_err().to_string();
        assert!(missing.contains("does not exist"), "{missing}");
    }
}
