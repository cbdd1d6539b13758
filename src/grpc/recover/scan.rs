//! The bounded search for what an earlier attempt created: read a list page by page (each page
//! one upstream call through the pipeline, so inside the shared rate limit and the call's
//! deadline), keep the items that match the request and were created no earlier than the first
//! attempt (less a clock-skew margin), and answer the earliest of them.
use serde_json::Value;

use super::super::{Call, Gateway, GatewayError};
use crate::atelio_json as lenient;
use crate::domain::commands::PageRequest;
use crate::upstream::{UpstreamError, UpstreamRequest};

/// How far Atelio's clock may be behind ours when comparing creation times.
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;
/// How long Atelio remembers an Idempotency-Key: an earlier attempt it refers to is this recent.
const KEY_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// Where to look: one page of the parent's list, and its page size.
pub struct Listing<F: Fn(PageRequest) -> UpstreamRequest> {
    /// The request for one page.
    pub page: F,
    /// Items per page.
    pub size: u32,
}

/// The earliest item of the listing that `wanted` accepts and that was created at or after the
/// first attempt; `None` when the pages run out (or `recovery_max_pages` is reached) first.
pub async fn scan<T, F>(
    gw: &Gateway,
    call: &Call,
    listing: Listing<F>,
    decode: impl Fn(&Value) -> Result<T, UpstreamError>,
    wanted: impl Fn(&T) -> bool,
    created: impl Fn(&T) -> Option<&prost_types::Timestamp>,
) -> Result<Option<T>, GatewayError>
where
    F: Fn(PageRequest) -> UpstreamRequest,
{
    let first_attempt = call.uncertain.since().filter(|t| *t > 0);
    let not_before =
        first_attempt.unwrap_or_else(|| crate::clock::now_ms() - KEY_WINDOW_MS) - CLOCK_SKEW_MS;
    let mut best: Option<(i64, T)> = None;
    for page in 1..=gw.idempotency().recovery_max_pages() {
        let req = (listing.page)(PageRequest {
            page,
            size: listing.size,
        });
        let body = gw.json(call, req).await?;
        let (items, info) = lenient::list_items(&body);
        let returned = items.len();
        for item in items {
            let Ok(candidate) = decode(item) else {
                continue;
            };
            let at = created(&candidate).map_or(i64::MAX, millis);
            let in_window = at >= not_before;
            if in_window && wanted(&candidate) && best.as_ref().is_none_or(|(b, _)| at < *b) {
                best = Some((at, candidate));
            }
        }
        let last = info
            .filter(|i| i.pages > 0)
            .map_or(returned < listing.size as usize, |i| {
                i64::from(page) >= i.pages
            });
        if last || returned == 0 {
            break;
        }
    }
    Ok(best.map(|(_, t)| t))
}

fn millis(t: &prost_types::Timestamp) -> i64 {
    t.seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(t.nanos / 1_000_000))
}
