//! The floor for an HTTP ingest: a minimal hyper HTTP/1.1 server (keep-alive, Nagle off) that
//! reads each request's body and answers 200 with it, in its own process like the gateway, on a
//! 2-worker runtime. The benchmark binary runs it when started with `BENCH_ECHO=1`.
// Shared by several benchmarks, each using part of it.
#![allow(dead_code)]
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// Serves until killed; prints its address first (the one line on stdout).
pub fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("{}", listener.local_addr().expect("addr"));
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(echo);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let body = req.into_body().collect().await?.to_bytes();
    Ok(Response::new(Full::new(body)))
}

/// The echo server in a child process (this benchmark binary again).
pub struct Echo {
    child: Child,
    pub url: String,
}

impl Echo {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn start() -> Echo {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env("BENCH_ECHO", "1")
            .stdout(Stdio::piped())
            .spawn()
            .expect("echo server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("echo address");
        Echo {
            child,
            url: format!("http://{}/webhooks/atelio", line.trim()),
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
