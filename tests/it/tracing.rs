//! Spans captured by the OpenTelemetry SDK's in-memory exporter behind the gateway's own
//! subscriber: a call carrying a W3C `traceparent` yields one trace holding the gRPC request
//! span, the RPC span and one span per upstream attempt (with its number); the scripted upstream
//! receives a `traceparent` of that trace naming each attempt span; JSON log lines inside the
//! request carry the trace id. A call without `traceparent` starts a trace of its own, exported
//! even when the log level filters INFO out.
use std::sync::{Arc, Mutex};

use atelio_gateway::config::{LogConfig, LogFormat};
use atelio_gateway::proto::v1 as pb;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::json;
use tonic::Request;

use crate::helpers::fixtures::{CUSTOMER_ID, customer_json};
use crate::helpers::{Reply, spawn_app};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

fn attempt_of(s: &SpanData) -> Option<i64> {
    s.attributes
        .iter()
        .find(|kv| kv.key.as_str() == "attempt")
        .and_then(|kv| kv.value.as_str().parse().ok())
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

#[tokio::test]
async fn one_trace_spans_the_rpc_and_every_upstream_attempt() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let logs = Buffer::default();
    let log = LogConfig {
        level: "info".into(),
        format: LogFormat::Json,
    };
    let _guard = tracing::subscriber::set_default(atelio_gateway::telemetry::build_with(
        &log,
        logs.clone(),
        &provider,
        true,
    ));
    let app = spawn_app().await;
    let path = format!("/customers/{CUSTOMER_ID}");
    let replies = vec![
        Reply::json(503, json!({})),
        Reply::json(200, customer_json()),
    ];
    app.upstream.on("GET", &path, replies);
    let mut req = Request::new(pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    });
    let parent = format!("00-{TRACE}-{CALLER_SPAN}-01")
        .parse()
        .expect("ascii");
    req.metadata_mut().insert("traceparent", parent);
    app.customers()
        .get_customer(req)
        .await
        .expect("answered after one retry");

    provider.force_flush().expect("flush");
    let spans = exporter.get_finished_spans().expect("spans");
    let trace = TraceId::from_hex(TRACE).expect("hex");
    let grpc = named(&spans, "/atelio.gateway.v1.CustomerService/GetCustomer");
    assert_eq!(
        grpc.len(),
        1,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let grpc = grpc[0];
    assert_eq!(grpc.span_context.trace_id(), trace);
    assert_eq!(
        grpc.parent_span_id,
        SpanId::from_hex(CALLER_SPAN).expect("hex")
    );
    let rpc = named(&spans, "rpc");
    assert_eq!(rpc.len(), 1);
    assert_eq!(rpc[0].parent_span_id, grpc.span_context.span_id());
    let mut attempts = named(&spans, "upstream_attempt");
    attempts.sort_by_key(|s| attempt_of(s));
    assert_eq!(
        attempts.iter().map(|s| attempt_of(s)).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );

    let sent = app.upstream.requests();
    assert_eq!(sent.len(), 2);
    for (attempt, request) in attempts.iter().zip(&sent) {
        assert_eq!(attempt.span_context.trace_id(), trace);
        assert_eq!(attempt.parent_span_id, rpc[0].span_context.span_id());
        let header = request
            .header("traceparent")
            .expect("traceparent sent to Atelio");
        let parts: Vec<&str> = header.split('-').collect();
        assert_eq!(parts[1], TRACE, "{header}");
        assert_eq!(
            parts[2],
            attempt.span_context.span_id().to_string(),
            "{header}"
        );
    }

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).expect("utf8");
    let finished = text
        .lines()
        .find(|l| l.contains("rpc finished"))
        .unwrap_or_else(|| panic!("no rpc line in\n{text}"));
    let line: serde_json::Value = serde_json::from_str(finished).expect("json line");
    assert_eq!(line["trace_id"], TRACE, "{finished}");
}

#[tokio::test]
async fn a_call_without_traceparent_starts_its_own_trace_and_passes_it_on() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    // Logging at `warn` must not switch the export of the gateway's INFO spans off.
    let log = LogConfig {
        level: "warn".into(),
        format: LogFormat::Json,
    };
    let _guard = tracing::subscriber::set_default(atelio_gateway::telemetry::build_with(
        &log,
        std::io::sink,
        &provider,
        true,
    ));
    let app = spawn_app().await;
    let path = format!("/customers/{CUSTOMER_ID}");
    app.upstream
        .on("GET", &path, vec![Reply::json(200, customer_json())]);
    app.customers()
        .get_customer(pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        })
        .await
        .expect("answered");
    // The server closes its span just after the answer is sent: wait for it.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let spans = loop {
        provider.force_flush().expect("flush");
        let spans = exporter.get_finished_spans().expect("spans");
        if !named(&spans, "rpc").is_empty() || std::time::Instant::now() > until {
            break spans;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let rpc = named(&spans, "rpc");
    assert_eq!(rpc.len(), 1);
    let trace = rpc[0].span_context.trace_id();
    assert_ne!(trace, TraceId::INVALID);
    let sent = crate::helpers::only_request(&app);
    let header = sent
        .header("traceparent")
        .expect("traceparent sent to Atelio");
    assert!(header.contains(&trace.to_string()), "{header}");
}
