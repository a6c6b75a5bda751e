//! Categories the citizen chooses from, each owned by the node that handles it (S7).

use serde::{Deserialize, Serialize};

use crate::kinds::CaseKind;
use crate::org::{OrgError, OrgTree};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable code within the jurisdiction; also the Open311 `service_code`.
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub group_sv: String,
    pub group_en: String,
    /// The organisation node that handles cases in this category.
    pub node_id: crate::ids::NodeId,
    /// The kinds a citizen may choose with this category; empty means every kind.
    pub kinds: Vec<CaseKind>,
    /// Whether the category's cases may appear in public lists (not e.g. social services).
    pub public: bool,
    /// Whether its cases hold sensitive personal data (GDPR art. 9, e.g. health in home
    /// care): a breach report names them apart.
    #[serde(default)]
    pub sensitive: bool,
    /// What else the category asks (e.g. a street light's pole number): on the web form, in
    /// the Open311 service definition, and on the case for staff.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
}

/// One extra question of a category: free text, or one choice among fixed answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the category; the Open311 attribute code.
    pub code: String,
    pub label_sv: String,
    pub label_en: String,
    #[serde(default)]
    pub required: bool,
    /// The answers to choose from; none means free text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub key: String,
    pub name_sv: String,
    pub name_en: String,
}

/// An answer to a category's question, as the citizen gave it (a choice's key, or text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub code: String,
    pub value: String,
}

/// The longest free-text answer.
pub const MAX_ANSWER_CHARS: usize = 200;

impl Question {
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" { &self.label_en } else { &self.label_sv }
    }

    /// How an answer reads: a choice's name, or the text as given.
    pub fn answer_text<'a>(&'a self, value: &'a str, lang: &str) -> &'a str {
        match self.choices.iter().find(|c| c.key == value) {
            Some(choice) if lang == "en" => &choice.name_en,
            Some(choice) => &choice.name_sv,
            None => value,
        }
    }
}

impl Choice {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_sv }
    }
}

/// Why a category's questions cannot be used as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    #[error("question code {0:?} may only use a–z, 0–9 and '_', and cannot be kind or submitter_role")]
    BadCode(String),
    #[error("question code {0:?} is used twice")]
    Repeated(String),
    #[error("question {0:?} needs a label in Swedish and in English")]
    NoLabel(String),
    #[error("question {0:?} has a choice without a key or a name, or the same key twice")]
    BadChoice(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("unknown category {0}")]
    UnknownCategory(String),
    #[error("category {category} does not take the kind {kind}")]
    KindNotAccepted { category: String, kind: CaseKind },
    #[error(transparent)]
    Org(#[from] OrgError),
}

impl Category {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" { &self.name_en } else { &self.name_sv }
    }

    pub fn group(&self, lang: &str) -> &str {
        if lang == "en" { &self.group_en } else { &self.group_sv }
    }

    pub fn accepts(&self, kind: CaseKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// Checks the questions as an administrator wrote them.
    pub fn check_questions(&self) -> Result<(), QuestionError> {
        let mut seen = std::collections::HashSet::new();
        for q in &self.questions {
            let valid = !q.code.is_empty()
                && q.code.len() <= 40
                && q.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !matches!(q.code.as_str(), "kind" | "submitter_role");
            if !valid {
                return Err(QuestionError::BadCode(q.code.clone()));
            }
            if !seen.insert(q.code.as_str()) {
                return Err(QuestionError::Repeated(q.code.clone()));
            }
            if q.label_sv.trim().is_empty() || q.label_en.trim().is_empty() {
                return Err(QuestionError::NoLabel(q.code.clone()));
            }
            let mut keys = std::collections::HashSet::new();
            let bad_choice =
                |c: &Choice| c.key.trim().is_empty() || c.name_sv.trim().is_empty() || c.name_en.trim().is_empty();
            if q.choices.iter().any(|c| bad_choice(c) || !keys.insert(c.key.as_str())) {
                return Err(QuestionError::BadChoice(q.code.clone()));
            }
        }
        Ok(())
    }

    /// The usable answers to the category's questions, read with `given` (trimmed, empty as
    /// absent), and the codes of the questions not answered well: required and missing
    /// (`required`), not one of the choices (`not_a_choice`), or too long (`too_long`).
    pub fn read_answers<'a>(
        &self,
        given: impl Fn(&str) -> Option<&'a str>,
    ) -> (Vec<Answer>, Vec<(String, &'static str)>) {
        let mut answers = Vec::new();
        let mut problems = Vec::new();
        for q in &self.questions {
            match given(&q.code).map(str::trim).filter(|v| !v.is_empty()) {
                None if q.required => problems.push((q.code.clone(), "required")),
                None => {}
                Some(v) if !q.choices.is_empty() && !q.choices.iter().any(|c| c.key == v) => {
                    problems.push((q.code.clone(), "not_a_choice"))
                }
                Some(v) if v.chars().count() > MAX_ANSWER_CHARS => problems.push((q.code.clone(), "too_long")),
                Some(v) => answers.push(Answer { code: q.code.clone(), value: v.to_owned() }),
            }
        }
        (answers, problems)
    }
}

