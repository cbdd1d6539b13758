//! The webhook port's server: HTTP/1.1 only (hyper, no HTTP/2 or upgrade), each connection
//! under the open-connection cap and the [`Timeouts`], accept errors backed off, and a graceful
//! end: on stop the listener closes, idle connections close, requests in flight finish.
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use tokio::{net::TcpListener, sync::watch, task::JoinSet};

use super::{
    accept::{Acceptor, Slot, Slots},
    deadlines::{Deadlined, Timeouts},
};

/// Serves `router` on `listener` until `stop` is set, then waits for open requests to finish.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    (slots, timeouts): (Slots, Timeouts),
    stop: watch::Receiver<bool>,
) {
    let mut acceptor = Acceptor::new(listener, slots);
    let mut open = JoinSet::new();
    loop {
        let (tcp, slot) = tokio::select! {
            () = crate::app::stopped(stop.clone()) => break,
            Some(_) = open.join_next(), if !open.is_empty() => continue,
            accepted = acceptor.next() => accepted,
        };
        let io = Deadlined::new(tcp, timeouts, "webhook");
        open.spawn(connection(io, slot, router.clone(), stop.clone()));
    }
    drop(acceptor);
    while open.join_next().await.is_some() {}
}

async fn connection(
    io: Deadlined<tokio::net::TcpStream>,
    _slot: Slot,
    router: axum::Router,
    stop: watch::Receiver<bool>,
) {
    let service = TowerToHyperService::new(router);
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // Errors are the client leaving or a deadline (counted where it fires): nothing to add.
    let _ = tokio::select! {
        ended = conn.as_mut() => ended,
        () = crate::app::stopped(stop.clone()) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
}
