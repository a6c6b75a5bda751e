//! Who may see and do what (D3, D6). Rights follow the organisation tree downwards from the
//! node a person is granted; nothing crosses jurisdictions. Each nämnd is its own authority
//! (OSL 8 kap. 1 §): a registrator routes the whole municipality's cases but reads what was
//! written in a case of a non-public category only under the node they are granted, and an
//! administrator administers settings and reads cases only under theirs. Every staff route
//! asks here before it reads or changes a case.

use domain::{CaseState, Category, OrgTree, Status};
use store::{Readable, Role, Units, User};

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
    /// GDPR art. 16: correct the person's contact details on their request.
    CorrectContact,
    /// GDPR art. 18: restrict the person's data to those handling the case, and lift it.
    Restrict,
    LiftRestriction,
    /// FL 13 §: the person's language and need of an interpreter.
    RecordLanguage,
    /// OSL 5 kap. 1 §: the case's ärendemening in the register.
    SetSubject,
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
        Action::CorrectContact,
        Action::Restrict,
        Action::LiftRestriction,
        Action::RecordLanguage,
        Action::SetSubject,
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
            Action::CorrectContact => "correct-contact",
            Action::Restrict => "restrict",
            Action::LiftRestriction => "lift-restriction",
            Action::RecordLanguage => "record-language",
            Action::SetSubject => "set-subject",
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
                | Action::RecordLanguage
                | Action::SetSubject
        )
    }

    /// Moving a case to where it belongs: what a registrator may do to a case whose text they
    /// may not read.
    fn is_routing_only(self) -> bool {
        matches!(self, Action::Assign | Action::Forward | Action::ForwardToAuthority)
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
            Action::CorrectContact | Action::RecordLanguage | Action::SetSubject => true,
            Action::Restrict => !case.restricted,
            Action::LiftRestriction => case.restricted,
            _ => open,
        }
    }
}

/// One staff member's view of one jurisdiction's organisation.
pub struct Access<'a> {
    pub user: &'a User,
    tree: &'a OrgTree,
    categories: &'a [Category],
}

