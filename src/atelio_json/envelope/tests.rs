//! `list_items` on every documented list envelope (§2.5 B2, §5.5, §6 items 8 and 25).
use serde_json::{Value, json};

use super::super::parse_body;
use super::*;

/// BO list response: `page_info` first, escapes, trailing commas, an apostrophe in a value.
const BO_LIST: &str = r#"{
  "page_info": {
    "page_size": 2,
    "page": 1,
    "pages": 1
  },
  "data": [\
    {\
      "beneficial_owner_id": "4943fc81-e7e8-43b5-8be6-9c43fcec505a",\
      "first_name": "David",\
      "is_primary": true,\
    },\
    {\
      "beneficial_owner_id": "29ec6db6-4e12-4521-8ba7-7afc5c4730dd",\
      "last_name": "O'Brian",\
      "is_primary": true,\
    }\
  ]
}"#;

/// Business-address list: `data` first, `page_info` last.
const ADDRESS_LIST: &str = r#"{
  "data": [
    {"address_id": "12348579-5d05-4e3e-a5e3-e61e3a5b1234", "address_type": "MAILING"},
    {"address_id": "67898579-5d05-6789-a5e3-e61e3a5b6789", "address_type": "PHYSICAL"}
  ],
  "page_info": {"page": 1, "page_size": 2, "pages": 1}
}"#;

/// B2 "list" example: a single Business object with two arrays of its own.
const BUSINESS_LIST_SINGLE: &str = r#"{
  "addresses": [{"address_id": "12348579-5d05-4e3e-a5e3-e61e3a5b1234"}],
  "beneficial_owners": [{"beneficial_owner_id": "45628579-5d05-4562-a5e3-e61e3a5b4562"}],
  "business_id": "96df8579-5d05-4e3e-a5e3-e61e3a5bdb38",
  "industry_type": "Financial",
  "kyb_status": "approved",
  "legal_business_name": "World Domination Inc."
}"#;

fn parsed(text: &str) -> Value {
    parse_body(text.as_bytes()).expect("fixture parses")
}

#[test]
fn a_bare_customer_array_is_a_list_without_page_info() {
    let v = parsed(
        r#"[{"customer_id": "8559dec0-2edb-4c3c-a3c5-32de10174c34"}, {"customer_id": "3cf29100-4396-4c90-b4b0-6edfeca0ee3f"}]"#,
    );
    let (items, info) = list_items(&v);
    assert_eq!(items.len(), 2);
    assert_eq!(info, None);
}

#[test]
fn a_page_info_envelope_with_page_info_first_is_read() {
    let v = parsed(BO_LIST);
    let (items, info) = list_items(&v);
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["last_name"], "O'Brian");
    assert_eq!(
        info,
        Some(PageInfo {
            page: 1,
            page_size: 2,
            pages: 1
        })
    );
}

#[test]
fn a_page_info_envelope_with_page_info_last_is_read() {
    let v = parsed(ADDRESS_LIST);
    let (items, info) = list_items(&v);
    assert_eq!(items.len(), 2);
    assert_eq!(
        info,
        Some(PageInfo {
            page: 1,
            page_size: 2,
            pages: 1
        })
    );
}

#[test]
fn a_single_business_where_a_list_was_expected_is_one_item() {
    let v = parsed(BUSINESS_LIST_SINGLE);
    let (items, info) = list_items(&v);
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["business_id"],
        "96df8579-5d05-4e3e-a5e3-e61e3a5bdb38"
    );
    assert_eq!(info, None);
}

#[test]
fn a_business_with_only_an_address_array_is_still_one_item() {
    let v = json!({"business_id": "96df8579", "addresses": [{"street": "345 California Ave."}]});
    assert_eq!(list_items(&v).0, vec![&v]);
}

#[test]
fn data_without_page_info_is_a_list() {
    let v = json!({"data": [{"vendor": "persona"}]});
    assert_eq!(list_items(&v), (vec![&v["data"][0]], None));
}

#[test]
fn a_wrapper_whose_only_array_is_the_list_is_unwrapped() {
    let v = json!({"webhook_subscriptions": [{"id": "a"}, {"id": "b"}]});
    assert_eq!(list_items(&v).0.len(), 2);
    let paged = json!({"businesses": [{"business_id": "x"}], "page": 2, "pages": 3});
    let info = PageInfo {
        page: 2,
        page_size: 0,
        pages: 3,
    };
    assert_eq!(
        list_items(&paged),
        (vec![&paged["businesses"][0]], Some(info))
    );
}

#[test]
fn empty_and_null_lists_have_no_items() {
    for v in [
        json!([]),
        json!({}),
        json!(null),
        json!({"data": null}),
        json!("text"),
    ] {
        assert!(list_items(&v).0.is_empty(), "{v}");
    }
    let v = json!({"page_info": {"page": "1", "page_size": 20, "pages": 0}, "data": []});
    let info = PageInfo {
        page: 1,
        page_size: 20,
        pages: 0,
    };
    assert_eq!(list_items(&v), (vec![], Some(info)));
}
