//! Proto enums → Atelio's spellings of business types and industries.
use crate::proto::v1 as pb;

/// Atelio's spelling of a business type; None for unspecified; Err for unknown numbers.
pub fn business_type(raw: i32) -> Result<Option<&'static str>, String> {
    use pb::BusinessType as T;
    Ok(Some(
        match T::try_from(raw).map_err(|_| "is not a known value".to_string())? {
            T::Unspecified => return Ok(None),
            T::Cooperative => "cooperative",
            T::Corporation => "corporation",
            T::LimitedLiabilityCompany => "limited_liability_company",
            T::LimitedPartnership => "limited_partnership",
            T::NonprofitOrganization => "nonprofit_organization",
            T::Partnership => "partnership",
            T::SoleProprietorship => "sole_proprietorship",
        },
    ))
}

/// Atelio's spelling of an industry type.
pub fn industry_type(raw: i32) -> Result<Option<&'static str>, String> {
    use pb::IndustryType as T;
    Ok(Some(
        match T::try_from(raw).map_err(|_| "is not a known value".to_string())? {
            T::Unspecified => return Ok(None),
            T::Technology => "Technology",
            T::FinanceBankingAndInsurance => "Finance, Banking, and Insurance",
            T::EcommerceAndRetail => "E-Commerce and Retail",
            T::Transportation => "Transportation",
            T::RealEstateAndConstruction => "Real Estate and Construction",
            T::Other => "Other",
        },
    ))
}
