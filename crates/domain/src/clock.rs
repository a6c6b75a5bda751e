//! Policy clocks: each promise in the policies becomes a clock on every case it applies to.
//!
//! A clock is derived from the case's events only: it starts at receipt (FL 22 §, also
//! outside office hours), may pause while the municipality waits for the citizen, and stops
//! at the first event that keeps the promise. Nothing about a clock is stored that could not
//! be recomputed, so every due time can be explained from the timeline.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, end_of_day};
use crate::event::EventPayload;
use crate::kinds::{CaseKind, Channel, ContactMethod};
use crate::time::{STOCKHOLM, local};

/// How a promise's length is counted (B3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Hours around the clock.
    Hours,
    /// Hours within the configured office hours on working days.
    OfficeHours,
    /// Working days, ending at the end of the last one (the receipt day not counted).
    WorkingDays,
    /// Calendar days, ending at the end of the last one.
    Days,
    /// Weeks of seven calendar days, ending at the end of the last day.
    Weeks,
}

/// An event that keeps a promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// An answer to the citizen.
    Answered,
    /// A message telling where the case is handled (V-S2).
    CitizenInformed,
    /// A request to the citizen for more information (itself a response).
    InformationRequested,
    /// Who handles it and when a decision comes (S3).
    DecisionPromised,
    /// What will be done, when, and who is responsible (S4).
    FixPromised,
    /// Any logged contact with the citizen.
    ContactLogged,
    /// A logged contact by phone or visit (S1 call-back, S6 "preferably by visit or phone").
    PhoneOrVisit,
}

impl Stop {
    /// When `payload` keeps the promise, the moment it did so.
    fn kept_at(self, recorded_at: DateTime<Utc>, payload: &EventPayload) -> Option<DateTime<Utc>> {
        use EventPayload as P;
        let contact = |method: &ContactMethod, occurred_at: &DateTime<Utc>| {
            let counts = self == Stop::ContactLogged || matches!(method, ContactMethod::Phone | ContactMethod::Visit);
            // A contact counts when it happened, but never later than it was recorded.
            counts.then(|| (*occurred_at).min(recorded_at))
        };
        match (self, payload) {
            (Stop::Answered, P::Answered { .. })
            | (Stop::CitizenInformed, P::CitizenInformed { .. })
            | (Stop::InformationRequested, P::InformationRequested { .. })
            | (Stop::DecisionPromised, P::DecisionPromised { .. })
            | (Stop::FixPromised, P::FixPromised { .. }) => Some(recorded_at),
            // Telling the citizen which authority has the case answers them and says where
            // it is handled (FL 6 §).
            (Stop::Answered | Stop::CitizenInformed, P::ForwardedToAuthority { .. }) => Some(recorded_at),
            (Stop::ContactLogged | Stop::PhoneOrVisit, P::ContactLogged { method, occurred_at, .. }) => {
                contact(method, occurred_at)
            }
            _ => None,
        }
    }
}

/// One promise, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockDef {
    /// Stable identifier, e.g. `v-s2`.
    pub id: String,
    pub name_sv: String,
    pub name_en: String,
    /// The policy's own words and where they come from.
    pub clause: String,
    /// How those words are read here, in Swedish ("tre dygn" as 72 hours around the clock),
    /// shown beside the promise; empty for a municipality's own clocks that need no reading.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
    /// Kinds, channels and categories the promise applies to; empty means all.
    #[serde(default)]
    pub kinds: Vec<CaseKind>,
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub categories: Vec<String>,
    pub length: u32,
    pub unit: Unit,
    pub stops: Vec<Stop>,
    /// Whether waiting for the citizen (a request for information until their reply)
    /// stops the clock from running.
    #[serde(default)]
    pub pausable: bool,
}

impl ClockDef {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_sv }
    }

    pub fn applies_to(&self, kind: CaseKind, channel: Channel, category: &str) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.channels.is_empty() || self.channels.contains(&channel))
            && (self.categories.is_empty() || self.categories.iter().any(|c| c == category))
    }
}

/// Office hours on working days, in Swedish local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

impl Default for OfficeHours {
    fn default() -> Self {
        OfficeHours {
            opens: NaiveTime::from_hms_opt(8, 0, 0).expect("valid"),
            closes: NaiveTime::from_hms_opt(17, 0, 0).expect("valid"),
        }
    }
}

/// A jurisdiction's policy file: its promises, office hours and closure days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    #[serde(default, rename = "clock")]
    pub clocks: Vec<ClockDef>,
    #[serde(default)]
    pub office_hours: OfficeHours,
    /// Local closure days (klämdagar) that do not count as working days for promises.
    #[serde(default)]
    pub closures: Vec<NaiveDate>,
    /// When handlers are reminded and managers told.
    #[serde(default)]
    pub reminders: Reminders,
}

