//! The `lyhord` executable as people and scripts meet it: exact output, one clear sentence
//! on every error, never a panic.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn lyhord(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lyhord"));
    command.args(args).env_remove("RUST_LOG").env("LYHORD_LOG", "warn");
    command
}

fn run(args: &[&str]) -> Output {
    lyhord(args).output().unwrap()
}

/// Runs `lyhord` on the database at `url` with `input` on standard input.
fn run_with_input(args: &[&str], url: &str, input: &[u8]) -> Output {
    let mut child = lyhord(args)
        .env("LYHORD_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Fails unless the command failed with exactly one line that names the problem.
fn assert_one_sentence_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should fail: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

#[test]
fn calendar_holidays_prints_the_named_days_of_the_year() {
    let o = run(&["calendar", "holidays", "2026"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "2026-01-01\thelgdag\tnyårsdagen\n\
         2026-01-06\thelgdag\ttrettondedag jul\n\
         2026-04-03\thelgdag\tlångfredagen\n\
         2026-04-05\thelgdag\tpåskdagen\n\
         2026-04-06\thelgdag\tannandag påsk\n\
         2026-05-01\thelgdag\tförsta maj\n\
         2026-05-14\thelgdag\tKristi himmelsfärdsdag\n\
         2026-05-24\thelgdag\tpingstdagen\n\
         2026-06-06\thelgdag\tSveriges nationaldag\n\
         2026-06-19\thelgdagsafton\tmidsommarafton\n\
         2026-06-20\thelgdag\tmidsommardagen\n\
         2026-10-31\thelgdag\talla helgons dag\n\
         2026-12-24\thelgdagsafton\tjulafton\n\
         2026-12-25\thelgdag\tjuldagen\n\
         2026-12-26\thelgdag\tannandag jul\n\
         2026-12-31\thelgdagsafton\tnyårsafton\n"
    );
    let o = run(&["calendar", "holidays", "2004"]);
    assert!(stdout(&o).contains("2004-05-31\thelgdag\tannandag pingst\n"));
    assert!(!stdout(&o).contains("nationaldag"));
}

#[test]
fn calendar_arithmetic_prints_one_date() {
    assert_eq!(stdout(&run(&["calendar", "add-workdays", "2026-12-23", "2"])), "2026-12-29\n");
    assert_eq!(stdout(&run(&["calendar", "statutory", "2026-11-27", "--weeks", "4"])), "2026-12-28\n");
    assert_eq!(stdout(&run(&["calendar", "statutory", "2026-01-31", "--months", "1"])), "2026-03-02\n");
    assert_eq!(stdout(&run(&["calendar", "statutory", "2026-12-21", "--days", "3"])), "2026-12-28\n");
}

#[test]
fn calendar_bad_input_is_one_clear_sentence() {
    assert_one_sentence_error(
        &run(&["calendar", "add-workdays", "2026-02-30", "2"]),
        "\"2026-02-30\" is not a date of the form YYYY-MM-DD",
    );
    assert_one_sentence_error(&run(&["calendar", "add-workdays", "2026-12-23", "-2"]), "the count -2 is negative");
    assert_one_sentence_error(&run(&["calendar", "holidays", "1989"]), "the year 1989 is outside 1990–2200");
    assert_one_sentence_error(&run(&["calendar", "statutory", "2026-11-27", "--weeks", "-1"]), "is negative");
    assert_one_sentence_error(&run(&["calendar", "statutory", "2201-01-01", "--days", "1"]), "outside 1990–2200");
}

fn temp_db_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("data").join("lyhord.db").display())
}

#[test]
fn a_port_in_use_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let o = lyhord(&["serve"])
        .env("LYHORD_DATABASE_URL", temp_db_url(&dir))
        .env("LYHORD_LISTEN", &address)
        .output()
        .unwrap();
    assert_one_sentence_error(&o, &format!("cannot listen on {address}: the address is already in use"));
}

#[test]
fn bad_database_settings_are_named() {
    let o = lyhord(&["migrate"]).env("LYHORD_DATABASE_URL", "mysql://localhost/lyhord").output().unwrap();
    assert_one_sentence_error(&o, "the database URL must start with sqlite: or postgres://, not mysql://");

    let o = lyhord(&["migrate"]).env("LYHORD_DATABASE_URL", "postgres://lyhord@127.0.0.1:1/lyhord").output().unwrap();
    assert_one_sentence_error(&o, "cannot connect to PostgreSQL");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "").unwrap();
    let url = format!("sqlite:{}/data/lyhord.db", file.display());
    let o = lyhord(&["migrate"]).env("LYHORD_DATABASE_URL", url).output().unwrap();
    assert_one_sentence_error(&o, "cannot create the data directory");

    let o = lyhord(&["migrate"]).env("LYHORD_LISTEN", "x").env("LYHORD_MAX_CONNECTIONS", "many").output().unwrap();
    assert_one_sentence_error(&o, "the configuration is not valid");
}

#[test]
fn migrate_applies_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_db_url(&dir);
    let first = lyhord(&["migrate"]).env("LYHORD_DATABASE_URL", &url).output().unwrap();
    assert_eq!(stdout(&first), "16 migration(s) applied; the database is up to date.\n");
    let again = lyhord(&["migrate"]).env("LYHORD_DATABASE_URL", &url).output().unwrap();
    assert_eq!(stdout(&again), "0 migration(s) applied; the database is up to date.\n");
}

