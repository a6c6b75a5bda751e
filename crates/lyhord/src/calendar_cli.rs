//! `lyhord calendar …`: the working-day calendar for people and scripts.

use chrono::NaiveDate;
use domain::calendar::{self, Calendar, Period};

/// Parses a date as `YYYY-MM-DD`, naming the problem in one sentence.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| format!("{text:?} is not a date of the form YYYY-MM-DD"))
}

/// Parses a count of days, weeks or months, which must not be negative.
pub fn parse_count(text: &str) -> Result<u32, String> {
    if text.starts_with('-') {
        return Err(format!("the count {text} is negative; give 0 or more"));
    }
    text.parse().map_err(|_| format!("{text:?} is not a whole number"))
}

pub fn holidays(year: i32) -> Result<String, String> {
    let days = calendar::holidays(year).map_err(|e| e.to_string())?;
    Ok(days.iter().map(|h| format!("{}\t{}\t{}\n", h.date, h.category.code(), h.name)).collect())
}

pub fn add_workdays(start: NaiveDate, n: u32) -> Result<String, String> {
    let end = Calendar::default().add_working_days(start, n).map_err(|e| e.to_string())?;
    Ok(format!("{end}\n"))
}

pub fn statutory(start: NaiveDate, period: Period) -> Result<String, String> {
    let end = Calendar::statutory_end(start, period).map_err(|e| e.to_string())?;
    Ok(format!("{end}\n"))
}
