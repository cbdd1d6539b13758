//! The tracing subscriber: JSON lines (default) or pretty output, filtered by `log.level`.
//! Spans and events never carry request bodies, PII or secrets; see `grpc::handle` and
//! `upstream::client` for what is recorded. `build` takes any writer so tests can capture the
//! exact production output.
use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter, layer::SubscriberExt};

use crate::config::{LogConfig, LogFormat};

/// The subscriber for `cfg`, writing to `writer`.
pub fn build<W>(cfg: &LogConfig, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&cfg.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    match cfg.format {
        LogFormat::Json => Box::new(
            registry.with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(writer),
            ),
        ),
        LogFormat::Pretty => Box::new(registry.with(fmt::layer().pretty().with_writer(writer))),
    }
}

/// Installs the global subscriber writing to stdout. Call once, from `main`.
pub fn init(cfg: &LogConfig) {
    if let Err(e) = tracing::subscriber::set_global_default(build(cfg, std::io::stdout)) {
        eprintln!("tracing subscriber already installed: {e}");
    }
}
