//! TLS with client certificates on the gRPC listener: certificates are made for the test by
//! rcgen (one CA the gateway trusts, one it does not). A client with a certificate from the
//! trusted CA is served; one with a certificate from another CA, or with none, is refused during
//! the handshake.
use std::path::Path;

use atelio_gateway::config::TlsConfig;
use atelio_gateway::proto::v1 as pb;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::helpers::fixtures::{CUSTOMER_ID, customer_json};
use crate::helpers::{Reply, TestApp, spawn_app_with};

struct Ca(CertifiedIssuer<'static, KeyPair>);

/// A PEM certificate and key.
struct Leaf {
    cert: String,
    key: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("key");
        Ca(CertifiedIssuer::self_signed(params, key).expect("ca"))
    }

    fn issue(&self, name: &str, usage: ExtendedKeyUsagePurpose) -> Leaf {
        let mut params = CertificateParams::new(vec![name.to_string()]).expect("params");
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.0).expect("signed");
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

async fn spawn(dir: &Path, trusted: &Ca) -> TestApp {
    let server = trusted.issue("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let tls = TlsConfig {
        cert_file: write(dir, "server.pem", &server.cert),
        key_file: write(dir, "server.key", &server.key),
        client_ca_file: Some(write(dir, "ca.pem", &trusted.0.pem())),
    };
    spawn_app_with(move |c| c.server.tls = Some(tls)).await
}

async fn call(app: &TestApp, server_ca: &Ca, client: Option<&Leaf>) -> Result<(), String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(server_ca.0.pem()))
        .domain_name("localhost");
    if let Some(c) = client {
        tls = tls.identity(Identity::from_pem(&c.cert, &c.key));
    }
    let channel = Channel::from_shared(format!("https://{}", app.addr))
        .expect("uri")
        .tls_config(tls)
        .expect("tls")
        .connect()
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    pb::customer_service_client::CustomerServiceClient::new(channel)
        .get_customer(pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        })
        .await
        .map(|_| ())
        .map_err(|s| format!("{:?}: {}", s.code(), s.message()))
}

#[tokio::test]
async fn only_clients_with_a_certificate_from_the_trusted_ca_are_served() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tmp");
    let (trusted, other) = (Ca::new("gateway clients"), Ca::new("somebody else"));
    let app = spawn(dir.path(), &trusted).await;
    app.upstream.on(
        "GET",
        &format!("/customers/{CUSTOMER_ID}"),
        vec![Reply::json(200, customer_json())],
    );
    let good = trusted.issue("billing", ExtendedKeyUsagePurpose::ClientAuth);
    let stranger = other.issue("billing", ExtendedKeyUsagePurpose::ClientAuth);

    call(&app, &trusted, Some(&good))
        .await
        .expect("trusted client served");
    let refused = call(&app, &trusted, Some(&stranger)).await;
    assert!(refused.is_err(), "a certificate from another CA is refused");
    let anonymous = call(&app, &trusted, None).await;
    assert!(anonymous.is_err(), "no client certificate is refused");
    assert_eq!(
        app.upstream.requests().len(),
        1,
        "only the trusted call reached Atelio"
    );
}
