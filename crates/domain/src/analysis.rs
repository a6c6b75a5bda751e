//! Learning from complaints (S8, V-S4): the root causes a förvaltning analyses its cases by,
//! and the rule that keeps small groups out of reports.

use serde::{Deserialize, Serialize};

/// A root cause a case can be analysed as having.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
}

impl Cause {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_sv }
    }
}

/// The causes every förvaltning starts with (the list; each may replace them).
pub fn default_causes() -> Vec<Cause> {
    [
        ("bemotande", "Bemötande", "Treatment by staff"),
        ("information", "Information", "Information"),
        ("handlaggning", "Handläggning", "Case handling"),
        ("tillganglighet", "Tillgänglighet", "Accessibility"),
        ("kvalitet", "Kvalitet i utförande", "Quality of delivery"),
        ("vantetid", "Väntetid", "Waiting time"),
    ]
    .into_iter()
    .map(|(code, sv, en)| Cause { code: code.into(), name_sv: sv.into(), name_en: en.into() })
    .collect()
}

/// Reads a list of causes as administrators write it, one per line:
/// `code = Svenskt namn / English name` (the English name may be left out).
pub fn parse_causes(text: &str) -> Result<Vec<Cause>, String> {
    let mut causes: Vec<Cause> = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (code, names) =
            line.split_once('=').ok_or_else(|| format!("line {n}: write it as code = Svenskt namn / English name"))?;
        let code = code.trim();
        if !crate::is_valid_id(code) {
            return Err(format!("line {n}: the code {code:?} may only hold a–z, 0–9, '-', '_' and '.'"));
        }
        if causes.iter().any(|c| c.code == code) {
            return Err(format!("line {n}: the code {code} is used twice"));
        }
        let (sv, en) = names.split_once('/').map_or((names, names), |(sv, en)| (sv, en));
        let (sv, en) = (sv.trim(), en.trim());
        if sv.is_empty() {
            return Err(format!("line {n}: the cause {code} needs a name"));
        }
        causes.push(Cause {
            code: code.into(),
            name_sv: sv.into(),
            name_en: if en.is_empty() { sv } else { en }.into(),
        });
    }
    if causes.is_empty() {
        return Err("name at least one cause".into());
    }
    Ok(causes)
}

/// The list as administrators edit it.
pub fn format_causes(causes: &[Cause]) -> String {
    causes.iter().map(|c| format!("{} = {} / {}\n", c.code, c.name_sv, c.name_en)).collect()
}

/// The smallest group a report shows by itself (G6: no one recognisable from small counts).
pub const DEFAULT_MIN_GROUP: i64 = 5;

/// A count as a report may show it: `None` (hidden) when it is above zero but below the
/// minimum group.
pub fn shown(count: i64, min_group: i64) -> Option<i64> {
    (count == 0 || count >= min_group).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_read_as_written_and_mistakes_named_by_line() {
        let causes =
            parse_causes("# Tekniska kontoret\nbemotande = Bemötande / Treatment\nskotsel = Skötsel\n").unwrap();
        assert_eq!(causes.len(), 2);
        assert_eq!((causes[1].name_sv.as_str(), causes[1].name_en.as_str()), ("Skötsel", "Skötsel"));
        assert_eq!(parse_causes(&format_causes(&causes)).unwrap(), causes);
        assert_eq!(parse_causes("x = A\nx = B").unwrap_err(), "line 2: the code x is used twice");
        assert!(parse_causes("Bemötande").unwrap_err().starts_with("line 1:"));
        assert!(parse_causes("Ö = Ö").unwrap_err().contains("may only hold"));
        assert_eq!(parse_causes("").unwrap_err(), "name at least one cause");
    }

    #[test]
    fn small_groups_are_hidden_but_nothing_is_not() {
        assert_eq!(shown(0, 5), Some(0));
        assert_eq!(shown(4, 5), None);
        assert_eq!(shown(5, 5), Some(5));
    }
}
