//! Invånardialog (V-D1–V-D7, G7): dialogues planned openly, taken part in on the
//! web and at meetings, compared with the population, accounted for and answered.

mod account;
pub(crate) mod public;
mod staff;

use axum::routing::get;

use crate::route_list::StaffRoutes;

/// Staff's dialogue pages (behind sign-in, like every staff route).
pub(crate) fn staff_routes() -> StaffRoutes {
    StaffRoutes::default()
        .route("/staff/dialogues", get(staff::list))
        .route("/staff/dialogues/new", get(staff::new_form).post(staff::create))
        .route("/staff/dialogues/{id}", get(staff::edit_form).post(staff::update))
        .route("/staff/dialogues/{id}/work", get(staff::work))
        .route("/staff/dialogues/{id}/{what}", get(staff::preview).post(staff::act))
        .route("/staff/population", get(staff::population).post(staff::load_population))
}
