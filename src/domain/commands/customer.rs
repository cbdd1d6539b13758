//! Customer commands: create and update.
use crate::domain::{
    Address, Dob, Email, FreeText, PersonName, Phone, PhoneCountryCode, ResourceId, Ssn,
};

use super::Change;

/// Primary or secondary account holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountHolder {
    /// The primary holder.
    Primary,
    /// A secondary holder of the primary customer or business with this id.
    Secondary(ResourceId),
}

/// A customer to create.
#[derive(Clone, Debug)]
pub struct NewCustomer {
    /// Date of birth.
    pub dob: Dob,
    /// First name.
    pub first_name: PersonName,
    /// Middle name.
    pub middle_name: Option<PersonName>,
    /// Last name.
    pub last_name: PersonName,
    /// SSN.
    pub ssn: Option<Ssn>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Dialling code.
    pub phone_country_code: Option<PhoneCountryCode>,
    /// Email.
    pub email: Option<Email>,
    /// At least one address, one of them primary.
    pub addresses: Vec<Address>,
    /// The caller's own id for the person.
    pub brand_person_id: Option<FreeText>,
    /// Primary/secondary holder, when given.
    pub account_holder: Option<AccountHolder>,
}

/// Changes to a customer; only fields in the update mask are `Set`/`Clear`.
#[derive(Clone, Debug, Default)]
pub struct CustomerPatch {
    /// Date of birth.
    pub dob: Change<Dob>,
    /// First name.
    pub first_name: Change<PersonName>,
    /// Middle name.
    pub middle_name: Change<PersonName>,
    /// Last name.
    pub last_name: Change<PersonName>,
    /// SSN.
    pub ssn: Change<Ssn>,
    /// Phone.
    pub phone: Change<Phone>,
    /// Dialling code.
    pub phone_country_code: Change<PhoneCountryCode>,
    /// Email.
    pub email: Change<Email>,
    /// The full new address list.
    pub addresses: Change<Vec<Address>>,
}
