//! The organisation tree of one jurisdiction: kommun → nämnd → förvaltning → avdelning →
//! enhet, to any depth. Rights follow the tree downwards; escalation goes upwards (S7).

use crate::ids::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

crate::vocabulary! {
    NodeLevel {
        Kommun => "kommun", "Kommun", "Municipality";
        Namnd => "namnd", "Nämnd", "Committee";
        Forvaltning => "forvaltning", "Förvaltning", "Administration";
        Avdelning => "avdelning", "Avdelning", "Department";
        Enhet => "enhet", "Enhet", "Unit";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgNode {
    /// Stable identifier, unique across the installation (e.g. `vasteras.tekniska-kontoret`).
    pub id: NodeId,
    pub parent: Option<NodeId>,
    pub level: NodeLevel,
    pub name: String,
    /// The responsible manager's name, shown to citizens; `None` while the post is vacant.
    pub manager_name: Option<String>,
    /// The manager's staff account, when they have one; cases default to them (S7).
    pub manager_user_id: Option<crate::ids::UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("the organisation has no root node (a node of level kommun without parent)")]
    NoRoot,
    #[error("the organisation has more than one root: {0} and {1}")]
    SeveralRoots(NodeId, NodeId),
    #[error("the root node {0} must have level kommun")]
    RootNotKommun(NodeId),
    #[error("node {0} has level kommun but is not the root")]
    KommunBelowRoot(NodeId),
    #[error("node id {0} is used twice")]
    DuplicateId(NodeId),
    #[error("node {node} names parent {parent}, which does not exist")]
    UnknownParent { node: NodeId, parent: NodeId },
    #[error("node {0} is its own ancestor")]
    Cycle(NodeId),
    #[error("unknown organisation node {0}")]
    UnknownNode(NodeId),
}

/// A validated organisation tree: one root, known parents, no cycles.
#[derive(Debug, Clone)]
pub struct OrgTree {
    nodes: HashMap<NodeId, OrgNode>,
    children: HashMap<NodeId, Vec<NodeId>>,
    root: NodeId,
}

impl OrgTree {
    pub fn new(nodes: Vec<OrgNode>) -> Result<Self, OrgError> {
        let mut by_id = HashMap::with_capacity(nodes.len());
        let mut root: Option<NodeId> = None;
        for node in nodes {
            match (&node.parent, node.level) {
                (None, NodeLevel::Kommun) => {
                    if let Some(existing) = &root {
                        return Err(OrgError::SeveralRoots(existing.clone(), node.id.clone()));
                    }
                    root = Some(node.id.clone());
                }
                (None, _) => return Err(OrgError::RootNotKommun(node.id.clone())),
                (Some(_), NodeLevel::Kommun) => {
                    return Err(OrgError::KommunBelowRoot(node.id.clone()));
                }
                (Some(_), _) => {}
            }
            if by_id.contains_key(&node.id) {
                return Err(OrgError::DuplicateId(node.id));
            }
            by_id.insert(node.id.clone(), node);
        }
        let root = root.ok_or(OrgError::NoRoot)?;
        let mut children: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        for node in by_id.values() {
            if let Some(parent) = &node.parent {
                if !by_id.contains_key(parent) {
                    return Err(OrgError::UnknownParent { node: node.id.clone(), parent: parent.clone() });
                }
                children.entry(parent.clone()).or_default().push(node.id.clone());
            }
        }
        for siblings in children.values_mut() {
            siblings.sort();
        }
        let tree = OrgTree { nodes: by_id, children, root };
        // With one root and known parents, a node is in a cycle exactly when walking up
        // from it never reaches the root.
        for id in tree.nodes.keys() {
            let mut seen = HashSet::new();
            let mut current = id.as_str();
            while let Some(parent) = tree.nodes[current].parent.as_deref() {
                if !seen.insert(current) {
                    return Err(OrgError::Cycle(id.clone()));
                }
                current = parent;
            }
        }
        Ok(tree)
    }

    pub fn root(&self) -> &OrgNode {
        &self.nodes[&self.root]
    }

    pub fn node(&self, id: &str) -> Result<&OrgNode, OrgError> {
        self.nodes.get(id).ok_or_else(|| OrgError::UnknownNode(id.into()))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node itself and every node above it, nearest first, ending at the kommun.
    pub fn line(&self, id: &str) -> Result<Vec<&OrgNode>, OrgError> {
        let mut line = vec![self.node(id)?];
        while let Some(parent) = line.last().and_then(|n| n.parent.as_deref()) {
            line.push(&self.nodes[parent]);
        }
        Ok(line)
    }

    /// The node and everything below it, depth first in id order.
    pub fn subtree(&self, id: &str) -> Result<Vec<&OrgNode>, OrgError> {
        let mut out = Vec::new();
        let mut stack = vec![self.node(id)?.id.as_str()];
        while let Some(current) = stack.pop() {
            out.push(&self.nodes[current]);
            if let Some(children) = self.children.get(current) {
                stack.extend(children.iter().rev().map(NodeId::as_str));
            }
        }
        Ok(out)
    }

    /// Whether `id` is `ancestor` or lies below it: the rule for who may see a case.
    pub fn is_within(&self, id: &str, ancestor: &str) -> Result<bool, OrgError> {
        Ok(self.line(id)?.iter().any(|n| n.id == ancestor))
    }

    /// The responsible manager as far out in the organisation as possible (S7): the nearest
    /// node on the line upwards whose manager post is filled.
    pub fn responsible(&self, id: &str) -> Result<Option<&OrgNode>, OrgError> {
        Ok(self.line(id)?.into_iter().find(|n| n.manager_name.is_some()))
    }

    /// The nämnd a node belongs to, for reports (S9) and as personal-data controller.
    pub fn namnd_of(&self, id: &str) -> Result<Option<&OrgNode>, OrgError> {
        Ok(self.line(id)?.into_iter().find(|n| n.level == NodeLevel::Namnd))
    }

    /// Names from the nämnd down to the node, as shown to citizens: "Tekniska nämnden ›
    /// Tekniska kontoret › Gata och park".
    pub fn display_path(&self, id: &str) -> Result<String, OrgError> {
        let line = self.line(id)?;
        let names: Vec<&str> =
            line.iter().rev().filter(|n| n.level != NodeLevel::Kommun).map(|n| n.name.as_str()).collect();
        Ok(if names.is_empty() { line[0].name.clone() } else { names.join(" › ") })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn node(id: &str, parent: Option<&str>, level: NodeLevel, manager: Option<&str>) -> OrgNode {
        OrgNode {
            id: id.into(),
            parent: parent.map(Into::into),
            level,
            name: format!("Node {id}"),
            manager_name: manager.map(Into::into),
            manager_user_id: None,
        }
    }

    pub fn sample() -> OrgTree {
        use NodeLevel::*;
        OrgTree::new(vec![
            node("k", None, Kommun, Some("Kommundirektör")),
            node("tn", Some("k"), Namnd, Some("Ordförande")),
            node("tk", Some("tn"), Forvaltning, Some("Förvaltningschef")),
            node("gp", Some("tk"), Avdelning, None),
            node("park", Some("gp"), Enhet, None),
            node("bun", Some("k"), Namnd, Some("Ordförande BUN")),
        ])
        .unwrap()
    }

    #[test]
    fn line_runs_from_the_node_to_the_kommun() {
        let tree = sample();
        let ids: Vec<_> = tree.line("park").unwrap().iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["park", "gp", "tk", "tn", "k"]);
    }

    #[test]
    fn responsible_manager_is_the_nearest_filled_post_upwards() {
        let tree = sample();
        assert_eq!(tree.responsible("park").unwrap().unwrap().id, "tk");
        assert_eq!(tree.responsible("tk").unwrap().unwrap().id, "tk");
        assert_eq!(tree.namnd_of("park").unwrap().unwrap().id, "tn");
    }

    #[test]
    fn rights_follow_the_tree_downwards_only() {
        let tree = sample();
        assert!(tree.is_within("park", "tk").unwrap());
        assert!(!tree.is_within("tk", "park").unwrap());
        assert!(!tree.is_within("park", "bun").unwrap());
        let ids: Vec<_> = tree.subtree("tn").unwrap().iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["tn", "tk", "gp", "park"]);
    }

    #[test]
    fn display_path_starts_at_the_namnd() {
        let tree = sample();
        assert_eq!(tree.display_path("gp").unwrap(), "Node tn › Node tk › Node gp");
        assert_eq!(tree.display_path("k").unwrap(), "Node k");
    }

    #[test]
    fn invalid_trees_are_refused_with_the_reason() {
        use NodeLevel::*;
        assert_eq!(OrgTree::new(vec![]).unwrap_err(), OrgError::NoRoot);
        assert_eq!(
            OrgTree::new(vec![node("k", None, Kommun, None), node("x", Some("nope"), Enhet, None)]).unwrap_err(),
            OrgError::UnknownParent { node: "x".into(), parent: "nope".into() }
        );
        assert!(matches!(
            OrgTree::new(vec![
                node("k", None, Kommun, None),
                node("a", Some("b"), Enhet, None),
                node("b", Some("a"), Enhet, None),
            ])
            .unwrap_err(),
            OrgError::Cycle(_)
        ));
        assert_eq!(
            OrgTree::new(vec![node("k", None, Kommun, None), node("k", Some("k"), Enhet, None)]).unwrap_err(),
            OrgError::DuplicateId("k".into())
        );
        assert_eq!(OrgTree::new(vec![node("n", None, Namnd, None)]).unwrap_err(), OrgError::RootNotKommun("n".into()));
        assert!(matches!(sample().node("nope"), Err(OrgError::UnknownNode(_))));
    }
}
