//! Tracing for logs and for OpenTelemetry. One subscriber: the `log.level` filter, the
//! tracing-opentelemetry layer (every span gets a W3C trace and span id; exported over OTLP/gRPC
//! when `telemetry.otlp_endpoint` is set, sampled by `sample_ratio`, parent-based) and the log
//! formatter — JSON lines carrying the current `trace_id`/`span_id` at the top level, or pretty
//! output. Spans: `grpc.request` per RPC (parent read from the caller's `traceparent`, see
//! `grpc_span`), `rpc` inside it, `upstream_attempt` per REST attempt (its context injected as
//! `traceparent` into the Atelio request, see `inject`), `webhook` per delivery. Spans and events
//! never carry request bodies, PII or secrets.
mod trace_id;

use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::{KeyValue, trace::TracerProvider as _};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{Sampler, SdkTracerProvider},
};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::{
    EnvFilter, Layer, filter::Targets, fmt, fmt::MakeWriter, layer::SubscriberExt,
    registry::LookupSpan,
};

use crate::config::{LogConfig, LogFormat, TelemetryConfig};

/// The tracer provider in force; shut it down to flush exported spans.
pub struct Telemetry {
    provider: SdkTracerProvider,
}

/// A provider: exporting over OTLP when an endpoint is set, otherwise only minting ids.
pub fn provider(cfg: &TelemetryConfig) -> Result<SdkTracerProvider, String> {
    let resource = Resource::builder()
        .with_service_name(cfg.service_name.clone())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = &cfg.otlp_endpoint else {
        return Ok(builder.with_sampler(Sampler::AlwaysOff).build());
    };
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint.clone())
        .with_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| format!("telemetry.otlp_endpoint: {e}"))?;
    let ratio = Sampler::TraceIdRatioBased(cfg.sample_ratio.clamp(0.0, 1.0));
    Ok(builder
        .with_sampler(Sampler::ParentBased(Box::new(ratio)))
        .with_batch_exporter(exporter)
        .build())
}

/// The log output layer for `log`, writing to `writer`.
fn output<S, W>(log: &LogConfig, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    match log.format {
        LogFormat::Json => fmt::layer()
            .event_format(trace_id::WithTraceId(
                fmt::format().json().with_current_span(true),
            ))
            .fmt_fields(fmt::format::JsonFields::new())
            .with_writer(writer)
            .boxed(),
        LogFormat::Pretty => fmt::layer().pretty().with_writer(writer).boxed(),
    }
}

/// The subscriber for `log`, writing to `writer`, with spans going to `provider`. When
/// `exporting`, the gateway's spans (INFO and above) reach the tracer whatever `log.level`
/// filters out of the log; otherwise `log.level` is one global filter (spans the log does not
/// show cost nothing).
pub fn build_with<W>(
    log: &LogConfig,
    writer: W,
    provider: &SdkTracerProvider,
    exporting: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&log.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let tracer = provider.tracer("atelio-gateway");
    if exporting {
        let spans = Targets::new().with_target("atelio_gateway", tracing::Level::INFO);
        let otel = tracing_opentelemetry::layer().with_tracer(tracer);
        let registry = tracing_subscriber::registry().with(otel.with_filter(spans));
        Box::new(registry.with(output(log, writer).with_filter(filter)))
    } else {
        let otel = tracing_opentelemetry::layer().with_tracer(tracer);
        let registry = tracing_subscriber::registry().with(filter).with(otel);
        Box::new(registry.with(output(log, writer)))
    }
}

/// Installs the global subscriber writing to stdout. Call once, from `main`, inside the runtime.
pub fn init(log: &LogConfig, cfg: &TelemetryConfig) -> Telemetry {
    let (provider, exporting) = match provider(cfg) {
        Ok(p) => (p, cfg.otlp_endpoint.is_some()),
        Err(e) => {
            eprintln!("OpenTelemetry export off: {e}");
            let off = provider(&TelemetryConfig::default()).expect("no exporter to build");
            (off, false)
        }
    };
    if let Err(e) = tracing::subscriber::set_global_default(build_with(
        log,
        std::io::stdout,
        &provider,
        exporting,
    )) {
        eprintln!("tracing subscriber already installed: {e}");
    }
    Telemetry { provider }
}

impl Telemetry {
    /// Flushes and stops span export (blocking work, off the executor).
    pub async fn shutdown(self) {
        let provider = self.provider;
        let _ = tokio::task::spawn_blocking(move || {
            let _ = provider.force_flush();
            let _ = provider.shutdown();
        })
        .await;
    }
}

/// Makes `span` a child of the W3C `traceparent` in `headers`, if there is one, and records its
/// trace id. Call before the span is first entered.
pub fn adopt_parent(span: &tracing::Span, headers: &http::HeaderMap) {
    if span.is_disabled() {
        return; // filtered out by `log.level`: no ids to mint, nothing to record
    }
    if headers.contains_key("traceparent") {
        let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
        let _ = span.set_parent(parent);
    }
    use opentelemetry::trace::TraceContextExt as _;
    let trace = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace));
}

/// The span of one gRPC request (tonic's `trace_fn`): the RPC's root, or the caller's child.
pub fn grpc_span(req: &http::Request<()>) -> tracing::Span {
    let span = tracing::info_span!(
        "grpc.request",
        otel.name = req.uri().path(),
        otel.kind = "server",
        rpc.system = "grpc",
        trace_id = tracing::field::Empty,
    );
    adopt_parent(&span, req.headers());
    span
}

/// Writes the current span's context into outgoing headers as `traceparent`.
pub fn inject(headers: &mut http::HeaderMap) {
    let cx = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&cx, &mut HeaderInjector(headers));
}
