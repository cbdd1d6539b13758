//! The budget's classes: a flood of status reads may hold only `rate_limit.read_share` of the
//! upstream budget, so a KYC start issued in the middle of it is sent after at most the few
//! reads already let through, not after the whole queue.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use serde_json::json;

use crate::helpers::{fixtures::*, *};

const READS: usize = 16;

#[tokio::test]
async fn a_kyc_start_is_not_queued_behind_a_flood_of_status_reads() {
    let app = spawn_app_with(|c| {
        c.rate_limit.per_minute = 240;
        c.rate_limit.burst = 1;
        c.rate_limit.read_share = 0.5;
        c.mirror.enabled = false;
    })
    .await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, json!({ "kyc_status": "under review" }))],
    );
    let start = format!("/customers/{CUSTOMER_ID}/verification-kyc");
    app.upstream.on(
        "POST",
        &start,
        vec![Reply::json(201, json!({ "kyc_status": "submitted" }))],
    );
    // Distinct subjects: nothing is coalesced, every read needs its own permit.
    let reads: Vec<_> = (0..READS)
        .map(|_| {
            let mut customers = app.customers();
            tokio::spawn(async move {
                let req = pb::GetCustomerKycStatusRequest {
                    customer_id: uuid::Uuid::new_v4().to_string(),
                    program_id: PROGRAM_ID.into(),
                    max_staleness: None,
                };
                customers.get_customer_kyc_status(req).await.is_ok()
            })
        })
        .collect();
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.upstream.count() < 2 {
        assert!(tokio::time::Instant::now() < until, "reads flow");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = app.upstream.count();
    let req = pb::StartCustomerKycRequest {
        customer_id: CUSTOMER_ID.into(),
        program_id: PROGRAM_ID.into(),
        ..Default::default()
    };
    app.customers()
        .start_customer_kyc(req)
        .await
        .expect("started");
    let seen = app.upstream.requests();
    let at = seen
        .iter()
        .position(|r| r.method == "POST")
        .expect("the start was sent");
    assert!(
        at <= before + 2,
        "the start waited behind {} reads (of {READS} queued)",
        at - before
    );
    for r in reads {
        r.await.expect("task");
    }
}
