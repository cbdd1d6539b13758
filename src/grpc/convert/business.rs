//! BusinessService requests → business create and update commands (docs/reference/atelio-api.md §2.5).
use crate::domain::commands::{BusinessPatch, Change, NewBusiness};
use crate::domain::{
    AddressProfile, Date, Ein, Email, FreeText, Phone, Violations, parse_addresses,
};
use crate::proto::v1 as pb;

use super::enums::{business_type, industry_type};
use super::{address_input, change, mask_paths};

/// CreateBusiness → `NewBusiness` (EIN, legal name, industry and an address are required).
pub fn create(b: Option<&pb::Business>) -> Result<NewBusiness, Violations> {
    let mut v = Violations::new();
    let Some(b) = b else {
        v.add("business", "is required");
        return Err(v);
    };
    let text = |max| move |s: &str| FreeText::parse(s, max);
    let ein = v.required("business.ein", &b.ein, Ein::parse);
    let legal = v.required(
        "business.legal_business_name",
        &b.legal_business_name,
        text(255),
    );
    let industry = match v.check("business.industry_type", industry_type(b.industry_type)) {
        Some(None) => {
            v.add("business.industry_type", "is required");
            None
        }
        other => other.flatten(),
    };
    let btype = v.check("business.business_type", business_type(b.business_type));
    let dba = v.optional(
        "business.dba_business_name",
        &b.dba_business_name,
        text(255),
    );
    let established = v.optional(
        "business.date_established",
        &b.date_established,
        Date::parse,
    );
    let phone = v.optional("business.phone", &b.phone, Phone::parse);
    let email = v.optional("business.email", &b.email, Email::parse);
    let website = v.optional("business.website", &b.website, text(255));
    let employees = v.optional(
        "business.number_of_employees",
        &b.number_of_employees,
        text(20),
    );
    let brand = v.optional(
        "business.brand_business_id",
        &b.brand_business_id,
        text(255),
    );
    let inputs: Vec<_> = b.addresses.iter().map(address_input).collect();
    let addresses = parse_addresses(
        &inputs,
        AddressProfile::BusinessOrOwner,
        "business.addresses",
        false,
        &mut v,
    );
    let owners: Vec<_> = (b.beneficial_owners.iter().enumerate())
        .map(|(i, o)| {
            super::owner::new_owner(&mut v, o, &format!("business.beneficial_owners[{i}]"))
        })
        .collect();
    let built = (|| {
        Some(NewBusiness {
            ein: ein?,
            legal_business_name: legal?,
            industry_type: industry?,
            dba_business_name: dba?,
            business_type: btype?,
            date_established: established?,
            phone: phone?,
            email: email?,
            website: website?,
            number_of_employees: employees?,
            addresses: addresses?,
            beneficial_owners: owners.into_iter().collect::<Option<Vec<_>>>()?,
            brand_business_id: brand?,
        })
    })();
    match built {
        Some(b) => v.finish(b),
        None => Err(v),
    }
}

/// Fields UpdateBusiness may change (B4).
pub const UPDATABLE: &[&str] = &[
    "ein",
    "legal_business_name",
    "dba_business_name",
    "business_type",
    "date_established",
    "phone",
    "email",
    "website",
    "industry_type",
    "number_of_employees",
];

/// UpdateBusiness → business id and `BusinessPatch`.
pub fn update(
    r: &pb::UpdateBusinessRequest,
) -> Result<(crate::domain::ResourceId, BusinessPatch), Violations> {
    let mut v = Violations::new();
    let Some(b) = r.business.as_ref() else {
        v.add("business", "is required");
        return Err(v);
    };
    let id = super::id(&mut v, "business.business_id", &b.business_id);
    let paths = mask_paths(&mut v, r.update_mask.as_ref(), UPDATABLE, |p| {
        populated(b, p)
    });
    let has = |p: &str| paths.contains(&p);
    let text = |max| move |s: &str| FreeText::parse(s, max);
    let patch = BusinessPatch {
        ein: change(
            &mut v,
            "business.ein",
            has("ein"),
            &b.ein,
            false,
            Ein::parse,
        ),
        legal_business_name: change(
            &mut v,
            "business.legal_business_name",
            has("legal_business_name"),
            &b.legal_business_name,
            false,
            text(255),
        ),
        dba_business_name: change(
            &mut v,
            "business.dba_business_name",
            has("dba_business_name"),
            &b.dba_business_name,
            true,
            text(255),
        ),
        business_type: enum_change(
            &mut v,
            "business.business_type",
            has("business_type"),
            business_type(b.business_type),
            true,
        ),
        date_established: change(
            &mut v,
            "business.date_established",
            has("date_established"),
            &b.date_established,
            true,
            Date::parse,
        ),
        phone: change(
            &mut v,
            "business.phone",
            has("phone"),
            &b.phone,
            true,
            Phone::parse,
        ),
        email: change(
            &mut v,
            "business.email",
            has("email"),
            &b.email,
            true,
            Email::parse,
        ),
        website: change(
            &mut v,
            "business.website",
            has("website"),
            &b.website,
            true,
            text(255),
        ),
        industry_type: enum_change(
            &mut v,
            "business.industry_type",
            has("industry_type"),
            industry_type(b.industry_type),
            false,
        ),
        number_of_employees: change(
            &mut v,
            "business.number_of_employees",
            has("number_of_employees"),
            &b.number_of_employees,
            true,
            text(20),
        ),
    };
    match id {
        Some(id) => v.finish((id, patch)),
        None => Err(v),
    }
}

fn enum_change(
    v: &mut Violations,
    field: &str,
    in_mask: bool,
    parsed: Result<Option<&'static str>, String>,
    clearable: bool,
) -> Change<&'static str> {
    match (in_mask, v.check(field, parsed)) {
        (false, _) | (true, None) => Change::Keep,
        (true, Some(Some(s))) => Change::Set(s),
        (true, Some(None)) if clearable => Change::Clear,
        (true, Some(None)) => {
            v.add(field, "is required");
            Change::Keep
        }
    }
}

fn populated(b: &pb::Business, path: &str) -> bool {
    match path {
        "ein" => !b.ein.is_empty(),
        "legal_business_name" => !b.legal_business_name.is_empty(),
        "dba_business_name" => !b.dba_business_name.is_empty(),
        "business_type" => b.business_type != 0,
        "date_established" => !b.date_established.is_empty(),
        "phone" => !b.phone.is_empty(),
        "email" => !b.email.is_empty(),
        "website" => !b.website.is_empty(),
        "industry_type" => b.industry_type != 0,
        "number_of_employees" => !b.number_of_employees.is_empty(),
        _ => false,
    }
}
