//! `BusinessService`: businesses, their addresses and KYB (catalogue §2.5, §2.6, §2.8).
use tonic::{Request, Response, Status};

use super::addresses::{self, Owner};
use super::{Gateway, convert::business as convert, customers::only_id, decode, handle, paging};
use crate::domain::{ResourceId, Violations};
use crate::proto::v1::{self as pb, business_service_server::BusinessService};
use crate::upstream::{lenient, routes::business as route};

macro_rules! method {
    ($name:literal) => {
        concat!("atelio.gateway.v1.BusinessService/", $name)
    };
}

/// Validates `business_id` into `v` and names the business as the owner of addresses.
fn business_owner(v: &mut Violations, business_id: &str) -> Owner {
    let id = super::convert::id(v, "business_id", business_id);
    Owner {
        path: id.as_ref().map(route::owner_path).unwrap_or_default(),
        kind: "business",
    }
}

#[tonic::async_trait]
impl BusinessService for Gateway {
    async fn create_business(
        &self,
        req: Request<pb::CreateBusinessRequest>,
    ) -> Result<Response<pb::CreateBusinessResponse>, Status> {
        let call = self.call(&req, method!("CreateBusiness"));
        let r = req.into_inner();
        handle(&call, async {
            let cmd = convert::create(r.business.as_ref())?;
            let body = self
                .json(&call, route::create(&cmd, call.key(&r.request_id)))
                .await?;
            Ok(pb::CreateBusinessResponse {
                business: Some(decode::business::business(&body)?),
            })
        })
        .await
    }

    async fn get_business(
        &self,
        req: Request<pb::GetBusinessRequest>,
    ) -> Result<Response<pb::GetBusinessResponse>, Status> {
        let call = self.call(&req, method!("GetBusiness"));
        let r = req.into_inner();
        handle(&call, async {
            let id = only_id("business_id", &r.business_id)?;
            let body = self.json(&call, route::get(&id)).await?;
            Ok(pb::GetBusinessResponse {
                business: Some(decode::business::business(&body)?),
            })
        })
        .await
    }

    async fn list_businesses(
        &self,
        req: Request<pb::ListBusinessesRequest>,
    ) -> Result<Response<pb::ListBusinessesResponse>, Status> {
        let call = self.call(&req, method!("ListBusinesses"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let filter = kyb_filter(&mut v, r.kyb_status);
            let page = paging::page_request(
                r.page_size,
                &r.page_token,
                paging::DEFAULT,
                filter.unwrap_or(""),
                &mut v,
            );
            let page = v.finish(page)?.ok_or_else(Violations::new)?;
            let body = self.json(&call, route::list(page, filter)).await?;
            let (items, info) = lenient::list_items(&body);
            let businesses = items
                .iter()
                .map(|b| decode::business::business(b))
                .collect::<Result<Vec<_>, _>>()?;
            let next_page_token =
                paging::next_token(page, businesses.len(), info, filter.unwrap_or(""));
            Ok(pb::ListBusinessesResponse {
                businesses,
                next_page_token,
            })
        })
        .await
    }

    async fn update_business(
        &self,
        req: Request<pb::UpdateBusinessRequest>,
    ) -> Result<Response<pb::UpdateBusinessResponse>, Status> {
        let call = self.call(&req, method!("UpdateBusiness"));
        let r = req.into_inner();
        handle(&call, async {
            let (id, patch) = convert::update(&r)?;
            let body = self.json(&call, route::update(&id, &patch)).await?;
            Ok(pb::UpdateBusinessResponse {
                business: Some(decode::business::business(&body)?),
            })
        })
        .await
    }

    async fn delete_business(
        &self,
        req: Request<pb::DeleteBusinessRequest>,
    ) -> Result<Response<pb::DeleteBusinessResponse>, Status> {
        let call = self.call(&req, method!("DeleteBusiness"));
        let r = req.into_inner();
        handle(&call, async {
            let id = only_id("business_id", &r.business_id)?;
            self.send(&call, route::delete(&id)).await?;
            Ok(pb::DeleteBusinessResponse {
                business_id: id.as_str().to_string(),
            })
        })
        .await
    }

