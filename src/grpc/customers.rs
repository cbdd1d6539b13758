//! `CustomerService`: the routing table (RPC → body) and the customer CRUD bodies
//! (docs/reference/atelio-api.md §2.3). KYC bodies live in `kyc.rs`.
use tonic::{Request, Response, Status};

use super::{
    Call, Gateway, GatewayError, convert::customer as convert, decode, kyc, only_id, paging,
    recover, serve,
};
use crate::atelio_json as lenient;
use crate::domain::Violations;
use crate::proto::v1::{self as pb, customer_service_server::CustomerService};
use crate::upstream::routes::customer as route;

macro_rules! method {
    ($name:literal) => {
        concat!("atelio.gateway.v1.CustomerService/", $name)
    };
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl CustomerService for Gateway {
    async fn create_customer(
        &self,
        req: Request<pb::CreateCustomerRequest>,
    ) -> Rpc<pb::CreateCustomerResponse> {
        serve(self, req, method!("CreateCustomer"), create).await
    }
    async fn get_customer(
        &self,
        req: Request<pb::GetCustomerRequest>,
    ) -> Rpc<pb::GetCustomerResponse> {
        serve(self, req, method!("GetCustomer"), get).await
    }
    async fn list_customers(
        &self,
        req: Request<pb::ListCustomersRequest>,
    ) -> Rpc<pb::ListCustomersResponse> {
        serve(self, req, method!("ListCustomers"), list).await
    }
    async fn update_customer(
        &self,
        req: Request<pb::UpdateCustomerRequest>,
    ) -> Rpc<pb::UpdateCustomerResponse> {
        serve(self, req, method!("UpdateCustomer"), update).await
    }
    async fn delete_customer(
        &self,
        req: Request<pb::DeleteCustomerRequest>,
    ) -> Rpc<pb::DeleteCustomerResponse> {
        serve(self, req, method!("DeleteCustomer"), delete).await
    }
    async fn start_customer_kyc(
        &self,
        req: Request<pb::StartCustomerKycRequest>,
    ) -> Rpc<pb::StartCustomerKycResponse> {
        serve(self, req, method!("StartCustomerKyc"), kyc::start_customer).await
    }
    async fn get_customer_kyc_status(
        &self,
        req: Request<pb::GetCustomerKycStatusRequest>,
    ) -> Rpc<pb::GetCustomerKycStatusResponse> {
        serve(
            self,
            req,
            method!("GetCustomerKycStatus"),
            kyc::customer_status,
        )
        .await
    }
    async fn submit_customer_kyc_documents(
        &self,
        req: Request<pb::SubmitCustomerKycDocumentsRequest>,
    ) -> Rpc<pb::SubmitCustomerKycDocumentsResponse> {
        serve(
            self,
            req,
            method!("SubmitCustomerKycDocuments"),
            kyc::submit_documents,
        )
        .await
    }
}

async fn create(
    gw: Gateway,
    call: Call,
    r: pb::CreateCustomerRequest,
) -> Result<pb::CreateCustomerResponse, GatewayError> {
    let cmd = convert::create(r.customer.as_ref())?;
    gw.once(&call, &r, async {
        let send = async {
            let body = gw
                .json(&call, route::create(&cmd, call.key(&r.request_id)))
                .await?;
            decode::customer::customer(&body).map_err(GatewayError::from)
        };
        let want = r.customer.clone().unwrap_or_default();
        let customer = recover::or_find(&call, send, || {
            let listing = recover::Listing {
                page: route::list,
                size: 50,
            };
            recover::scan(
                &gw,
                &call,
                listing,
                decode::customer::customer,
                move |c| recover::matching::customer(&want, c),
                |c| c.create_time.as_ref(),
            )
        })
        .await?;
        Ok(pb::CreateCustomerResponse {
            customer: Some(customer),
        })
    })
    .await
}

async fn get(
    gw: Gateway,
    call: Call,
    r: pb::GetCustomerRequest,
) -> Result<pb::GetCustomerResponse, GatewayError> {
    let id = only_id("customer_id", &r.customer_id)?;
    let body = gw.json(&call, route::get(&id)).await?;
    Ok(pb::GetCustomerResponse {
        customer: Some(decode::customer::customer(&body)?),
    })
}

async fn list(
    gw: Gateway,
    call: Call,
    r: pb::ListCustomersRequest,
) -> Result<pb::ListCustomersResponse, GatewayError> {
    let mut v = Violations::new();
    let page = paging::page_request(r.page_size, &r.page_token, paging::CUSTOMERS, "", &mut v);
    let page = v.finish(page)?.ok_or_else(Violations::new)?;
    let body = gw.json(&call, route::list(page)).await?;
    let (items, info) = lenient::list_items(&body);
    let customers = items
        .into_iter()
        .map(decode::customer::customer)
        .collect::<Result<Vec<_>, _>>()?;
    let next_page_token = paging::next_token(page, customers.len(), info, "");
    Ok(pb::ListCustomersResponse {
        customers,
        next_page_token,
    })
}

async fn update(
    gw: Gateway,
    call: Call,
    r: pb::UpdateCustomerRequest,
) -> Result<pb::UpdateCustomerResponse, GatewayError> {
    let (id, patch) = convert::update(&r)?;
    gw.once(&call, &r, async {
        let body = gw.json(&call, route::update(&id, &patch)).await?;
        Ok(pb::UpdateCustomerResponse {
            customer: Some(decode::customer::customer(&body)?),
        })
    })
    .await
}

async fn delete(
    gw: Gateway,
    call: Call,
    r: pb::DeleteCustomerRequest,
) -> Result<pb::DeleteCustomerResponse, GatewayError> {
    let id = only_id("customer_id", &r.customer_id)?;
    let done = || pb::DeleteCustomerResponse {
        customer_id: id.as_str().to_string(),
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
