//! Business, KYB and KYB-history responses (docs/reference/atelio-api.md §2.2.4, §2.8) → proto. Accepts both the
//! guide's and the OpenAPI file's field names.
use serde_json::Value;

use super::{addresses, kyb_status, object, s, to_struct, ts, unwrap};
use crate::atelio_json::normalize_token;
use crate::proto::v1 as pb;
use crate::upstream::UpstreamError;

/// A business object.
pub fn business(v: &Value) -> Result<pb::Business, UpstreamError> {
    let o = object(unwrap(v, "business"), "a business")?;
    let btype_raw = o.str("business_type").unwrap_or_default();
    let industry_raw = o.str("industry_type").unwrap_or_default();
    let (kyb, kyb_raw) = kyb_status(o.str("kyb_status"));
    let owners = o
        .array_any(&["beneficial_owners"])
        .into_iter()
        .map(super::owner::owner);
    Ok(pb::Business {
        business_id: s(o, "business_id"),
        ein: s(o, "ein"),
        legal_business_name: o
            .str_any(&["legal_business_name", "business_name"])
            .unwrap_or_default(),
        dba_business_name: o
            .str_any(&["dba_business_name", "business_name_dba"])
            .unwrap_or_default(),
        business_type: business_type(&btype_raw) as i32,
        business_type_raw: btype_raw,
        industry_type: industry_type(&industry_raw) as i32,
        industry_type_raw: industry_raw,
        number_of_employees: s(o, "number_of_employees"),
        date_established: date_only(o.str_any(&["date_established", "incorporation_date"])),
        phone: s(o, "phone"),
        email: s(o, "email"),
        website: s(o, "website"),
        kyb_status: kyb,
        kyb_status_raw: kyb_raw,
        addresses: addresses(o),
        beneficial_owners: owners.collect::<Result<_, _>>()?,
        create_time: ts(o, "date_created"),
        update_time: ts(o, "date_updated"),
        brand_business_id: s(o, "brand_business_id"),
    })
}

/// `2020-01-01T00:00:00.000Z` and `2020-01-01` both become `2020-01-01` (§6 item 20).
fn date_only(raw: Option<String>) -> String {
    let raw = raw.unwrap_or_default();
    match raw.get(..10) {
        Some(d) if raw.len() > 10 && raw.as_bytes()[10] == b'T' => d.to_string(),
        _ => raw,
    }
}

fn business_type(raw: &str) -> pb::BusinessType {
    use pb::BusinessType as T;
    match normalize_token(raw).as_str() {
        "cooperative" => T::Cooperative,
        "corporation" => T::Corporation,
        "limited_liability_company" | "llc" => T::LimitedLiabilityCompany,
        "limited_partnership" => T::LimitedPartnership,
        "nonprofit_organization" => T::NonprofitOrganization,
        "partnership" => T::Partnership,
        "sole_proprietorship" => T::SoleProprietorship,
        _ => T::Unspecified,
    }
}

fn industry_type(raw: &str) -> pb::IndustryType {
    use pb::IndustryType as T;
    match normalize_token(&raw.replace(',', "")).as_str() {
        "technology" => T::Technology,
        "finance_banking_and_insurance" => T::FinanceBankingAndInsurance,
        "e_commerce_and_retail" | "ecommerce_and_retail" => T::EcommerceAndRetail,
        "transportation" => T::Transportation,
        "real_estate_and_construction" => T::RealEstateAndConstruction,
        "other" => T::Other,
        _ => T::Unspecified,
    }
}

/// KB1 start response.
pub fn start_kyb(v: &Value) -> Result<pb::StartKybResponse, UpstreamError> {
    let o = object(v, "a KYB start")?;
    let (kyb_status, kyb_status_raw) = kyb_status(o.str("kyb_status"));
    Ok(pb::StartKybResponse {
        business_id: s(o, "business_id"),
        kyb_status,
        kyb_status_raw,
        inquiry_id: s(o, "inquiry_id"),
    })
}

/// KB2 status response.
pub fn kyb(v: &Value) -> Result<pb::GetKybStatusResponse, UpstreamError> {
    let o = object(v, "a KYB status")?;
    let (kyb_status, kyb_status_raw) = kyb_status(o.str("kyb_status"));
    let details = o
        .array_any(&["details"])
        .into_iter()
        .filter_map(crate::atelio_json::Obj::from_value);
    Ok(pb::GetKybStatusResponse {
        business_id: s(o, "business_id"),
        kyb_status,
        kyb_status_raw,
        details: details
            .map(|d| pb::KybDetail {
                code: s(d, "code"),
                reason: s(d, "reason"),
            })
            .collect(),
        provenance: None,
    })
}

/// One KB3 history item.
pub fn history_entry(v: &Value) -> pb::KybHistoryEntry {
    let Some(o) = crate::atelio_json::Obj::from_value(v) else {
        return pb::KybHistoryEntry::default();
    };
    pb::KybHistoryEntry {
        vendor_kyb_id: s(o, "vendor_kyb_id"),
        vendor: s(o, "vendor"),
        business_id: s(o, "business_id"),
        brand_id: o
            .str_any(&["brand_id", "bond_brand_id"])
            .unwrap_or_default(),
        program_id: s(o, "program_id"),
        verification_name: s(o, "verification_name"),
        status: s(o, "status"),
        reasons: o.strings("reason"),
        requirement: s(o, "requirement"),
        verification_metadata: o
            .raw("verification_metadata")
            .filter(|m| m.is_object())
            .map(to_struct),
        event_id: s(o, "event_id"),
        verification_type: s(o, "verification_type"),
    }
}
