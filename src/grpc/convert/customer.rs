//! CustomerService requests → customer create and update commands (docs/reference/atelio-api.md §2.3).
use crate::domain::commands::{AccountHolder, CustomerPatch, NewCustomer};
use crate::domain::{
    AddressProfile, Dob, Email, FreeText, NameRule, PersonName, Phone, PhoneCountryCode,
    ResourceId, Ssn, Violations, parse_addresses,
};
use crate::proto::v1 as pb;

use super::{address_input, change, mask_paths, today};

const P: &str = "customer";

/// CreateCustomer → `NewCustomer`.
pub fn create(c: Option<&pb::Customer>) -> Result<NewCustomer, Violations> {
    let mut v = Violations::new();
    let Some(c) = c else {
        v.add(P, "is required");
        return Err(v);
    };
    let name = |s: &str| PersonName::parse(s, NameRule::CUSTOMER);
    let dob = v.required("customer.dob", &c.dob, |s| Dob::parse(s, today()));
    let first_name = v.required("customer.first_name", &c.first_name, name);
    let middle_name = v.optional("customer.middle_name", &c.middle_name, name);
    let last_name = v.required("customer.last_name", &c.last_name, name);
    let ssn = v.optional("customer.ssn", &c.ssn, Ssn::parse);
    let phone = v.optional("customer.phone", &c.phone, Phone::parse);
    let pcc = v.optional(
        "customer.phone_country_code",
        &c.phone_country_code,
        PhoneCountryCode::parse,
    );
    let email = v.optional("customer.email", &c.email, Email::parse);
    let inputs: Vec<_> = c.addresses.iter().map(address_input).collect();
    let addresses = parse_addresses(
        &inputs,
        AddressProfile::Customer,
        "customer.addresses",
        true,
        &mut v,
    );
    let brand = v.optional("customer.brand_person_id", &c.brand_person_id, |s| {
        FreeText::parse(s, 255)
    });
    let holder = account_holder(&mut v, c);
    let (Some(dob), Some(first_name), Some(middle_name), Some(last_name)) =
        (dob, first_name, middle_name, last_name)
    else {
        return Err(v);
    };
    let (
        Some(ssn),
        Some(phone),
        Some(pcc),
        Some(email),
        Some(addresses),
        Some(brand),
        Some(holder),
    ) = (ssn, phone, pcc, email, addresses, brand, holder)
    else {
        return Err(v);
    };
    v.finish(NewCustomer {
        dob,
        first_name,
        middle_name,
        last_name,
        ssn,
        phone,
        phone_country_code: pcc,
        email,
        addresses,
        brand_person_id: brand,
        account_holder: holder,
    })
}

fn account_holder(v: &mut Violations, c: &pb::Customer) -> Option<Option<AccountHolder>> {
    match pb::AccountHolderType::try_from(c.account_holder_type) {
        Ok(pb::AccountHolderType::Unspecified) | Ok(pb::AccountHolderType::Primary)
            if !c.primary_id.is_empty() =>
        {
            v.add(
                "customer.primary_id",
                "is only allowed for secondary account holders",
            );
            None
        }
        Ok(pb::AccountHolderType::Unspecified) => Some(None),
        Ok(pb::AccountHolderType::Primary) => Some(Some(AccountHolder::Primary)),
        Ok(pb::AccountHolderType::Secondary) => v
            .required("customer.primary_id", &c.primary_id, ResourceId::parse)
            .map(|id| Some(AccountHolder::Secondary(id))),
        Err(_) => {
            v.add("customer.account_holder_type", "is not a known value");
            None
        }
    }
}

/// Fields UpdateCustomer may change (Atelio guide, C4).
pub const UPDATABLE: &[&str] = &[
    "dob",
    "first_name",
    "middle_name",
    "last_name",
    "ssn",
    "phone",
    "phone_country_code",
    "email",
    "addresses",
];

/// UpdateCustomer → customer id and `CustomerPatch`.
pub fn update(r: &pb::UpdateCustomerRequest) -> Result<(ResourceId, CustomerPatch), Violations> {
    let mut v = Violations::new();
    let Some(c) = r.customer.as_ref() else {
        v.add(P, "is required");
        return Err(v);
    };
    let id = super::id(&mut v, "customer.customer_id", &c.customer_id);
    let paths = mask_paths(&mut v, r.update_mask.as_ref(), UPDATABLE, |p| {
        populated(c, p)
    });
    let has = |p: &str| paths.contains(&p);
    let name = |s: &str| PersonName::parse(s, NameRule::CUSTOMER);
    let mut patch = CustomerPatch {
        dob: change(&mut v, "customer.dob", has("dob"), &c.dob, false, |s| {
            Dob::parse(s, today())
        }),
        first_name: change(
            &mut v,
            "customer.first_name",
            has("first_name"),
            &c.first_name,
            false,
            name,
        ),
        middle_name: change(
            &mut v,
            "customer.middle_name",
            has("middle_name"),
            &c.middle_name,
            true,
            name,
        ),
        last_name: change(
            &mut v,
            "customer.last_name",
            has("last_name"),
            &c.last_name,
            false,
            name,
        ),
        ssn: change(&mut v, "customer.ssn", has("ssn"), &c.ssn, true, Ssn::parse),
        phone: change(
            &mut v,
            "customer.phone",
            has("phone"),
            &c.phone,
            true,
            Phone::parse,
        ),
        phone_country_code: change(
            &mut v,
            "customer.phone_country_code",
            has("phone_country_code"),
            &c.phone_country_code,
            true,
            PhoneCountryCode::parse,
        ),
        email: change(
            &mut v,
            "customer.email",
            has("email"),
            &c.email,
            true,
            Email::parse,
        ),
        ..CustomerPatch::default()
    };
    if has("addresses") {
        let inputs: Vec<_> = c.addresses.iter().map(address_input).collect();
        let parsed = parse_addresses(
            &inputs,
            AddressProfile::Customer,
            "customer.addresses",
            true,
            &mut v,
        );
        patch.addresses = parsed.map_or(Default::default(), crate::domain::commands::Change::Set);
    }
    match id {
        Some(id) => v.finish((id, patch)),
        None => Err(v),
    }
}

fn populated(c: &pb::Customer, path: &str) -> bool {
    match path {
        "dob" => !c.dob.is_empty(),
        "first_name" => !c.first_name.is_empty(),
        "middle_name" => !c.middle_name.is_empty(),
        "last_name" => !c.last_name.is_empty(),
        "ssn" => !c.ssn.is_empty(),
        "phone" => !c.phone.is_empty(),
        "phone_country_code" => !c.phone_country_code.is_empty(),
        "email" => !c.email.is_empty(),
        "addresses" => !c.addresses.is_empty(),
        _ => false,
    }
}
