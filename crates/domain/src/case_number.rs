//! Readable case numbers, `YYYY-NNNNNN`, consecutive per jurisdiction and year.
//! They are public (they appear in the diarium) and never grant access to a case.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseNumber {
    pub year: i32,
    pub serial: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a case number of the form YYYY-NNNNNN")]
pub struct CaseNumberError(pub String);

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:06}", self.year, self.serial)
    }
}

impl FromStr for CaseNumber {
    type Err = CaseNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CaseNumberError(s.to_owned());
        let (year, serial) = s.split_once('-').ok_or_else(err)?;
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || serial.len() < 6 || !digits(year) || !digits(serial) {
            return Err(err());
        }
        Ok(CaseNumber { year: year.parse().map_err(|_| err())?, serial: serial.parse().map_err(|_| err())? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_six_digits_and_parses_back() {
        let n = CaseNumber { year: 2026, serial: 123 };
        assert_eq!(n.to_string(), "2026-000123");
        assert_eq!("2026-000123".parse::<CaseNumber>().unwrap(), n);
        assert_eq!(CaseNumber { year: 2026, serial: 1_234_567 }.to_string(), "2026-1234567");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["2026-12", "26-000001", "2026_000001", "2026-00000x", "", "2026-"] {
            assert!(bad.parse::<CaseNumber>().is_err(), "{bad}");
        }
    }
}
