//! `lyhord serve`: open the store, bind the address, serve until stopped.

use std::net::SocketAddr;
use std::time::Duration;
use store::{ConnectOptions, Store};
use tokio::net::TcpListener;

use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Policy(#[from] crate::policy::PolicyFileError),
    #[error("cannot listen on {address}: {reason}")]
    Listen { address: String, reason: String },
}

pub fn connect_options(settings: &Settings) -> ConnectOptions {
    ConnectOptions { max_connections: settings.max_connections, ..ConnectOptions::default() }
}

/// Opens the database and puts the configured policy in force.
pub async fn open_store(settings: &Settings) -> Result<Store, ServeError> {
    // Read the policy first: a broken policy file should stop before anything is touched.
    let policy = settings.policy_file.as_deref().map(crate::policy::load).transpose()?;
    let mut own = Vec::new();
    for (jurisdiction, path) in &settings.policy_files {
        own.push((jurisdiction, crate::policy::load(path)?));
    }
    let store = Store::open(&settings.database_url, connect_options(settings)).await?;
    if let Some(policy) = policy {
        store.set_default_policy(policy);
    }
    for (jurisdiction, policy) in own {
        store.set_policy(jurisdiction, policy);
    }
    Ok(store)
}

/// The application's settings from the configuration.
pub fn app_config(settings: &Settings) -> app::Config {
    app::Config {
        cookie_secure: settings.cookie_secure(),
        session_idle: chrono::Duration::minutes(settings.session_idle_minutes),
        session_absolute: chrono::Duration::hours(settings.session_absolute_hours),
        sign_in_attempts: settings.sign_in_attempts,
        submissions_per_hour: settings.submissions_per_hour,
        api_requests_per_hour: settings.api_requests_per_hour,
        public_url: settings.public_url.clone(),
        attachments_dir: settings.attachments_dir.clone().into(),
        mail: app::mail::MailConfig {
            from: settings.mail_from.clone(),
            smtp_url: settings.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            dir: settings.mail_dir.clone().into(),
            retry_after: Duration::from_secs(settings.mail_retry_seconds),
            max_attempts: settings.mail_max_attempts,
            per_sender_per_hour: settings.mail_per_sender_per_hour,
            category: settings.mail_category.clone(),
            lease: Duration::from_secs(settings.mail_lease_seconds),
        },
        report_min_group: settings.report_min_group,
        job_lease: chrono::Duration::seconds(settings.job_lease_seconds.min(i64::MAX as u64) as i64),
        // Checked when the settings were loaded.
        open311_public_reads: settings.open311_public_reads.parse().unwrap_or(app::PublicReads::Off),
        open311_position_metres: settings.open311_position_metres,
        public_register: settings.public_register,
        // Checked when the settings were loaded.
        trusted_proxies: settings.trusted_proxies.iter().filter_map(|p| p.parse().ok()).collect(),
        public_jurisdiction: settings.public_jurisdiction.clone().filter(|j| !j.trim().is_empty()),
    }
}

/// The mailbox to take received mail from, and whose it is, when one is configured.
async fn mailbox_of(store: &Store, settings: &Settings) -> Option<(domain::JurisdictionId, app::mail::Mailbox)> {
    let url = settings.imap_url.as_deref().filter(|u| !u.trim().is_empty())?;
    let mailbox = app::mail::Mailbox::parse(url, &settings.imap_done_folder).ok()?;
    let jurisdiction = match &settings.imap_jurisdiction {
        Some(id) => id.clone(),
        None => match store.jurisdictions().await {
            Ok(all) if !all.is_empty() => all[0].id.clone(),
            _ => {
                tracing::warn!("imap_url is set but there is no municipality yet; the mailbox is not read");
                return None;
            }
        },
    };
    tracing::info!(mailbox = ?mailbox, "reading received mail");
    Some((jurisdiction, mailbox))
}

/// Binds the configured address, naming the usual causes when that fails.
pub async fn bind(address: &str) -> Result<TcpListener, ServeError> {
    TcpListener::bind(address).await.map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::AddrInUse => "the address is already in use (is another Lyhörd running?)".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied (ports below 1024 need privileges)".to_owned(),
            _ => e.to_string(),
        };
        ServeError::Listen { address: address.to_owned(), reason }
    })
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn run(
    store: Store,
    settings: &Settings,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app::App::new(store.clone(), app_config(settings));
    let transport = app::mail::Transport::from_config(&app.config.mail)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let (stopper, stop) = app::Stopper::new();
    let mut workers = vec![tokio::spawn(app::mail::run_sender(app.clone(), transport, stop.clone()))];
    if let Some((jurisdiction, mailbox)) = mailbox_of(&store, settings).await {
        let every = Duration::from_secs(settings.imap_poll_seconds);
        workers.push(tokio::spawn(app::mail::run_poller(app.clone(), jurisdiction, mailbox, every, stop.clone())));
    }
    let every = Duration::from_secs(settings.alerts_tick_seconds);
    workers.push(tokio::spawn(app::alerts::run_worker(app.clone(), every, stop)));
    // An approved gallring run a stop interrupted is finished: each case is done whole or
    // not at all, so it resumes where it stopped.
    let (resuming, disk) = (store.clone(), app::gallring::Disk::new(&settings.attachments_dir, &settings.mail_dir));
    tokio::spawn(async move {
        if let Err(e) = app::gallring::resume(&resuming, &disk).await {
            tracing::error!(error = %e, "an interrupted gallring run could not be finished");
        }
    });
    let router = web::router(web::AppState::new(app));
    // Requests in flight are answered before the server returns.
    let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    // Each worker finishes the round it is in (a message being sent, an alert being given)
    // and returns; whatever a crash would leave half done is taken again when its lease ends.
    stopper.stop();
    for worker in workers {
        if let Err(e) = worker.await {
            tracing::error!(error = %e, "a background worker ended abnormally");
        }
    }
    store.close().await;
    result
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("stopping");
}
