//! Address RPC bodies of BusinessService and BeneficialOwnerService. Each names whose addresses
//! they are (`Owner`) and hands over to the shared operations in `addresses.rs`.
use super::addresses::{self, Owner};
use super::{Call, Gateway, GatewayError, convert};
use crate::domain::Violations;
use crate::proto::v1 as pb;
use crate::upstream::routes::{business as business_route, owner as owner_route};

type Out<T> = Result<T, GatewayError>;

/// Validates `business_id` into `v` and names the business as the owner of addresses.
fn business(v: &mut Violations, business_id: &str) -> Owner {
    let id = convert::id(v, "business_id", business_id);
    Owner {
        path: id
            .as_ref()
            .map(business_route::owner_path)
            .unwrap_or_default(),
        kind: "business",
    }
}

/// Validates both ids into `v` and names the beneficial owner as the owner of addresses.
fn owner(v: &mut Violations, business_id: &str, owner_id: &str) -> Owner {
    let b = convert::id(v, "business_id", business_id);
    let o = convert::id(v, "beneficial_owner_id", owner_id);
    let path = b
        .zip(o)
        .map(|(b, o)| owner_route::owner_path(&b, &o))
        .unwrap_or_default();
    Owner {
        path,
        kind: "owner",
    }
}

/// CreateBusinessAddress.
pub async fn create_business(
    gw: Gateway,
    call: Call,
    r: pb::CreateBusinessAddressRequest,
) -> Out<pb::CreateBusinessAddressResponse> {
    let mut v = Violations::new();
    let o = business(&mut v, &r.business_id);
    let address = addresses::create(&gw, &call, o, v, &r, r.address.as_ref()).await?;
    Ok(pb::CreateBusinessAddressResponse {
        address: Some(address),
    })
}

/// GetBusinessAddress.
pub async fn get_business(
    gw: Gateway,
    call: Call,
    r: pb::GetBusinessAddressRequest,
) -> Out<pb::GetBusinessAddressResponse> {
    let mut v = Violations::new();
    let o = business(&mut v, &r.business_id);
    let address = addresses::get(&gw, &call, o, v, &r.address_id).await?;
    Ok(pb::GetBusinessAddressResponse {
        address: Some(address),
    })
}

/// ListBusinessAddresses.
pub async fn list_business(
    gw: Gateway,
    call: Call,
    r: pb::ListBusinessAddressesRequest,
) -> Out<pb::ListBusinessAddressesResponse> {
    let mut v = Violations::new();
    let o = business(&mut v, &r.business_id);
    let (addresses, next_page_token) =
        addresses::list(&gw, &call, o, v, r.page_size, &r.page_token).await?;
    Ok(pb::ListBusinessAddressesResponse {
        addresses,
        next_page_token,
    })
}

/// UpdateBusinessAddress.
pub async fn update_business(
    gw: Gateway,
    call: Call,
    r: pb::UpdateBusinessAddressRequest,
) -> Out<pb::UpdateBusinessAddressResponse> {
    let mut v = Violations::new();
    let o = business(&mut v, &r.business_id);
    let address = addresses::update(
        &gw,
        &call,
        o,
        v,
        &r,
        r.address.as_ref(),
        r.update_mask.as_ref(),
    )
    .await?;
    Ok(pb::UpdateBusinessAddressResponse {
        address: Some(address),
    })
}

/// DeleteBusinessAddress.
pub async fn delete_business(
    gw: Gateway,
    call: Call,
    r: pb::DeleteBusinessAddressRequest,
) -> Out<pb::DeleteBusinessAddressResponse> {
    let mut v = Violations::new();
    let o = business(&mut v, &r.business_id);
    let address = addresses::delete(&gw, &call, o, v, &r, &r.address_id).await?;
    Ok(pb::DeleteBusinessAddressResponse {
        address: Some(address),
    })
}

/// CreateBeneficialOwnerAddress.
pub async fn create_owner(
    gw: Gateway,
    call: Call,
    r: pb::CreateBeneficialOwnerAddressRequest,
) -> Out<pb::CreateBeneficialOwnerAddressResponse> {
    let mut v = Violations::new();
    let o = owner(&mut v, &r.business_id, &r.beneficial_owner_id);
    let address = addresses::create(&gw, &call, o, v, &r, r.address.as_ref()).await?;
    Ok(pb::CreateBeneficialOwnerAddressResponse {
        address: Some(address),
    })
}

/// GetBeneficialOwnerAddress.
pub async fn get_owner(
    gw: Gateway,
    call: Call,
    r: pb::GetBeneficialOwnerAddressRequest,
) -> Out<pb::GetBeneficialOwnerAddressResponse> {
    let mut v = Violations::new();
    let o = owner(&mut v, &r.business_id, &r.beneficial_owner_id);
    let address = addresses::get(&gw, &call, o, v, &r.address_id).await?;
    Ok(pb::GetBeneficialOwnerAddressResponse {
        address: Some(address),
    })
}

/// ListBeneficialOwnerAddresses.
pub async fn list_owner(
    gw: Gateway,
    call: Call,
    r: pb::ListBeneficialOwnerAddressesRequest,
) -> Out<pb::ListBeneficialOwnerAddressesResponse> {
    let mut v = Violations::new();
    let o = owner(&mut v, &r.business_id, &r.beneficial_owner_id);
    let (addresses, next_page_token) =
        addresses::list(&gw, &call, o, v, r.page_size, &r.page_token).await?;
    Ok(pb::ListBeneficialOwnerAddressesResponse {
        addresses,
        next_page_token,
    })
}

/// UpdateBeneficialOwnerAddress.
pub async fn update_owner(
    gw: Gateway,
    call: Call,
    r: pb::UpdateBeneficialOwnerAddressRequest,
) -> Out<pb::UpdateBeneficialOwnerAddressResponse> {
    let mut v = Violations::new();
    let o = owner(&mut v, &r.business_id, &r.beneficial_owner_id);
    let address = addresses::update(
        &gw,
        &call,
        o,
        v,
        &r,
        r.address.as_ref(),
        r.update_mask.as_ref(),
    )
    .await?;
    Ok(pb::UpdateBeneficialOwnerAddressResponse {
        address: Some(address),
    })
}

/// DeleteBeneficialOwnerAddress.
pub async fn delete_owner(
    gw: Gateway,
    call: Call,
    r: pb::DeleteBeneficialOwnerAddressRequest,
) -> Out<pb::DeleteBeneficialOwnerAddressResponse> {
    let mut v = Violations::new();
    let o = owner(&mut v, &r.business_id, &r.beneficial_owner_id);
    let address = addresses::delete(&gw, &call, o, v, &r, &r.address_id).await?;
    Ok(pb::DeleteBeneficialOwnerAddressResponse {
        address: Some(address),
    })
}
