//! The `lyhord` command line. Each subcommand's work lives in the library.

use clap::{Args, Parser, Subcommand};
use lyhord::{Settings, admin, calendar_cli, demo, policy, serve};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lyhord",
    version,
    about = "Lyhörd: feedback, complaints and citizen dialogue for a Swedish municipality"
)]
struct Cli {
    /// Configuration file (TOML). Default: ./lyhord.toml if it exists.
    #[arg(long, global = true, env = "LYHORD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        /// Load demo data into an empty database before serving.
        #[arg(long)]
        demo: bool,
        /// How many cases the demo makes (0: the municipality set up, no cases yet).
        #[arg(long, default_value_t = 300, requires = "demo")]
        demo_cases: usize,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Copy the SQLite database and every attachment into a new directory, while serving.
    Backup {
        /// The directory to create.
        dir: PathBuf,
    },
    /// Put a backup in place of an empty installation (no database, no files yet).
    Restore {
        /// A directory `lyhord backup` made.
        dir: PathBuf,
    },
    /// Load demo data into an empty database.
    Demo,
    /// Create a municipality and its first administrator.
    Init {
        /// Short identifier, e.g. `salem`.
        #[arg(long)]
        jurisdiction: String,
        /// The municipality's name, e.g. "Salems kommun".
        #[arg(long)]
        name: String,
        /// Username of the first administrator.
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The Swedish working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// The promises that become clocks on every case.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// A municipality's setup (organisation, categories, templates, policy) as TOML.
    Setup {
        #[command(subcommand)]
        command: SetupCommand,
    },
    /// Gallring under the municipality's gallringsbeslut: plan a run (a preview that removes
    /// nothing), then approve and carry it out.
    Gallring {
        #[command(subcommand)]
        command: GallringCommand,
    },
    /// Keys for the Open311 API.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Take one e-mail message (RFC 822) from standard input: a new case, a message on the
    /// case it answers, or held for staff. For an MTA's pipe or LMTP delivery; exits 75
    /// (try again later) when it cannot be stored.
    IngestMail {
        #[arg(long)]
        jurisdiction: Option<String>,
    },
    /// The report on feedback and complaints for a nämnd or unit and a period (S9), as the
    /// staff pages show it: no names, small groups hidden.
    /// Checks the whole installation: every case's hash chain, every file a case names (present,
    /// content as named), case numbers without gaps. Exits 1 and lists what is wrong.
    Verify,
    /// The record of processing activities (GDPR art. 30) filled from the setup, as Markdown.
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
    /// After a personal data breach (GDPR art. 33-34): the persons and cases whose data were
    /// written, shown or sent in a window, by category of data, as CSV.
    BreachReport {
        /// The window's start: 2026-11-30 (the day's start) or "2026-11-30 14:05", Swedish time.
        #[arg(long)]
        from: String,
        /// Its end: a day (up to and including it) or a time.
        #[arg(long)]
        to: String,
        /// A unit, e.g. `vasteras.an`, with everything below it; the whole municipality if left out.
        #[arg(long)]
        node: Option<String>,
        /// `sv` or `en`.
        #[arg(long, default_value = "sv")]
        lang: String,
        #[arg(long)]
        jurisdiction: Option<String>,
    },
    Report {
        /// The unit, e.g. `vasteras.tn`, with everything below it.
        #[arg(long)]
        node: String,
        /// 2026, 2026-H1, 2026-T2, 2026-05 or 2026-01-15..2026-03-31.
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        /// `sv` or `en`.
        #[arg(long, default_value = "sv")]
        lang: String,
        #[arg(long)]
        jurisdiction: Option<String>,
    },
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Prints the record of processing (registerförteckning, art. 30.1) for the nämnder to
    /// keep: controllers, DPO, categories, recipients and the gallring rules in force.
    Record {
        #[arg(long)]
        jurisdiction: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Html,
    Csv,
    /// Tagged PDF (PDF/UA-1) for the nämnd's papers; write it to a file with `>`.
    Pdf,
}

#[derive(Subcommand)]
enum SetupCommand {
    /// Print the setup as TOML.
    Export {
        #[arg(long)]
        jurisdiction: Option<String>,
    },
    /// Apply a setup file (everything is checked before anything changes).
    Import {
        file: PathBuf,
        #[arg(long)]
        jurisdiction: Option<String>,
    },
}

#[derive(Subcommand)]
enum GallringCommand {
    /// List what is due under the decisions in force, as a run that removes nothing yet.
    Plan {
        #[arg(long)]
        jurisdiction: Option<String>,
    },
    /// Approve a planned run and carry it out, or finish one a stop interrupted.
    Run {
        /// The run's id, as `lyhord gallring plan` printed it.
        #[arg(long)]
        approve: domain::GallringRunId,
        /// Who approves (an arkivansvarig), as the protocol names them.
        #[arg(long)]
        by: String,
        #[arg(long)]
        jurisdiction: Option<String>,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Issue a key and print it (it is shown only this once).
    Create {
        /// Who will use the key, e.g. "FixaMinGata".
        #[arg(long)]
        name: String,
        #[arg(long)]
        jurisdiction: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Print the policy in force as TOML: a policy file to start from.
    Show,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account; prints a generated password unless --password-stdin is given.
    Add(UserAdd),
}

#[derive(Args)]
struct UserAdd {
    #[arg(long)]
    username: String,
    /// Full name, shown to colleagues and citizens.
    #[arg(long)]
    name: String,
    /// administrator, registrator, handlaggare, chef, lasare or arkivansvarig.
    #[arg(long, value_parser = role)]
    role: store::Role,
    /// The organisation unit whose cases the account sees.
    #[arg(long)]
    node: Option<String>,
    #[arg(long)]
    email: Option<String>,
    /// Needed when the installation has several jurisdictions.
    #[arg(long)]
    jurisdiction: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// List the named non-working days of a year.
    Holidays {
        #[arg(allow_hyphen_values = true)]
        year: String,
    },
    /// The date N working days after DATE (DATE itself not counted).
    AddWorkdays {
        date: String,
        #[arg(allow_hyphen_values = true)]
        n: String,
    },
    /// The last day of a statutory period from DATE, per lag (1930:173).
    Statutory {
        date: String,
        #[arg(long, allow_hyphen_values = true, group = "period")]
        days: Option<String>,
        #[arg(long, allow_hyphen_values = true, group = "period")]
        weeks: Option<String>,
        #[arg(long, allow_hyphen_values = true, group = "period")]
        months: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Calendar { command } => calendar(command),
        command => runtime().and_then(|rt| rt.block_on(run(cli.config, command))),
    };
    match result {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("lyhord: {message}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| format!("cannot start: {e}"))
}

fn calendar(command: CalendarCommand) -> Result<String, String> {
    use calendar_cli::{parse_count, parse_date};
    use domain::calendar::Period;
    match command {
        CalendarCommand::Holidays { year } => {
            let year = year.parse().map_err(|_| format!("{year:?} is not a year"))?;
            calendar_cli::holidays(year)
        }
        CalendarCommand::AddWorkdays { date, n } => calendar_cli::add_workdays(parse_date(&date)?, parse_count(&n)?),
        CalendarCommand::Statutory { date, days, weeks, months } => {
            let period = match (days, weeks, months) {
                (Some(n), None, None) => Period::Days(parse_count(&n)?),
                (None, Some(n), None) => Period::Weeks(parse_count(&n)?),
                (None, None, Some(n)) => Period::Months(parse_count(&n)?),
                _ => return Err("give the period with one of --days, --weeks or --months".into()),
            };
            calendar_cli::statutory(parse_date(&date)?, period)
        }
    }
}

async fn run(config: Option<PathBuf>, command: Command) -> Result<String, String> {
    let settings = Settings::load(config.as_deref()).map_err(|e| e.to_string())?;
    init_logging(&settings);
    match command {
        Command::Serve { demo, demo_cases } => serve_command(&settings, demo.then_some(demo_cases)).await,
        Command::Migrate => {
            let applied = store::Store::migrate_only(&settings.database_url, serve::connect_options(&settings))
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!("{applied} migration(s) applied; the database is up to date.\n"))
        }
        Command::Backup { dir } => {
            let m = lyhord::backup::backup(&settings, &dir).await?;
            Ok(format!("Backed up {} case(s) and {} file(s) to {}.\n", m.cases, m.files, dir.display()))
        }
        Command::Restore { dir } => {
            let m = lyhord::backup::restore(&settings, &dir).await?;
            Ok(format!(
                "Restored {} case(s) and {} file(s) from {} (taken {}).\n",
                m.cases,
                m.files,
                dir.display(),
                m.taken_at
            ))
        }
        Command::Demo => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let summary = demo::load(&store, chrono::Utc::now(), 300).await.map_err(|e| e.to_string())?;
            store.close().await;
            Ok(demo_message(&summary))
        }
        Command::Init { jurisdiction, name, admin } => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let password = admin::init(&store, &jurisdiction, &name, &admin).await.map_err(|e| e.to_string())?;
            store.close().await;
            Ok(format!(
                "Created {name} ({jurisdiction}).\nSign in at {}/staff/sign-in as {admin} with the password\n\n    {password}\n\nIt is shown only this once.\n",
                settings.public_url
            ))
        }
        Command::User { command: UserCommand::Add(add) } => {
            let password = if add.password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                app::accounts::generate_password()
            };
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            admin::add_user(
                &store,
                add.jurisdiction.as_deref(),
                &add.username,
                &add.name,
                add.role,
                add.node.as_deref(),
                add.email.as_deref(),
                &password,
            )
            .await
            .map_err(|e| e.to_string())?;
            store.close().await;
            Ok(if add.password_stdin {
                format!("Added {}.\n", add.username)
            } else {
                format!("Added {}. Password (shown only this once):\n\n    {password}\n", add.username)
            })
        }
        Command::Policy { command: PolicyCommand::Show } => {
            let policy = match settings.policy_file.as_deref() {
                Some(path) => policy::load(path).map_err(|e| e.to_string())?,
                None => domain::clock::Policy::defaults(),
            };
            Ok(policy.to_toml())
        }
        Command::Setup { command } => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let result = setup(&store, command).await;
            store.close().await;
            result
        }
        Command::Apikey { command: ApikeyCommand::Create { name, jurisdiction } } => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let key = admin::create_api_key(&store, jurisdiction.as_deref(), &name).await.map_err(|e| e.to_string());
            store.close().await;
            Ok(format!("API key for {name} (shown only this once):\n\n    {}\n", key?))
        }
        Command::IngestMail { jurisdiction } => {
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)
                .map_err(|e| format!("cannot read the message: {e}"))?;
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let result = ingest_mail(&store, &settings, jurisdiction.as_deref(), &raw).await;
            store.close().await;
            result
        }
        Command::Gallring { command } => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let result = match command {
                GallringCommand::Plan { jurisdiction } => {
                    lyhord::gallring_cli::plan(&store, jurisdiction.as_deref()).await
                }
                GallringCommand::Run { approve, by, jurisdiction } => {
                    lyhord::gallring_cli::run(&store, &settings, jurisdiction.as_deref(), approve, &by).await
                }
            };
            store.close().await;
            Ok(result?)
        }
        Command::Verify => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let files = app::files::FileStore::new(&settings.attachments_dir);
            let report = app::verify::run(&store, &files).await.map_err(|e| e.to_string());
            store.close().await;
            let report = report?;
            if report.is_sound() { Ok(report.summary()) } else { Err(report.summary().trim_end().to_owned()) }
        }
        Command::Privacy { command: PrivacyCommand::Record { jurisdiction } } => {
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let result = async {
                let j =
                    admin::resolve_jurisdiction(&store, jurisdiction.as_deref()).await.map_err(|e| e.to_string())?;
                let reads = serve::app_config(&settings).open311_public_reads;
                app::privacy::record_of_processing(&store, &j, reads, chrono::Utc::now())
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            store.close().await;
            result
        }
        Command::BreachReport { from, to, node, lang, jurisdiction } => {
            let lang = app::lang::Lang::from_code(&lang).ok_or("--lang must be sv or en")?;
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let result = breach_report(&store, jurisdiction.as_deref(), &from, &to, node.as_deref(), lang).await;
            store.close().await;
            result
        }
        Command::Report { node, period, format, lang, jurisdiction } => {
            let period: domain::period::Period = period.parse()?;
            let lang = app::lang::Lang::from_code(&lang).ok_or("--lang must be sv or en")?;
            let store = serve::open_store(&settings).await.map_err(|e| e.to_string())?;
            let result = report(&store, &settings, jurisdiction.as_deref(), &node, period, format, lang).await;
            store.close().await;
            // A PDF is bytes, not text: written as they are, nothing else printed.
            std::io::Write::write_all(&mut std::io::stdout(), &result?)
                .map_err(|e| format!("cannot write the report: {e}"))?;
            Ok(String::new())
        }
        Command::Calendar { .. } => unreachable!("handled without a runtime"),
    }
}

