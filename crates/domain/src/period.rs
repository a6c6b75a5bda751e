//! Reporting periods (S9): a month, a tertial, a half-year, a year, or any span of days, and
//! the period before it to compare with.

use chrono::{Datelike, Months, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// A span of Swedish dates, `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Month,
    Tertial,
    Half,
    Year,
    Days,
}

impl Period {
    /// The period just before, of the same kind and length.
    pub fn previous(&self) -> Period {
        let months = match self.kind {
            Kind::Month => 1,
            Kind::Tertial => 4,
            Kind::Half => 6,
            Kind::Year => 12,
            Kind::Days => {
                let days = self.to - self.from;
                return Period { from: self.from - days, to: self.from, kind: Kind::Days };
            }
        };
        let from = self.from.checked_sub_months(Months::new(months)).unwrap_or(self.from);
        Period { from, to: self.from, kind: self.kind }
    }

    /// The last day in the period.
    pub fn last_day(&self) -> NaiveDate {
        self.to.pred_opt().unwrap_or(self.to)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m) = (self.from.year(), self.from.month());
        match self.kind {
            Kind::Month => write!(f, "{y}-{m:02}"),
            Kind::Tertial => write!(f, "{y}-T{}", (m - 1) / 4 + 1),
            Kind::Half => write!(f, "{y}-H{}", (m - 1) / 6 + 1),
            Kind::Year => write!(f, "{y}"),
            Kind::Days => write!(f, "{}..{}", self.from, self.last_day()),
        }
    }
}

impl FromStr for Period {
    type Err = String;

    /// `2026`, `2026-H1`, `2026-T2`, `2026-05`, or `2026-01-15..2026-03-31`.
    fn from_str(s: &str) -> Result<Period, String> {
        let s = s.trim();
        let bad = || format!("{s:?} is not a period: write 2026, 2026-H1, 2026-T2, 2026-05 or 2026-01-15..2026-03-31");
        let month_start = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad);
        let span = |from: NaiveDate, months: u32, kind| {
            let to = from.checked_add_months(Months::new(months)).ok_or_else(bad)?;
            Ok(Period { from, to, kind })
        };
        if let Some((from, to)) = s.split_once("..") {
            let day = |d: &str| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| bad());
            let (from, last) = (day(from)?, day(to)?);
            if last < from {
                return Err(format!("{s:?}: the period ends before it begins"));
            }
            return Ok(Period { from, to: last.succ_opt().ok_or_else(bad)?, kind: Kind::Days });
        }
        let (year, rest) = s.split_once('-').map_or((s, None), |(y, r)| (y, Some(r)));
        let year: i32 = year.parse().ok().filter(|y| (1900..=9999).contains(y)).ok_or_else(bad)?;
        match rest {
            None => span(month_start(year, 1)?, 12, Kind::Year),
            Some(r) if r.len() == 2 && (r.starts_with('H') || r.starts_with('T')) => {
                let n: u32 = r[1..].parse().map_err(|_| bad())?;
                match (&r[..1], n) {
                    ("H", 1..=2) => span(month_start(year, 1 + (n - 1) * 6)?, 6, Kind::Half),
                    ("T", 1..=3) => span(month_start(year, 1 + (n - 1) * 4)?, 4, Kind::Tertial),
                    _ => Err(bad()),
                }
            }
            Some(r) => {
                let m: u32 = r.parse().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?;
                span(month_start(year, m)?, 1, Kind::Month)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_read_named_and_compared_with_the_one_before() {
        let t2: Period = "2026-T2".parse().unwrap();
        assert_eq!((t2.from, t2.to), (d("2026-05-01"), d("2026-09-01")));
        assert_eq!(t2.previous().to_string(), "2026-T1");
        assert_eq!("2026-T1".parse::<Period>().unwrap().previous().to_string(), "2025-T3");
        assert_eq!("2026-H2".parse::<Period>().unwrap().from, d("2026-07-01"));
        assert_eq!("2026".parse::<Period>().unwrap().previous().to_string(), "2025");
        assert_eq!("2026-03".parse::<Period>().unwrap().previous().to_string(), "2026-02");
        let span: Period = "2026-01-15..2026-01-24".parse().unwrap();
        assert_eq!(span.to_string(), "2026-01-15..2026-01-24");
        assert_eq!(span.previous().to_string(), "2026-01-05..2026-01-14");
        for bad in ["2026-T4", "2026-13", "26", "2026-02-01..2026-01-01", "nästa år"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }
}
