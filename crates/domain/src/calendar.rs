//! The Swedish working-day calendar, counted the way a Swedish authority counts.
//!
//! Two legal categories are kept apart (B1): *allmänna helgdagar* under lag (1989:253),
//! which include every Sunday, and the *helgdagsaftnar* midsommarafton, julafton and
//! nyårsafton, which lag (1930:173) 2 § treats like them. A jurisdiction adds its own
//! closure days (klämdagar), which count as non-working for service promises but not for
//! statutory periods.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc, Weekday};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Years with today's holiday law and its two changes (annandag pingst until 2004,
/// nationaldagen from 2005). Earlier years had other laws.
pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2200;

crate::vocabulary! {
    HolidayCategory {
        /// Allmän helgdag, lag (1989:253).
        Helgdag => "helgdag", "Helgdag", "Public holiday";
        /// Midsommarafton, julafton, nyårsafton, lag (1930:173) 2 §.
        Helgdagsafton => "helgdagsafton", "Helgdagsafton", "Holiday eve";
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Holiday {
    pub date: NaiveDate,
    pub category: HolidayCategory,
    pub name: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the year {0} is outside {FIRST_YEAR}–{LAST_YEAR}, the years the calendar knows the holiday law for")]
    YearOutOfRange(i32),
}

fn check_year(year: i32) -> Result<(), CalendarError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) { Ok(()) } else { Err(CalendarError::YearOutOfRange(year)) }
}

/// Easter Sunday by the Gregorian computus (the anonymous algorithm), as the Swedish
/// almanac reckons it.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus gives a real date")
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("fixed holiday dates exist every year")
}

/// The first `weekday` on or after `from`.
fn next_weekday(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7;
    from + Duration::days(i64::from(ahead))
}

fn compute_holidays(year: i32) -> Vec<Holiday> {
    use HolidayCategory::*;
    let easter = easter_sunday(year);
    let midsommardagen = next_weekday(date(year, 6, 20), Weekday::Sat);
    let mut days = vec![
        Holiday { date: date(year, 1, 1), category: Helgdag, name: "nyårsdagen" },
        Holiday { date: date(year, 1, 6), category: Helgdag, name: "trettondedag jul" },
        Holiday { date: easter - Duration::days(2), category: Helgdag, name: "långfredagen" },
        Holiday { date: easter, category: Helgdag, name: "påskdagen" },
        Holiday { date: easter + Duration::days(1), category: Helgdag, name: "annandag påsk" },
        Holiday { date: date(year, 5, 1), category: Helgdag, name: "första maj" },
        Holiday { date: easter + Duration::days(39), category: Helgdag, name: "Kristi himmelsfärdsdag" },
        Holiday { date: easter + Duration::days(49), category: Helgdag, name: "pingstdagen" },
        Holiday { date: midsommardagen - Duration::days(1), category: Helgdagsafton, name: "midsommarafton" },
        Holiday { date: midsommardagen, category: Helgdag, name: "midsommardagen" },
        Holiday { date: next_weekday(date(year, 10, 31), Weekday::Sat), category: Helgdag, name: "alla helgons dag" },
        Holiday { date: date(year, 12, 24), category: Helgdagsafton, name: "julafton" },
        Holiday { date: date(year, 12, 25), category: Helgdag, name: "juldagen" },
        Holiday { date: date(year, 12, 26), category: Helgdag, name: "annandag jul" },
        Holiday { date: date(year, 12, 31), category: Helgdagsafton, name: "nyårsafton" },
    ];
    if year <= 2004 {
        days.push(Holiday { date: easter + Duration::days(50), category: Helgdag, name: "annandag pingst" });
    } else {
        days.push(Holiday { date: date(year, 6, 6), category: Helgdag, name: "Sveriges nationaldag" });
    }
    days.sort();
    days
}

