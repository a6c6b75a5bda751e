//! Reports to the nämnder (S9, G2): the figures of a nämnd and period beside the period before,
//! built from the store's tallies, and shown as HTML, CSV or tagged PDF (`ReportView`).

mod build;
mod chart;
mod view;

pub use build::*;
pub use view::{ReportView, Table, csv_of};

use domain::OrgTree;

/// The root causes a unit's cases are analysed by: those of the nearest unit upwards that set
/// its own (normally its förvaltning), or the defaults.
pub fn causes_for(tree: &OrgTree, settings: &[store::AnalysisSettings], node: &str) -> Vec<domain::analysis::Cause> {
    tree.line(node)
        .unwrap_or_default()
        .iter()
        .find_map(|n| settings.iter().find(|s| s.node_id == n.id))
        .map_or_else(domain::analysis::default_causes, |s| s.causes.clone())
}
