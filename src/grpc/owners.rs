//! `BeneficialOwnerService`: beneficial owners, their addresses and KYC (catalogue §2.7).
use reqwest::Method;
use tonic::{Request, Response, Status};

use super::addresses::{self, Owner};
use super::{Gateway, convert::owner as convert, decode, handle, paging};
use crate::domain::{ResourceId, Violations};
use crate::proto::v1::{self as pb, beneficial_owner_service_server::BeneficialOwnerService};
use crate::upstream::{lenient, routes::owner as route};

macro_rules! method {
    ($name:literal) => {
        concat!("atelio.gateway.v1.BeneficialOwnerService/", $name)
    };
}

/// Validates both ids into `v`; returns them and the owner path (empty when invalid).
fn owner_ids(
    v: &mut Violations,
    business: &str,
    owner: &str,
) -> (Option<(ResourceId, ResourceId)>, Owner) {
    let b = super::convert::id(v, "business_id", business);
    let o = super::convert::id(v, "beneficial_owner_id", owner);
    let ids = b.zip(o);
    let path = ids
        .as_ref()
        .map(|(b, o)| route::owner_path(b, o))
        .unwrap_or_default();
    (
        ids,
        Owner {
            path,
            kind: "owner",
        },
    )
}

fn ids_only(business: &str, owner: &str) -> Result<(ResourceId, ResourceId), Violations> {
    let mut v = Violations::new();
    let (ids, _) = owner_ids(&mut v, business, owner);
    v.finish(ids)?.ok_or_else(Violations::new)
}

#[tonic::async_trait]
impl BeneficialOwnerService for Gateway {
    async fn create_beneficial_owner(
        &self,
        req: Request<pb::CreateBeneficialOwnerRequest>,
    ) -> Result<Response<pb::CreateBeneficialOwnerResponse>, Status> {
        let call = self.call(&req, method!("CreateBeneficialOwner"));
        let r = req.into_inner();
        handle(&call, async {
            let (business, owner) = convert::create(&r)?;
            let body = self
                .json(
                    &call,
                    route::create(&business, &owner, call.key(&r.request_id)),
                )
                .await?;
            Ok(pb::CreateBeneficialOwnerResponse {
                beneficial_owner: Some(decode::owner::owner(&body)?),
            })
        })
        .await
    }

    async fn get_beneficial_owner(
        &self,
        req: Request<pb::GetBeneficialOwnerRequest>,
    ) -> Result<Response<pb::GetBeneficialOwnerResponse>, Status> {
        let call = self.call(&req, method!("GetBeneficialOwner"));
        let r = req.into_inner();
        handle(&call, async {
            let (b, o) = ids_only(&r.business_id, &r.beneficial_owner_id)?;
            let body = self
                .json(&call, route::at("owners.get", Method::GET, &b, &o))
                .await?;
            Ok(pb::GetBeneficialOwnerResponse {
                beneficial_owner: Some(decode::owner::owner(&body)?),
            })
        })
        .await
    }

    async fn list_beneficial_owners(
        &self,
        req: Request<pb::ListBeneficialOwnersRequest>,
    ) -> Result<Response<pb::ListBeneficialOwnersResponse>, Status> {
        let call = self.call(&req, method!("ListBeneficialOwners"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let business = super::convert::id(&mut v, "business_id", &r.business_id);
            let page =
                paging::page_request(r.page_size, &r.page_token, paging::DEFAULT, "", &mut v);
            let (Some(business), Some(page)) = (business, page) else {
                return Err(v.into());
            };
            let body = self.json(&call, route::list(&business, page)).await?;
            let (items, info) = lenient::list_items(&body);
            let owners = items
                .iter()
                .map(|o| decode::owner::owner(o))
                .collect::<Result<Vec<_>, _>>()?;
            let next_page_token = paging::next_token(page, owners.len(), info, "");
            Ok(pb::ListBeneficialOwnersResponse {
                beneficial_owners: owners,
                next_page_token,
            })
        })
        .await
    }

    async fn update_beneficial_owner(
        &self,
        req: Request<pb::UpdateBeneficialOwnerRequest>,
    ) -> Result<Response<pb::UpdateBeneficialOwnerResponse>, Status> {
        let call = self.call(&req, method!("UpdateBeneficialOwner"));
        let r = req.into_inner();
        handle(&call, async {
            let (b, o, patch) = convert::update(&r)?;
            let body = self.json(&call, route::update(&b, &o, &patch)).await?;
            Ok(pb::UpdateBeneficialOwnerResponse {
                beneficial_owner: Some(decode::owner::owner(&body)?),
            })
        })
        .await
    }

    async fn delete_beneficial_owner(
        &self,
        req: Request<pb::DeleteBeneficialOwnerRequest>,
    ) -> Result<Response<pb::DeleteBeneficialOwnerResponse>, Status> {
        let call = self.call(&req, method!("DeleteBeneficialOwner"));
        let r = req.into_inner();
        handle(&call, async {
            let (b, o) = ids_only(&r.business_id, &r.beneficial_owner_id)?;
            let body = self
                .json(&call, route::at("owners.delete", Method::DELETE, &b, &o))
                .await?;
            Ok(pb::DeleteBeneficialOwnerResponse {
                beneficial_owner: Some(decode::owner::owner(&body)?),
            })
        })
        .await
    }

