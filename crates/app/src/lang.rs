//! The languages Lyhörd writes in: Swedish by default, English by choice. Every text a person
//! reads, on a page, in a mail or in a report, comes from `locales/<language>/*.ftl`.

use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "sv",
        // Isolation marks around placeables would end up inside attributes and e-mails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static SV: LanguageIdentifier = langid!("sv");
static EN: LanguageIdentifier = langid!("en");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    /// The text for `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The text for `key` with named arguments filled in.
    /// A number with one decimal, written as the language writes it (`12,5` in Swedish).
    pub fn decimal(self, x: f64) -> String {
        let text = format!("{x:.1}");
        if self == Lang::Sv { text.replace('.', ",") } else { text }
    }

    pub fn t_with(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args = args.iter().map(|(name, value)| (std::borrow::Cow::Borrowed(*name), value.clone().into())).collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// The text for `key` with one named argument (convenient in templates).
    pub fn t1(self, key: &str, name: &'static str, value: &str) -> String {
        self.t_with(key, &[(name, value.to_owned())])
    }

    /// The first of Swedish or English the browser asks for, by its own order.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim().to_ascii_lowercase();
                let quality =
                    pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
                let primary = tag.split('-').next()?;
                let lang = match primary {
                    "sv" => Lang::Sv,
                    "en" => Lang::En,
                    _ => return None,
                };
                (quality > 0.0).then_some((quality, position, lang))
            })
            .collect();
        choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        choices.first().map(|c| c.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SV: [&str; 3] = [
        include_str!("../locales/sv/main.ftl"),
        include_str!("../locales/sv/staff.ftl"),
        include_str!("../locales/sv/dialogue.ftl"),
    ];
    const EN: [&str; 3] = [
        include_str!("../locales/en/main.ftl"),
        include_str!("../locales/en/staff.ftl"),
        include_str!("../locales/en/dialogue.ftl"),
    ];

    fn keys(ftl: &str) -> Vec<&str> {
        ftl.lines()
            .filter(|l| !l.starts_with([' ', '#', '-', '.']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .collect()
    }

    /// Every key of a language, failing on one defined twice (Fluent refuses to load then).
    fn all_keys(files: &[&'static str]) -> BTreeSet<&'static str> {
        let mut all = BTreeSet::new();
        for key in files.iter().flat_map(|f| keys(f)) {
            assert!(all.insert(key), "{key} is defined twice");
        }
        all
    }

    #[test]
    fn both_languages_have_every_key_once() {
        let sv = all_keys(&SV);
        let en = all_keys(&EN);
        assert!(sv.len() > 20);
        assert_eq!(sv.difference(&en).collect::<Vec<_>>(), Vec::<&&str>::new(), "missing in English");
        assert_eq!(en.difference(&sv).collect::<Vec<_>>(), Vec::<&&str>::new(), "missing in Swedish");
    }

    /// The keys written out in the code and the templates (`t("…")`, `t1("…"`, `t_with("…"`).
    fn literal_keys(dir: &std::path::Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                literal_keys(&path, found);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in [".t(\"", ".t1(\"", ".t_with(\"", "(\"error-", "fail(id, \""] {
                for rest in text.split(call).skip(1) {
                    let key: String =
                        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
                    if !key.is_empty() && rest[key.len()..].starts_with('"') {
                        found.insert(if call.starts_with("(\"error") { format!("error-{key}") } else { key });
                    }
                }
            }
        }
    }

    #[test]
    fn every_key_the_code_names_exists() {
        // The application's own texts and those of the web layer, which shows them.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let web = root.join("../web");
        let mut used = BTreeSet::new();
        literal_keys(&root.join("src"), &mut used);
        literal_keys(&web.join("src"), &mut used);
        literal_keys(&web.join("templates"), &mut used);
        assert!(used.len() > 100, "the scan finds the keys ({})", used.len());
        let sv = all_keys(&SV);
        let missing: Vec<&String> = used.iter().filter(|k| !sv.contains(k.as_str())).collect();
        assert!(missing.is_empty(), "no text for {missing:?}");
    }

    #[test]
    fn texts_come_in_the_asked_language() {
        assert_eq!(Lang::Sv.t("sign-in"), "Logga in");
        assert_eq!(Lang::En.t("sign-in"), "Sign in");
    }

    #[test]
    fn accept_language_follows_quality_then_order() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9,sv;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de-DE, sv;q=0.5, en;q=0.4"), Some(Lang::Sv));
        assert_eq!(Lang::from_accept_language("fi, de"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, sv"), Some(Lang::Sv));
    }
}
