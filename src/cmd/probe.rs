//! `atelio-gateway health-probe`: asks a gateway's `grpc.health.v1.Health/Check` and exits 0
//! when it answers SERVING. Used by the Helm chart's `helm test` pod and the image's
//! HEALTHCHECK, so neither needs a separate probe binary. Speaks TLS (and mTLS) when given a CA.
use std::{path::PathBuf, process::ExitCode, time::Duration};

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Where and how to probe.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The gateway's gRPC address, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub addr: String,
    /// The health service name to ask about ("" is the whole server).
    #[arg(long, default_value = "")]
    pub service: String,
    /// Give up after this many milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
    /// PEM CA that signed the server's certificate: connect with TLS.
    #[arg(long)]
    pub tls_ca_file: Option<PathBuf>,
    /// The name to verify the server certificate against (default: the host of --addr).
    #[arg(long)]
    pub tls_server_name: Option<String>,
    /// PEM client certificate, for a gateway that requires mTLS.
    #[arg(long, requires = "tls_key_file")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM key of the client certificate.
    #[arg(long, requires = "tls_cert_file")]
    pub tls_key_file: Option<PathBuf>,
}

fn tls(args: &ProbeArgs, ca: &PathBuf) -> Result<ClientTlsConfig, String> {
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {}", p.display(), e.kind()));
    let host = args
        .addr
        .rsplit_once(':')
        .map_or(args.addr.as_str(), |(h, _)| h);
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read(ca)?))
        .domain_name(
            args.tls_server_name
                .clone()
                .unwrap_or_else(|| host.to_string()),
        );
    if let (Some(cert), Some(key)) = (&args.tls_cert_file, &args.tls_key_file) {
        tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
    }
    Ok(tls)
}

async fn check(args: &ProbeArgs) -> Result<i32, String> {
    let scheme = if args.tls_ca_file.is_some() {
        "https"
    } else {
        "http"
    };
    let mut endpoint = Channel::from_shared(format!("{scheme}://{}", args.addr))
        .map_err(|e| format!("--addr: {e}"))?
        .timeout(Duration::from_millis(args.timeout_ms))
        .connect_timeout(Duration::from_millis(args.timeout_ms));
    if let Some(ca) = &args.tls_ca_file {
        let _ = rustls::crypto::ring::default_provider().install_default();
        endpoint = endpoint
            .tls_config(tls(args, ca)?)
            .map_err(|e| e.to_string())?;
    }
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: args.service.clone(),
        })
        .await
        .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?;
    Ok(answer.into_inner().status)
}

/// Probes once: exit 0 when SERVING, 1 otherwise (with the reason on stderr).
pub async fn run(args: &ProbeArgs) -> ExitCode {
    match check(args).await {
        Ok(1) => {
            println!("SERVING");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            let name = tonic_health::pb::health_check_response::ServingStatus::try_from(status)
                .map_or("UNKNOWN", |s| s.as_str_name());
            eprintln!("not serving: {name}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("health probe failed: {e}");
            ExitCode::FAILURE
        }
    }
}
