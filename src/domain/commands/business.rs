//! Business commands: create and update, and address updates shared with beneficial owners.
use crate::domain::{Address, Date, Ein, Email, FreeText, Phone};

use super::{Change, NewOwner};

/// A business to create.
#[derive(Clone, Debug)]
pub struct NewBusiness {
    /// EIN.
    pub ein: Ein,
    /// Legal name.
    pub legal_business_name: FreeText,
    /// Industry, as Atelio spells it.
    pub industry_type: &'static str,
    /// DBA name.
    pub dba_business_name: Option<FreeText>,
    /// Legal form, as Atelio spells it.
    pub business_type: Option<&'static str>,
    /// Date of establishment.
    pub date_established: Option<Date>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Email.
    pub email: Option<Email>,
    /// Website.
    pub website: Option<FreeText>,
    /// Head-count range.
    pub number_of_employees: Option<FreeText>,
    /// Addresses (business profile), at least one.
    pub addresses: Vec<Address>,
    /// Beneficial owners created with the business.
    pub beneficial_owners: Vec<NewOwner>,
    /// The caller's own id.
    pub brand_business_id: Option<FreeText>,
}

/// Changes to a business.
#[derive(Clone, Debug, Default)]
pub struct BusinessPatch {
    /// EIN.
    pub ein: Change<Ein>,
    /// Legal name.
    pub legal_business_name: Change<FreeText>,
    /// DBA name.
    pub dba_business_name: Change<FreeText>,
    /// Legal form.
    pub business_type: Change<&'static str>,
    /// Date of establishment.
    pub date_established: Change<Date>,
    /// Phone.
    pub phone: Change<Phone>,
    /// Email.
    pub email: Change<Email>,
    /// Website.
    pub website: Change<FreeText>,
    /// Industry.
    pub industry_type: Change<&'static str>,
    /// Head-count range.
    pub number_of_employees: Change<FreeText>,
}

/// Changes to an address (business or beneficial-owner profile). Atelio documents every
/// field as required on PATCH, so the whole address is validated; `fields` (from the update
/// mask, Atelio's JSON names) selects what is sent.
#[derive(Clone, Debug)]
pub struct AddressPatch {
    /// The validated address.
    pub address: Address,
    /// The fields to send.
    pub fields: Vec<&'static str>,
}
