//! The mailbox poller: takes each message in an IMAP folder, lets `ingest` store it, and only
//! after that commit moves it to the done folder. A message whose storing fails stays where it
//! is for the next round; one taken twice (two instances, or a crash before the move) is
//! recognised by its Message-ID and changes nothing the second time.

use async_imap::Session;
use futures_util::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::App;

/// Where to fetch mail, from `imaps://user:password@host:993/INBOX` (or `imap://` on a
/// trusted network); the folder is `INBOX` when the address names none.
#[derive(Clone, PartialEq, Eq)]
pub struct Mailbox {
    tls: bool,
    host: String,
    port: u16,
    user: String,
    password: String,
    folder: String,
    /// Where taken messages go.
    pub done_folder: String,
}

/// Never the password.
impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}://{}@{}:{}/{}",
            if self.tls { "imaps" } else { "imap" },
            self.user,
            self.host,
            self.port,
            self.folder
        )
    }
}

impl Mailbox {
    pub fn parse(address: &str, done_folder: &str) -> Result<Mailbox, String> {
        let wrong = || "imap_url must look like imaps://user:password@host:993/INBOX".to_owned();
        let url = url::Url::parse(address).map_err(|_| wrong())?;
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            _ => return Err(wrong()),
        };
        let decode =
            |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        let folder = url.path().trim_start_matches('/');
        let mailbox = Mailbox {
            tls,
            host: url.host_str().ok_or_else(wrong)?.to_owned(),
            port: url.port().unwrap_or(if tls { 993 } else { 143 }),
            user: decode(url.username()).filter(|u| !u.is_empty()).ok_or_else(wrong)?,
            password: url.password().and_then(decode).ok_or_else(wrong)?,
            folder: if folder.is_empty() { "INBOX".into() } else { decode(folder).unwrap_or_default() },
            done_folder: done_folder.to_owned(),
        };
        Ok(mailbox)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PollError(String);

fn failed(what: &str) -> impl Fn(async_imap::error::Error) -> PollError + '_ {
    move |e| PollError(format!("{what}: {e}"))
}

/// One round: every message in the folder, taken and moved. Returns how many were taken.
#[tracing::instrument(name = "mailbox", skip_all)]
pub async fn poll_once(
    state: &App,
    jurisdiction: &domain::JurisdictionId,
    mailbox: &Mailbox,
) -> Result<usize, PollError> {
    let tcp = TcpStream::connect((mailbox.host.as_str(), mailbox.port))
        .await
        .map_err(|e| PollError(format!("the mail server cannot be reached: {e}")))?;
    if mailbox.tls {
        let roots = rustls_roots();
        let config = tokio_rustls::rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(mailbox.host.clone())
            .map_err(|_| PollError("the mail server's name is not valid".into()))?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| PollError(format!("TLS with the mail server failed: {e}")))?;
        session_round(state, jurisdiction, mailbox, stream).await
    } else {
        session_round(state, jurisdiction, mailbox, tcp).await
    }
}

fn rustls_roots() -> tokio_rustls::rustls::RootCertStore {
    tokio_rustls::rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

async fn session_round<S>(
    state: &App,
    jurisdiction: &domain::JurisdictionId,
    mailbox: &Mailbox,
    stream: S,
) -> Result<usize, PollError>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| PollError(format!("no greeting from the mail server: {e}")))?
        .ok_or_else(|| PollError("the mail server closed the connection".into()))?;
    let mut session = client
        .login(&mailbox.user, &mailbox.password)
        .await
        .map_err(|(e, _)| PollError(format!("the mail server refused the login: {e}")))?;
    let taken = take_all(state, jurisdiction, mailbox, &mut session).await;
    let _ = session.logout().await;
    taken
}

