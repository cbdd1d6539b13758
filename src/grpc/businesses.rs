//! `BusinessService`: the routing table (RPC → body) and the business CRUD bodies
//! (docs/reference/atelio-api.md §2.5). Address bodies live in `address_rpcs.rs`, KYB bodies in `kyb.rs`.
use tonic::{Request, Response, Status};

use super::{
    Call, Gateway, GatewayError, address_rpcs as addr, convert::business as convert, decode, kyb,
    only_id, paging, recover, serve,
};
use crate::atelio_json as lenient;
use crate::domain::Violations;
use crate::proto::v1::{self as pb, business_service_server::BusinessService};
use crate::upstream::routes::business as route;

macro_rules! method {
    ($name:literal) => {
        concat!("atelio.gateway.v1.BusinessService/", $name)
    };
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl BusinessService for Gateway {
    async fn create_business(
        &self,
        req: Request<pb::CreateBusinessRequest>,
    ) -> Rpc<pb::CreateBusinessResponse> {
        serve(self, req, method!("CreateBusiness"), create).await
    }
    async fn get_business(
        &self,
        req: Request<pb::GetBusinessRequest>,
    ) -> Rpc<pb::GetBusinessResponse> {
        serve(self, req, method!("GetBusiness"), get).await
    }
    async fn list_businesses(
        &self,
        req: Request<pb::ListBusinessesRequest>,
    ) -> Rpc<pb::ListBusinessesResponse> {
        serve(self, req, method!("ListBusinesses"), list).await
    }
    async fn update_business(
        &self,
        req: Request<pb::UpdateBusinessRequest>,
    ) -> Rpc<pb::UpdateBusinessResponse> {
        serve(self, req, method!("UpdateBusiness"), update).await
    }
    async fn delete_business(
        &self,
        req: Request<pb::DeleteBusinessRequest>,
    ) -> Rpc<pb::DeleteBusinessResponse> {
        serve(self, req, method!("DeleteBusiness"), delete).await
    }
    async fn create_business_address(
        &self,
        req: Request<pb::CreateBusinessAddressRequest>,
    ) -> Rpc<pb::CreateBusinessAddressResponse> {
        serve(
            self,
            req,
            method!("CreateBusinessAddress"),
            addr::create_business,
        )
        .await
    }
    async fn get_business_address(
        &self,
        req: Request<pb::GetBusinessAddressRequest>,
    ) -> Rpc<pb::GetBusinessAddressResponse> {
        serve(self, req, method!("GetBusinessAddress"), addr::get_business).await
    }
    async fn list_business_addresses(
        &self,
        req: Request<pb::ListBusinessAddressesRequest>,
    ) -> Rpc<pb::ListBusinessAddressesResponse> {
        serve(
            self,
            req,
            method!("ListBusinessAddresses"),
            addr::list_business,
        )
        .await
    }
    async fn update_business_address(
        &self,
        req: Request<pb::UpdateBusinessAddressRequest>,
    ) -> Rpc<pb::UpdateBusinessAddressResponse> {
        serve(
            self,
            req,
            method!("UpdateBusinessAddress"),
            addr::update_business,
        )
        .await
    }
    async fn delete_business_address(
        &self,
        req: Request<pb::DeleteBusinessAddressRequest>,
    ) -> Rpc<pb::DeleteBusinessAddressResponse> {
        serve(
            self,
            req,
            method!("DeleteBusinessAddress"),
            addr::delete_business,
        )
        .await
    }
    async fn start_kyb(&self, req: Request<pb::StartKybRequest>) -> Rpc<pb::StartKybResponse> {
        serve(self, req, method!("StartKyb"), kyb::start).await
    }
    async fn get_kyb_status(
        &self,
        req: Request<pb::GetKybStatusRequest>,
    ) -> Rpc<pb::GetKybStatusResponse> {
        serve(self, req, method!("GetKybStatus"), kyb::status).await
    }
    async fn list_kyb_history(
        &self,
        req: Request<pb::ListKybHistoryRequest>,
    ) -> Rpc<pb::ListKybHistoryResponse> {
        serve(self, req, method!("ListKybHistory"), kyb::history).await
    }
}

async fn create(
    gw: Gateway,
    call: Call,
    r: pb::CreateBusinessRequest,
) -> Result<pb::CreateBusinessResponse, GatewayError> {
    let cmd = convert::create(r.business.as_ref())?;
    gw.once(&call, &r, async {
        let send = async {
            let body = gw
                .json(&call, route::create(&cmd, call.key(&r.request_id)))
                .await?;
            decode::business::business(&body).map_err(GatewayError::from)
        };
        let want = r.business.clone().unwrap_or_default();
        let business = recover::or_find(&call, send, || {
            let listing = recover::Listing {
                page: |p| route::list(p, None),
                size: paging::DEFAULT.max,
            };
            recover::scan(
                &gw,
                &call,
                listing,
                decode::business::business,
                move |b| recover::matching::business(&want, b),
                |b| b.create_time.as_ref(),
            )
        })
        .await?;
        gw.owners_seen(owner_ids(&business));
        Ok(pb::CreateBusinessResponse {
            business: Some(business),
        })
    })
    .await
}

async fn get(
    gw: Gateway,
    call: Call,
    r: pb::GetBusinessRequest,
) -> Result<pb::GetBusinessResponse, GatewayError> {
    let id = only_id("business_id", &r.business_id)?;
    let body = gw.json(&call, route::get(&id)).await?;
    let business = decode::business::business(&body)?;
    gw.owners_seen(owner_ids(&business));
    Ok(pb::GetBusinessResponse {
        business: Some(business),
    })
}

fn owner_ids(b: &pb::Business) -> impl Iterator<Item = &str> {
    b.beneficial_owners
        .iter()
        .map(|o| o.beneficial_owner_id.as_str())
}

async fn list(
    gw: Gateway,
    call: Call,
    r: pb::ListBusinessesRequest,
) -> Result<pb::ListBusinessesResponse, GatewayError> {
    let mut v = Violations::new();
    let filter = kyb::filter(&mut v, r.kyb_status);
    let token_scope = filter.unwrap_or("");
    let page = paging::page_request(
        r.page_size,
        &r.page_token,
        paging::DEFAULT,
        token_scope,
        &mut v,
    );
    let page = v.finish(page)?.ok_or_else(Violations::new)?;
    let body = gw.json(&call, route::list(page, filter)).await?;
    let (items, info) = lenient::list_items(&body);
    let businesses = items
        .into_iter()
        .map(decode::business::business)
        .collect::<Result<Vec<_>, _>>()?;
    let next_page_token = paging::next_token(page, businesses.len(), info, token_scope);
    Ok(pb::ListBusinessesResponse {
        businesses,
        next_page_token,
    })
}

async fn update(
    gw: Gateway,
    call: Call,
    r: pb::UpdateBusinessRequest,
) -> Result<pb::UpdateBusinessResponse, GatewayError> {
    let (id, patch) = convert::update(&r)?;
    gw.once(&call, &r, async {
        let body = gw.json(&call, route::update(&id, &patch)).await?;
        Ok(pb::UpdateBusinessResponse {
            business: Some(decode::business::business(&body)?),
        })
    })
    .await
}

async fn delete(
    gw: Gateway,
    call: Call,
    r: pb::DeleteBusinessRequest,
) -> Result<pb::DeleteBusinessResponse, GatewayError> {
    let id = only_id("business_id", &r.business_id)?;
    let done = || pb::DeleteBusinessResponse {
        business_id: id.as_str().to_string(),
    };
    gw.once(&call, &r, async {
        let send = async {
            gw.send(&call, route::delete(&id)).await?;
            Ok(done())
        };
        recover::delete_or_done(&call, send, done).await
    })
    .await
}
