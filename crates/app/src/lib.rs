//! Lyhörd's application layer: every use case — intake for every channel, case access rules,
//! mail out and in, the alerts worker, reports, dialogue feedback, setup import and export,
//! accounts — with no HTTP in it. `crates/web` adapts it to pages and the Open311 API; the
//! command line uses it directly.

pub mod access;
pub mod accounts;
pub mod alerts;
pub mod breach;
pub mod dates;
pub mod dialogue;
mod error;
pub mod files;
pub mod gallring;
pub mod intake;
pub mod lang;
pub mod mail;
pub mod markup;
pub mod net;
pub mod privacy;
pub mod register;
pub mod reports;
pub mod retry;
pub mod setup;
mod shutdown;
pub mod verify;

pub use error::Error;
pub use shutdown::{Shutdown, Stopper};

use std::sync::Arc;
use store::Store;

/// The application's settings, from the binary's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Send cookies only over HTTPS; on whenever the public address is https.
    pub cookie_secure: bool,
    /// A staff session ends after this long without a request ...
    pub session_idle: chrono::Duration,
    /// ... and after this long in any case.
    pub session_absolute: chrono::Duration,
    /// Sign-in attempts allowed per address and per username in 15 minutes.
    pub sign_in_attempts: u32,
    /// Submissions accepted per address and hour before the rest go to quarantine.
    pub submissions_per_hour: u32,
    /// Open311 API calls accepted per key and per address and hour.
    pub api_requests_per_hour: u32,
    /// The address people use, for links in receipts (`https://…` in production).
    pub public_url: String,
    /// Where attachments are stored (content-addressed, fsynced before use).
    pub attachments_dir: std::path::PathBuf,
    /// E-mail out and in.
    pub mail: mail::MailConfig,
    /// The smallest group reports and open statistics show by themselves (G6).
    pub report_min_group: i64,
    /// How long a background job (an alert to give) is held before another instance may take it.
    pub job_lease: chrono::Duration,
    /// Whether anyone may read requests through the open API: only what staff published, or
    /// nothing at all.
    pub open311_public_reads: PublicReads,
    /// The side of the square a published position is rounded to, unless staff publish the
    /// exact point (0 = never rounded).
    pub open311_position_metres: u32,
    /// Whether anyone may read the register (`/register`), with private senders masked.
    pub public_register: bool,
    /// The reverse proxies whose `X-Forwarded-For` names the client (none by default: then
    /// the connection's own address is the client's).
    pub trusted_proxies: Vec<net::Network>,
    /// The municipality the public site (start page, form, dialogues, statistics) serves.
    /// None: the only one there is; with several, the site says which setting to make.
    pub public_jurisdiction: Option<domain::JurisdictionId>,
}

/// What the open API's reading endpoints (`requests`, `requests/{id}`, updates, media) show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicReads {
    /// Nothing: the endpoints answer that reading is turned off.
    Off,
    /// What staff published of each case of a public category (the default).
    Published,
}

impl PublicReads {
    /// The setting's word for it.
    pub fn code(self) -> &'static str {
        match self {
            PublicReads::Off => "off",
            PublicReads::Published => "published",
        }
    }
}

impl std::str::FromStr for PublicReads {
    type Err = String;

    fn from_str(s: &str) -> Result<PublicReads, String> {
        [PublicReads::Off, PublicReads::Published]
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| format!("open311_public_reads {s:?} must be \"off\" or \"published\""))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cookie_secure: false,
            session_idle: chrono::Duration::minutes(30),
            session_absolute: chrono::Duration::hours(10),
            sign_in_attempts: 10,
            submissions_per_hour: 20,
            api_requests_per_hour: 1000,
            public_url: "http://127.0.0.1:8080".into(),
            attachments_dir: "./data/attachments".into(),
            mail: mail::MailConfig::default(),
            report_min_group: domain::analysis::DEFAULT_MIN_GROUP,
            job_lease: chrono::Duration::seconds(30),
            open311_public_reads: PublicReads::Published,
            public_register: false,
            open311_position_metres: domain::publication::DEFAULT_PRECISION_METRES,
            trusted_proxies: Vec::new(),
            public_jurisdiction: None,
        }
    }
}

/// The application: the store and the settings every use case reads.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: Arc<Config>,
    /// Server secrets once read (they never change once made): no query per form or mail.
    secrets: Arc<std::sync::Mutex<std::collections::HashMap<&'static str, Vec<u8>>>>,
}

impl App {
    pub fn new(store: Store, config: Config) -> App {
        App { store, config: Arc::new(config), secrets: Arc::default() }
    }

    /// HMAC-SHA256 of `message` under the named server secret, made on first use and then
    /// shared by every instance through the store.
    pub async fn mac(&self, secret: &'static str, message: &[u8]) -> Result<Vec<u8>, store::StoreError> {
        use hmac::{Hmac, Mac};
        let known = self.secrets.lock().unwrap_or_else(|e| e.into_inner()).get(secret).cloned();
        let key = match known {
            Some(key) => key,
            None => {
                let mut candidate = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut candidate);
                let key = self.store.secret(secret, &candidate).await?;
                self.secrets.lock().unwrap_or_else(|e| e.into_inner()).insert(secret, key.clone());
                key
            }
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}
