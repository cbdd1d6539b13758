//! Valid requests and Atelio responses taken from the catalogue's examples, so each test
//! states only what it changes.
use atelio_gateway::proto::v1 as pb;
use serde_json::{Value, json};

pub const CUSTOMER_ID: &str = "2df10ec1-130f-41bb-b0cf-f3af48350eb7";
pub const BUSINESS_ID: &str = "96df8579-5d05-4e3e-a5e3-e61e3a5bdb38";
pub const OWNER_ID: &str = "4a5b6c7d-1e2f-4a3b-9c8d-7e6f5a4b3c2d";
pub const ADDRESS_ID: &str = "0b2f4c1a-7d3e-4c59-8a61-2f9d3e1b5c70";
pub const PROGRAM_ID: &str = "72585109-8222-4221-b15b-48e87ffed790";

pub fn customer_address() -> pb::Address {
    pb::Address {
        address_type: pb::AddressType::Physical as i32,
        street: "345 California St".into(),
        street2: "Suite 600".into(),
        city: "San Francisco".into(),
        state: "CA".into(),
        zip_code: "94104".into(),
        country: "US".into(),
        is_primary: true,
        ..Default::default()
    }
}

pub fn business_address() -> pb::Address {
    pb::Address {
        address_type: pb::AddressType::Mailing as i32,
        street: "1000 Main Street".into(),
        street2: "Floor 2".into(),
        city: "Austin".into(),
        state: "TX".into(),
        zip_code: "73301-1234".into(),
        country: "US".into(),
        is_primary: true,
        ..Default::default()
    }
}

pub fn customer() -> pb::Customer {
    pb::Customer {
        dob: "1990-02-13".into(),
        first_name: "Nick".into(),
        middle_name: "Aaron".into(),
        last_name: "Smith".into(),
        ssn: "123-45-6789".into(),
        phone: "555-111-2222".into(),
        phone_country_code: "1".into(),
        email: "nick.smith@goldfinger.com".into(),
        addresses: vec![customer_address()],
        ..Default::default()
    }
}

pub fn owner() -> pb::BeneficialOwner {
    pb::BeneficialOwner {
        dob: "1975-07-04".into(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        addresses: vec![business_address()],
        ..Default::default()
    }
}

pub fn business() -> pb::Business {
    pb::Business {
        ein: "12-3456789".into(),
        legal_business_name: "Acme Widgets Inc".into(),
        dba_business_name: "Acme".into(),
        business_type: pb::BusinessType::Corporation as i32,
        industry_type: pb::IndustryType::Technology as i32,
        number_of_employees: "0-50".into(),
        date_established: "2020-01-01".into(),
        phone: "+14157485052".into(),
        email: "ops@acme.example.com".into(),
        website: "www.acme.com".into(),
        addresses: vec![business_address()],
        ..Default::default()
    }
}

/// Atelio's customer object, with the documentation's quirks (hyphen timestamp, "null" string).
pub fn customer_json() -> Value {
    json!({
        "customer_id": CUSTOMER_ID,
        "bond_brand_id": "8a4d3a3e-9d3c-4f3a-8a3b-3c2d1e0f9a8b",
        "brand_person_id": null,
        "business_id": "null",
        "date_created": "2021-02-02-00:50:58.484840+00:00",
        "dob": "1990-02-13",
        "first_name": "Nick",
        "middle_name": "",
        "last_name": "Smith",
        "ssn": "XXX-XX-6789",
        "phone": "555-111-2222",
        "phone_country_code": "1",
        "email": "nick.smith@goldfinger.com",
        "kyc_requests_available": 3,
        "addresses": [address_json("PHYSICAL")]
    })
}

pub fn address_json(kind: &str) -> Value {
    json!({
        "address_id": ADDRESS_ID,
        "address_type": kind,
        "street": "345 California St",
        "street2": "",
        "city": "San Francisco",
        "state": "CA",
        "zip_code": "94104",
        "country": "US",
        "is_primary": true,
        "deliverability": "deliverable",
        "date_created": "2020-10-26T21:48:57.287919"
    })
}

pub fn owner_json() -> Value {
    json!({
        "beneficial_owner_id": OWNER_ID,
        "dob": "1975-07-04",
        "first_name": "Ada",
        "middle_name": null,
        "last_name": "Lovelace",
        "ssn": null,
        "date_created": "2022-06-09T18:23:37.585421Z",
        "date_updated": "2022-06-09T18:23:37.585421Z",
        "address": [address_json("MAILING")]
    })
}

pub fn business_json() -> Value {
    json!({
        "business_id": BUSINESS_ID,
        "ein": "12-3456789",
        "legal_business_name": "Acme Widgets Inc",
        "dba_business_name": "Acme",
        "business_type": "corporation",
        "industry_type": "Financial",
        "number_of_employees": "0-50",
        "date_established": "2020-01-01T00:00:00.000Z",
        "phone": "+14157485052",
        "email": "ops@acme.example.com",
        "website": "www.acme.com",
        "kyb_status": "under review",
        "addresses": [address_json("MAILING")],
        "beneficial_owners": [{
            "beneficial_owner_id": OWNER_ID, "dob": "1975-07-04", "first_name": "Ada",
            "last_name": "Lovelace", "addresses": [address_json("PHYSICAL")]
        }],
        "date_created": "2022-07-15T18:57:28+00:00",
        "date_updated": "2021-02-11 12:01:36.122456-08"
    })
}

/// The address JSON the gateway must send for `customer_address()`.
pub fn sent_customer_address() -> Value {
    json!({
        "address_type": "PHYSICAL", "street": "345 California St", "street2": "Suite 600",
        "city": "San Francisco", "state": "CA", "zip_code": "94104", "country": "US", "is_primary": true
    })
}

/// The address JSON the gateway must send for `business_address()`.
pub fn sent_business_address() -> Value {
    json!({
        "address_type": "MAILING", "street": "1000 Main Street", "street2": "Floor 2",
        "city": "Austin", "state": "TX", "zip_code": "73301-1234", "country": "US", "is_primary": true
    })
}

/// `GetCustomer` for [`CUSTOMER_ID`], with `Authorization: Bearer <token>` when given.
pub fn get_customer_as(token: Option<&str>) -> tonic::Request<pb::GetCustomerRequest> {
    let mut req = tonic::Request::new(pb::GetCustomerRequest {
        customer_id: CUSTOMER_ID.into(),
    });
    if let Some(t) = token {
        let v = format!("Bearer {t}").parse().expect("ascii");
        req.metadata_mut().insert("authorization", v);
    }
    req
}
