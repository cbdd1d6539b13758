//! Tests of [`super::Address::parse`] and [`super::parse_addresses`]; field rules are tested in
//! `fields.rs`.

use super::*;

fn us_input() -> AddressInput {
    AddressInput {
        address_type: Some(AddressType::Physical),
        street: "345 California St".into(),
        street2: "Suite 600".into(),
        city: "San Francisco".into(),
        state: "CA".into(),
        zip_code: "94104".into(),
        country: "US".into(),
        is_primary: true,
    }
}

fn fields_of(v: &Violations) -> Vec<&str> {
    v.iter().map(|x| x.field.as_str()).collect()
}

#[test]
fn valid_us_address_parses_with_values_kept_as_given() {
    let mut v = Violations::new();
    let address = Address::parse(&us_input(), AddressProfile::Customer, "customer", &mut v);
    assert!(v.is_empty(), "{v}");
    let address = address.expect("valid address");
    assert_eq!(address.street2.as_deref(), Some("Suite 600"));
    assert_eq!(
        (address.address_type.as_str(), address.is_us()),
        ("PHYSICAL", true)
    );
}

#[test]
fn blank_street2_is_treated_as_absent() {
    let mut v = Violations::new();
    let input = AddressInput {
        street2: "  ".into(),
        ..us_input()
    };
    let address = Address::parse(&input, AddressProfile::BusinessOrOwner, "b", &mut v);
    assert_eq!(address.and_then(|a| a.street2), None);
    assert!(v.is_empty(), "{v}");
}

#[test]
fn every_missing_field_is_reported_under_the_prefix() {
    let mut v = Violations::new();
    let input = AddressInput::default();
    assert!(Address::parse(&input, AddressProfile::Customer, "c.addresses[0]", &mut v).is_none());
    let expected = [
        "address_type",
        "street",
        "city",
        "state",
        "zip_code",
        "country",
    ]
    .map(|f| format!("c.addresses[0].{f}"));
    assert_eq!(
        fields_of(&v),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(v.iter().all(|x| x.description == "is required"));
}

#[test]
fn non_us_address_uses_free_state_and_zip_rules() {
    let mut v = Violations::new();
    let input = AddressInput {
        state: "Bavaria".into(),
        zip_code: "80331".into(),
        country: "DE".into(),
        city: "Munich".into(),
        street: "Marienplatz 1".into(),
        ..us_input()
    };
    let address = Address::parse(&input, AddressProfile::BusinessOrOwner, "", &mut v);
    assert!(v.is_empty(), "{v}");
    assert_eq!(address.map(|a| a.is_us()), Some(false));
}

#[test]
fn us_rules_reject_a_long_state_and_a_bad_zip() {
    let mut v = Violations::new();
    let input = AddressInput {
        state: "California".into(),
        zip_code: "9410".into(),
        ..us_input()
    };
    assert!(Address::parse(&input, AddressProfile::Customer, "a", &mut v).is_none());
    assert_eq!(fields_of(&v), ["a.state", "a.zip_code"]);
}

#[test]
fn violations_do_not_echo_the_values() {
    let mut v = Violations::new();
    let input = AddressInput {
        street: "Secret/Lane".into(),
        city: "X".into(),
        ..us_input()
    };
    assert!(Address::parse(&input, AddressProfile::Customer, "a", &mut v).is_none());
    assert!(v.iter().all(|x| !x.description.contains("Secret")));
    assert_eq!(fields_of(&v), ["a.street", "a.city"]);
}

#[test]
fn address_debug_is_redacted() {
    let mut v = Violations::new();
    let address = Address::parse(&us_input(), AddressProfile::Customer, "a", &mut v);
    let shown = format!("{address:?} {:?}", us_input());
    assert!(!shown.contains("California St"), "{shown}");
    assert_eq!(shown, "Some(Address(<redacted>)) AddressInput(<redacted>)");
}

#[test]
fn address_type_parses_wire_values_only() {
    assert_eq!(AddressType::parse("MAILING"), Ok(AddressType::Mailing));
    assert_eq!(
        AddressType::parse("PHYSICAL").map(|t| t.to_string()),
        Ok("PHYSICAL".into())
    );
    assert!(AddressType::parse("mailing").is_err());
}

#[test]
fn address_list_must_not_be_empty() {
    let mut v = Violations::new();
    let none = parse_addresses(
        &[],
        AddressProfile::Customer,
        "customer.addresses",
        true,
        &mut v,
    );
    assert!(none.is_none());
    assert_eq!(fields_of(&v), ["customer.addresses"]);
}

#[test]
fn address_list_with_a_primary_item_parses() {
    let mut v = Violations::new();
    let inputs = [
        AddressInput {
            is_primary: false,
            ..us_input()
        },
        us_input(),
    ];
    let parsed = parse_addresses(&inputs, AddressProfile::Customer, "c", true, &mut v);
    assert_eq!(parsed.map(|a| a.len()), Some(2));
}

#[test]
fn address_list_without_a_primary_fails_only_when_required() {
    let inputs = [AddressInput {
        is_primary: false,
        ..us_input()
    }];
    let mut v = Violations::new();
    assert!(parse_addresses(&inputs, AddressProfile::Customer, "c", true, &mut v).is_none());
    assert_eq!(
        v.iter().map(|x| x.description.as_str()).collect::<Vec<_>>(),
        ["must include at least one primary address"]
    );
    let mut v = Violations::new();
    assert!(
        parse_addresses(&inputs, AddressProfile::BusinessOrOwner, "b", false, &mut v).is_some()
    );
}

#[test]
fn address_list_reports_items_by_index() {
    let mut v = Violations::new();
    let inputs = [
        us_input(),
        AddressInput {
            country: "us".into(),
            ..us_input()
        },
    ];
    assert!(
        parse_addresses(
            &inputs,
            AddressProfile::Customer,
            "c.addresses",
            true,
            &mut v
        )
        .is_none()
    );
    assert_eq!(fields_of(&v), ["c.addresses[1].country"]);
}
