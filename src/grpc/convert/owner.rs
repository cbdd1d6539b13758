//! BeneficialOwnerService requests → owner, owner-address and owner-KYC commands, including the
//! US vs foreign KYC requirements (docs/reference/atelio-api.md §2.7 BOK1).
use crate::domain::commands::{NewOwner, OwnerPatch, StartKyc};
use crate::domain::{
    AddressProfile, Dob, NameRule, PersonName, ResourceId, Violations, parse_addresses,
};
use crate::proto::v1 as pb;

use super::{address_input, change, mask_paths, today};

/// A nested or standalone owner → `NewOwner`; fields reported under `prefix`.
pub fn new_owner(v: &mut Violations, o: &pb::BeneficialOwner, prefix: &str) -> Option<NewOwner> {
    let dob = v.required(&format!("{prefix}.dob"), &o.dob, |s| Dob::parse(s, today()));
    let first = v.required(&format!("{prefix}.first_name"), &o.first_name, |s| {
        PersonName::parse(s, NameRule::BO_FIRST)
    });
    let middle = v.optional(&format!("{prefix}.middle_name"), &o.middle_name, |s| {
        PersonName::parse(s, NameRule::BO_MIDDLE)
    });
    let last = v.required(&format!("{prefix}.last_name"), &o.last_name, |s| {
        PersonName::parse(s, NameRule::BO_LAST)
    });
    let inputs: Vec<_> = o.addresses.iter().map(address_input).collect();
    let addresses = parse_addresses(
        &inputs,
        AddressProfile::BusinessOrOwner,
        &format!("{prefix}.addresses"),
        false,
        v,
    );
    Some(NewOwner {
        dob: dob?,
        first_name: first?,
        middle_name: middle?,
        last_name: last?,
        addresses: addresses?,
    })
}

/// CreateBeneficialOwner → business id and `NewOwner`.
pub fn create(r: &pb::CreateBeneficialOwnerRequest) -> Result<(ResourceId, NewOwner), Violations> {
    let mut v = Violations::new();
    let business = super::id(&mut v, "business_id", &r.business_id);
    let owner = match &r.beneficial_owner {
        Some(o) => new_owner(&mut v, o, "beneficial_owner"),
        None => {
            v.add("beneficial_owner", "is required");
            None
        }
    };
    match (business, owner) {
        (Some(b), Some(o)) => v.finish((b, o)),
        _ => Err(v),
    }
}

/// Fields UpdateBeneficialOwner may change (BO4).
pub const UPDATABLE: &[&str] = &["dob", "first_name", "middle_name", "last_name"];

/// UpdateBeneficialOwner → business id, owner id and `OwnerPatch`.
pub fn update(
    r: &pb::UpdateBeneficialOwnerRequest,
) -> Result<(ResourceId, ResourceId, OwnerPatch), Violations> {
    let mut v = Violations::new();
    let business = super::id(&mut v, "business_id", &r.business_id);
    let Some(o) = r.beneficial_owner.as_ref() else {
        v.add("beneficial_owner", "is required");
        return Err(v);
    };
    let owner = super::id(
        &mut v,
        "beneficial_owner.beneficial_owner_id",
        &o.beneficial_owner_id,
    );
    let populated = |p: &str| match p {
        "dob" => !o.dob.is_empty(),
        "first_name" => !o.first_name.is_empty(),
        "middle_name" => !o.middle_name.is_empty(),
        "last_name" => !o.last_name.is_empty(),
        _ => false,
    };
    let paths = mask_paths(&mut v, r.update_mask.as_ref(), UPDATABLE, populated);
    let has = |p: &str| paths.contains(&p);
    let patch = OwnerPatch {
        dob: change(
            &mut v,
            "beneficial_owner.dob",
            has("dob"),
            &o.dob,
            false,
            |s| Dob::parse(s, today()),
        ),
        first_name: change(
            &mut v,
            "beneficial_owner.first_name",
            has("first_name"),
            &o.first_name,
            false,
            |s| PersonName::parse(s, NameRule::BO_FIRST),
        ),
        middle_name: change(
            &mut v,
            "beneficial_owner.middle_name",
            has("middle_name"),
            &o.middle_name,
            true,
            |s| PersonName::parse(s, NameRule::BO_MIDDLE),
        ),
        last_name: change(
            &mut v,
            "beneficial_owner.last_name",
            has("last_name"),
            &o.last_name,
            false,
            |s| PersonName::parse(s, NameRule::BO_LAST),
        ),
    };
    match (business, owner) {
        (Some(b), Some(id)) => v.finish((b, id, patch)),
        _ => Err(v),
    }
}

/// StartBeneficialOwnerKyc → ids and `StartKyc`. US owners (the default) must give ssn, phone,
/// email and ip; foreign owners may omit them.
pub fn start_kyc(
    r: &pb::StartBeneficialOwnerKycRequest,
    default_program: Option<&str>,
) -> Result<(ResourceId, ResourceId, StartKyc), Violations> {
    let mut v = Violations::new();
    let business = super::id(&mut v, "business_id", &r.business_id);
    let owner = super::id(&mut v, "beneficial_owner_id", &r.beneficial_owner_id);
    let program = super::program(&mut v, "program_id", &r.program_id, default_program);
    let foreign = match pb::Residency::try_from(r.residency) {
        Ok(pb::Residency::Foreign) => true,
        Ok(_) => false,
        Err(_) => {
            v.add("residency", "is not a known value");
            false
        }
    };
    if !foreign {
        for (field, raw) in [
            ("ssn", &r.ssn),
            ("phone", &r.phone),
            ("email", &r.email),
            ("ip", &r.ip),
        ] {
            if raw.is_empty() {
                v.add(field, "is required for a US beneficial owner (set residency to FOREIGN for a non-US owner)");
            }
        }
    }
    let contact = super::kyc::contact(
        &mut v,
        &r.ssn,
        &r.phone,
        &r.phone_country_code,
        &r.email,
        &r.ip,
    );
    let retry = r.kyc_retry_request.then_some(true);
    match (business, owner, program, contact) {
        (Some(b), Some(o), Some(program_id), Some(contact)) => v.finish((
            b,
            o,
            StartKyc {
                program_id,
                contact,
                retry_request: retry,
            },
        )),
        _ => Err(v),
    }
}