/// Every year's named days, computed once.
fn table() -> &'static [Vec<Holiday>] {
    static TABLE: OnceLock<Vec<Vec<Holiday>>> = OnceLock::new();
    TABLE.get_or_init(|| (FIRST_YEAR..=LAST_YEAR).map(compute_holidays).collect())
}

/// The named non-working days of `year`, by date (ordinary Sundays are not listed).
pub fn holidays(year: i32) -> Result<&'static [Holiday], CalendarError> {
    check_year(year)?;
    Ok(&table()[(year - FIRST_YEAR) as usize])
}

fn named(day: NaiveDate) -> Result<Option<&'static Holiday>, CalendarError> {
    Ok(holidays(day.year())?.iter().find(|h| h.date == day))
}

/// For each year, the distinct named non-working days that fall Monday to Friday, and how
/// many such days all earlier years have: counting them in a range is then two lookups.
struct WeekdayHolidays {
    before_year: Vec<i64>,
    dates: Vec<Vec<NaiveDate>>,
}

fn weekday_holidays() -> &'static WeekdayHolidays {
    static TABLE: OnceLock<WeekdayHolidays> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut before_year = Vec::new();
        let mut dates = Vec::new();
        let mut total = 0;
        for days in table() {
            let mut weekdays: Vec<NaiveDate> =
                days.iter().map(|h| h.date).filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)).collect();
            // Two holidays can share a date (första maj and Kristi himmelsfärdsdag in 2008).
            weekdays.dedup();
            before_year.push(total);
            total += weekdays.len() as i64;
            dates.push(weekdays);
        }
        WeekdayHolidays { before_year, dates }
    })
}

/// Named non-working weekdays from the first known year up to and including `day`.
fn weekday_holidays_through(day: NaiveDate) -> i64 {
    let table = weekday_holidays();
    let i = (day.year() - FIRST_YEAR) as usize;
    table.before_year[i] + table.dates[i].partition_point(|d| *d <= day) as i64
}

/// Monday-to-Friday days from a fixed Monday up to and including `day`.
fn weekdays_through(day: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1989, 1, 2).expect("a Monday");
    let days = (day - epoch).num_days() + 1;
    let (weeks, rest) = (days.div_euclid(7), days.rem_euclid(7));
    weeks * 5 + rest.min(5)
}

/// A period under lag (1930:173) 1 §.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

/// A municipality's working days: the law's calendar plus its own closure days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    closures: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(closures: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar { closures: closures.into_iter().collect() }
    }

    /// The jurisdiction's own closure days, in order.
    pub fn closures(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.closures.iter().copied()
    }

    /// Monday to Friday, not a helgdag, not a helgdagsafton, not a local closure day.
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, CalendarError> {
        Ok(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            && named(day)?.is_none()
            && !self.closures.contains(&day))
    }

    /// The date `n` working days after `start` (the start day itself is not counted).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        check_year(start.year())?;
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().ok_or(CalendarError::YearOutOfRange(LAST_YEAR + 1))?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// How many working days lie after `from` up to and including `to` (negative when `to`
    /// is before `from`), so that `add_working_days(from, n)` is counted back as `n`.
    /// Counted arithmetically: weekdays, less the holidays and closures among them.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        check_year(from.year())?;
        check_year(to.year())?;
        let (lo, hi, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        if lo == hi {
            return Ok(0);
        }
        let is_weekday = |d: &NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let mut count = weekdays_through(hi) - weekdays_through(lo);
        count -= weekday_holidays_through(hi) - weekday_holidays_through(lo);
        for closure in self.closures.range(lo.succ_opt().unwrap_or(lo)..=hi) {
            if is_weekday(closure) && named(*closure)?.is_none() {
                count -= 1;
            }
        }
        Ok(sign * count)
    }

    /// The last day of a statutory period starting on `start`, per lag (1930:173): weeks and
    /// months end on the same weekday or date number (or the month's last day, 1 §), and an
    /// end on a Saturday, Sunday, helgdag or helgdagsafton moves to the next weekday that is
    /// none of those (2 §). Local closure days do not move a statutory deadline.
    pub fn statutory_end(start: NaiveDate, period: Period) -> Result<NaiveDate, CalendarError> {
        check_year(start.year())?;
        let end = match period {
            Period::Days(n) => start.checked_add_signed(Duration::days(i64::from(n))),
            Period::Weeks(n) => start.checked_add_signed(Duration::weeks(i64::from(n))),
            // chrono clamps to the month's last day, as 1 § says.
            Period::Months(n) => start.checked_add_months(Months::new(n)),
        }
        .ok_or(CalendarError::YearOutOfRange(LAST_YEAR + 1))?;
        let law = Calendar::default();
        let mut day = end;
        while !law.is_working_day(day)? {
            day = day.succ_opt().expect("inside the known years");
        }
        Ok(day)
    }
}