    async fn create_beneficial_owner_address(
        &self,
        req: Request<pb::CreateBeneficialOwnerAddressRequest>,
    ) -> Result<Response<pb::CreateBeneficialOwnerAddressResponse>, Status> {
        let call = self.call(&req, method!("CreateBeneficialOwnerAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let (_, owner) = owner_ids(&mut v, &r.business_id, &r.beneficial_owner_id);
            let address =
                addresses::create(self, &call, owner, v, r.address.as_ref(), &r.request_id).await?;
            Ok(pb::CreateBeneficialOwnerAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn get_beneficial_owner_address(
        &self,
        req: Request<pb::GetBeneficialOwnerAddressRequest>,
    ) -> Result<Response<pb::GetBeneficialOwnerAddressResponse>, Status> {
        let call = self.call(&req, method!("GetBeneficialOwnerAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let (_, owner) = owner_ids(&mut v, &r.business_id, &r.beneficial_owner_id);
            let address = addresses::at(self, &call, owner, v, &r.address_id, false).await?;
            Ok(pb::GetBeneficialOwnerAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn list_beneficial_owner_addresses(
        &self,
        req: Request<pb::ListBeneficialOwnerAddressesRequest>,
    ) -> Result<Response<pb::ListBeneficialOwnerAddressesResponse>, Status> {
        let call = self.call(&req, method!("ListBeneficialOwnerAddresses"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let (_, owner) = owner_ids(&mut v, &r.business_id, &r.beneficial_owner_id);
            let (addresses, next_page_token) =
                addresses::list(self, &call, owner, v, r.page_size, &r.page_token).await?;
            Ok(pb::ListBeneficialOwnerAddressesResponse {
                addresses,
                next_page_token,
            })
        })
        .await
    }

    async fn update_beneficial_owner_address(
        &self,
        req: Request<pb::UpdateBeneficialOwnerAddressRequest>,
    ) -> Result<Response<pb::UpdateBeneficialOwnerAddressResponse>, Status> {
        let call = self.call(&req, method!("UpdateBeneficialOwnerAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let (_, owner) = owner_ids(&mut v, &r.business_id, &r.beneficial_owner_id);
            let address = addresses::update(
                self,
                &call,
                owner,
                v,
                r.address.as_ref(),
                r.update_mask.as_ref(),
            )
            .await?;
            Ok(pb::UpdateBeneficialOwnerAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn delete_beneficial_owner_address(
        &self,
        req: Request<pb::DeleteBeneficialOwnerAddressRequest>,
    ) -> Result<Response<pb::DeleteBeneficialOwnerAddressResponse>, Status> {
        let call = self.call(&req, method!("DeleteBeneficialOwnerAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let (_, owner) = owner_ids(&mut v, &r.business_id, &r.beneficial_owner_id);
            let address = addresses::at(self, &call, owner, v, &r.address_id, true).await?;
            Ok(pb::DeleteBeneficialOwnerAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn start_beneficial_owner_kyc(
        &self,
        req: Request<pb::StartBeneficialOwnerKycRequest>,
    ) -> Result<Response<pb::StartBeneficialOwnerKycResponse>, Status> {
        let call = self.call(&req, method!("StartBeneficialOwnerKyc"));
        let r = req.into_inner();
        handle(&call, async {
            let (b, o, kyc) = convert::start_kyc(&r, self.default_program())?;
            let body = self
                .json(
                    &call,
                    route::start_kyc(&b, &o, &kyc, call.key(&r.request_id)),
                )
                .await?;
            let obj = decode::object(&body, "a KYC start")?;
            let (kyc_status, kyc_status_raw) = decode::kyc_status(obj.str("kyc_status"));
            let beneficial_owner_id = obj
                .str_any(&["beneficial_owner_id", "customer_id"])
                .unwrap_or_else(|| o.as_str().to_string());
            Ok(pb::StartBeneficialOwnerKycResponse {
                beneficial_owner_id,
                kyc_status,
                kyc_status_raw,
            })
        })
        .await
    }

    async fn get_beneficial_owner_kyc_status(
        &self,
        req: Request<pb::GetBeneficialOwnerKycStatusRequest>,
    ) -> Result<Response<pb::GetBeneficialOwnerKycStatusResponse>, Status> {
        let call = self.call(&req, method!("GetBeneficialOwnerKycStatus"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let (ids, _) = owner_ids(&mut v, &r.business_id, &r.beneficial_owner_id);
            let program = super::convert::program(
                &mut v,
                "program_id",
                &r.program_id,
                self.default_program(),
            );
            let (Some((b, o)), Some(program)) = (ids, program) else {
                return Err(v.into());
            };
            let body = self
                .json(&call, route::kyc_status(&b, &o, &program))
                .await?;
            let verification =
                decode::kyc_verification(&body, &["beneficial_owner_id", "customer_id"])?;
            Ok(pb::GetBeneficialOwnerKycStatusResponse {
                verification: Some(verification),
            })
        })
        .await
    }
}
