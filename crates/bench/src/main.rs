//! `lyhord-bench`: measures what the issues set targets for. Run through `bench/run`,
//! which builds in release mode and records the figures.
//!
//! - `intake`: durable submissions per second through the store (group commit), with a
//!   number of concurrent writers; each submission is acknowledged only after its commit.
//! - `fill`: loads a database with N cases spread over many units, for the read benchmarks.
//! - `inbox`: latency of one unit's open cases ordered by deadline (p50, p99).
//! - `breach`: the breach report over the whole municipality for the last day or days.
//! - `gallring`: closes N cases, makes them due, and gallrar them in one approved run while
//!   a citizen keeps submitting; the run's time and the longest wait of that citizen.

use chrono::{DateTime, Duration, Utc};
use clap::{Parser, Subcommand};
use domain::clock::{CaseFacts, Policy};
use domain::{
    Actor, CaseKind, Channel, ContactMethod, EventPayload, NodeLevel, OrgNode, Submission, Submitter, SubmitterRole,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Instant;
use store::{CaseFilter, ConnectOptions, InboxQuery, Jurisdiction, NewCase, SearchQuery, Store, Units};

const JURISDICTION: &str = "bench";

fn jurisdiction() -> domain::JurisdictionId {
    JURISDICTION.into()
}
const UNITS: usize = 100;

#[derive(Parser)]
struct Cli {
    /// `sqlite:PATH` or `postgres://…`; the database must be new (or made by `fill`).
    /// Not needed by `clocks`.
    #[arg(long, default_value = "")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Intake {
        #[arg(long, default_value_t = 16)]
        writers: usize,
        #[arg(long, default_value_t = 50_000)]
        count: usize,
    },
    Fill {
        #[arg(long)]
        cases: usize,
    },
    /// Computes every clock of N cases with the default policy, on one thread, in memory.
    Clocks {
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
    },
    Inbox {
        #[arg(long, default_value_t = 2_000)]
        queries: usize,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// One unit (a handläggare), ten units (a chef), or the whole municipality.
        #[arg(long, value_enum, default_value_t = Scope::Unit)]
        scope: Scope,
        /// Only one kind of case (a filter on the inbox page).
        #[arg(long)]
        filtered: bool,
    },
    /// The report for the whole municipality over the last year (target 2 s).
    Report {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// The breach report (GDPR art. 33-34) for the whole municipality over the last `days`.
    Breach {
        #[arg(long, default_value_t = 1)]
        days: i64,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Gallrar `count` cases in one run (target: 100 000 of 1 000 000 in under ten minutes,
    /// intake never waiting more than a second). Changes the database: run it last.
    Gallring {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
    },
    /// Full-text searches over the whole municipality, first page of 50: for a person's
    /// e-mail address, or (`--common`) for words every case contains.
    Search {
        #[arg(long, default_value_t = 200)]
        queries: usize,
        /// A word every case contains, instead of one that finds a single case.
        #[arg(long)]
        common: bool,
    },
}

/// A case as the `clocks` benchmark sees it: kind, channel, receipt and timeline.
type ClockCase = (CaseKind, Channel, DateTime<Utc>, Vec<(DateTime<Utc>, EventPayload)>);

/// Cases whose clocks the `clocks` benchmark computes: facts and a typical timeline.
fn clock_cases(count: usize) -> Vec<ClockCase> {
    let mut rng = StdRng::seed_from_u64(3);
    let start = Utc::now() - Duration::days(365);
    (0..count)
        .map(|i| {
            let received = start + Duration::seconds(i as i64 * 31);
            let kind = CaseKind::ALL[rng.random_range(0..CaseKind::ALL.len())];
            let channel = Channel::ALL[rng.random_range(0..Channel::ALL.len())];
            let mut events = vec![(received + Duration::hours(2), EventPayload::WorkStarted)];
            if rng.random_bool(0.2) {
                events.push((
                    received + Duration::hours(5),
                    EventPayload::InformationRequested { message: String::new() },
                ));
                events.push((
                    received + Duration::hours(80),
                    EventPayload::CitizenMessage { message: String::new(), attachments: vec![], reference: None },
                ));
            }
            if rng.random_bool(0.7) {
                let after = Duration::hours(rng.random_range(1..200));
                events.push((received + after, EventPayload::Answered { message: String::new() }));
            }
            (kind, channel, received, events)
        })
        .collect()
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Scope {
    Unit,
    TenUnits,
    All,
}

fn unit(i: usize) -> domain::NodeId {
    format!("bench.unit{i:03}").into()
}

async fn prepare(store: &Store) {
    if store.jurisdictions().await.unwrap().iter().any(|j| j.id == JURISDICTION) {
        return;
    }
    let j = Jurisdiction { id: JURISDICTION.into(), name: "Benchmark kommun".into(), ..Jurisdiction::default() };
    store.upsert_jurisdiction(&j).await.unwrap();
    let mut nodes = vec![OrgNode {
        id: JURISDICTION.into(),
        parent: None,
        level: NodeLevel::Kommun,
        name: "Benchmark kommun".into(),
        manager_name: Some("Chef".into()),
        manager_user_id: None,
    }];
    nodes.extend((0..UNITS).map(|i| OrgNode {
        id: unit(i),
        parent: Some(JURISDICTION.into()),
        level: NodeLevel::Enhet,
        name: format!("Enhet {i}"),
        manager_name: Some(format!("Chef {i}")),
        manager_user_id: None,
    }));
    store.upsert_org(&jurisdiction(), &nodes).await.unwrap();
}

/// A realistic submission: a paragraph of Swedish text and contact details, received at
/// `received_at` (increasing, as receipts do).
/// A citizen's case; `live` queues its receipt as a live submission does.
fn case(rng: &mut StdRng, received_at: DateTime<Utc>, live: bool) -> NewCase {
    let n = rng.random_range(0..1_000_000);
    NewCase {
        submission: Submission {
            jurisdiction: JURISDICTION.into(),
            kind: CaseKind::ALL[rng.random_range(0..CaseKind::ALL.len())],
            channel: Channel::Web,
            category: "allmant".into(),
            description: format!(
                "Hej! Jag vill påpeka att belysningen vid gångvägen nummer {n} har varit släckt i över en vecka. \
                 Det är mörkt och otryggt, särskilt för barn som går till skolan på morgonen. Tack på förhand."
            ),
            place: Some(format!("Gångväg {n}")),
            position: None,
            submitter: Submitter {
                role: Some(SubmitterRole::Invanare),
                name: Some(format!("Invånare {n}")),
                email: Some(format!("invanare{n}@example.se")),
                contact_method: Some(ContactMethod::Email),
                ..Submitter::default()
            },
            language: "sv".into(),
            attachments: vec![],
            media_url: None,
            answers: vec![],
        },
        node_id: unit(rng.random_range(0..UNITS)),
        received_at,
        idempotency_key: None,
        live,
        actor: Actor::Citizen,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Submits `count` cases from `writers` concurrent tasks, received evenly over the `span`
/// before now; returns the per-submission latencies. Live submissions queue their receipts;
/// history (a fill) does not.
async fn submit_all(store: &Store, writers: usize, count: usize, span: Duration, live: bool) -> Vec<f64> {
    let per_writer = count.div_ceil(writers);
    let first = Utc::now() - span;
    let step = span / (count.max(1) as i32);
    let sequence = Arc::new(AtomicI32::new(0));
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, sequence) = (store.clone(), sequence.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w as u64);
            let mut latencies = Vec::with_capacity(per_writer);
            loop {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                if n as usize >= count {
                    break;
                }
                let received_at = first + step * n;
                let new_case = case(&mut rng, received_at, live);
                let start = Instant::now();
                store.submit(new_case).await.expect("durable submission");
                latencies.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

fn main() {
    let cli = Cli::parse();
    if let Command::Clocks { cases } = cli.command {
        return clocks(cases);
    }
    tokio::runtime::Runtime::new().expect("runtime").block_on(run(cli));
}

fn clocks(count: usize) {
    let policy = Policy::defaults();
    let cases = clock_cases(count);
    let now = Utc::now();
    let start = Instant::now();
    let (mut computed, mut running) = (0, 0);
    for (kind, channel, received_at, events) in &cases {
        let facts = CaseFacts { kind: *kind, channel: *channel, category: "parker", received_at: *received_at };
        let clocks = policy.clocks(&facts, events, now).expect("inside the calendar's years");
        computed += clocks.len();
        running += usize::from(Policy::nearest_due(&clocks).is_some());
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "clocks cases={count} clocks={computed} cases_with_open_promise={running} seconds={seconds:.3} threads=1 per_second={:.0}",
        count as f64 / seconds
    );
}

async fn run(cli: Cli) {
    let options = ConnectOptions { max_connections: 16, ..ConnectOptions::default() };
    let store = Store::open(&cli.database_url, options).await.expect("open the database");
    prepare(&store).await;
    match cli.command {
        Command::Intake { writers, count } => {
            let start = Instant::now();
            let mut latencies = submit_all(&store, writers, count, Duration::seconds(count as i64 / 1000), true).await;
            let seconds = start.elapsed().as_secs_f64();
            latencies.sort_by(f64::total_cmp);
            println!(
                "intake backend={} writers={writers} submissions={} seconds={seconds:.2} per_second={:.0} \
                 latency_ms_p50={:.2} latency_ms_p99={:.2}",
                store.backend_name(),
                latencies.len(),
                latencies.len() as f64 / seconds,
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.99),
            );
        }
        Command::Fill { cases } => {
            let already = store.count_cases(&jurisdiction()).await.unwrap() as usize;
            let start = Instant::now();
            if cases > already {
                submit_all(&store, 64, cases - already, Duration::days(365), false).await;
            }
            // Searchable too: the indexing that follows the receipts is part of the fill.
            while store.index_pending().await.unwrap() > 0 {}
            let total = store.count_cases(&jurisdiction()).await.unwrap();
            println!(
                "fill backend={} cases={total} seconds={:.1}",
                store.backend_name(),
                start.elapsed().as_secs_f64()
            );
        }
        Command::Clocks { .. } => unreachable!("runs without a database"),
        Command::Report { runs } => {
            let total = store.count_cases(&jurisdiction()).await.unwrap();
            let tree = store.org_tree(&jurisdiction()).await.unwrap();
            let today = chrono::Local::now().date_naive();
            let period: domain::period::Period =
                format!("{}..{}", today - Duration::days(365), today).parse().expect("a period");
            // In `lyhord serve` the worker keeps the per-day tallies current between reports;
            // here the whole fill is tallied once first, and timed on its own.
            let start = Instant::now();
            let tallied = store.refresh_report_days(&jurisdiction()).await.unwrap();
            let tally_seconds = start.elapsed().as_secs_f64();
            let mut seconds = Vec::with_capacity(runs);
            for _ in 0..runs {
                let start = Instant::now();
                let lang = app::lang::Lang::Sv;
                let report =
                    app::reports::build(&store, &jurisdiction(), &tree, &[], JURISDICTION, period, 5, lang, Utc::now())
                        .await
                        .unwrap();
                let html = app::reports::ReportView::of(&report, lang).html(lang);
                seconds.push(start.elapsed().as_secs_f64());
                assert!(html.contains("Alla ärenden"));
            }
            seconds.sort_by(f64::total_cmp);
            println!(
                "report backend={} cases={total} period_days=365 runs={runs} seconds_median={:.2} seconds_max={:.2} \
                 (tallied {tallied} unit-days first in {tally_seconds:.1} s)",
                store.backend_name(),
                percentile(&seconds, 0.5),
                seconds[seconds.len() - 1],
            );
        }
        Command::Breach { days, runs } => {
            let total = store.count_cases(&jurisdiction()).await.unwrap();
            let until = Utc::now();
            let window = app::breach::Window { from: until - Duration::days(days), until, node: None };
            let mut seconds = Vec::with_capacity(runs);
            let mut listed = 0;
            for _ in 0..runs {
                let start = Instant::now();
                let report = app::breach::BreachReport::build(
                    &store,
                    &jurisdiction(),
                    window.clone(),
                    None,
                    app::lang::Lang::Sv,
                )
                .await
                .unwrap();
                let csv = report.csv(app::lang::Lang::Sv);
                seconds.push(start.elapsed().as_secs_f64());
                listed = report.lines.len();
                assert!(listed > 0 && csv.contains("invanare"), "the window has cases with their persons");
            }
            seconds.sort_by(f64::total_cmp);
            println!(
                "breach backend={} cases={total} window_days={days} listed={listed} runs={runs} seconds_median={:.2} seconds_max={:.2}",
                store.backend_name(),
                percentile(&seconds, 0.5),
                seconds[seconds.len() - 1],
            );
        }
        Command::Gallring { count } => gallring(&store, count).await,
        Command::Search { queries, common } => {
            let total = store.count_cases(&jurisdiction()).await.unwrap();
            let mut rng = StdRng::seed_from_u64(11);
            let mut latencies = Vec::with_capacity(queries);
            for _ in 0..queries {
                // A word in every case, or a person's e-mail address (found or not).
                let text = if common {
                    "belysningen gångvägen".to_owned()
                } else {
                    format!("invanare{}@example.se", rng.random_range(0..1_000_000))
                };
                let query = SearchQuery {
                    jurisdiction: JURISDICTION.into(),
                    units: Units::All,
                    text,
                    filter: CaseFilter::default(),
                    limit: 51,
                    offset: 0,
                    readable: None,
                };
                let start = Instant::now();
                let rows = store.search(&query).await.unwrap();
                latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                assert!(!common || rows.len() == 51, "a common word fills the page");
            }
            latencies.sort_by(f64::total_cmp);
            println!(
                "search backend={} cases={total} words={} queries={queries} ms_p50={:.3} ms_p99={:.3}",
                store.backend_name(),
                if common { "common" } else { "rare" },
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.99),
            );
        }
        Command::Inbox { queries, limit, scope, filtered } => {
            let total = store.count_cases(&jurisdiction()).await.unwrap();
            let mut rng = StdRng::seed_from_u64(7);
            let mut latencies = Vec::with_capacity(queries);
            for _ in 0..queries {
                let units = match scope {
                    Scope::Unit => Units::Only(vec![unit(rng.random_range(0..UNITS))]),
                    Scope::TenUnits => {
                        let first = rng.random_range(0..UNITS - 10);
                        Units::Only((first..first + 10).map(unit).collect())
                    }
                    Scope::All => Units::All,
                };
                let mut query = InboxQuery::new(&jurisdiction(), units, limit);
                if filtered {
                    query.filter.kind = Some(CaseKind::ALL[rng.random_range(0..CaseKind::ALL.len())]);
                }
                let start = Instant::now();
                let rows = store.inbox(&query).await.unwrap();
                latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                assert!(filtered || !rows.is_empty(), "every unit has open cases");
            }
            latencies.sort_by(f64::total_cmp);
            println!(
                "inbox backend={} cases={total} scope={scope:?}{} queries={queries} limit={limit} ms_p50={:.3} ms_p99={:.3}",
                store.backend_name(),
                if filtered { " filtered=kind" } else { "" },
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.99),
            );
        }
    }
    store.close().await;
}

/// Closes `count` open cases (sent on to another authority, which closes a case in one
/// event), records a decision whose rule makes every closed case due, then plans and carries
/// out the run while one citizen submits after another, as intake goes on during gallring.
async fn gallring(store: &Store, count: usize) {
    let total = store.count_cases(&jurisdiction()).await.unwrap();
    let open = store.inbox(&InboxQuery::new(&jurisdiction(), Units::All, count as i64)).await.unwrap();
    let ids: Vec<domain::CaseId> = open.iter().map(|c| c.id).collect();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for chunk in ids.chunks(ids.len().div_ceil(16).max(1)) {
        let (store, chunk) = (store.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for id in chunk {
                let closing = EventPayload::ForwardedToAuthority {
                    authority: "Länsstyrelsen".into(),
                    how: "e-post".into(),
                    message: "Ärendet hör till Länsstyrelsen.".into(),
                };
                store.append(id, domain::NewEvent::new(Utc::now(), Actor::System, closing)).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let close_seconds = start.elapsed().as_secs_f64();
    let decision = store::NewGallringDecision {
        reference: format!("BENCH {}", Utc::now().timestamp()),
        body: "Kommunstyrelsen".into(),
        decided_on: Utc::now().date_naive(),
        recorded_by: None,
    };
    let decision = store.save_gallring_decision(&jurisdiction(), &decision).await.unwrap();
    let rule = domain::gallring::Rule {
        id: domain::GallringRuleId::new(),
        covers: domain::gallring::Covers::Cases,
        kind: None,
        category: None,
        node_id: None,
        channel: None,
        outcome: None,
        after_months: 0,
        action: domain::gallring::Disposal::Gallras,
    };
    store.add_gallring_rule(&jurisdiction(), decision, &rule).await.unwrap();

    let start = Instant::now();
    let run = app::gallring::plan(store, &jurisdiction(), "bench", Utc::now()).await.unwrap();
    let plan_seconds = start.elapsed().as_secs_f64();
    store.approve_gallring_run(&jurisdiction(), run, "bench").await.unwrap();
    let run = store.gallring_run(&jurisdiction(), run).await.unwrap().unwrap();
    let scratch = std::env::temp_dir();
    let disk = app::gallring::Disk::new(scratch.join("lyhord-bench-files"), scratch.join("lyhord-bench-mail"));

    // A citizen submitting all along: how long does the longest submission wait?
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(99);
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                store.submit(case(&mut rng, Utc::now(), true)).await.expect("intake during gallring");
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            latencies
        })
    };
    let start = Instant::now();
    app::gallring::carry_out(store, &disk, &run).await.unwrap();
    let run_seconds = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = writer.await.unwrap();
    latencies.sort_by(f64::total_cmp);
    let done: i64 = store.gallring_counts(run.id).await.unwrap().iter().map(|c| c.3).sum();
    println!(
        "gallring backend={} cases={total} gallrad={done} close_seconds={close_seconds:.1} plan_seconds={plan_seconds:.1} \
         run_seconds={run_seconds:.1} per_second={:.0} intake_during={} intake_ms_p50={:.2} intake_ms_max={:.2}",
        store.backend_name(),
        done as f64 / run_seconds,
        latencies.len(),
        percentile(&latencies, 0.5),
        latencies[latencies.len() - 1],
    );
}
