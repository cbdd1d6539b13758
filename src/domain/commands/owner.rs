//! Beneficial-owner commands: create and update.
use crate::domain::{Address, Dob, PersonName};

use super::Change;

/// A beneficial owner to create.
#[derive(Clone, Debug)]
pub struct NewOwner {
    /// Date of birth.
    pub dob: Dob,
    /// First name (1-20).
    pub first_name: PersonName,
    /// Middle name (1-20).
    pub middle_name: Option<PersonName>,
    /// Last name (2-20).
    pub last_name: PersonName,
    /// At least one address (business profile).
    pub addresses: Vec<Address>,
}

/// Changes to a beneficial owner.
#[derive(Clone, Debug, Default)]
pub struct OwnerPatch {
    /// Date of birth.
    pub dob: Change<Dob>,
    /// First name.
    pub first_name: Change<PersonName>,
    /// Middle name.
    pub middle_name: Change<PersonName>,
    /// Last name.
    pub last_name: Change<PersonName>,
}
