//! Dates and deadlines in plain words, as citizens read them.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};

use crate::lang::Lang;

const MONTHS_SV: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn weekday(day: Weekday, lang: Lang) -> &'static str {
    let (sv, en) = match day {
        Weekday::Mon => ("måndag", "Monday"),
        Weekday::Tue => ("tisdag", "Tuesday"),
        Weekday::Wed => ("onsdag", "Wednesday"),
        Weekday::Thu => ("torsdag", "Thursday"),
        Weekday::Fri => ("fredag", "Friday"),
        Weekday::Sat => ("lördag", "Saturday"),
        Weekday::Sun => ("söndag", "Sunday"),
    };
    if lang == Lang::En { en } else { sv }
}

/// "tisdag 1 december 2026" / "Tuesday 1 December 2026".
pub fn long_date(at: DateTime<Utc>, lang: Lang) -> String {
    let local = domain::time::local(at);
    let month = local.month0() as usize;
    let month = if lang == Lang::En { MONTHS_EN[month] } else { MONTHS_SV[month] };
    format!("{} {} {} {}", weekday(local.weekday(), lang), local.day(), month, local.year())
}

/// A calendar day in words: "fredag 11 december 2026" / "Friday 11 December 2026".
pub fn day_in_words(day: chrono::NaiveDate, lang: Lang) -> String {
    let month = day.month0() as usize;
    let month = if lang == Lang::En { MONTHS_EN[month] } else { MONTHS_SV[month] };
    format!("{} {} {} {}", weekday(day.weekday(), lang), day.day(), month, day.year())
}

/// A deadline in plain words. Deadlines at midnight are the end of the day before
/// ("tisdag 1 december 2026"); others carry their time ("… kl. 14.00" / "… at 14:00").
pub fn deadline(due: DateTime<Utc>, lang: Lang) -> String {
    let local = domain::time::local(due);
    if local.hour() == 0 && local.minute() == 0 {
        return long_date(due - Duration::minutes(1), lang);
    }
    match lang {
        Lang::Sv => format!("{} kl. {:02}.{:02}", long_date(due, lang), local.hour(), local.minute()),
        Lang::En => format!("{} at {:02}:{:02}", long_date(due, lang), local.hour(), local.minute()),
    }
}

/// "2026-11-27 20.15" in Swedish time.
pub fn short(at: DateTime<Utc>) -> String {
    domain::time::local(at).format("%Y-%m-%d %H.%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadlines_read_as_the_last_day_or_with_their_time() {
        // The end of Tuesday 1 December (midnight after it, Swedish time).
        let end_of_day = Utc.with_ymd_and_hms(2026, 12, 1, 23, 0, 0).unwrap();
        assert_eq!(deadline(end_of_day, Lang::Sv), "tisdag 1 december 2026");
        assert_eq!(deadline(end_of_day, Lang::En), "Tuesday 1 December 2026");
        let afternoon = Utc.with_ymd_and_hms(2026, 6, 23, 12, 0, 0).unwrap();
        assert_eq!(deadline(afternoon, Lang::Sv), "tisdag 23 juni 2026 kl. 14.00");
        assert_eq!(deadline(afternoon, Lang::En), "Tuesday 23 June 2026 at 14:00");
    }
}
