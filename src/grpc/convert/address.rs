//! Address updates and required addresses with the business/owner profile (docs/reference/atelio-api.md §2.2.1
//! profile B), shared by business and beneficial-owner address RPCs.
use crate::domain::commands::AddressPatch;
use crate::domain::{Address, AddressProfile, ResourceId, Violations};
use crate::proto::v1 as pb;

use super::{address_input, mask_paths};

/// A required address (business/owner profile) reported under `field`.
pub fn address(v: &mut Violations, a: Option<&pb::Address>, field: &str) -> Option<Address> {
    match a {
        Some(a) => Address::parse(&address_input(a), AddressProfile::BusinessOrOwner, field, v),
        None => {
            v.add(field, "is required");
            None
        }
    }
}

/// Address fields an address update may send (BA4/BOA4).
pub const ADDRESS_FIELDS: &[&str] = &[
    "address_type",
    "street",
    "street2",
    "city",
    "state",
    "zip_code",
    "country",
    "is_primary",
];

/// An address update: the whole address validated, the mask choosing what is sent (empty mask:
/// everything). Also returns the address id.
pub fn address_patch(
    v: &mut Violations,
    a: Option<&pb::Address>,
    mask: Option<&prost_types::FieldMask>,
) -> Option<(ResourceId, AddressPatch)> {
    let id = super::id(
        v,
        "address.address_id",
        a.map_or("", |a| a.address_id.as_str()),
    );
    let address = address(v, a, "address");
    let fields = mask_paths(v, mask, ADDRESS_FIELDS, |_| true);
    Some((
        id?,
        AddressPatch {
            address: address?,
            fields,
        },
    ))
}