async fn breach_report(
    store: &store::Store,
    jurisdiction: Option<&str>,
    from: &str,
    to: &str,
    node: Option<&str>,
    lang: app::lang::Lang,
) -> Result<String, String> {
    use app::breach::{BreachReport, Window, WindowProblem};
    let j = admin::resolve_jurisdiction(store, jurisdiction).await.map_err(|e| e.to_string())?;
    let tree = store.org_tree(&j).await.map_err(|e| e.to_string())?;
    let window = Window::read(from, to, node.unwrap_or(""), &tree).map_err(|problems| {
        let say = |p: &WindowProblem| match p {
            WindowProblem::From => "--from is not a day (2026-11-30) or a time (\"2026-11-30 14:05\")".to_owned(),
            WindowProblem::To => "--to is not a day (2026-11-30) or a time (\"2026-11-30 14:05\")".to_owned(),
            WindowProblem::Order => "--to must come after --from".to_owned(),
            WindowProblem::Node => format!("there is no unit {} in {j}", node.unwrap_or("")),
        };
        problems.iter().map(say).collect::<Vec<_>>().join("; ")
    })?;
    let report = BreachReport::build(store, &j, window, None, lang).await.map_err(|e| e.to_string())?;
    Ok(report.csv(lang))
}

async fn report(
    store: &store::Store,
    settings: &Settings,
    jurisdiction: Option<&str>,
    node: &str,
    period: domain::period::Period,
    format: ReportFormat,
    lang: app::lang::Lang,
) -> Result<Vec<u8>, String> {
    let min_group = settings.report_min_group;
    let j = admin::resolve_jurisdiction(store, jurisdiction).await.map_err(|e| e.to_string())?;
    let (tree, categories) = tokio::try_join!(store.org_tree(&j), store.categories(&j)).map_err(|e| e.to_string())?;
    if tree.node(node).is_err() {
        return Err(format!("there is no unit {node} in {j}"));
    }
    let now = chrono::Utc::now();
    let built = app::reports::build(store, &j, &tree, &categories, node, period, min_group, lang, now)
        .await
        .map_err(|e| e.to_string())?;
    let view = app::reports::ReportView::of(&built, lang);
    match format {
        ReportFormat::Csv => Ok(view.csv().into_bytes()),
        ReportFormat::Html => Ok(view.html(lang).into_bytes()),
        ReportFormat::Pdf => view.pdf(lang, &settings.public_url).map_err(|e| e.to_string()),
    }
}

