//! The staff routes as a list as well as a router. Every staff route is added through
//! [`StaffRoutes::route`], so the list is the router's own; the access test walks it (each
//! path, each method the path answers, every role and outsiders), and a route added without a
//! check fails that test without anyone having to write the route down twice.

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;

#[derive(Default)]
pub(crate) struct StaffRoutes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl StaffRoutes {
    pub fn route(mut self, path: &'static str, handlers: MethodRouter<AppState>) -> StaffRoutes {
        self.router = self.router.route(path, handlers);
        self.paths.push(path);
        self
    }

    pub fn merge(mut self, other: StaffRoutes) -> StaffRoutes {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<&'static str>) {
        (self.router, self.paths)
    }
}