async fn take_all<S>(
    state: &App,
    jurisdiction: &domain::JurisdictionId,
    mailbox: &Mailbox,
    session: &mut Session<S>,
) -> Result<usize, PollError>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    // The done folder exists after the first round; creating it again is refused, harmlessly.
    let _ = session.create(&mailbox.done_folder).await;
    session.select(&mailbox.folder).await.map_err(failed("the folder cannot be opened"))?;
    let mut uids: Vec<u32> =
        session.uid_search("ALL").await.map_err(failed("the folder cannot be searched"))?.into_iter().collect();
    uids.sort_unstable();
    let moves = session.capabilities().await.map(|c| c.has_str("MOVE")).unwrap_or(false);
    let mut taken = 0;
    for uid in uids.into_iter().take(100) {
        let fetched: Vec<_> = session
            .uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await
            .map_err(failed("a message cannot be fetched"))?
            .try_collect()
            .await
            .map_err(failed("a message cannot be fetched"))?;
        let Some(raw) = fetched.iter().find_map(|f| f.body()).map(<[u8]>::to_vec) else { continue };
        match super::ingest(state, jurisdiction, &raw, None).await {
            Ok(_) => {}
            // Left in the folder: the next round tries again.
            Err(e) => {
                tracing::error!(error = %e, "a received message could not be stored; it stays in the mailbox");
                continue;
            }
        }
        if moves {
            session.uid_mv(uid.to_string(), &mailbox.done_folder).await.map_err(failed("a message cannot be moved"))?;
        } else {
            session
                .uid_copy(uid.to_string(), &mailbox.done_folder)
                .await
                .map_err(failed("a message cannot be copied"))?;
            let _: Vec<_> = session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Deleted)")
                .await
                .map_err(failed("a message cannot be marked"))?
                .try_collect()
                .await
                .map_err(failed("a message cannot be marked"))?;
            let _: Vec<_> = session
                .expunge()
                .await
                .map_err(failed("the folder cannot be expunged"))?
                .try_collect()
                .await
                .map_err(failed("the folder cannot be expunged"))?;
        }
        taken += 1;
    }
    Ok(taken)
}

/// Polls until the process stops: again at once while there is mail, else every `every`.
///
/// Several instances may be configured with the same mailbox: reading it is a job with a
/// lease, so that one instance reads it at a time (two readers could both take a message
/// before either has moved it).
pub async fn run_poller(
    state: App,
    jurisdiction: domain::JurisdictionId,
    mailbox: Mailbox,
    every: Duration,
    mut shutdown: crate::Shutdown,
) {
    let kind = format!("mail-poll:{jurisdiction}");
    let lease = chrono::Duration::minutes(5);
    while !shutdown.is_stopped() {
        let now = chrono::Utc::now();
        let poll = store::NewJob { kind: kind.clone(), key: kind.clone(), payload: String::new(), run_at: now };
        let claimed = match state.store.schedule(&[poll], now).await {
            Ok(_) => state.store.claim_jobs(&kind, now, now + lease, 1).await,
            Err(e) => Err(e),
        };
        match claimed {
            Ok(jobs) => {
                for job in jobs {
                    let again = match poll_once(&state, &jurisdiction, &mailbox).await {
                        // More may be waiting: read again at once.
                        Ok(n) if n > 0 => chrono::Utc::now(),
                        Ok(_) => chrono::Utc::now() + every,
                        Err(e) => {
                            tracing::warn!(mailbox = ?mailbox, error = %e, "the mailbox could not be read");
                            chrono::Utc::now() + every
                        }
                    };
                    if let Err(e) = state.store.repeat_job(job.id, again).await {
                        tracing::warn!(error = %e, "the next mailbox reading could not be scheduled");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "the mailbox job could not be taken"),
        }
        shutdown.sleep(every.min(Duration::from_secs(5))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_names_server_account_and_folder() {
        let m =
            Mailbox::parse("imaps://kontakt%40vasteras.se:hemligt%21@imap.example.se/Inkommande", "Lyhord").unwrap();
        assert_eq!((m.tls, m.host.as_str(), m.port), (true, "imap.example.se", 993));
        assert_eq!(
            (m.user.as_str(), m.password.as_str(), m.folder.as_str()),
            ("kontakt@vasteras.se", "hemligt!", "Inkommande")
        );
        assert_eq!(format!("{m:?}"), "imaps://kontakt@vasteras.se@imap.example.se:993/Inkommande", "no password");
        let plain = Mailbox::parse("imap://u:p@127.0.0.1:1143", "Lyhord").unwrap();
        assert_eq!((plain.tls, plain.port, plain.folder.as_str()), (false, 1143, "INBOX"));
        assert!(Mailbox::parse("pop3://u:p@x", "L").is_err());
        assert!(Mailbox::parse("imaps://x", "L").is_err(), "an account is needed");
    }
}
