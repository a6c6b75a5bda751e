//! Who may see and do what (D3, D6). Rights follow the organisation tree downwards;
//! administrators and registrators work for the whole jurisdiction; nothing crosses
//! jurisdictions. Every staff route asks here before it reads or changes a case.

use domain::{CaseState, OrgTree, Status};
use store::{Role, Units, User};

/// Something staff do to a case; each is one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Classify,
    Assign,
    Forward,
    ForwardToAuthority,
    StartWork,
    Answer,
    RequestInformation,
    InformCitizen,
    Note,
    LogContact,
    PromiseDecision,
    PromiseFix,
    Close,
    Reopen,
    /// A8: make the item a formal ärende.
    MakeFormal,
    /// FL 11 §: tell the party their decision will be significantly delayed, and why.
    NotifyDelay,
    /// S8: record whether it was justified, its root causes and the measures.
    Analyse,
    /// Decide what of the case the open API shows (the text, the exact point, the pictures).
    Publish,
    /// Withdraw every tracking link (one leaked) and send the citizen a new one.
    NewLink,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Classify,
        Action::Assign,
        Action::Forward,
        Action::ForwardToAuthority,
        Action::StartWork,
        Action::Answer,
        Action::RequestInformation,
        Action::InformCitizen,
        Action::Note,
        Action::LogContact,
        Action::PromiseDecision,
        Action::PromiseFix,
        Action::Close,
        Action::Reopen,
        Action::MakeFormal,
        Action::NotifyDelay,
        Action::Analyse,
        Action::Publish,
        Action::NewLink,
    ];

    /// The action's path segment: `/staff/cases/{number}/{code}`.
    pub fn code(self) -> &'static str {
        match self {
            Action::Classify => "classify",
            Action::Assign => "assign",
            Action::Forward => "forward",
            Action::ForwardToAuthority => "forward-to-authority",
            Action::StartWork => "start-work",
            Action::Answer => "answer",
            Action::RequestInformation => "request-information",
            Action::InformCitizen => "inform",
            Action::Note => "note",
            Action::LogContact => "log-contact",
            Action::PromiseDecision => "promise-decision",
            Action::PromiseFix => "promise-fix",
            Action::Close => "close",
            Action::Reopen => "reopen",
            Action::MakeFormal => "make-formal",
            Action::NotifyDelay => "notify-delay",
            Action::Analyse => "analyse",
            Action::Publish => "publish",
            Action::NewLink => "new-link",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.code() == code)
    }

    /// Routing and first-line work: what the kontaktcenter does for the whole jurisdiction.
    fn is_routing(self) -> bool {
        matches!(
            self,
            Action::Classify
                | Action::Assign
                | Action::Forward
                | Action::ForwardToAuthority
                | Action::InformCitizen
                | Action::Note
                | Action::LogContact
                | Action::NewLink
        )
    }

    /// Whether the case's state allows the action now (the lifecycle has the last word).
    pub fn fits(self, case: &CaseState) -> bool {
        use Status::*;
        let status = case.status;
        let open = status.is_open();
        match self {
            // A8: conversion is one-way; only a formal matter has a decision to delay.
            Action::MakeFormal => open && !case.formal,
            Action::NotifyDelay => open && case.formal,
            Action::StartWork => status == Assigned || status == WaitingForCitizen,
            Action::Answer => matches!(status, Assigned | InProgress | WaitingForCitizen),
            Action::RequestInformation => matches!(status, Assigned | InProgress),
            Action::Close => status == Answered,
            Action::Reopen => matches!(status, Answered | Closed),
            Action::Note | Action::LogContact | Action::Analyse | Action::Publish | Action::NewLink => true,
            _ => open,
        }
    }
}

/// One staff member's view of one jurisdiction's organisation.
pub struct Access<'a> {
    pub user: &'a User,
    tree: &'a OrgTree,
}