/// Finds the node responsible for a submission of `kind` in category `code`.
pub fn route<'a>(
    categories: &'a [Category],
    tree: &OrgTree,
    code: &str,
    kind: CaseKind,
) -> Result<&'a Category, RoutingError> {
    let category =
        categories.iter().find(|c| c.code == code).ok_or_else(|| RoutingError::UnknownCategory(code.to_owned()))?;
    if !category.accepts(kind) {
        return Err(RoutingError::KindNotAccepted { category: code.to_owned(), kind });
    }
    tree.node(&category.node_id)?;
    Ok(category)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::tests::sample;

    fn category(code: &str, node: &str, kinds: Vec<CaseKind>) -> Category {
        Category {
            code: code.into(),
            name_sv: "Parker".into(),
            name_en: "Parks".into(),
            group_sv: "Gator och parker".into(),
            group_en: "Streets and parks".into(),
            node_id: node.into(),
            kinds,
            public: true,
            sensitive: false,
            questions: vec![],
        }
    }

    #[test]
    fn a_category_routes_to_its_node() {
        let cats = vec![category("park", "park", vec![]), category("skola", "bun", vec![])];
        let routed = route(&cats, &sample(), "park", CaseKind::Klagomal).unwrap();
        assert_eq!(routed.node_id, "park");
        assert_eq!(routed.name("en"), "Parks");
    }

    #[test]
    fn routing_refuses_unknown_categories_kinds_and_nodes() {
        let cats = vec![category("fel", "park", vec![CaseKind::Felanmalan]), category("ghost", "nowhere", vec![])];
        let tree = sample();
        assert_eq!(route(&cats, &tree, "x", CaseKind::Fraga).unwrap_err(), RoutingError::UnknownCategory("x".into()));
        assert_eq!(
            route(&cats, &tree, "fel", CaseKind::Berom).unwrap_err(),
            RoutingError::KindNotAccepted { category: "fel".into(), kind: CaseKind::Berom }
        );
        assert!(matches!(
            route(&cats, &tree, "ghost", CaseKind::Fraga),
            Err(RoutingError::Org(OrgError::UnknownNode(_)))
        ));
    }

    fn light() -> Category {
        let mut c = category("gatubelysning", "gp", vec![]);
        c.questions = vec![
            Question {
                code: "stolpnummer".into(),
                label_sv: "Stolpens nummer".into(),
                label_en: "Pole number".into(),
                required: false,
                choices: vec![],
            },
            Question {
                code: "fel".into(),
                label_sv: "Vad är fel?".into(),
                label_en: "What is wrong?".into(),
                required: true,
                choices: vec![Choice { key: "slackt".into(), name_sv: "Släckt".into(), name_en: "Out".into() }],
            },
        ];
        c
    }

    #[test]
    fn answers_are_read_against_the_questions() {
        let c = light();
        let given = |pairs: &'static [(&'static str, &'static str)]| {
            move |code: &str| pairs.iter().find(|(k, _)| *k == code).map(|(_, v)| *v)
        };
        assert_eq!(
            c.read_answers(given(&[("fel", "slackt"), ("stolpnummer", " 12-345 ")])),
            (
                vec![
                    Answer { code: "stolpnummer".into(), value: "12-345".into() },
                    Answer { code: "fel".into(), value: "slackt".into() }
                ],
                vec![]
            )
        );
        assert_eq!(c.read_answers(given(&[("stolpnummer", "")])), (vec![], vec![("fel".into(), "required")]));
        assert_eq!(
            c.read_answers(given(&[("fel", "trasig"), ("stolpnummer", "7")])),
            (vec![Answer { code: "stolpnummer".into(), value: "7".into() }], vec![("fel".into(), "not_a_choice")])
        );
        assert_eq!(c.questions[1].answer_text("slackt", "en"), "Out");
    }

    #[test]
    fn questions_must_be_usable() {
        assert_eq!(light().check_questions(), Ok(()));
        let mut c = light();
        c.questions[0].code = "kind".into();
        assert_eq!(c.check_questions(), Err(QuestionError::BadCode("kind".into())));
        let mut c = light();
        c.questions[0].code = "fel".into();
        assert_eq!(c.check_questions(), Err(QuestionError::Repeated("fel".into())));
        let mut c = light();
        c.questions[1].label_en.clear();
        assert_eq!(c.check_questions(), Err(QuestionError::NoLabel("fel".into())));
        let mut c = light();
        let again = c.questions[1].choices[0].clone();
        c.questions[1].choices.push(again);
        assert_eq!(c.check_questions(), Err(QuestionError::BadChoice("fel".into())));
    }
}
