//! Each jurisdiction's policy (its promises as clocks), shared by every store handle.

use domain::clock::Policy;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// The policies in force: a jurisdiction's own, or the defaults that encode the policies.
#[derive(Clone)]
pub struct Policies {
    by_jurisdiction: Arc<RwLock<HashMap<String, Arc<Policy>>>>,
    default: Arc<RwLock<Arc<Policy>>>,
    /// Jurisdictions whose policy comes from the configuration and wins over saved ones.
    pinned: Arc<RwLock<HashSet<String>>>,
}

impl Policies {
    pub fn new(default: Policy) -> Policies {
        Policies {
            by_jurisdiction: Arc::default(),
            default: Arc::new(RwLock::new(Arc::new(default))),
            pinned: Arc::default(),
        }
    }

    pub fn get(&self, jurisdiction: &str) -> Arc<Policy> {
        let map = self.by_jurisdiction.read().expect("policy lock");
        map.get(jurisdiction).cloned().unwrap_or_else(|| self.default.read().expect("policy lock").clone())
    }

    pub fn set_default(&self, policy: Policy) {
        *self.default.write().expect("policy lock") = Arc::new(policy);
    }

    pub fn set(&self, jurisdiction: &str, policy: Policy) {
        self.by_jurisdiction.write().expect("policy lock").insert(jurisdiction.to_owned(), Arc::new(policy));
    }

    pub fn pin(&self, jurisdiction: &str, policy: Policy) {
        self.pinned.write().expect("policy lock").insert(jurisdiction.to_owned());
        self.set(jurisdiction, policy);
    }

    pub fn is_pinned(&self, jurisdiction: &str) -> bool {
        self.pinned.read().expect("policy lock").contains(jurisdiction)
    }
}
