//! Lyhörd stores UTC and reasons about dates in Swedish local time.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The time zone every date, deadline and case-number year is computed in.
pub const STOCKHOLM: Tz = chrono_tz::Europe::Stockholm;

pub fn local(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&STOCKHOLM)
}

/// Midnight starting `day`, Swedish time (it always exists: the clocks change at night's
/// small hours, never at midnight).
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    STOCKHOLM
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .expect("Swedish midnight exists")
        .with_timezone(&Utc)
}

/// The year a case received at `at` is numbered in: the Swedish calendar year.
pub fn case_year(at: DateTime<Utc>) -> i32 {
    local(at).year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn new_years_eve_late_in_utc_is_already_next_year_in_sweden() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(case_year(at), 2027);
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 22, 59, 0).unwrap();
        assert_eq!(case_year(at), 2026);
    }
}
