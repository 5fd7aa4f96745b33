//! The route table: every route with the one permission it needs. The router is built
//! only through [`Routes`], so a route cannot exist without a permission, and
//! [`crate::route_table`] lists them all for the authorization matrix test.

use axum::handler::Handler;
use axum::middleware::from_fn;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use rightstrack_core::Permission;
use serde::Serialize;

use crate::auth::require;
use crate::AppState;

/// One route: method, path template (as axum writes it), and the permission it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteRule {
    pub method: &'static str,
    pub path: &'static str,
    pub permission: Permission,
}

#[derive(Default)]
pub(crate) struct Routes {
    router: Router<AppState>,
    rules: Vec<RouteRule>,
}

impl Routes {
    pub fn get<H, T>(self, path: &'static str, permission: Permission, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, permission, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, permission: Permission, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, permission, post(handler))
    }

    /// A POST route that accepts bodies up to `limit` bytes instead of the default.
    pub fn post_large<H, T>(
        self,
        path: &'static str,
        permission: Permission,
        handler: H,
        limit: usize,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let route = post(handler).layer(axum::extract::DefaultBodyLimit::max(limit));
        self.add("POST", path, permission, route)
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        permission: Permission,
        route: MethodRouter<AppState>,
    ) -> Self {
        let guarded = route.route_layer(from_fn(move |request, next| {
            require(permission, request, next)
        }));
        self.router = self.router.route(path, guarded);
        self.rules.push(RouteRule {
            method,
            path,
            permission,
        });
        self
    }

    pub fn finish(self) -> (Router<AppState>, Vec<RouteRule>) {
        (self.router, self.rules)
    }
}
