//! Server features: health per service, reflection v1 and v1alpha, gzip, message-size limits
//! and the default deadline.
use std::time::Duration;

use atelio_gateway::proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::codec::CompressionEncoding;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::helpers::{fixtures::*, *};

const SERVICES: [&str; 3] = [
    "atelio.gateway.v1.CustomerService",
    "atelio.gateway.v1.BusinessService",
    "atelio.gateway.v1.BeneficialOwnerService",
];

#[tokio::test]
async fn health_reports_serving_overall_and_per_service() {
    let app = spawn_app().await;
    let mut health = HealthClient::new(app.channel.clone());
    for service in std::iter::once("").chain(SERVICES) {
        let resp = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(resp.status, ServingStatus::Serving as i32, "{service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn reflection_v1_lists_every_service_and_describes_them() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = spawn_app().await;
    let mut client = ServerReflectionClient::new(app.channel.clone());
    let reqs = vec![
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        },
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(SERVICES[0].into())),
        },
    ];
    let mut stream = client
        .server_reflection_info(tokio_stream::iter(reqs))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        stream.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for s in SERVICES.iter().chain(&["grpc.health.v1.Health"]) {
        assert!(names.contains(s), "{s} missing from {names:?}");
    }
    let Some(MessageResponse::FileDescriptorResponse(fd)) =
        stream.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected file descriptors");
    };
    assert!(!fd.file_descriptor_proto.is_empty());
}

#[tokio::test]
async fn reflection_v1alpha_is_served_for_older_tools() {
    use tonic_reflection::pb::v1alpha::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = spawn_app().await;
    let mut client = ServerReflectionClient::new(app.channel.clone());
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    let resp = stream.next().await.unwrap().unwrap();
    assert!(
        matches!(resp.message_response, Some(MessageResponse::ListServicesResponse(l)) if l.service.len() >= 4)
    );
}

#[tokio::test]
async fn gzip_compressed_calls_work_both_ways() {
    let app = spawn_app().await;
    app.upstream.on(
        "POST",
        "/customers/",
        vec![Reply::json(201, customer_json())],
    );
    let mut client = app
        .customers()
        .send_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Gzip);
    let resp = client
        .create_customer(pb::CreateCustomerRequest {
            customer: Some(customer()),
            request_id: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        resp.metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert_eq!(resp.into_inner().customer.unwrap().customer_id, CUSTOMER_ID);
}

#[tokio::test]
async fn messages_above_the_size_limit_are_refused_before_any_upstream_call() {
    let app = spawn_app_with(|c| c.server.max_message_bytes = 8 * 1024).await;
    let img = pb::DocumentImage {
        file_name: "a.png".into(),
        image: vec![7u8; 16 * 1024],
    };
    let req = pb::SubmitCustomerKycDocumentsRequest {
        customer_id: CUSTOMER_ID.into(),
        social_security_card: Some(img),
        ..Default::default()
    };
    let err = app
        .customers()
        .submit_customer_kyc_documents(req)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    assert_eq!(app.upstream.count(), 0);
}

#[tokio::test]
async fn calls_without_a_deadline_get_the_default_one() {
    let app = spawn_app_with(|c| c.server.default_deadline_ms = 300).await;
    app.upstream.on_prefix(
        "GET",
        "/customers/",
        vec![Reply::json(200, customer_json()).with_delay(Duration::from_secs(5))],
    );
    let err = app
        .customers()
        .get_customer(pb::GetCustomerRequest {
            customer_id: CUSTOMER_ID.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded);
}
