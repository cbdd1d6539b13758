//! The overload series: every listener's accepted and refused connections, connections closed
//! for a timeout, accept errors, and the calls and streams admission control shed or ended.
//! Labels are listener names (`grpc`, `webhook`, `admin`) and fixed reasons only.
use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

use super::{counter, single};

/// Listener and admission metrics.
pub struct Overload {
    /// Open connections by listener.
    pub connections_open: IntGaugeVec,
    /// Connections refused at accept by listener and reason (`max_connections`).
    pub connections_refused: IntCounterVec,
    /// Connections closed by the gateway by listener and reason (`idle_timeout`,
    /// `header_read_timeout`).
    pub connections_closed: IntCounterVec,
    /// Failed accepts (e.g. EMFILE) by listener; each one backs the accept loop off.
    pub accept_errors: IntCounterVec,
    /// Calls and streams shed by admission control, by reason (`in_flight`,
    /// `in_flight_per_caller`, `subscriptions_per_caller`, `health_watches`).
    pub shed: IntCounterVec,
    /// Event streams ended by the gateway, by reason (`stalled`).
    pub streams_ended: IntCounterVec,
    /// Reloads of the webhook secrets file by outcome (`loaded`, `invalid`).
    pub webhook_secret_reloads: IntCounterVec,
}

impl Overload {
    pub(super) fn new(r: &Registry) -> Overload {
        let open = IntGaugeVec::new(
            Opts::new("connections_open", "Open connections by listener"),
            &["listener"],
        )
        .expect("valid gauge");
        Overload {
            connections_open: single(r, open),
            connections_refused: counter(
                r,
                "connections_refused_total",
                "Connections refused at accept, by listener and reason",
                &["listener", "reason"],
            ),
            connections_closed: counter(
                r,
                "connections_closed_total",
                "Connections closed by the gateway for a timeout, by listener and reason",
                &["listener", "reason"],
            ),
            accept_errors: counter(
                r,
                "accept_errors_total",
                "Failed accepts (the loop backs off), by listener",
                &["listener"],
            ),
            shed: counter(
                r,
                "shed_total",
                "Calls and streams refused by admission control, by reason",
                &["reason"],
            ),
            streams_ended: counter(
                r,
                "streams_ended_total",
                "Event streams ended by the gateway, by reason",
                &["reason"],
            ),
            webhook_secret_reloads: counter(
                r,
                "webhook_secret_reloads_total",
                "Webhook secrets file reloads by outcome",
                &["outcome"],
            ),
        }
    }
}