async fn ingest_mail(
    store: &store::Store,
    settings: &Settings,
    jurisdiction: Option<&str>,
    raw: &[u8],
) -> Result<String, String> {
    let j = admin::resolve_jurisdiction(store, jurisdiction).await.map_err(|e| e.to_string())?;
    let app = app::App::new(store.clone(), serve::app_config(settings));
    match app::mail::ingest(&app, &j, raw, None).await {
        Ok(done) => Ok(match (done.case_number, done.reason) {
            (Some(number), _) if done.outcome == store::MailOutcome::Reply => format!("Added to case {number}.\n"),
            (Some(number), _) => format!("Registered as case {number}.\n"),
            (None, reason) => format!("Held for staff: {}.\n", reason.unwrap_or_default()),
        }),
        Err(e) => {
            // The sender's mail server keeps the message and tries again (EX_TEMPFAIL).
            eprintln!("lyhord: the message could not be stored, try again later: {e}");
            std::process::exit(75);
        }
    }
}

async fn setup(store: &store::Store, command: SetupCommand) -> Result<String, String> {
    match command {
        SetupCommand::Export { jurisdiction } => {
            let j = admin::resolve_jurisdiction(store, jurisdiction.as_deref()).await.map_err(|e| e.to_string())?;
            app::setup::export(store, &j).await.map_err(|e| e.to_string())
        }
        SetupCommand::Import { file, jurisdiction } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("the setup file {} cannot be read: {e}", file.display()))?;
            let j = admin::resolve_jurisdiction(store, jurisdiction.as_deref()).await.map_err(|e| e.to_string())?;
            let done = app::setup::import(store, &j, &text).await.map_err(|e| e.to_string())?;
            Ok(format!(
                "Imported into {j}. Units: {}, categories: {}, answer templates: {}, policy: {}.\n",
                done.nodes,
                done.categories,
                done.templates,
                if done.policy { "yes" } else { "unchanged" }
            ))
        }
    }
}