/// When a promise's handler is reminded before it breaks, and how a broken one goes up the
/// line (S7, B6). Everyone is told at office hours on working days, never at night.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminders {
    /// Remind the handler when this share (per cent) of the promise's time has passed; 0: never.
    #[serde(default = "Reminders::default_share")]
    pub halfway_percent: u8,
    /// Remind the handler in the morning of the promise's last working day.
    #[serde(default = "Reminders::yes")]
    pub last_day: bool,
    /// Working days a broken promise may stay broken before the manager one level up is
    /// told; 0: never.
    #[serde(default = "Reminders::default_escalation")]
    pub escalate_after_working_days: u32,
    /// FL 11 §: days a handler's forecast may pass the matter's target before the handler is
    /// asked to send a delay notice at once.
    #[serde(default = "Reminders::default_margin")]
    pub delay_margin_days: u32,
}

impl Reminders {
    fn default_share() -> u8 {
        50
    }
    fn yes() -> bool {
        true
    }
    fn default_escalation() -> u32 {
        2
    }
    fn default_margin() -> u32 {
        14
    }
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders {
            halfway_percent: Reminders::default_share(),
            last_day: true,
            escalate_after_working_days: Reminders::default_escalation(),
            delay_margin_days: Reminders::default_margin(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("clock id {0} is used twice")]
    DuplicateId(String),
    #[error("clock {0} has length 0")]
    ZeroLength(String),
    #[error("clock {0} names nothing that stops it")]
    NoStop(String),
    #[error("office hours must open before they close")]
    OfficeHours,
    #[error("reminders.halfway_percent must be between 0 and 99")]
    HalfwayPercent,
}

/// A validated policy, ready to compute clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub clocks: Vec<ClockDef>,
    pub office_hours: OfficeHours,
    pub calendar: Calendar,
    pub reminders: Reminders,
}

crate::vocabulary! {
    ClockState {
        Running => "running", "Pågår", "Running";
        Paused => "paused", "Pausad", "Paused";
        /// The promise was kept in time.
        Met => "met", "Hållet", "Kept";
        /// The promise was not kept in time (kept late, or not at all).
        Breached => "breached", "Brutet", "Broken";
    }
}

/// A clock on one case at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock<'a> {
    pub def: &'a ClockDef,
    pub started_at: DateTime<Utc>,
    /// When the promise falls due, pauses included.
    pub due_at: DateTime<Utc>,
    pub state: ClockState,
    /// When the promise was kept, if it was.
    pub kept_at: Option<DateTime<Utc>>,
    /// Time left until due (negative when overdue); frozen once kept.
    pub remaining: Duration,
    /// Working days left after today until the due day (0: due today; negative: overdue).
    pub working_days_left: i64,
}

impl ClockState {
    fn letter(self) -> char {
        match self {
            ClockState::Running => 'r',
            ClockState::Paused => 'p',
            ClockState::Met => 'm',
            ClockState::Breached => 'b',
        }
    }

    fn from_letter(c: char) -> Option<ClockState> {
        [ClockState::Running, ClockState::Paused, ClockState::Met, ClockState::Breached]
            .into_iter()
            .find(|s| s.letter() == c)
    }
}

/// A clock as the projection keeps it for reports (S9): what it was after the case's last
/// event. A running clock whose due time has passed since is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRecord {
    pub id: String,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub kept_at: Option<DateTime<Utc>>,
}