    async fn create_business_address(
        &self,
        req: Request<pb::CreateBusinessAddressRequest>,
    ) -> Result<Response<pb::CreateBusinessAddressResponse>, Status> {
        let call = self.call(&req, method!("CreateBusinessAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let owner = business_owner(&mut v, &r.business_id);
            let address =
                addresses::create(self, &call, owner, v, r.address.as_ref(), &r.request_id).await?;
            Ok(pb::CreateBusinessAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn get_business_address(
        &self,
        req: Request<pb::GetBusinessAddressRequest>,
    ) -> Result<Response<pb::GetBusinessAddressResponse>, Status> {
        let call = self.call(&req, method!("GetBusinessAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let owner = business_owner(&mut v, &r.business_id);
            let address = addresses::at(self, &call, owner, v, &r.address_id, false).await?;
            Ok(pb::GetBusinessAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn list_business_addresses(
        &self,
        req: Request<pb::ListBusinessAddressesRequest>,
    ) -> Result<Response<pb::ListBusinessAddressesResponse>, Status> {
        let call = self.call(&req, method!("ListBusinessAddresses"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let owner = business_owner(&mut v, &r.business_id);
            let (addresses, next_page_token) =
                addresses::list(self, &call, owner, v, r.page_size, &r.page_token).await?;
            Ok(pb::ListBusinessAddressesResponse {
                addresses,
                next_page_token,
            })
        })
        .await
    }

    async fn update_business_address(
        &self,
        req: Request<pb::UpdateBusinessAddressRequest>,
    ) -> Result<Response<pb::UpdateBusinessAddressResponse>, Status> {
        let call = self.call(&req, method!("UpdateBusinessAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let owner = business_owner(&mut v, &r.business_id);
            let address = addresses::update(
                self,
                &call,
                owner,
                v,
                r.address.as_ref(),
                r.update_mask.as_ref(),
            )
            .await?;
            Ok(pb::UpdateBusinessAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn delete_business_address(
        &self,
        req: Request<pb::DeleteBusinessAddressRequest>,
    ) -> Result<Response<pb::DeleteBusinessAddressResponse>, Status> {
        let call = self.call(&req, method!("DeleteBusinessAddress"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let owner = business_owner(&mut v, &r.business_id);
            let address = addresses::at(self, &call, owner, v, &r.address_id, true).await?;
            Ok(pb::DeleteBusinessAddressResponse {
                address: Some(address),
            })
        })
        .await
    }

    async fn start_kyb(
        &self,
        req: Request<pb::StartKybRequest>,
    ) -> Result<Response<pb::StartKybResponse>, Status> {
        let call = self.call(&req, method!("StartKyb"));
        let r = req.into_inner();
        handle(&call, async {
            let (id, program) =
                business_and_program(&r.business_id, &r.program_id, self.default_program())?;
            let body = self
                .json(
                    &call,
                    route::start_kyb(&id, &program, call.key(&r.request_id)),
                )
                .await?;
            let mut out = decode::business::start_kyb(&body)?;
            if out.business_id.is_empty() {
                out.business_id = id.as_str().to_string();
            }
            Ok(out)
        })
        .await
    }

    async fn get_kyb_status(
        &self,
        req: Request<pb::GetKybStatusRequest>,
    ) -> Result<Response<pb::GetKybStatusResponse>, Status> {
        let call = self.call(&req, method!("GetKybStatus"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let id = super::convert::id(&mut v, "business_id", &r.business_id);
            let program = v.optional("program_id", &r.program_id, ResourceId::parse);
            let (Some(id), Some(program)) = (id, program) else {
                return Err(v.into());
            };
            let body = self
                .json(&call, route::kyb_status(&id, program.as_ref()))
                .await?;
            Ok(decode::business::kyb(&body)?)
        })
        .await
    }

    async fn list_kyb_history(
        &self,
        req: Request<pb::ListKybHistoryRequest>,
    ) -> Result<Response<pb::ListKybHistoryResponse>, Status> {
        let call = self.call(&req, method!("ListKybHistory"));
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let id = super::convert::id(&mut v, "business_id", &r.business_id);
            let page =
                paging::page_request(r.page_size, &r.page_token, paging::KYB_HISTORY, "", &mut v);
            let (Some(id), Some(page)) = (id, page) else {
                return Err(v.into());
            };
            let body = self.json(&call, route::kyb_history(&id, page)).await?;
            let (items, info) = lenient::list_items(&body);
            let entries: Vec<_> = items
                .into_iter()
                .map(decode::business::history_entry)
                .collect();
            let next_page_token = paging::next_token(page, entries.len(), info, "");
            Ok(pb::ListKybHistoryResponse {
                entries,
                next_page_token,
            })
        })
        .await
    }
}

fn kyb_filter(v: &mut Violations, raw: i32) -> Option<&'static str> {
    use pb::KybStatus as K;
    match K::try_from(raw) {
        Ok(K::Unspecified) => None,
        Ok(K::Initiated) => Some("initiated"),
        Ok(K::Approved) => Some("approved"),
        Ok(K::Rejected) => Some("rejected"),
        Ok(K::Warning) => Some("warning"),
        Ok(K::Error) => Some("error"),
        Ok(K::UnderReview) => Some("under review"),
        Err(_) => {
            v.add("kyb_status", "is not a known value");
            None
        }
    }
}

fn business_and_program(
    business: &str,
    program: &str,
    default: Option<&str>,
) -> Result<(ResourceId, ResourceId), Violations> {
    let mut v = Violations::new();
    let id = super::convert::id(&mut v, "business_id", business);
    let program = super::convert::program(&mut v, "program_id", program, default);
    match (id, program) {
        (Some(id), Some(p)) => v.finish((id, p)),
        _ => Err(v),
    }
}