impl<'a> Access<'a> {
    /// The categories say which cases' text is public business; a category not among them
    /// counts as not public (deny by default).
    pub fn new(user: &'a User, tree: &'a OrgTree, categories: &'a [Category]) -> Access<'a> {
        Access { user, tree, categories }
    }

    /// Registrators route the whole jurisdiction's cases (kontaktcenter work).
    fn routes_everywhere(&self) -> bool {
        self.user.role == Role::Registrator
    }

    /// The units whose cases this user lists: everything for a registrator, otherwise their
    /// node and everything below it. A user without a unit sees none (deny by default).
    pub fn units(&self) -> Units {
        if self.routes_everywhere() {
            return Units::All;
        }
        Units::Only(self.unit_ids())
    }

    /// The ids of the units this user lists, in tree order.
    pub fn unit_ids(&self) -> Vec<domain::NodeId> {
        let top =
            if self.routes_everywhere() { Some(self.tree.root().id.as_str()) } else { self.user.node_id.as_deref() };
        self.subtree(top)
    }

    /// The units the user is granted: their node and everything below it.
    fn granted_ids(&self) -> Vec<domain::NodeId> {
        self.subtree(self.user.node_id.as_deref())
    }

    fn subtree(&self, top: Option<&str>) -> Vec<domain::NodeId> {
        let nodes = top.and_then(|id| self.tree.subtree(id).ok()).unwrap_or_default();
        nodes.into_iter().map(|n| n.id.clone()).collect()
    }

    /// Whether the node is one whose cases this user lists.
    pub fn covers(&self, node_id: &str) -> bool {
        if self.routes_everywhere() {
            return self.tree.node(node_id).is_ok();
        }
        self.is_granted(node_id)
    }

    /// Whether the node is under the one the user is granted.
    fn is_granted(&self, node_id: &str) -> bool {
        self.user.node_id.as_deref().is_some_and(|top| self.tree.is_within(node_id, top).unwrap_or(false))
    }

    /// Whether the case is one this user sees at all: its number, category, unit, state and
    /// clocks (what routing needs).
    pub fn can_see(&self, case: &CaseState) -> bool {
        case.jurisdiction == self.user.jurisdiction
            && (self.covers(&case.node_id) || case.handler_id == Some(self.user.id))
    }

    /// Whether the user may read what was written in the case (the citizen's words, contact
    /// details, files, messages): a case of their granted units or handled by them, or, for
    /// a registrator, a case in a public category.
    /// A restricted person's case (GDPR art. 18) is read only by its handler, or, while it
    /// has none, by those who may handle it in its unit.
    pub fn can_read(&self, case: &CaseState) -> bool {
        if case.restricted {
            return self.can_see(case)
                && match case.handler_id {
                    Some(handler) => handler == self.user.id,
                    None => self.is_granted(&case.node_id) && self.may(Action::Answer),
                };
        }
        self.can_see(case)
            && (self.is_granted(&case.node_id)
                || case.handler_id == Some(self.user.id)
                || (self.routes_everywhere() && self.is_public(&case.category)))
    }

    fn is_public(&self, category: &str) -> bool {
        self.categories.iter().any(|c| c.code == category && c.public)
    }

    /// What a search of words may look into for this user (`None`: every case they list).
    pub fn readable(&self) -> Option<Readable> {
        self.routes_everywhere().then(|| Readable {
            units: self.granted_ids(),
            categories: self.categories.iter().filter(|c| c.public).map(|c| c.code.clone()).collect(),
            handler: Some(self.user.id),
        })
    }

    /// Whether the user's role lets them take the action on a case they can see.
    pub fn may(&self, action: Action) -> bool {
        match self.user.role {
            Role::Administrator | Role::Handlaggare | Role::Chef => true,
            Role::Registrator => action.is_routing(),
            Role::Lasare | Role::Arkivansvarig => false,
        }
    }

    /// Whether the user may take the action on this case now. On a case whose text they may
    /// not read, only routing: nothing that shows or answers what it says.
    pub fn can(&self, action: Action, case: &CaseState) -> bool {
        self.can_see(case) && self.may(action) && action.fits(case) && (action.is_routing_only() || self.can_read(case))
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

    /// Gallringsbeslut and runs: administrators record decisions and plan runs, as the
    /// arkivansvarig does; only an arkivansvarig approves a run (two people, one law).
    pub fn can_keep_records(&self) -> bool {
        matches!(self.user.role, Role::Administrator | Role::Arkivansvarig)
    }

    pub fn can_approve_gallring(&self) -> bool {
        self.user.role == Role::Arkivansvarig
    }

    /// Who reads the access log of a case: the administrators and managers of its unit.
    pub fn can_read_access_log(&self, case: &CaseState) -> bool {
        self.can_read(case) && matches!(self.user.role, Role::Administrator | Role::Chef)
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
            id: domain::UserId::new(),
            jurisdiction: "vasteras".into(),
            username: "u".into(),
            display_name: "U".into(),
            email: None,
            password_hash: String::new(),
            role,
            node_id: node.map(Into::into),
            disabled: false,
        }
    }

    fn case_at(node: &str, status: Status) -> CaseState {
        CaseState {
            id: domain::CaseId::new(),
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
            restricted: false,
            subject: String::new(),
        }
    }

    #[test]
    fn a_restricted_persons_case_is_read_only_by_those_handling_it() {
        let tree = tree();
        let handler = user(Role::Handlaggare, Some("park"));
        let colleague = user(Role::Handlaggare, Some("park"));
        let chef = user(Role::Chef, Some("tk"));
        let reader = user(Role::Lasare, Some("tk"));
        let mut case = CaseState { restricted: true, ..case_at("park", Status::Triaged) };
        // Before anyone handles it, those who may handle it in its unit read it; a läsare not.
        for (who, reads) in [(&handler, true), (&colleague, true), (&chef, true), (&reader, false)] {
            assert_eq!(Access::new(who, &tree, &[]).can_read(&case), reads, "{:?}", who.role);
        }
        // Once handled, only the handler: the others still see that it exists, to route it.
        case.handler_id = Some(handler.id);
        for (who, reads) in [(&handler, true), (&colleague, false), (&chef, false), (&reader, false)] {
            let access = Access::new(who, &tree, &[]);
            assert_eq!(access.can_read(&case), reads, "{:?}", who.role);
            assert!(access.can_see(&case));
        }
        assert!(Access::new(&chef, &tree, &[]).can(Action::Assign, &case), "the chef can still reassign it");
        assert!(!Access::new(&chef, &tree, &[]).can(Action::LiftRestriction, &case));
        assert!(Access::new(&handler, &tree, &[]).can(Action::LiftRestriction, &case));
        assert!(!Access::new(&handler, &tree, &[]).can(Action::Restrict, &case), "restricted already");
    }

    #[test]
    fn rights_follow_the_tree_downwards_and_never_cross_jurisdictions() {
        let tree = tree();
        let handler = user(Role::Handlaggare, Some("tk"));
        let access = Access::new(&handler, &tree, &[]);
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
        assert!(!Access::new(&nobody, &tree, &[]).can_see(&case_at("park", Status::Assigned)), "no unit, no cases");
    }

    #[test]
    fn roles_limit_what_may_be_done() {
        let tree = tree();
        let case = case_at("park", Status::Assigned);
        let registrator = user(Role::Registrator, None);
        let access = Access::new(&registrator, &tree, &[]);
        assert!(access.can(Action::Forward, &case));
        assert!(!access.can(Action::Answer, &case), "the kontaktcenter routes; the unit answers");
        let reader = user(Role::Lasare, Some("k"));
        let access = Access::new(&reader, &tree, &[]);
        assert!(access.can_see(&case));
        assert!(Action::ALL.iter().all(|a| !access.can(*a, &case)), "läsare only read");
        let admin = user(Role::Administrator, Some("k"));
        assert!(!Access::new(&admin, &tree, &[]).can(Action::Close, &case), "only answered cases close");
    }

    fn category(code: &str, public: bool) -> Category {
        Category {
            code: code.into(),
            name_sv: code.into(),
            name_en: code.into(),
            group_sv: String::new(),
            group_en: String::new(),
            node_id: "park".into(),
            kinds: Vec::new(),
            public,
            sensitive: false,
            questions: Vec::new(),
        }
    }

    #[test]
    fn a_registrator_routes_everything_but_reads_a_closed_category_only_of_their_own_namnd() {
        let tree = tree();
        let categories = [category("park", true), category("hemtjanst", false)];
        let registrator = user(Role::Registrator, Some("tk"));
        let access = Access::new(&registrator, &tree, &categories);
        let mut care = case_at("skola", Status::Received);
        care.category = "hemtjanst".into();
        assert!(access.can_see(&care), "routing needs the case's number, unit and clocks");
        assert!(!access.can_read(&care), "not what was written in another nämnd's closed category");
        assert!(access.can(Action::Forward, &care), "it can still be sent where it belongs");
        assert!(!access.can(Action::Note, &care) && !access.can(Action::InformCitizen, &care));
        assert!(access.can_read(&case_at("skola", Status::Received)), "a public category is read everywhere");
        care.node_id = "park".into();
        assert!(access.can_read(&care), "a closed category under the granted node");
        let unknown = Access::new(&registrator, &tree, &[]);
        assert!(!unknown.can_read(&case_at("skola", Status::Received)), "an unknown category is not public");
        let readable = access.readable().unwrap();
        assert_eq!(readable.units, ["tk", "park"]);
        assert_eq!(readable.categories, ["park"]);
    }

    #[test]
    fn an_administrator_reads_cases_only_of_the_node_granted() {
        let tree = tree();
        let categories = [category("park", true)];
        let admin = user(Role::Administrator, Some("tk"));
        let access = Access::new(&admin, &tree, &categories);
        assert!(access.can_administer());
        assert!(access.can_read(&case_at("park", Status::Received)));
        assert!(!access.can_see(&case_at("skola", Status::Received)), "settings, not another nämnd's cases");
        let settings_only = user(Role::Administrator, None);
        let access = Access::new(&settings_only, &tree, &categories);
        assert!(access.can_administer());
        assert!(!access.can_see(&case_at("park", Status::Received)), "no node granted, no cases");
        assert_eq!(access.units(), Units::Only(Vec::new()));
    }
}
