//! Command line: `serve` (default; `--sandbox` wires in the Atelio emulator), `sandbox` (the
//! emulator alone), `check-config` and `health-probe`. Exit codes: 0 ok, 1 runtime failure, 2 invalid
//! configuration.
use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand};

/// atelio-gateway: a gRPC gateway in front of the Atelio REST API.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// TOML configuration file; `ATELIO_GATEWAY__…` environment variables override it.
    #[arg(long, short, global = true, env = "ATELIO_GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway.
    Serve {
        /// Run the Atelio sandbox emulator in this process and use it as the upstream (no
        /// Atelio account or network needed).
        #[arg(long)]
        sandbox: bool,
        /// With `--sandbox`, keep listeners configured on all interfaces (0.0.0.0 or ::) there.
        /// Without it they move to 127.0.0.1 (same port): the sandbox turns caller
        /// authentication off, so it is for one machine unless you say otherwise.
        #[arg(long = "sandbox-expose", requires = "sandbox")]
        sandbox_expose: bool,
        #[command(flatten)]
        emulator: SandboxArgs,
    },
    /// Run the Atelio sandbox emulator alone.
    Sandbox {
        #[command(flatten)]
        emulator: SandboxArgs,
        /// Create a subscription for `kyc.*` and `kyb.*` posting to this URL (repeatable).
        #[arg(long)]
        webhook_url: Vec<String>,
        /// Where to write the created subscriptions' secrets, one per line (mode 0600).
        #[arg(long, requires = "webhook_url")]
        webhook_secret_file: Option<PathBuf>,
    },
    /// Run the gateway and its Atelio emulator on loopback and walk a scripted KYC/KYB journey
    /// over gRPC, printing a timeline of calls and relayed events.
    Demo,
    /// Load and validate the configuration, print a summary (no secrets) and exit.
    CheckConfig,
    /// Ask a running gateway's gRPC health service; exit 0 when it is SERVING.
    HealthProbe(super::probe::ProbeArgs),
    /// List the Atelio account's webhook subscriptions, or ensure the one for
    /// `webhook.public_url`.
    Subscriptions {
        #[command(subcommand)]
        action: super::subscriptions::Action,
    },
}

/// How the emulator runs.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Emulator listen address (with `serve --sandbox`, default: a free loopback port).
    #[arg(long = "sandbox-addr", env = "ATELIO_SANDBOX_ADDR")]
    pub addr: Option<SocketAddr>,
    /// The API key identity the emulator accepts.
    #[arg(
        long = "sandbox-identity",
        env = "ATELIO_SANDBOX_IDENTITY",
        default_value = "sandbox-identity"
    )]
    pub identity: String,
    /// The API key secret the emulator accepts.
    #[arg(
        long = "sandbox-authorization",
        env = "ATELIO_SANDBOX_AUTHORIZATION",
        default_value = "sandbox-secret",
        hide_default_value = true
    )]
    pub authorization: String,
    /// Calls per minute before 429 (Atelio: 1000); 0 turns the limit off.
    #[arg(long = "sandbox-rate-limit", default_value_t = 1000)]
    pub rate_limit_per_min: u32,
    /// Delay before a KYC outcome event, ms.
    #[arg(long = "sandbox-outcome-delay-ms", default_value_t = 500)]
    pub outcome_delay_ms: u64,
    /// Requested documents not uploaded within this long end the KYC in a timeout, ms
    /// (Atelio: 28 days).
    #[arg(long = "sandbox-document-expiry-ms", default_value_t = 120_000)]
    pub document_expiry_ms: u64,
    /// First webhook retry delay, ms (doubles per attempt; 8 attempts).
    #[arg(long = "sandbox-webhook-retry-ms", default_value_t = 250)]
    pub webhook_retry_ms: u64,
    /// Fault: latency added to every answer, ms.
    #[arg(long = "sandbox-latency-ms", default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault: answer STATUS with probability RATE (0..1), e.g. `503=0.1` (repeatable).
    #[arg(long = "sandbox-error-rate", value_parser = parse_rate)]
    pub error_rates: Vec<(u16, f64)>,
    /// Fault: probability that a connection breaks off mid-answer.
    #[arg(long = "sandbox-drop-rate", default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Fault: probability that an accepted webhook is delivered twice.
    #[arg(long = "sandbox-duplicate-rate", default_value_t = 0.0)]
    pub duplicate_rate: f64,
    /// Fault: probability that a webhook is silently never delivered (no attempt, no retry).
    #[arg(long = "sandbox-webhook-loss-rate", default_value_t = 0.0)]
    pub webhook_loss_rate: f64,
    /// Fault: probability that a webhook is held back so later ones overtake it.
    #[arg(long = "sandbox-reorder-rate", default_value_t = 0.0)]
    pub reorder_rate: f64,
    /// Fault: probability that a successful mutating call is committed, then its answer dropped.
    #[arg(long = "sandbox-lose-answer-rate", default_value_t = 0.0)]
    pub lose_answer_rate: f64,
    /// Fault: probability that a successful mutating call is committed, then answered late.
    #[arg(long = "sandbox-slow-answer-rate", default_value_t = 0.0)]
    pub slow_answer_rate: f64,
    /// How late a slow answer comes, ms (past the gateway's attempt timeout).
    #[arg(long = "sandbox-slow-answer-ms", default_value_t = 15_000)]
    pub slow_answer_ms: u64,
    /// Fault: after EVERY calls, refuse LEN with 429, e.g. `100:5`.
    #[arg(long = "sandbox-429-burst", value_parser = parse_burst)]
    pub burst: Option<(u64, u64)>,
    /// Quirk mode reproducing an inconsistency of Atelio's documentation (repeatable).
    #[arg(long = "sandbox-quirk", value_enum)]
    pub quirks: Vec<Quirk>,
    /// How webhook `occurred_at` timestamps are written.
    #[arg(long = "sandbox-timestamps", value_enum, default_value = "offset")]
    pub timestamps: Timestamps,
}