#[test]
fn serve_on_an_empty_database_invents_nothing_and_says_how_to_begin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = lyhord(&["serve"])
        .env("LYHORD_DATABASE_URL", temp_db_url(&dir))
        .env("LYHORD_LISTEN", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("Lyhörd is running") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.contains("This database has no municipality yet"), "{seen}");
    assert!(seen.contains("lyhord init --jurisdiction"), "{seen}");
}

#[test]
fn init_then_user_add_sets_up_a_municipality() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_db_url(&dir);
    let init = lyhord(&["init", "--jurisdiction", "salem", "--name", "Salems kommun"])
        .env("LYHORD_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    let out = stdout(&init);
    assert!(out.contains("Created Salems kommun (salem)."), "{out}");
    assert!(out.contains("as admin with the password"), "{out}");

    let again =
        lyhord(&["init", "--jurisdiction", "salem", "--name", "Salem"]).env("LYHORD_DATABASE_URL", &url).output();
    assert_one_sentence_error(&again.unwrap(), "the jurisdiction salem already exists");

    let add = ["user", "add", "--username", "kc", "--name", "Kim Kontakt", "--role", "registrator", "--password-stdin"];
    let added = run_with_input(&add, &url, b"a long enough password\n");
    assert_eq!(stdout(&added), "Added kc.\n", "{}", stderr(&added));

    let weak = [
        "user",
        "add",
        "--username",
        "x",
        "--name",
        "X",
        "--role",
        "handlaggare",
        "--node",
        "salem",
        "--password-stdin",
    ];
    assert_one_sentence_error(&run_with_input(&weak, &url, b"short\n"), "the password must be at least 12 characters");

    let o = lyhord(&["user", "add", "--username", "y", "--name", "Y", "--role", "boss"])
        .env("LYHORD_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown role \"boss\""), "{}", stderr(&o));
}

#[test]
fn policy_show_prints_a_policy_file_that_loads_back() {
    let o = run(&["policy", "show"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for id in ["v-s2", "s1", "s2", "s3", "s4", "s6"] {
        assert!(text.contains(&format!("id = \"{id}\"")), "{id} in {text}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, text.replace("length = 2", "length = 5")).unwrap();
    let again = lyhord(&["policy", "show"]).env("LYHORD_POLICY_FILE", &path).output().unwrap();
    assert!(stdout(&again).contains("length = 5"));
    std::fs::write(&path, "[[clock]]\nid = 1\n").unwrap();
    let bad = lyhord(&["serve"])
        .env("LYHORD_POLICY_FILE", &path)
        .env("LYHORD_DATABASE_URL", temp_db_url(&dir))
        .env("LYHORD_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert_one_sentence_error(&bad, &format!("the policy file {} is not valid", path.display()));
}

#[test]
fn setup_export_and_import_move_a_municipality_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_db_url(&dir);
    let at = |args: &[&str]| lyhord(args).env("LYHORD_DATABASE_URL", &url).output().unwrap();
    assert!(at(&["init", "--jurisdiction", "salem", "--name", "Salems kommun"]).status.success());
    let exported = at(&["setup", "export"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let text = stdout(&exported);
    assert!(text.starts_with("# Lyhörd setup for Salems kommun."), "{text}");
    // An administrator adds a unit and a category in the file and loads it back.
    let edited = format!(
        "{text}\n[[org]]\nid = \"salem.park\"\nparent = \"salem\"\nlevel = \"enhet\"\nname = \"Parkenheten\"\n\n\
         [[categories]]\ncode = \"parker\"\nname_sv = \"Parker\"\nname_en = \"Parks\"\ngroup_sv = \"Natur\"\n\
         group_en = \"Nature\"\nnode_id = \"salem.park\"\nkinds = []\npublic = true\n"
    );
    let file = dir.path().join("setup.toml");
    std::fs::write(&file, edited).unwrap();
    let imported = at(&["setup", "import", file.to_str().unwrap()]);
    assert_eq!(stdout(&imported), "Imported into salem. Units: 2, categories: 1, answer templates: 0, policy: yes.\n");
    let again = stdout(&at(&["setup", "export"]));
    assert!(again.contains("code = \"parker\"") && again.contains("id = \"salem.park\""));

    std::fs::write(&file, "this is = not [ toml").unwrap();
    assert_one_sentence_error(&at(&["setup", "import", file.to_str().unwrap()]), "the setup file cannot be read");
    assert_one_sentence_error(&at(&["setup", "import", "/nonexistent.toml"]), "cannot be read");
}

#[test]
fn apikey_create_prints_a_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_db_url(&dir);
    let at = |args: &[&str]| lyhord(args).env("LYHORD_DATABASE_URL", &url).output().unwrap();
    assert_one_sentence_error(&at(&["apikey", "create", "--name", "App"]), "there is no municipality yet");
    assert!(at(&["init", "--jurisdiction", "salem", "--name", "Salems kommun"]).status.success());
    let first = stdout(&at(&["apikey", "create", "--name", "FixaMinGata"]));
    let second = stdout(&at(&["apikey", "create", "--name", "FixaMinGata"]));
    assert!(first.starts_with("API key for FixaMinGata (shown only this once):\n\n    lyh_"), "{first}");
    assert_ne!(first, second, "every key is new");
}
