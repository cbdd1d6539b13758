//! No input may panic a parser: property tests over the webhook parser (arbitrary bytes, and
//! real fixtures with their fields replaced by arbitrary Unicode), the dedupe key, Atelio's
//! error bodies, timestamps and the lenient response decoders (arbitrary JSON values).
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::atelio_json::timestamps::parse_timestamp;
use crate::grpc::decode;
use crate::upstream::atelio_error::parse_error_body;
use crate::webhook::parse::{dedupe_key, parse};
use crate::webhook::test_support::verified;

/// Arbitrary JSON, a few levels deep, with Unicode strings and Atelio's field names as keys.
fn json_value() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "event",
        "customer_id",
        "business_id",
        "beneficial_owner_id",
        "occurred_at",
        "sent_time",
        "reasons",
        "fields",
        "kyc_status",
        "documents",
        "data",
        "page_info",
        "addresses",
        "date_created",
        "Message",
        "Code",
        "Status",
        "Type",
        "details",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,24}".prop_map(Value::from),
        Just(json!("2024-01-01T00:00:00+0é1")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn every_decoder(v: &Value) {
    let _ = decode::customer::customer(v);
    let _ = decode::business::business(v);
    let _ = decode::business::kyb(v);
    let _ = decode::business::start_kyb(v);
    let _ = decode::owner::owner(v);
    let _ = decode::address(v);
    let _ = decode::kyc_verification(v, &["customer_id"]);
    let _ = crate::atelio_json::list_items(v);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_parse_into_an_event_without_panicking(body in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(e) = parse(&verified(&body)) {
            let _ = dedupe_key(&e);
        }
        let _ = parse_error_body(&body);
    }

    #[test]
    fn any_json_body_parses_and_decodes_without_panicking(v in json_value()) {
        let body = serde_json::to_vec(&v).expect("serialisable");
        let _ = dedupe_key(&parse(&verified(&body)).expect("JSON parses"));
        let _ = parse_error_body(&body);
        every_decoder(&v);
    }

    #[test]
    fn a_real_event_with_arbitrary_field_values_never_panics(
        event in "\\PC{0,40}", subject in "\\PC{0,40}", at in "\\PC{0,40}", reasons in "\\PC{0,40}",
    ) {
        let body = json!({
            "event": event, "customer_id": subject, "occurred_at": at, "reasons": reasons,
            "fields": [reasons], "business_id": subject,
        });
        let body = serde_json::to_vec(&body).expect("serialisable");
        let _ = dedupe_key(&parse(&verified(&body)).expect("JSON parses"));
    }

    #[test]
    fn any_string_is_a_timestamp_or_none(
        prefix in prop::sample::select(vec!["", "2024-01-01T00:00:00", "2024-01-01 00:00:00.123"]),
        rest in "[+-]\\PC{0,5}",
    ) {
        let _ = parse_timestamp(&format!("{prefix}{rest}"));
    }
}
