//! Settings: built-in defaults, then a TOML file, then `LYHORD_*` environment variables.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub policy_files: std::collections::BTreeMap<domain::JurisdictionId, String>,
    /// The address e-mail to citizens comes from; its mailbox also receives their replies
    /// (`local+case.tag@domain`).
    pub mail_from: String,
    /// `smtps://user:password@host:465` or `smtp://user:password@host:587?tls=required`;
    /// without it, e-mail is written as `.eml` files to `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: String,
    /// Seconds before the second try of a message; each later try waits twice as long.
    pub mail_retry_seconds: u64,
    /// Tries before a message is given up (and staff see why on the case).
    pub mail_max_attempts: i64,
    /// New cases one sender's e-mail may make per hour; more are held for staff.
    pub mail_per_sender_per_hour: i64,
    /// The category of cases made from e-mail until staff classify them.
    pub mail_category: String,
    /// A mailbox `lyhord serve` takes received mail from: `imaps://user:password@host:993/INBOX`.
    /// Without it, mail arrives through `lyhord ingest-mail` (an MTA pipe).
    pub imap_url: Option<String>,
    /// The folder taken messages are moved to, after they are stored.
    pub imap_done_folder: String,
    pub imap_poll_seconds: u64,
    /// The municipality the mailbox belongs to; the first one by default.
    pub imap_jurisdiction: Option<domain::JurisdictionId>,
    /// How often `lyhord serve` looks for reminders and escalations to give.
    pub alerts_tick_seconds: u64,
    /// How long an instance holds a background job (an alert to give) before another may take
    /// it; what a crashed instance held is done this much later.
    pub job_lease_seconds: u64,
    /// The same for a message being sent.
    pub mail_lease_seconds: u64,
    /// The smallest group a report or the open statistics show by themselves (G6).
    pub report_min_group: i64,
    /// `published`: anyone may read through Open311 what staff published of public cases;
    /// `off`: nobody may read requests through it (submitting still works).
    pub open311_public_reads: String,
    /// Published positions are rounded to squares of this many metres, unless staff publish
    /// the exact point.
    pub open311_position_metres: u32,
    /// Whether anyone may read the register of cases at `/register` (OSL 5 kap.; private
    /// senders and protected fields masked). Staff always read it at `/staff/diarium`.
    pub public_register: bool,
    /// Addresses or networks of the reverse proxies in front (`["10.0.0.5", "10.1.0.0/16"]`):
    /// their `X-Forwarded-For` names the client, for rate limits and logs. None by default.
    pub trusted_proxies: Vec<String>,
    /// The municipality (its id) the public site serves; needed once there are several.
    pub public_jurisdiction: Option<domain::JurisdictionId>,
}

/// The application's own defaults are written once, in `app::Config`; these are the rest.
impl Default for Settings {
    fn default() -> Self {
        let app = app::Config::default();
        let mail = &app.mail;
        Settings {
            database_url: "sqlite:./data/lyhord.db".into(),
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            max_connections: 8,
            session_idle_minutes: app.session_idle.num_minutes(),
            session_absolute_hours: app.session_absolute.num_hours(),
            sign_in_attempts: app.sign_in_attempts,
            submissions_per_hour: app.submissions_per_hour,
            api_requests_per_hour: app.api_requests_per_hour,
            attachments_dir: app.attachments_dir.display().to_string(),
            log: "info".into(),
            policy_file: None,
            policy_files: Default::default(),
            mail_from: mail.from.clone(),
            smtp_url: None,
            mail_dir: mail.dir.display().to_string(),
            mail_retry_seconds: mail.retry_after.as_secs(),
            mail_max_attempts: mail.max_attempts,
            mail_per_sender_per_hour: mail.per_sender_per_hour,
            mail_category: mail.category.clone(),
            imap_url: None,
            imap_done_folder: "Lyhord".into(),
            imap_poll_seconds: 60,
            imap_jurisdiction: None,
            alerts_tick_seconds: 60,
            job_lease_seconds: app.job_lease.num_seconds() as u64,
            mail_lease_seconds: mail.lease.as_secs(),
            report_min_group: app.report_min_group,
            open311_public_reads: app.open311_public_reads.code().into(),
            open311_position_metres: app.open311_position_metres,
            public_register: app.public_register,
            trusted_proxies: Vec::new(),
            public_jurisdiction: app.public_jurisdiction.clone(),
        }
    }
}

/// The environment variables that may set a setting (`LYHORD_` and a setting's name, but not
/// the table `policy_files`); others starting with `LYHORD_` (`LYHORD_CONFIG`, test
/// variables) are not settings.
fn env_keys() -> Vec<String> {
    let defaults = serde_json::to_value(Settings::default()).expect("settings serialize");
    let fields = defaults.as_object().expect("settings are a table");
    fields.keys().filter(|k| *k != "policy_files").cloned().collect()
}

#[derive(Debug, thiserror::Error)]
#[error("the configuration is not valid: {0}")]
pub struct ConfigError(String);

/// Everything but the SMTP address, which may hold a password.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("mail_from", &self.mail_from)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "(set)"))
            .field("imap_url", &self.imap_url.as_ref().map(|_| "(set)"))
            .finish_non_exhaustive()
    }
}

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
        let keys = env_keys();
        figment = figment.merge(Env::prefixed("LYHORD_").filter(move |k| keys.iter().any(|s| k == s.as_str())));
        let settings: Settings = figment.extract().map_err(|e| ConfigError(one_line(&e)))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError(format!("public_url {:?} must start with http:// or https://", self.public_url)));
        }
        if !domain::submission::is_plausible_email(&self.mail_from) && !self.mail_from.ends_with("@localhost") {
            return Err(ConfigError(format!("mail_from {:?} is not an e-mail address", self.mail_from)));
        }
        if let Some(url) = self.imap_url.as_deref().filter(|u| !u.trim().is_empty()) {
            app::mail::Mailbox::parse(url, &self.imap_done_folder).map_err(ConfigError)?;
        }
        if self.mail_max_attempts < 1
            || self.mail_retry_seconds < 1
            || self.imap_poll_seconds < 1
            || self.alerts_tick_seconds < 1
            || self.job_lease_seconds < 1
            || self.mail_lease_seconds < 1
        {
            return Err(ConfigError(
                "mail_max_attempts, mail_retry_seconds, imap_poll_seconds, alerts_tick_seconds, job_lease_seconds \
                 and mail_lease_seconds must be at least 1"
                    .into(),
            ));
        }
        self.open311_public_reads.parse::<app::PublicReads>().map_err(ConfigError)?;
        for proxy in &self.trusted_proxies {
            proxy.parse::<app::net::Network>().map_err(|e| ConfigError(format!("trusted_proxies: {e}")))?;
        }
        if self.report_min_group < 1 {
            return Err(ConfigError("report_min_group must be at least 1".into()));
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
