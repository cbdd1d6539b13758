//! The emulator's routes under `/api/v0.1` (docs/reference/atelio-api.md §2.1), trailing slashes accepted.
use std::sync::Arc;

use axum::{
    Router, middleware,
    routing::{get, patch, post},
};

use super::{
    Sandbox, address_routes, businesses, customers, faults, guard, kyb, kyc, owners, quirks,
    subscriptions,
};

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
            "/businesses",
            post(businesses::create).get(businesses::list),
        )
        .route(
            "/businesses/",
            post(businesses::create).get(businesses::list),
        )
        .route(
            "/businesses/{id}",
            get(businesses::get)
                .patch(businesses::update)
                .delete(businesses::delete),
        )
        .route(
            "/businesses/{id}/addresses",
            post(address_routes::business_create).get(address_routes::business_list),
        )
        .route(
            "/businesses/{id}/addresses/{address}",
            get(address_routes::business_get)
                .patch(address_routes::business_update)
                .delete(address_routes::business_delete),
        )
        .route(
            "/businesses/{id}/verification-kyb",
            post(kyb::start).get(kyb::status),
        )
        .route("/businesses/{id}/kyb-history", get(kyb::history))
        .route(
            "/businesses/{id}/beneficial_owners",
            post(owners::create).get(owners::list),
        )
        .route(
            "/businesses/{id}/beneficial_owners/{owner}",
            get(owners::get)
                .patch(owners::update)
                .delete(owners::delete),
        )
        .route(
            "/businesses/{id}/beneficial_owners/{owner}/addresses",
            post(address_routes::owner_create).get(address_routes::owner_list),
        )
        .route(
            "/businesses/{id}/beneficial_owners/{owner}/addresses/{address}",
            get(address_routes::owner_get)
                .patch(address_routes::owner_update)
                .delete(address_routes::owner_delete),
        )
        .route(
            "/businesses/{id}/beneficial_owners/{owner}/verification-kyc",
            post(owners::start_kyc).get(owners::kyc_status),
        )
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
        .layer(middleware::from_fn_with_state(
            Arc::clone(&sb),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&sb),
            quirks::respond,
        ))
        .with_state(sb);
    Router::new().nest("/api/v0.1", api)
}
