//! Categories the citizen chooses from, each owned by the node that handles it (S7).

use serde::{Deserialize, Serialize};

use crate::kinds::CaseKind;
use crate::org::{OrgError, OrgTree};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable code within the jurisdiction; also the Open311 `service_code`.
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub group_sv: String,
    pub group_en: String,
    /// The organisation node that handles cases in this category.
    pub node_id: String,
    /// The kinds a citizen may choose with this category; empty means every kind.
    pub kinds: Vec<CaseKind>,
    /// Whether the category's cases may appear in public lists (not e.g. social services).
    pub public: bool,
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
}
