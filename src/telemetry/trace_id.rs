//! A JSON event formatter wrapper that puts the current OpenTelemetry `trace_id` and `span_id`
//! first on each line logged inside a span, so every log line of a request can be joined with
//! its trace. Lines outside any span are left as they are.

use opentelemetry::trace::TraceContextExt as _;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, format::Writer};
use tracing_subscriber::registry::LookupSpan;

/// Wraps a JSON `FormatEvent`.
pub struct WithTraceId<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for WithTraceId<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        let cx = opentelemetry::Context::current();
        let span = cx.span();
        let sc = span.span_context();
        match line.strip_prefix('{') {
            Some(rest) if sc.is_valid() && !rest.starts_with('}') => {
                write!(
                    writer,
                    "{{\"trace_id\":\"{}\",\"span_id\":\"{}\",",
                    sc.trace_id(),
                    sc.span_id()
                )?;
                writer.write_str(rest)
            }
            _ => writer.write_str(&line),
        }
    }
}