/// `demo`: how many demo cases to load into an empty database, if any.
async fn serve_command(settings: &Settings, demo: Option<usize>) -> Result<String, String> {
    let store = serve::open_store(settings).await.map_err(|e| e.to_string())?;
    let listener = serve::bind(&settings.listen).await.map_err(|e| e.to_string())?;
    if let Some(cases) = demo {
        match demo::load(&store, chrono::Utc::now(), cases).await {
            Ok(summary) => eprint!("{}", demo_message(&summary)),
            Err(demo::DemoError::NotEmpty) => {
                eprintln!("The database already holds data; the demo data was not loaded again.")
            }
            Err(e) => return Err(e.to_string()),
        }
    } else if store.jurisdictions().await.map_err(|e| e.to_string())?.is_empty() {
        eprintln!(
            "This database has no municipality yet. Create it and its first administrator with:\n\n    \
             lyhord init --jurisdiction <id> --name \"<Kommunens namn>\"\n\nor try Lyhörd with demo data: lyhord serve --demo\n"
        );
    }
    eprintln!(
        "Lyhörd is running at {} ({} database). Sign-in for staff: {}/staff/sign-in. Stop with Ctrl-C.",
        settings.public_url,
        store.backend_name(),
        settings.public_url
    );
    serve::run(store, settings, listener, serve::shutdown_signal())
        .await
        .map_err(|e| format!("the server stopped: {e}"))?;
    Ok(String::new())
}

fn demo_message(summary: &demo::DemoSummary) -> String {
    format!(
        "Loaded demo data: Västerås stad with {} cases. Staff accounts ({}) all use the password {}\n",
        summary.cases,
        summary.usernames.join(", "),
        demo::DEMO_PASSWORD
    )
}

/// A role by its code, or a sentence naming the codes there are.
fn role(code: &str) -> Result<store::Role, String> {
    code.parse().map_err(|_| {
        let codes: Vec<&str> = store::Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role {code:?}; choose one of {}", codes.join(", "))
    })
}

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&settings.log));
    // Colours only for a person at a terminal, not in files and system logs.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}