/// `--sandbox-quirk` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Quirk {
    /// `kyc.verification.documents_required` as the event name.
    DocumentsRequired,
    /// Beneficial-owner events name the owner under `customer_id`.
    OwnerCustomerId,
    /// Failure `reasons` as a string.
    ReasonsString,
    /// Paged lists as bare arrays.
    BareLists,
    /// Error `Message` as a dict.
    MessageDict,
}

/// `--sandbox-timestamps` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Timestamps {
    Offset,
    Hyphen,
    NoZone,
    Zulu,
    ZuluMillis,
    SpaceShortOffset,
}

fn parse_rate(s: &str) -> Result<(u16, f64), String> {
    let (status, rate) = s
        .split_once('=')
        .ok_or("expected STATUS=RATE, e.g. 503=0.1")?;
    let status: u16 = status
        .parse()
        .map_err(|_| "STATUS must be an HTTP status")?;
    let rate: f64 = rate.parse().map_err(|_| "RATE must be a number")?;
    if !(400..600).contains(&status) || !(0.0..=1.0).contains(&rate) {
        return Err("STATUS must be 400..599 and RATE 0..1".into());
    }
    Ok((status, rate))
}

fn parse_burst(s: &str) -> Result<(u64, u64), String> {
    let (every, len) = s.split_once(':').ok_or("expected EVERY:LEN, e.g. 100:5")?;
    let n = |v: &str| {
        v.parse::<u64>()
            .map_err(|_| "EVERY and LEN must be whole numbers".to_string())
    };
    Ok((n(every)?, n(len)?))
}

impl SandboxArgs {
    /// The emulator's configuration.
    pub fn config(&self) -> crate::sandbox::SandboxConfig {
        crate::sandbox::SandboxConfig {
            identity: self.identity.clone(),
            authorization: self.authorization.clone(),
            rate_limit_per_min: self.rate_limit_per_min,
            outcome_delay: std::time::Duration::from_millis(self.outcome_delay_ms),
            webhook_retry_base: std::time::Duration::from_millis(self.webhook_retry_ms),
            document_expiry: std::time::Duration::from_millis(self.document_expiry_ms),
            faults: crate::sandbox::Faults {
                latency: std::time::Duration::from_millis(self.latency_ms),
                error_rates: self.error_rates.clone(),
                drop_rate: self.drop_rate.clamp(0.0, 1.0),
                burst_every: self.burst.map_or(0, |b| b.0),
                burst_len: self.burst.map_or(0, |b| b.1),
                duplicate_rate: self.duplicate_rate.clamp(0.0, 1.0),
                webhook_loss_rate: self.webhook_loss_rate.clamp(0.0, 1.0),
                reorder_rate: self.reorder_rate.clamp(0.0, 1.0),
                reorder_delay: std::time::Duration::from_millis(300),
                lose_answer_rate: self.lose_answer_rate.clamp(0.0, 1.0),
                slow_answer_rate: self.slow_answer_rate.clamp(0.0, 1.0),
                slow_answer: std::time::Duration::from_millis(self.slow_answer_ms),
            },
            quirks: self.quirk_config(),
            ..Default::default()
        }
    }

    fn quirk_config(&self) -> crate::sandbox::Quirks {
        use crate::sandbox::TimestampStyle as S;
        let on = |q| self.quirks.contains(&q);
        crate::sandbox::Quirks {
            documents_required: on(Quirk::DocumentsRequired),
            owner_customer_id: on(Quirk::OwnerCustomerId),
            reasons_string: on(Quirk::ReasonsString),
            bare_lists: on(Quirk::BareLists),
            message_dict: on(Quirk::MessageDict),
            timestamps: match self.timestamps {
                Timestamps::Offset => S::Offset,
                Timestamps::Hyphen => S::Hyphen,
                Timestamps::NoZone => S::NoZone,
                Timestamps::Zulu => S::Zulu,
                Timestamps::ZuluMillis => S::ZuluMillis,
                Timestamps::SpaceShortOffset => S::SpaceShortOffset,
            },
        }
    }
}