/// The first instant after the Swedish day `day`: a promise "within that day" is due then.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day).and_hms_opt(0, 0, 0).expect("midnight exists");
    // Swedish clocks change at 02:00 and 03:00, so local midnight always exists once.
    crate::time::STOCKHOLM
        .from_local_datetime(&next)
        .single()
        .expect("local midnight is unambiguous in Sweden")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn named_on(day: &str) -> Option<(&'static str, &'static str)> {
        let day = d(day);
        holidays(day.year()).unwrap().iter().find(|h| h.date == day).map(|h| (h.category.code(), h.name))
    }

    #[test]
    fn easter_matches_the_almanac() {
        for (year, easter) in [
            (1990, "1990-04-15"),
            (2000, "2000-04-23"),
            (2004, "2004-04-11"),
            (2008, "2008-03-23"),
            (2011, "2011-04-24"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2035, "2035-03-25"),
            (2038, "2038-04-25"),
            (2100, "2100-03-28"),
            (2200, "2200-04-06"),
        ] {
            assert_eq!(easter_sunday(year), d(easter), "{year}");
        }
    }

    #[test]
    fn the_two_changes_of_the_law_fall_in_2004_and_2005() {
        assert_eq!(named_on("2004-05-31"), Some(("helgdag", "annandag pingst")));
        assert_eq!(named_on("2005-05-16"), None);
        assert_eq!(named_on("2004-06-06"), None);
        assert_eq!(named_on("2005-06-06"), Some(("helgdag", "Sveriges nationaldag")));
        assert!(Calendar::default().is_working_day(d("2005-05-16")).unwrap());
        assert!(!Calendar::default().is_working_day(d("2004-05-31")).unwrap());
    }

    #[test]
    fn the_year_2026_in_full() {
        let listed: Vec<String> =
            holidays(2026).unwrap().iter().map(|h| format!("{} {} {}", h.date, h.category.code(), h.name)).collect();
        assert_eq!(
            listed,
            [
                "2026-01-01 helgdag nyårsdagen",
                "2026-01-06 helgdag trettondedag jul",
                "2026-04-03 helgdag långfredagen",
                "2026-04-05 helgdag påskdagen",
                "2026-04-06 helgdag annandag påsk",
                "2026-05-01 helgdag första maj",
                "2026-05-14 helgdag Kristi himmelsfärdsdag",
                "2026-05-24 helgdag pingstdagen",
                "2026-06-06 helgdag Sveriges nationaldag",
                "2026-06-19 helgdagsafton midsommarafton",
                "2026-06-20 helgdag midsommardagen",
                "2026-10-31 helgdag alla helgons dag",
                "2026-12-24 helgdagsafton julafton",
                "2026-12-25 helgdag juldagen",
                "2026-12-26 helgdag annandag jul",
                "2026-12-31 helgdagsafton nyårsafton",
            ]
        );
    }

    /// Each year 2004–2035: Easter (from the almanac), midsommardagen and alla helgons dag.
    #[test]
    fn table_2004_to_2035() {
        let table = [
            (2004, "04-11", "06-26", "11-06"),
            (2005, "03-27", "06-25", "11-05"),
            (2006, "04-16", "06-24", "11-04"),
            (2007, "04-08", "06-23", "11-03"),
            (2008, "03-23", "06-21", "11-01"),
            (2009, "04-12", "06-20", "10-31"),
            (2010, "04-04", "06-26", "11-06"),
            (2011, "04-24", "06-25", "11-05"),
            (2012, "04-08", "06-23", "11-03"),
            (2013, "03-31", "06-22", "11-02"),
            (2014, "04-20", "06-21", "11-01"),
            (2015, "04-05", "06-20", "10-31"),
            (2016, "03-27", "06-25", "11-05"),
            (2017, "04-16", "06-24", "11-04"),
            (2018, "04-01", "06-23", "11-03"),
            (2019, "04-21", "06-22", "11-02"),
            (2020, "04-12", "06-20", "10-31"),
            (2021, "04-04", "06-26", "11-06"),
            (2022, "04-17", "06-25", "11-05"),
            (2023, "04-09", "06-24", "11-04"),
            (2024, "03-31", "06-22", "11-02"),
            (2025, "04-20", "06-21", "11-01"),
            (2026, "04-05", "06-20", "10-31"),
            (2027, "03-28", "06-26", "11-06"),
            (2028, "04-16", "06-24", "11-04"),
            (2029, "04-01", "06-23", "11-03"),
            (2030, "04-21", "06-22", "11-02"),
            (2031, "04-13", "06-21", "11-01"),
            (2032, "03-28", "06-26", "11-06"),
            (2033, "04-17", "06-25", "11-05"),
            (2034, "04-09", "06-24", "11-04"),
            (2035, "03-25", "06-23", "11-03"),
        ];
        for (year, easter, midsummer, all_saints) in table {
            let at = |md: &str| d(&format!("{year}-{md}"));
            assert_eq!(easter_sunday(year), at(easter), "Easter {year}");
            assert_eq!(named_on(&format!("{year}-{midsummer}")), Some(("helgdag", "midsommardagen")), "{year}");
            assert_eq!(named_on(&format!("{year}-{all_saints}")), Some(("helgdag", "alla helgons dag")), "{year}");
            assert_eq!(holidays(year).unwrap().len(), 16, "{year}: 13 fixed-rule helgdagar, 3 aftnar");
            let long_friday = at(easter) - Duration::days(2);
            assert_eq!(named_on(&long_friday.to_string()), Some(("helgdag", "långfredagen")));
        }
    }

    #[test]
    fn years_outside_the_law_are_refused() {
        assert_eq!(holidays(1989).unwrap_err(), CalendarError::YearOutOfRange(1989));
        assert!(holidays(2201).is_err());
        assert_eq!(
            CalendarError::YearOutOfRange(1989).to_string(),
            "the year 1989 is outside 1990–2200, the years the calendar knows the holiday law for"
        );
    }

    #[test]
    fn working_days_around_christmas_and_midsummer() {
        let cal = Calendar::default();
        assert_eq!(cal.add_working_days(d("2026-12-23"), 2).unwrap(), d("2026-12-29"));
        assert_eq!(cal.add_working_days(d("2026-12-30"), 1).unwrap(), d("2027-01-04"));
        assert_eq!(cal.add_working_days(d("2026-06-18"), 1).unwrap(), d("2026-06-22"));
        // A Friday evening receipt: two working days are Tuesday.
        assert_eq!(cal.add_working_days(d("2026-11-27"), 2).unwrap(), d("2026-12-01"));
        assert_eq!(cal.add_working_days(d("2026-11-27"), 0).unwrap(), d("2026-11-27"));
        assert_eq!(cal.working_days_between(d("2026-12-23"), d("2026-12-29")).unwrap(), 2);
        assert_eq!(cal.working_days_between(d("2026-12-29"), d("2026-12-23")).unwrap(), -2);
    }

    #[test]
    fn closure_days_count_for_service_promises_but_not_for_statutory_periods() {
        let cal = Calendar::new([d("2026-05-15")]); // klämdag after Kristi himmelsfärd
        assert_eq!(cal.add_working_days(d("2026-05-13"), 1).unwrap(), d("2026-05-18"));
        assert_eq!(Calendar::default().add_working_days(d("2026-05-13"), 1).unwrap(), d("2026-05-15"));
        assert_eq!(Calendar::statutory_end(d("2026-05-08"), Period::Days(7)).unwrap(), d("2026-05-15"));
    }

    #[test]
    fn statutory_periods_follow_1930_173() {
        // B2: four weeks from 27 Nov 2026 is juldagen, which rolls to Monday 28 Dec.
        assert_eq!(Calendar::statutory_end(d("2026-11-27"), Period::Weeks(4)).unwrap(), d("2026-12-28"));
        assert_eq!(Calendar::statutory_end(d("2026-01-31"), Period::Months(1)).unwrap(), d("2026-03-02"));
        assert_eq!(Calendar::statutory_end(d("2028-01-31"), Period::Months(1)).unwrap(), d("2028-02-29"));
        assert_eq!(Calendar::statutory_end(d("2026-06-12"), Period::Weeks(1)).unwrap(), d("2026-06-22"));
        assert_eq!(Calendar::statutory_end(d("2026-12-21"), Period::Days(3)).unwrap(), d("2026-12-28"));
        assert_eq!(Calendar::statutory_end(d("2026-03-02"), Period::Days(0)).unwrap(), d("2026-03-02"));
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..(200 * 365)).prop_map(|offset| d("1990-01-01") + Duration::days(offset))
    }

    proptest! {
        #[test]
        fn adding_working_days_lands_on_a_working_day(start in any_day(), n in 1u32..40) {
            let cal = Calendar::default();
            let end = cal.add_working_days(start, n).unwrap();
            prop_assert!(cal.is_working_day(end).unwrap());
            prop_assert_eq!(cal.working_days_between(start, end).unwrap(), i64::from(n));
        }

        #[test]
        fn counting_working_days_agrees_with_counting_day_by_day(start in any_day(), span in 0i64..900) {
            let cal = Calendar::new([d("2026-05-15"), d("2026-12-27"), d("2027-01-05")]);
            let end = (start + Duration::days(span)).min(d("2200-12-31"));
            let mut naive = 0;
            let mut day = start;
            while day < end {
                day = day.succ_opt().unwrap();
                naive += i64::from(cal.is_working_day(day).unwrap());
            }
            prop_assert_eq!(cal.working_days_between(start, end).unwrap(), naive);
            prop_assert_eq!(cal.working_days_between(end, start).unwrap(), -naive);
        }

        #[test]
        fn adding_working_days_is_monotonic(start in any_day(), n in 0u32..40) {
            let cal = Calendar::default();
            prop_assert!(cal.add_working_days(start, n + 1).unwrap() > cal.add_working_days(start, n).unwrap());
        }

        #[test]
        fn midsommarafton_is_always_the_friday_before_midsommardagen(year in FIRST_YEAR..=LAST_YEAR) {
            let days = holidays(year).unwrap();
            let eve = days.iter().find(|h| h.name == "midsommarafton").unwrap().date;
            let day = days.iter().find(|h| h.name == "midsommardagen").unwrap().date;
            prop_assert_eq!(eve.succ_opt().unwrap(), day);
            prop_assert_eq!(eve.weekday(), Weekday::Fri);
            prop_assert!((20..=26).contains(&day.day()) && day.month() == 6);
        }

        #[test]
        fn statutory_ends_are_weekdays_that_are_no_holiday(start in any_day(), weeks in 0u32..60) {
            let end = Calendar::statutory_end(start, Period::Weeks(weeks)).unwrap();
            prop_assert!(Calendar::default().is_working_day(end).unwrap());
            prop_assert!(end >= start + Duration::weeks(i64::from(weeks)));
            prop_assert!(end <= start + Duration::weeks(i64::from(weeks)) + Duration::days(5));
        }
    }
}
