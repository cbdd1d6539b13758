//! The emulator's routes under `/api/v0.1` (catalogue §2.1), trailing slashes accepted.
use std::sync::Arc;

use axum::{
    Router, middleware,
    routing::{get, patch, post},
};

use super::{Sandbox, customers, guard, kyc, subscriptions};

pub fn router(sb: Arc<Sandbox>) -> Router {
    let api = Router::new()
        .route("/customers", post(customers::create).get(customers::list))
        .route("/customers/", post(customers::create).get(customers::list))
        .route(
            "/customers/{id}",
            get(customers::get)
                .patch(customers::update)
                .delete(customers::delete),
        )
        .route(
            "/customers/{id}/verification-kyc",
            post(kyc::start).get(kyc::status),
        )
        .route(
            "/customers/{id}/verification-kyc/documents",
            post(kyc::documents),
        )
        .route("/simulate/kyc-pass", post(kyc::simulate_pass))
        .route("/simulate/kyc-fail", post(kyc::simulate_fail))
        .route(
            "/webhooks",
            post(subscriptions::create).get(subscriptions::list),
        )
        .route(
            "/webhooks/{id}",
            patch(subscriptions::update).delete(subscriptions::delete),
        )
        .layer(middleware::from_fn_with_state(
            Arc::clone(&sb),
            guard::guard,
        ))
        .with_state(sb);
    Router::new().nest("/api/v0.1", api)
}
