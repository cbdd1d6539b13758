//! `BeneficialOwnerService`: the routing table (RPC → body) and the owner CRUD bodies
//! (docs/reference/atelio-api.md §2.7). Address bodies live in `address_rpcs.rs`, KYC bodies in `kyc.rs`.
use reqwest::Method;
use tonic::{Request, Response, Status};

use super::{
    Call, Gateway, GatewayError, address_rpcs as addr, convert, decode, kyc, paging, recover, serve,
};
use crate::atelio_json as lenient;
use crate::domain::{ResourceId, Violations};
use crate::proto::v1::{self as pb, beneficial_owner_service_server::BeneficialOwnerService};
use crate::upstream::routes::owner as route;

macro_rules! method {
    ($name:literal) => {
        concat!("atelio.gateway.v1.BeneficialOwnerService/", $name)
    };
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl BeneficialOwnerService for Gateway {
    async fn create_beneficial_owner(
        &self,
        req: Request<pb::CreateBeneficialOwnerRequest>,
    ) -> Rpc<pb::CreateBeneficialOwnerResponse> {
        serve(self, req, method!("CreateBeneficialOwner"), create).await
    }
    async fn get_beneficial_owner(
        &self,
        req: Request<pb::GetBeneficialOwnerRequest>,
    ) -> Rpc<pb::GetBeneficialOwnerResponse> {
        serve(self, req, method!("GetBeneficialOwner"), get).await
    }
    async fn list_beneficial_owners(
        &self,
        req: Request<pb::ListBeneficialOwnersRequest>,
    ) -> Rpc<pb::ListBeneficialOwnersResponse> {
        serve(self, req, method!("ListBeneficialOwners"), list).await
    }
    async fn update_beneficial_owner(
        &self,
        req: Request<pb::UpdateBeneficialOwnerRequest>,
    ) -> Rpc<pb::UpdateBeneficialOwnerResponse> {
        serve(self, req, method!("UpdateBeneficialOwner"), update).await
    }
    async fn delete_beneficial_owner(
        &self,
        req: Request<pb::DeleteBeneficialOwnerRequest>,
    ) -> Rpc<pb::DeleteBeneficialOwnerResponse> {
        serve(self, req, method!("DeleteBeneficialOwner"), delete).await
    }
    async fn create_beneficial_owner_address(
        &self,
        req: Request<pb::CreateBeneficialOwnerAddressRequest>,
    ) -> Rpc<pb::CreateBeneficialOwnerAddressResponse> {
        serve(
            self,
            req,
            method!("CreateBeneficialOwnerAddress"),
            addr::create_owner,
        )
        .await
    }
    async fn get_beneficial_owner_address(
        &self,
        req: Request<pb::GetBeneficialOwnerAddressRequest>,
    ) -> Rpc<pb::GetBeneficialOwnerAddressResponse> {
        serve(
            self,
            req,
            method!("GetBeneficialOwnerAddress"),
            addr::get_owner,
        )
        .await
    }
    async fn list_beneficial_owner_addresses(
        &self,
        req: Request<pb::ListBeneficialOwnerAddressesRequest>,
    ) -> Rpc<pb::ListBeneficialOwnerAddressesResponse> {
        serve(
            self,
            req,
            method!("ListBeneficialOwnerAddresses"),
            addr::list_owner,
        )
        .await
    }
    async fn update_beneficial_owner_address(
        &self,
        req: Request<pb::UpdateBeneficialOwnerAddressRequest>,
    ) -> Rpc<pb::UpdateBeneficialOwnerAddressResponse> {
        serve(
            self,
            req,
            method!("UpdateBeneficialOwnerAddress"),
            addr::update_owner,
        )
        .await
    }
    async fn delete_beneficial_owner_address(
        &self,
        req: Request<pb::DeleteBeneficialOwnerAddressRequest>,
    ) -> Rpc<pb::DeleteBeneficialOwnerAddressResponse> {
        serve(
            self,
            req,
            method!("DeleteBeneficialOwnerAddress"),
            addr::delete_owner,
        )
        .await
    }
    async fn start_beneficial_owner_kyc(
        &self,
        req: Request<pb::StartBeneficialOwnerKycRequest>,
    ) -> Rpc<pb::StartBeneficialOwnerKycResponse> {
        serve(
            self,
            req,
            method!("StartBeneficialOwnerKyc"),
            kyc::start_owner,
        )
        .await
    }
    async fn get_beneficial_owner_kyc_status(
        &self,
        req: Request<pb::GetBeneficialOwnerKycStatusRequest>,
    ) -> Rpc<pb::GetBeneficialOwnerKycStatusResponse> {
        serve(
            self,
            req,
            method!("GetBeneficialOwnerKycStatus"),
            kyc::owner_status,
        )
        .await
    }
}

/// Both ids of an owner, every violation reported together.
fn ids(business: &str, owner: &str) -> Result<(ResourceId, ResourceId), Violations> {
    let mut v = Violations::new();
    let b = convert::id(&mut v, "business_id", business);
    let o = convert::id(&mut v, "beneficial_owner_id", owner);
    v.finish(b.zip(o))?.ok_or_else(Violations::new)
}

async fn create(
    gw: Gateway,
    call: Call,
    r: pb::CreateBeneficialOwnerRequest,
) -> Result<pb::CreateBeneficialOwnerResponse, GatewayError> {
    let (business, owner) = convert::owner::create(&r)?;
    gw.once(&call, &r, async {
        let send = async {
            let key = call.key(&r.request_id);
            let body = gw
                .json(&call, route::create(&business, &owner, key))
                .await?;
            decode::owner::owner(&body).map_err(GatewayError::from)
        };
        let want = r.beneficial_owner.clone().unwrap_or_default();
        let found = recover::or_find(&call, send, || {
            let listing = recover::Listing {
                page: |p| route::list(&business, p),
                size: paging::DEFAULT.max,
            };
            recover::scan(
                &gw,
                &call,
                listing,
                decode::owner::owner,
                move |o| recover::matching::owner(&want, o),
                |o| o.create_time.as_ref(),
            )
        })
        .await?;
        gw.owners_seen([found.beneficial_owner_id.as_str()]);
        Ok(pb::CreateBeneficialOwnerResponse {
            beneficial_owner: Some(found),
        })
    })
    .await
}

async fn get(
    gw: Gateway,
    call: Call,
    r: pb::GetBeneficialOwnerRequest,
) -> Result<pb::GetBeneficialOwnerResponse, GatewayError> {
    let (b, o) = ids(&r.business_id, &r.beneficial_owner_id)?;
    gw.owners_seen([o.as_str()]);
    let body = gw
        .json(&call, route::at("owners.get", Method::GET, &b, &o))
        .await?;
    Ok(pb::GetBeneficialOwnerResponse {
        beneficial_owner: Some(decode::owner::owner(&body)?),
    })
}

async fn list(
    gw: Gateway,
    call: Call,
    r: pb::ListBeneficialOwnersRequest,
) -> Result<pb::ListBeneficialOwnersResponse, GatewayError> {
    let mut v = Violations::new();
    let business = convert::id(&mut v, "business_id", &r.business_id);
    let page = paging::page_request(r.page_size, &r.page_token, paging::DEFAULT, "", &mut v);
    let (Some(business), Some(page)) = (business, page) else {
        return Err(v.into());
    };
    let body = gw.json(&call, route::list(&business, page)).await?;
    let (items, info) = lenient::list_items(&body);
    let owners = items
        .into_iter()
        .map(decode::owner::owner)
        .collect::<Result<Vec<_>, _>>()?;
    gw.owners_seen(owners.iter().map(|o| o.beneficial_owner_id.as_str()));
    let next_page_token = paging::next_token(page, owners.len(), info, "");
    Ok(pb::ListBeneficialOwnersResponse {
        beneficial_owners: owners,
        next_page_token,
    })
}

async fn update(
    gw: Gateway,
    call: Call,
    r: pb::UpdateBeneficialOwnerRequest,
) -> Result<pb::UpdateBeneficialOwnerResponse, GatewayError> {
    let (b, o, patch) = convert::owner::update(&r)?;
    gw.once(&call, &r, async {
        let body = gw.json(&call, route::update(&b, &o, &patch)).await?;
        Ok(pb::UpdateBeneficialOwnerResponse {
            beneficial_owner: Some(decode::owner::owner(&body)?),
        })
    })
    .await
}

async fn delete(
    gw: Gateway,
    call: Call,
    r: pb::DeleteBeneficialOwnerRequest,
) -> Result<pb::DeleteBeneficialOwnerResponse, GatewayError> {
    let (b, o) = ids(&r.business_id, &r.beneficial_owner_id)?;
    let done = || pb::DeleteBeneficialOwnerResponse {
        beneficial_owner: Some(pb::BeneficialOwner {
            beneficial_owner_id: o.as_str().to_string(),
            ..Default::default()
        }),
    };
    gw.once(&call, &r, async {
        let send = async {
            let body = gw
                .json(&call, route::at("owners.delete", Method::DELETE, &b, &o))
                .await?;
            Ok(pb::DeleteBeneficialOwnerResponse {
                beneficial_owner: Some(decode::owner::owner(&body)?),
            })
        };
        recover::delete_or_done(&call, send, done).await
    })
    .await
}
