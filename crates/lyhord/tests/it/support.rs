//! A running application on a loopback port, over a throwaway database.

use lyhord::{Settings, serve};
use store::testing::TestDb;
use store::{Jurisdiction, Role, Store};
use tokio::sync::oneshot;

/// Expands a test body into one test per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::support::App) {
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::support::App::start(store::testing::TestDb::sqlite()).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = store::testing::TestDb::postgres().await {
                    run($crate::support::App::start(db).await).await;
                }
            }
        }
    };
}

pub struct App {
    pub base: String,
    pub store: Store,
    /// The database's address, to open it again as a restarted instance would.
    pub database_url: String,
    /// Keeps a SQLite database's directory until the test ends.
    _db: TestDb,
    /// Where this app stores attachments.
    pub files: tempfile::TempDir,
    /// Where this app writes the e-mail it sends when no SMTP server is configured.
    pub mail: tempfile::TempDir,
    /// The settings it runs with.
    pub settings: Settings,
    _stop: oneshot::Sender<()>,
}

/// A message the server sent, as the recipient's mail program reads it.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The header block as written.
    pub headers: String,
}

impl SentMail {
    pub fn parse(raw: &[u8]) -> SentMail {
        let message = mail_parser::MessageParser::default().parse(raw).expect("a readable message");
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
        SentMail {
            to: message.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned(),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message.body_text(0).unwrap_or_default().replace("\r\n", "\n"),
            html: message.body_html(0).unwrap_or_default().into_owned(),
            headers: String::from_utf8_lossy(&raw[..end]).into_owned(),
        }
    }

    /// The tracking link's path in the message.
    pub fn tracking_path(&self) -> String {
        let start = self.text.find("/track/").expect("a tracking link");
        self.text[start..start + 7 + 64].to_owned()
    }
}

impl App {
    pub async fn start(db: TestDb) -> App {
        App::start_with(db, Settings::default()).await
    }

    pub async fn start_with(db: TestDb, mut settings: Settings) -> App {
        settings.database_url = db.url.clone();
        settings.listen = "127.0.0.1:0".into();
        let files = tempfile::tempdir().unwrap();
        settings.attachments_dir = files.path().display().to_string();
        let mail = tempfile::tempdir().unwrap();
        settings.mail_dir = mail.path().display().to_string();
        let store = db.open().await;
        let listener = serve::bind(&settings.listen).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let (server_store, server_settings) = (store.clone(), settings.clone());
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            serve::run(server_store, &server_settings, listener, shutdown).await.unwrap();
        });
        App { base, store, database_url: db.url.clone(), _db: db, files, mail, settings, _stop: stop }
    }

    /// The messages sent so far, oldest first, once there are at least `count` (the sender
    /// works in the background).
    pub async fn sent_mail(&self, count: usize) -> Vec<SentMail> {
        mail_in(self.mail.path(), count).await
    }

    /// The web form's fields with the seal the form page gives over `form_key` and `started`
    /// (kept as sent when they carry a seal of their own).
    pub async fn sealed<V: AsRef<str>>(&self, form: &[(&'static str, V)]) -> Vec<(&'static str, String)> {
        let mut fields: Vec<(&'static str, String)> = form.iter().map(|(k, v)| (*k, v.as_ref().to_owned())).collect();
        if fields.iter().any(|(k, _)| *k == "form_seal") {
            return fields;
        }
        let value = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let core = app::App::new(self.store.clone(), lyhord::serve::app_config(&self.settings));
        let seal = app::intake::form_seal(&core, &value("form_key"), &value("started")).await.unwrap();
        fields.push(("form_seal", seal));
        fields
    }

    /// Where a gallring run removes this app's files and sent mail.
    pub fn disk(&self) -> app::gallring::Disk {
        app::gallring::Disk::new(&self.settings.attachments_dir, &self.settings.mail_dir)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects, and sends the
    /// `Origin` header a browser sends with a form post from this site.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.base.parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// Signs in and returns the client holding the session.
    pub async fn signed_in(&self, username: &str, password: &str) -> reqwest::Client {
        let client = self.browser();
        let response = client
            .post(self.url("/staff/sign-in"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "sign-in as {username} should succeed");
        client
    }

    /// A small municipality: the demo's own data, loaded through the same code.
    pub async fn with_demo(self, cases: usize) -> App {
        lyhord::demo::load(&self.store, chrono::Utc::now(), cases).await.unwrap();
        self
    }

    /// A second municipality with one handläggare, to prove jurisdictions never meet.
    pub async fn with_second_jurisdiction(self) -> App {
        let salem = Jurisdiction { id: "salem".into(), name: "Salems kommun".into(), ..Jurisdiction::default() };
        self.store.upsert_jurisdiction(&salem).await.unwrap();
        let root = domain::OrgNode {
            id: "salem".into(),
            parent: None,
            level: domain::NodeLevel::Kommun,
            name: "Salems kommun".into(),
            manager_name: Some("Kommunchef".into()),
            manager_user_id: None,
        };
        self.store.upsert_org(&"salem".into(), &[root]).await.unwrap();
        lyhord::admin::add_user(
            &self.store,
            Some("salem"),
            "salem-admin",
            "Salem Admin",
            Role::Administrator,
            Some("salem"),
            None,
            PASSWORD,
        )
        .await
        .unwrap();
        self
    }
}

pub const PASSWORD: &str = lyhord::demo::DEMO_PASSWORD;

/// A staff account in Västerås with the demo password and no e-mail address.
pub async fn add_staff(store: &Store, username: &str, name: &str, role: Role, unit: &str) -> domain::UserId {
    lyhord::admin::add_user(store, Some("vasteras"), username, name, role, Some(unit), None, PASSWORD).await.unwrap()
}

pub async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

/// A small JPEG whose EXIF segment holds a GPS position.
pub fn jpeg_with_gps() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
    let exif = b"Exif\0\0GPSLatitude 59.6099 GPSLongitude 16.5448";
    b.extend_from_slice(&[0xFF, 0xE1]);
    b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(exif);
    // A 16 × 16 frame, then the picture's data to its end marker.
    b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]);
    b
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `.eml` files in `dir`, in the order of their names (the order they were written), once
/// there are at least `count`; mail is sent in the background.
pub async fn mail_in(dir: &std::path::Path, count: usize) -> Vec<SentMail> {
    for _ in 0..300 {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        if files.len() >= count {
            files.sort();
            return files.iter().map(|p| SentMail::parse(&std::fs::read(p).unwrap())).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} messages were sent within fifteen seconds");
}

/// A PDF as a reader sees it: `pdfinfo`'s facts (title, tagged, pages) and the text that
/// `pdftotext -layout` takes out of it, a table's row on one line.
pub fn read_pdf(bytes: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, bytes).unwrap();
    let run = |tool: &str, args: &[&str]| {
        let out = std::process::Command::new(tool)
            .args(args)
            .arg(&file)
            .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
            .output()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
        assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    (run("pdfinfo", &[]), run("pdftotext", &["-layout"]))
}