impl ClockRecord {
    /// The clocks of a case in one short line: `id:state:start:due:kept;…` (microseconds);
    /// `-` when no clock applies (so that it reads as worked out, not as missing).
    pub fn summarize(clocks: &[Clock<'_>]) -> String {
        if clocks.is_empty() {
            return "-".into();
        }
        clocks
            .iter()
            .map(|c| {
                format!(
                    "{}:{}:{}:{}:{}",
                    c.def.id,
                    c.state.letter(),
                    c.started_at.timestamp_micros(),
                    c.due_at.timestamp_micros(),
                    c.kept_at.map_or(String::new(), |k| k.timestamp_micros().to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Reads what `summarize` wrote; a part it cannot read is left out.
    pub fn parse_summary(summary: &str) -> Vec<ClockRecord> {
        let at = |s: &str| s.parse::<i64>().ok().and_then(DateTime::from_timestamp_micros);
        summary
            .split(';')
            .filter_map(|part| {
                let mut f = part.split(':');
                let (id, state, start, due, kept) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
                Some(ClockRecord {
                    id: id.to_owned(),
                    state: ClockState::from_letter(state.chars().next()?)?,
                    started_at: at(start)?,
                    due_at: at(due)?,
                    kept_at: if kept.is_empty() { None } else { Some(at(kept)?) },
                })
            })
            .collect()
    }

    /// The state at `now`: a clock running when recorded is broken once its due time passed.
    pub fn state_at(&self, now: DateTime<Utc>) -> ClockState {
        match self.state {
            ClockState::Running if now >= self.due_at => ClockState::Breached,
            state => state,
        }
    }
}

impl Clock<'_> {
    /// Whether the promise is still owed: running, or broken and not yet kept (not paused).
    pub fn is_owed(&self) -> bool {
        self.kept_at.is_none() && matches!(self.state, ClockState::Running | ClockState::Breached)
    }
}

/// The Swedish dates every clock of one case is counted from and to.
#[derive(Debug, Clone, Copy)]
struct Days {
    start: NaiveDate,
    today: NaiveDate,
}

/// What a case's clocks depend on besides its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts<'a> {
    pub kind: CaseKind,
    pub channel: Channel,
    pub category: &'a str,
    pub received_at: DateTime<Utc>,
}

impl Policy {
    pub fn new(config: PolicyConfig) -> Result<Policy, PolicyError> {
        let mut seen = std::collections::HashSet::new();
        for def in &config.clocks {
            if !seen.insert(def.id.as_str()) {
                return Err(PolicyError::DuplicateId(def.id.clone()));
            }
            if def.length == 0 {
                return Err(PolicyError::ZeroLength(def.id.clone()));
            }
            if def.stops.is_empty() {
                return Err(PolicyError::NoStop(def.id.clone()));
            }
        }
        if config.office_hours.opens >= config.office_hours.closes {
            return Err(PolicyError::OfficeHours);
        }
        if config.reminders.halfway_percent >= 100 {
            return Err(PolicyError::HalfwayPercent);
        }
        Ok(Policy {
            clocks: config.clocks,
            office_hours: config.office_hours,
            calendar: Calendar::new(config.closures),
            reminders: config.reminders,
        })
    }

    /// Reads a policy written in TOML (a policy file, or the administration page).
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        let config: PolicyConfig = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        Policy::new(config).map_err(|e| e.to_string())
    }

    /// The policy as TOML, with a header that explains the vocabulary.
    pub fn to_toml(&self) -> String {
        let header = "# Lyhörd policy: the promises that become clocks on every case.\n\
                      # Units: hours, office_hours, working_days, days, weeks.\n\
                      # Stops: answered, citizen_informed, information_requested, decision_promised,\n\
                      #        fix_promised, contact_logged, phone_or_visit.\n\
                      # [reminders]: halfway_percent (0: none), last_day, escalate_after_working_days\n\
                      #        (0: never), delay_margin_days (FL 11 §).\n\n";
        format!("{header}{}", toml::to_string(&self.config()).expect("a policy serializes"))
    }

    /// The policy as a file would hold it.
    pub fn config(&self) -> PolicyConfig {
        PolicyConfig {
            clocks: self.clocks.clone(),
            office_hours: self.office_hours,
            closures: self.calendar.closures().collect(),
            reminders: self.reminders,
        }
    }

    /// The clocks of a case at `now`, from its events in order (receipt first or not at all).
    pub fn clocks<'p>(
        &'p self,
        facts: &CaseFacts<'_>,
        events: &[(DateTime<Utc>, EventPayload)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Clock<'p>>, CalendarError> {
        // Swedish dates computed once per case rather than once per clock.
        let days = Days { start: local(facts.received_at).date_naive(), today: local(now).date_naive() };
        self.clocks
            .iter()
            .filter(|def| def.applies_to(facts.kind, facts.channel, facts.category))
            .map(|def| self.clock(def, facts.received_at, days, events, now))
            .collect()
    }

    /// The due time of the nearest clock still running, for ordering inboxes.
    pub fn nearest_due(clocks: &[Clock<'_>]) -> Option<DateTime<Utc>> {
        clocks.iter().filter(|c| c.is_owed()).map(|c| c.due_at).min()
    }

    fn clock<'p>(
        &'p self,
        def: &'p ClockDef,
        start: DateTime<Utc>,
        days: Days,
        events: &[(DateTime<Utc>, EventPayload)],
        now: DateTime<Utc>,
    ) -> Result<Clock<'p>, CalendarError> {
        let mut pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = Vec::new();
        let mut kept_at = None;
        let mut closed_at = None;
        for (at, payload) in events.iter().filter(|(at, _)| *at >= start) {
            if let Some(kept) = def.stops.iter().find_map(|stop| stop.kept_at(*at, payload)) {
                kept_at = Some(kept.max(start));
                break;
            }
            let paused = pauses.last().is_some_and(|(_, end)| end.is_none());
            match payload {
                EventPayload::InformationRequested { .. } if def.pausable && !paused => pauses.push((*at, None)),
                EventPayload::CitizenMessage { .. } if paused => {
                    if let Some(last) = pauses.last_mut() {
                        last.1 = Some(*at);
                    }
                }
                EventPayload::Closed { .. } | EventPayload::ForwardedToAuthority { .. } => {
                    closed_at = Some(*at);
                    break;
                }
                _ => {}
            }
        }
        // A pause still open lasts until the clock ends or until now.
        let until = kept_at.or(closed_at).unwrap_or(now);
        let pauses: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            pauses.into_iter().map(|(from, to)| (from, to.unwrap_or(until).max(from))).collect();
        let still_paused = kept_at.is_none() && closed_at.is_none() && pauses.last().is_some_and(|(_, to)| *to >= now);
        let (due_at, due_day) = self.due(def, start, days.start, &pauses)?;
        let state = match (kept_at, closed_at) {
            (Some(kept), _) if kept <= due_at => ClockState::Met,
            (Some(_), _) | (None, Some(_)) => ClockState::Breached,
            (None, None) if still_paused => ClockState::Paused,
            (None, None) if now >= due_at => ClockState::Breached,
            (None, None) => ClockState::Running,
        };
        let measured_at = kept_at.or(closed_at).unwrap_or(now);
        let remaining = due_at - measured_at;
        let measured_day = if measured_at == now { days.today } else { local(measured_at).date_naive() };
        let working_days_left = self.calendar.working_days_between(measured_day, due_day)?;
        Ok(Clock { def, started_at: start, due_at, state, kept_at, remaining, working_days_left })
    }

    /// When the promise falls due, and the last Swedish day on which it can be kept.
    fn due(
        &self,
        def: &ClockDef,
        start: DateTime<Utc>,
        start_day: NaiveDate,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<(DateTime<Utc>, NaiveDate), CalendarError> {
        let day = |t: DateTime<Utc>| local(t).date_naive();
        let length = i64::from(def.length);
        let by_the_hour = |due: DateTime<Utc>| (due, day(due - Duration::microseconds(1)));
        Ok(match def.unit {
            Unit::Hours => {
                let paused = pauses.iter().map(|(from, to)| *to - *from).sum::<Duration>();
                by_the_hour(start + Duration::hours(length) + paused)
            }
            Unit::OfficeHours => by_the_hour(self.add_office_time(start, Duration::hours(length), pauses)?),
            Unit::WorkingDays => {
                let mut paused = 0;
                for (from, to) in pauses {
                    paused += self.calendar.working_days_between(day(*from), day(*to))?;
                }
                let last = self.calendar.add_working_days(start_day, def.length + paused as u32)?;
                (end_of_day(last), last)
            }
            Unit::Days | Unit::Weeks => {
                let days = if def.unit == Unit::Weeks { 7 * length } else { length };
                let paused: i64 = pauses.iter().map(|(from, to)| (day(*to) - day(*from)).num_days()).sum();
                let mut last = start_day + Duration::days(days + paused);
                // As lag (1930:173) 2 § does for statutory periods, a promise that would end
                // on a day the office is closed ends on the next working day instead.
                while !self.calendar.is_working_day(last)? {
                    last = last.succ_opt().ok_or(CalendarError::YearOutOfRange(crate::calendar::LAST_YEAR + 1))?;
                }
                (end_of_day(last), last)
            }
        })
    }

    /// `budget` of office time after `start`, not counting paused time.
    fn add_office_time(
        &self,
        start: DateTime<Utc>,
        budget: Duration,
        pauses: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<DateTime<Utc>, CalendarError> {
        let at_local = |date: NaiveDate, time: NaiveTime| {
            // Office hours never fall in the hour a DST change skips or repeats.
            STOCKHOLM.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
        };
        let mut left = budget;
        let mut date = local(start).date_naive();
        loop {
            if self.calendar.is_working_day(date)? {
                let window = at_local(date, self.office_hours.opens).zip(at_local(date, self.office_hours.closes));
                if let Some((opens, closes)) = window {
                    let mut from = opens.max(start);
                    while from < closes {
                        // Skip a pause that covers `from`; otherwise run to the next pause.
                        if let Some((_, to)) = pauses.iter().find(|(p_from, p_to)| *p_from <= from && from < *p_to) {
                            from = *to;
                            continue;
                        }
                        let next_pause = pauses.iter().map(|(p_from, _)| *p_from).filter(|p| *p > from).min();
                        let until = next_pause.map_or(closes, |p| p.min(closes));
                        if until - from >= left {
                            return Ok(from + left);
                        }
                        left -= until - from;
                        from = until;
                    }
                }
            }
            date = date.succ_opt().ok_or(CalendarError::YearOutOfRange(crate::calendar::LAST_YEAR + 1))?;
        }
    }

    /// The three policies' promises as defaults (Västerås synpunktshantering 2014, Salem
    /// servicepolicy 2010); each jurisdiction can replace them with its policy file.
    pub fn defaults() -> Policy {
        Policy::new(PolicyConfig {
            clocks: default_clocks(),
            office_hours: OfficeHours::default(),
            closures: Vec::new(),
            reminders: Reminders::default(),
        })
        .expect("the default policy is valid")
    }
}

#[allow(clippy::too_many_arguments)]
fn def(
    id: &str,
    name_sv: &str,
    name_en: &str,
    clause: &str,
    reading: &str,
    kinds: &[CaseKind],
    channels: &[Channel],
    length: u32,
    unit: Unit,
    stops: &[Stop],
    pausable: bool,
) -> ClockDef {
    ClockDef {
        id: id.into(),
        name_sv: name_sv.into(),
        name_en: name_en.into(),
        clause: clause.into(),
        reading: reading.into(),
        kinds: kinds.to_vec(),
        channels: channels.to_vec(),
        categories: Vec::new(),
        length,
        unit,
        stops: stops.to_vec(),
        pausable,
    }
}

fn default_clocks() -> Vec<ClockDef> {
    use Stop::*;
    vec![
        def(
            "v-s2",
            "Svar eller besked om var ärendet hanteras",
            "An answer, or where the case is handled",
            "Västerås policy för synpunktshantering (2014): \"Inom två dagar ska vi ge ett svar eller återkoppling om var ärendet kommer att hanteras.\"",
            "\"Inom två dagar\" läses som två arbetsdagar: helger och helgdagar räknas inte. Beröm väntar inget svar.",
            &[CaseKind::Synpunkt, CaseKind::Klagomal, CaseKind::Ide, CaseKind::Fraga, CaseKind::Felanmalan],
            &[],
            2,
            Unit::WorkingDays,
            &[Answered, CitizenInformed, InformationRequested, DecisionPromised, FixPromised, ContactLogged],
            false,
        ),
        def(
            "s1",
            "Återkoppling på telefonmeddelande",
            "Call back on a phone message",
            "Salems servicepolicy (2010): \"som huvudregel återkomma samma dag vid telefonmeddelande … senast inom ett dygn.\"",
            "\"Inom ett dygn\" läses som 24 timmar från meddelandet, dygnet runt. Gäller meddelanden och röstbrevlåda där invånaren vill bli uppringd, inte samtal som besvaras direkt.",
            &[],
            &[Channel::PhoneMessage],
            24,
            Unit::Hours,
            &[PhoneOrVisit, Answered],
            false,
        ),
        def(
            "s2",
            "Svar på e-post",
            "An answer to e-mail",
            "Salems servicepolicy (2010): \"frågor på e-post skall besvaras inom tre dygn.\"",
            "\"Inom tre dygn\" läses som 72 timmar från att e-posten kom, dygnet runt.",
            &[],
            &[Channel::Email],
            72,
            Unit::Hours,
            &[Answered],
            true,
        ),
        def(
            "s3",
            "Bekräftelse: vem som handlägger och när beslut kommer",
            "Confirmation: who handles it and when a decision comes",
            "Salems servicepolicy (2010): \"alltid bekräftar en ansökan/förfrågan med ett besked om när beslut/information kommer att meddelas och vem som är handläggare … inom ett dygn.\"",
            "\"Inom ett dygn\" läses som 24 timmar från att frågan kom, dygnet runt.",
            &[CaseKind::Fraga],
            &[],
            24,
            Unit::Hours,
            &[DecisionPromised, Answered],
            false,
        ),
        def(
            "s4",
            "Besked vid felanmälan: vad, när och vem",
            "Fault report notice: what, when and who",
            "Salems servicepolicy (2010): \"vid felanmälan ger besked om vilka åtgärder som kommer att vidtas, när det kommer att göras och vem som är ansvarig.\"",
            "Policyn säger ingen tid; Lyhörd räknar en arbetsdag.",
            &[CaseKind::Felanmalan],
            &[],
            1,
            Unit::WorkingDays,
            &[FixPromised, Answered],
            false,
        ),
        def(
            "s6",
            "Klagomål möts",
            "A complaint is met",
            "Salems servicepolicy (2010): \"Klagomål möts omgående och senast inom en vecka. Kontakten sker i möjligaste mån vid besök eller via telefon.\"",
            "\"Inom en vecka\" läses som samma veckodag veckan efter, och därefter nästa arbetsdag om den dagen är ledig.",
            &[CaseKind::Klagomal],
            &[],
            1,
            Unit::Weeks,
            &[ContactLogged, Answered],
            true,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A Swedish local time as UTC.
    fn se(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        STOCKHOLM.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
    }

    fn facts(kind: CaseKind, channel: Channel, received_at: DateTime<Utc>) -> CaseFacts<'static> {
        CaseFacts { kind, channel, category: "parker", received_at }
    }

    fn due_of<'a>(clocks: &'a [Clock<'a>], id: &str) -> &'a Clock<'a> {
        clocks.iter().find(|c| c.def.id == id).unwrap_or_else(|| panic!("no clock {id}"))
    }

    fn ids<'a>(clocks: &'a [Clock<'a>]) -> Vec<&'a str> {
        clocks.iter().map(|c| c.def.id.as_str()).collect()
    }

    #[test]
    fn each_promise_applies_to_its_kinds_and_channels() {
        let p = Policy::defaults();
        let at = se(2026, 3, 2, 10, 0);
        let clocks = |kind, channel| {
            p.clocks(&facts(kind, channel, at), &[], at).unwrap().iter().map(|c| c.def.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(clocks(CaseKind::Synpunkt, Channel::Web), ["v-s2"]);
        // Praise waits for no answer (V-S2 is about answers and where a case is handled).
        assert!(clocks(CaseKind::Berom, Channel::Web).is_empty());
        assert_eq!(clocks(CaseKind::Klagomal, Channel::Email), ["v-s2", "s2", "s6"]);
        // S1 is for a message left for a call back, not a call dealt with as it came in.
        assert_eq!(clocks(CaseKind::Fraga, Channel::Phone), ["v-s2", "s3"]);
        assert_eq!(clocks(CaseKind::Fraga, Channel::PhoneMessage), ["v-s2", "s1", "s3"]);
        assert_eq!(clocks(CaseKind::Felanmalan, Channel::Api), ["v-s2", "s4"]);
    }

    #[test]
    fn a_friday_evening_complaint_by_email() {
        let p = Policy::defaults();
        let received = se(2026, 11, 27, 20, 15);
        let clocks = p.clocks(&facts(CaseKind::Klagomal, Channel::Email, received), &[], received).unwrap();
        assert_eq!(ids(&clocks), ["v-s2", "s2", "s6"]);
        // Two working days after Friday: the end of Tuesday 1 December.
        assert_eq!(due_of(&clocks, "v-s2").due_at, se(2026, 12, 2, 0, 0));
        // "Tre dygn": 72 hours, the weekend included: Monday evening at 20.15.
        assert_eq!(due_of(&clocks, "s2").due_at, se(2026, 11, 30, 20, 15));
        // One week: the end of the next Friday.
        assert_eq!(due_of(&clocks, "s6").due_at, se(2026, 12, 5, 0, 0));
        assert!(clocks.iter().all(|c| c.state == ClockState::Running));
        assert_eq!(Policy::nearest_due(&clocks), Some(se(2026, 11, 30, 20, 15)));
        // On Monday morning: Monday and Tuesday are left for V-S2, one after today.
        let monday =
            p.clocks(&facts(CaseKind::Klagomal, Channel::Email, received), &[], se(2026, 11, 30, 9, 0)).unwrap();
        assert_eq!(due_of(&monday, "v-s2").working_days_left, 1);
        assert_eq!(due_of(&monday, "v-s2").remaining, Duration::hours(39));
        let wednesday =
            p.clocks(&facts(CaseKind::Klagomal, Channel::Email, received), &[], se(2026, 12, 2, 9, 0)).unwrap();
        assert_eq!(
            (due_of(&wednesday, "v-s2").working_days_left, due_of(&wednesday, "v-s2").state),
            (-1, ClockState::Breached)
        );
    }

    #[test]
    fn a_week_that_would_end_on_a_holiday_ends_on_the_next_working_day() {
        let p = Policy::defaults();
        // A Sunday complaint: a week later is a Sunday, so the promise runs to Monday.
        let sunday = se(2026, 11, 22, 11, 0);
        let clocks = p.clocks(&facts(CaseKind::Klagomal, Channel::Web, sunday), &[], sunday).unwrap();
        assert_eq!(due_of(&clocks, "s6").due_at, se(2026, 12, 1, 0, 0));
        // From 18 December: Christmas Day, then a weekend and annandag jul: Monday 28th.
        let before_christmas = se(2026, 12, 18, 10, 0);
        let clocks =
            p.clocks(&facts(CaseKind::Klagomal, Channel::Web, before_christmas), &[], before_christmas).unwrap();
        assert_eq!(due_of(&clocks, "s6").due_at, se(2026, 12, 29, 0, 0));
    }

    #[test]
    fn a_question_the_day_before_midsommarafton() {
        let p = Policy::defaults();
        let received = se(2026, 6, 18, 14, 0);
        let clocks = p.clocks(&facts(CaseKind::Fraga, Channel::Web, received), &[], received).unwrap();
        // "Inom ett dygn": 24 hours, on midsommarafton itself.
        assert_eq!(due_of(&clocks, "s3").due_at, se(2026, 6, 19, 14, 0));
        // Midsommarafton, midsommardagen and Sunday are not working days.
        assert_eq!(due_of(&clocks, "v-s2").due_at, se(2026, 6, 24, 0, 0));
    }

    #[test]
    fn an_email_between_christmas_and_new_year() {
        let p = Policy::defaults();
        let received = se(2026, 12, 28, 10, 0);
        let clocks = p.clocks(&facts(CaseKind::Synpunkt, Channel::Email, received), &[], received).unwrap();
        assert_eq!(due_of(&clocks, "v-s2").due_at, se(2026, 12, 31, 0, 0));
        // 72 hours around the clock: nyårsafton at ten.
        assert_eq!(due_of(&clocks, "s2").due_at, se(2026, 12, 31, 10, 0));
    }

    #[test]
    fn kept_in_time_is_met_and_kept_late_is_breached() {
        let p = Policy::defaults();
        let received = se(2026, 3, 2, 9, 0);
        let f = facts(CaseKind::Synpunkt, Channel::Email, received);
        let informed = vec![(se(2026, 3, 3, 11, 0), EventPayload::CitizenInformed { message: "Parkenheten".into() })];
        let clocks = p.clocks(&f, &informed, se(2026, 3, 20, 0, 0)).unwrap();
        let vs2 = due_of(&clocks, "v-s2");
        assert_eq!((vs2.state, vs2.kept_at), (ClockState::Met, Some(se(2026, 3, 3, 11, 0))));
        // Telling where it is handled is not an answer: the e-mail promise is now breached.
        assert_eq!(due_of(&clocks, "s2").state, ClockState::Breached);
        assert_eq!(Policy::nearest_due(&clocks), Some(se(2026, 3, 5, 9, 0)));

        let late = vec![(se(2026, 3, 10, 9, 0), EventPayload::Answered { message: "Svar".into() })];
        let clocks = p.clocks(&f, &late, se(2026, 3, 20, 0, 0)).unwrap();
        assert!(clocks.iter().all(|c| c.state == ClockState::Breached && c.kept_at.is_some()));
        assert_eq!(Policy::nearest_due(&clocks), None, "kept clocks no longer order the inbox");
    }

    #[test]
    fn waiting_for_the_citizen_pauses_only_the_clocks_that_allow_it() {
        let p = Policy::defaults();
        let received = se(2026, 3, 2, 9, 0); // Monday
        let f = facts(CaseKind::Klagomal, Channel::Email, received);
        let asked = (se(2026, 3, 3, 10, 0), EventPayload::InformationRequested { message: "Var?".into() });
        let clocks = p.clocks(&f, std::slice::from_ref(&asked), se(2026, 3, 5, 12, 0)).unwrap();
        assert_eq!(due_of(&clocks, "s2").state, ClockState::Paused);
        assert_eq!(due_of(&clocks, "s6").state, ClockState::Paused);
        assert_eq!(due_of(&clocks, "v-s2").state, ClockState::Met, "asking is itself a response (V-S2)");
        // The reply comes 77 hours later: the e-mail promise, counted in hours, moves by 77
        // hours; the week, counted in days, by the three working days.
        let replied = (
            se(2026, 3, 6, 15, 0),
            EventPayload::CitizenMessage { message: "Vid dammen.".into(), attachments: vec![], reference: None },
        );
        let clocks = p.clocks(&f, &[asked, replied], se(2026, 3, 6, 16, 0)).unwrap();
        assert_eq!(due_of(&clocks, "s2").due_at, se(2026, 3, 8, 14, 0));
        assert_eq!(due_of(&clocks, "s2").state, ClockState::Running);
        assert_eq!(due_of(&clocks, "s6").due_at, se(2026, 3, 13, 0, 0));
    }

    #[test]
    fn a_contact_counts_when_it_happened_and_s1_wants_phone_or_visit() {
        let p = Policy::defaults();
        let received = se(2026, 3, 2, 9, 0);
        let f = facts(CaseKind::Synpunkt, Channel::PhoneMessage, received);
        let letter = |at| {
            (
                se(2026, 3, 4, 9, 0),
                EventPayload::ContactLogged { method: ContactMethod::Letter, occurred_at: at, summary: "Brev".into() },
            )
        };
        let clocks = p.clocks(&f, &[letter(se(2026, 3, 2, 15, 0))], se(2026, 3, 4, 10, 0)).unwrap();
        assert_eq!(
            due_of(&clocks, "v-s2").kept_at,
            Some(se(2026, 3, 2, 15, 0)),
            "recorded later, kept when it happened"
        );
        assert_eq!(due_of(&clocks, "s1").state, ClockState::Breached, "a letter is not a call-back");
        let call = (
            se(2026, 3, 2, 16, 0),
            EventPayload::ContactLogged {
                method: ContactMethod::Phone,
                occurred_at: se(2026, 3, 2, 15, 30),
                summary: "Ringde upp".into(),
            },
        );
        let clocks = p.clocks(&f, &[call], se(2026, 3, 4, 10, 0)).unwrap();
        assert_eq!(due_of(&clocks, "s1").state, ClockState::Met);
    }

    #[test]
    fn a_summary_keeps_each_clock_for_reports_and_a_running_one_breaks_in_time() {
        let p = Policy::defaults();
        let received = se(2026, 3, 2, 9, 0);
        let f = facts(CaseKind::Klagomal, Channel::Phone, received);
        let answer = (se(2026, 3, 2, 11, 0), EventPayload::Answered { message: "Svar".into() });
        let clocks = p.clocks(&f, &[answer], se(2026, 3, 2, 11, 0)).unwrap();
        let summary = ClockRecord::summarize(&clocks);
        let records = ClockRecord::parse_summary(&summary);
        assert_eq!(records.len(), clocks.len());
        for (record, clock) in records.iter().zip(&clocks) {
            assert_eq!(
                (record.id.as_str(), record.state, record.kept_at),
                (clock.def.id.as_str(), clock.state, clock.kept_at)
            );
        }
        let running = p.clocks(&f, &[], received).unwrap();
        let record = &ClockRecord::parse_summary(&ClockRecord::summarize(&running))[0];
        assert_eq!(record.state_at(received), ClockState::Running);
        assert_eq!(record.state_at(record.due_at), ClockState::Breached);
        assert_eq!(ClockRecord::summarize(&[]), "-");
        assert!(ClockRecord::parse_summary("-").is_empty());
    }

    fn single(length: u32, unit: Unit) -> Policy {
        Policy::new(PolicyConfig {
            clocks: vec![def("x", "x", "x", "x", "", &[], &[], length, unit, &[Stop::Answered], true)],
            office_hours: OfficeHours::default(),
            closures: vec![],
            reminders: Reminders::default(),
        })
        .unwrap()
    }

    #[test]
    fn hours_around_the_clock_are_real_hours_across_daylight_saving_changes() {
        let p = single(24, Unit::Hours);
        // The night to 29 March 2026 has 23 hours in Sweden.
        let spring = se(2026, 3, 28, 12, 0);
        let c = p.clocks(&facts(CaseKind::Fraga, Channel::Web, spring), &[], spring).unwrap();
        assert_eq!(c[0].due_at, se(2026, 3, 29, 13, 0));
        let autumn = se(2026, 10, 24, 12, 0);
        let c = p.clocks(&facts(CaseKind::Fraga, Channel::Web, autumn), &[], autumn).unwrap();
        assert_eq!(c[0].due_at, se(2026, 10, 25, 11, 0));
    }

    #[test]
    fn office_hours_count_only_working_hours_across_daylight_saving_changes() {
        let p = single(8, Unit::OfficeHours);
        // Friday 15:00: two hours on Friday, six on Monday after the spring change.
        let friday = se(2026, 3, 27, 15, 0);
        let c = p.clocks(&facts(CaseKind::Fraga, Channel::Web, friday), &[], friday).unwrap();
        assert_eq!(c[0].due_at, se(2026, 3, 30, 14, 0));
        // Received at night: counting starts when the office opens.
        let night = se(2026, 10, 22, 23, 0);
        let c = p.clocks(&facts(CaseKind::Fraga, Channel::Web, night), &[], night).unwrap();
        assert_eq!(c[0].due_at, se(2026, 10, 23, 16, 0));
        // Over the autumn change, and with a pause of two office hours on the Monday.
        let late_friday = se(2026, 10, 23, 16, 0);
        let f = facts(CaseKind::Fraga, Channel::Web, late_friday);
        let c = p.clocks(&f, &[], late_friday).unwrap();
        assert_eq!(c[0].due_at, se(2026, 10, 26, 15, 0));
        let pause = [
            (se(2026, 10, 26, 9, 0), EventPayload::InformationRequested { message: "?".into() }),
            (
                se(2026, 10, 26, 11, 0),
                EventPayload::CitizenMessage { message: "!".into(), attachments: vec![], reference: None },
            ),
        ];
        let c = p.clocks(&f, &pause, se(2026, 10, 26, 12, 0)).unwrap();
        assert_eq!(c[0].due_at, se(2026, 10, 26, 17, 0));
    }

    #[test]
    fn closure_days_of_the_jurisdiction_are_not_working_days_for_promises() {
        let mut config = PolicyConfig {
            clocks: default_clocks(),
            office_hours: OfficeHours::default(),
            closures: vec![],
            reminders: Reminders::default(),
        };
        config.closures.push(NaiveDate::from_ymd_opt(2026, 5, 15).unwrap()); // klämdag
        let p = Policy::new(config).unwrap();
        // Wednesday before Kristi himmelsfärdsdag; the Friday after it is the klämdag.
        let received = se(2026, 5, 13, 10, 0);
        let f = facts(CaseKind::Synpunkt, Channel::Web, received);
        assert_eq!(p.clocks(&f, &[], received).unwrap()[0].due_at, se(2026, 5, 20, 0, 0));
        let without = Policy::defaults();
        assert_eq!(without.clocks(&f, &[], received).unwrap()[0].due_at, se(2026, 5, 19, 0, 0));
    }

    #[test]
    fn invalid_policies_are_refused() {
        let mut config = PolicyConfig {
            clocks: default_clocks(),
            office_hours: OfficeHours::default(),
            closures: vec![],
            reminders: Reminders::default(),
        };
        config.clocks.push(config.clocks[0].clone());
        assert_eq!(Policy::new(config.clone()).unwrap_err(), PolicyError::DuplicateId("v-s2".into()));
        config.clocks.pop();
        config.clocks[1].stops.clear();
        assert_eq!(Policy::new(config.clone()).unwrap_err(), PolicyError::NoStop("s1".into()));
        config.clocks[1].stops.push(Stop::Answered);
        config.office_hours.closes = config.office_hours.opens;
        assert_eq!(Policy::new(config).unwrap_err(), PolicyError::OfficeHours);
    }
}
