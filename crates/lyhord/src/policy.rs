//! The municipality's promises from a TOML policy file.

use domain::clock::Policy;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PolicyFileError {
    #[error("the policy file {path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the policy file {path} is not valid: {reason}")]
    Invalid { path: String, reason: String },
}

pub fn load(path: &str) -> Result<Policy, PolicyFileError> {
    let text = std::fs::read_to_string(Path::new(path))
        .map_err(|e| PolicyFileError::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
    Policy::from_toml(&text).map_err(|reason| PolicyFileError::Invalid { path: path.to_owned(), reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_round_trip_through_toml() {
        let text = Policy::defaults().to_toml();
        assert!(text.contains("id = \"v-s2\""), "{text}");
        assert_eq!(Policy::from_toml(&text).unwrap(), Policy::defaults());
    }

    #[test]
    fn a_hand_written_policy_with_office_hours_and_closures() {
        let policy = Policy::from_toml(
            r#"
            closures = ["2026-05-15"]
            [office_hours]
            opens = "07:30:00"
            closes = "16:00:00"
            [[clock]]
            id = "va-akut"
            name_sv = "Akut vattenläcka åtgärdas"
            name_en = "Urgent water leak fixed"
            clause = "Jönköping VA: akut vatten inom 5 timmar"
            categories = ["vatten"]
            length = 5
            unit = "hours"
            stops = ["fix_promised", "answered"]
            "#,
        )
        .unwrap();
        assert_eq!(policy.clocks.len(), 1);
        assert_eq!(policy.office_hours.opens, chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap());
        assert!(!policy.calendar.is_working_day("2026-05-15".parse().unwrap()).unwrap());
    }

    #[test]
    fn mistakes_are_named() {
        let typo = Policy::from_toml("[[clock]]\nid = \"x\"\nlenght = 2\n").unwrap_err();
        assert!(typo.contains("unknown field `lenght`"), "{typo}");
        let unit = Policy::defaults().to_toml().replace("unit = \"weeks\"", "unit = \"fortnights\"");
        assert!(Policy::from_toml(&unit).unwrap_err().contains("fortnights"));
        let zero = Policy::defaults().to_toml().replacen("length = 2", "length = 0", 1);
        assert_eq!(Policy::from_toml(&zero).unwrap_err(), "clock v-s2 has length 0");
    }
}