impl<'a> Access<'a> {
    pub fn new(user: &'a User, tree: &'a OrgTree) -> Access<'a> {
        Access { user, tree }
    }

    fn whole_jurisdiction(&self) -> bool {
        matches!(self.user.role, Role::Administrator | Role::Registrator)
    }

    /// The units whose cases this user sees: their node and everything below it, or the
    /// whole jurisdiction. A user without a unit sees none (deny by default).
    pub fn units(&self) -> Units {
        if self.whole_jurisdiction() {
            return Units::All;
        }
        Units::Only(self.unit_ids())
    }

    /// The ids of the units this user sees, in tree order.
    pub fn unit_ids(&self) -> Vec<String> {
        let top =
            if self.whole_jurisdiction() { Some(self.tree.root().id.as_str()) } else { self.user.node_id.as_deref() };
        let nodes = top.and_then(|id| self.tree.subtree(id).ok()).unwrap_or_default();
        nodes.into_iter().map(|n| n.id.clone()).collect()
    }

    /// Whether the node is one whose cases this user sees.
    pub fn covers(&self, node_id: &str) -> bool {
        if self.whole_jurisdiction() {
            return self.tree.node(node_id).is_ok();
        }
        self.user.node_id.as_deref().is_some_and(|top| self.tree.is_within(node_id, top).unwrap_or(false))
    }

    pub fn can_see(&self, case: &CaseState) -> bool {
        case.jurisdiction == self.user.jurisdiction
            && (self.covers(&case.node_id) || case.handler_id == Some(self.user.id))
    }

    /// Whether the user's role lets them take the action on a case they can see.
    pub fn may(&self, action: Action) -> bool {
        match self.user.role {
            Role::Administrator | Role::Handlaggare | Role::Chef => true,
            Role::Registrator => action.is_routing(),
            Role::Lasare => false,
        }
    }

    pub fn can(&self, action: Action, case: &CaseState) -> bool {
        self.can_see(case) && self.may(action) && action.fits(case)
    }

    /// Registering a case on behalf of a citizen (kontaktcenter work).
    pub fn can_register(&self) -> bool {
        matches!(self.user.role, Role::Administrator | Role::Registrator | Role::Handlaggare | Role::Chef)
    }

    /// Looking through suspected spam: the kontaktcenter's work, for the whole jurisdiction.
    pub fn can_triage_quarantine(&self) -> bool {
        matches!(self.user.role, Role::Administrator | Role::Registrator)
    }

    /// The manager's view of their units: managers and administrators.
    pub fn can_manage(&self) -> bool {
        matches!(self.user.role, Role::Administrator | Role::Chef)
    }

    pub fn can_administer(&self) -> bool {
        self.user.role == Role::Administrator
    }

    /// Who reads the access log of a case: administrators, and the managers of its unit.
    pub fn can_read_access_log(&self, case: &CaseState) -> bool {
        self.can_see(case) && matches!(self.user.role, Role::Administrator | Role::Chef)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{NodeLevel, OrgNode};

    fn tree() -> OrgTree {
        let node = |id: &str, parent: Option<&str>, level| OrgNode {
            id: id.into(),
            parent: parent.map(Into::into),
            level,
            name: id.into(),
            manager_name: None,
            manager_user_id: None,
        };
        OrgTree::new(vec![
            node("k", None, NodeLevel::Kommun),
            node("tk", Some("k"), NodeLevel::Forvaltning),
            node("park", Some("tk"), NodeLevel::Enhet),
            node("skola", Some("k"), NodeLevel::Forvaltning),
        ])
        .unwrap()
    }

    fn user(role: Role, node: Option<&str>) -> User {
        User {
            id: uuid::Uuid::now_v7(),
            jurisdiction: "vasteras".into(),
            username: "u".into(),
            display_name: "U".into(),
            email: None,
            password_hash: String::new(),
            role,
            node_id: node.map(str::to_owned),
            disabled: false,
        }
    }

    fn case_at(node: &str, status: Status) -> CaseState {
        CaseState {
            id: uuid::Uuid::now_v7(),
            jurisdiction: "vasteras".into(),
            number: "2026-000001".into(),
            kind: domain::CaseKind::Klagomal,
            channel: domain::Channel::Web,
            category: "park".into(),
            node_id: node.into(),
            handler_id: None,
            status,
            received_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            anonymous: false,
            submitter_role: None,
            formal: false,
            event_count: 1,
            head: domain::event::Hash::GENESIS,
        }
    }

    #[test]
    fn rights_follow_the_tree_downwards_and_never_cross_jurisdictions() {
        let tree = tree();
        let handler = user(Role::Handlaggare, Some("tk"));
        let access = Access::new(&handler, &tree);
        assert!(access.can_see(&case_at("park", Status::Assigned)));
        assert!(!access.can_see(&case_at("k", Status::Assigned)), "not the node above");
        assert!(!access.can_see(&case_at("skola", Status::Assigned)), "not a sibling");
        let mut foreign = case_at("park", Status::Assigned);
        foreign.jurisdiction = "salem".into();
        assert!(!access.can_see(&foreign));
        let mut own = case_at("skola", Status::Assigned);
        own.handler_id = Some(handler.id);
        assert!(access.can_see(&own), "a handler sees the cases assigned to them");
        let nobody = user(Role::Handlaggare, None);
        assert!(!Access::new(&nobody, &tree).can_see(&case_at("park", Status::Assigned)), "no unit, no cases");
    }

    #[test]
    fn roles_limit_what_may_be_done() {
        let tree = tree();
        let case = case_at("park", Status::Assigned);
        let registrator = user(Role::Registrator, None);
        let access = Access::new(&registrator, &tree);
        assert!(access.can(Action::Forward, &case));
        assert!(!access.can(Action::Answer, &case), "the kontaktcenter routes; the unit answers");
        let reader = user(Role::Lasare, Some("k"));
        let access = Access::new(&reader, &tree);
        assert!(access.can_see(&case));
        assert!(Action::ALL.iter().all(|a| !access.can(*a, &case)), "läsare only read");
        let admin = user(Role::Administrator, None);
        assert!(!Access::new(&admin, &tree).can(Action::Close, &case), "only answered cases close");
    }
}
