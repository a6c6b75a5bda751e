//! The staff pages' navigation bar: which sections the signed-in user may open. Pages of
//! several folders show it (the staff pages, the registration form shared with citizens, the
//! dialogues and the reports); it is built from a desk in `staff`.

/// The links at the top of every staff page.
pub(crate) struct StaffNav {
    pub current: &'static str,
    pub can_register: bool,
    pub can_administer: bool,
    pub can_triage_quarantine: bool,
    pub can_manage: bool,
    /// Runs citizen dialogues.
    pub can_run_dialogues: bool,
    /// Keeps the records: gallringsbeslut and runs.
    pub can_keep_records: bool,
}
