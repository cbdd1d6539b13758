//! `CustomerService`: customers, their KYC and KYC documents (catalogue §2.3, §2.4).
use tonic::{Request, Response, Status};

use super::{
    Gateway, GatewayError, convert::customer as convert, convert::documents, decode, handle, paging,
};
use crate::domain::Violations;
use crate::proto::v1::{self as pb, customer_service_server::CustomerService};
use crate::upstream::{lenient, routes::customer as route};

#[tonic::async_trait]
impl CustomerService for Gateway {
    async fn create_customer(
        &self,
        req: Request<pb::CreateCustomerRequest>,
    ) -> Result<Response<pb::CreateCustomerResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "CreateCustomer"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let cmd = convert::create(r.customer.as_ref())?;
            let body = self
                .json(&call, route::create(&cmd, call.key(&r.request_id)))
                .await?;
            Ok(pb::CreateCustomerResponse {
                customer: Some(decode::customer::customer(&body)?),
            })
        })
        .await
    }

    async fn get_customer(
        &self,
        req: Request<pb::GetCustomerRequest>,
    ) -> Result<Response<pb::GetCustomerResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "GetCustomer"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let id = only_id("customer_id", &r.customer_id)?;
            let body = self.json(&call, route::get(&id)).await?;
            Ok(pb::GetCustomerResponse {
                customer: Some(decode::customer::customer(&body)?),
            })
        })
        .await
    }

    async fn list_customers(
        &self,
        req: Request<pb::ListCustomersRequest>,
    ) -> Result<Response<pb::ListCustomersResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "ListCustomers"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let page =
                paging::page_request(r.page_size, &r.page_token, paging::CUSTOMERS, "", &mut v);
            let page = v.finish(page)?.ok_or_else(Violations::new)?;
            let body = self.json(&call, route::list(page)).await?;
            let (items, info) = lenient::list_items(&body);
            let customers = items
                .iter()
                .map(|c| decode::customer::customer(c))
                .collect::<Result<Vec<_>, _>>()?;
            let next_page_token = paging::next_token(page, customers.len(), info, "");
            Ok(pb::ListCustomersResponse {
                customers,
                next_page_token,
            })
        })
        .await
    }

    async fn update_customer(
        &self,
        req: Request<pb::UpdateCustomerRequest>,
    ) -> Result<Response<pb::UpdateCustomerResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "UpdateCustomer"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let (id, patch) = convert::update(&r)?;
            let body = self.json(&call, route::update(&id, &patch)).await?;
            Ok(pb::UpdateCustomerResponse {
                customer: Some(decode::customer::customer(&body)?),
            })
        })
        .await
    }

    async fn delete_customer(
        &self,
        req: Request<pb::DeleteCustomerRequest>,
    ) -> Result<Response<pb::DeleteCustomerResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "DeleteCustomer"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let id = only_id("customer_id", &r.customer_id)?;
            self.send(&call, route::delete(&id)).await?;
            Ok(pb::DeleteCustomerResponse {
                customer_id: id.as_str().to_string(),
            })
        })
        .await
    }

    async fn start_customer_kyc(
        &self,
        req: Request<pb::StartCustomerKycRequest>,
    ) -> Result<Response<pb::StartCustomerKycResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "StartCustomerKyc"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let (id, kyc) = convert::start_kyc(&r, self.default_program())?;
            let body = self
                .json(&call, route::start_kyc(&id, &kyc, call.key(&r.request_id)))
                .await?;
            let o = decode::object(&body, "a KYC start")?;
            let (kyc_status, kyc_status_raw) = decode::kyc_status(o.str("kyc_status"));
            let customer_id = o
                .str("customer_id")
                .unwrap_or_else(|| id.as_str().to_string());
            Ok(pb::StartCustomerKycResponse {
                customer_id,
                kyc_status,
                kyc_status_raw,
            })
        })
        .await
    }

    async fn get_customer_kyc_status(
        &self,
        req: Request<pb::GetCustomerKycStatusRequest>,
    ) -> Result<Response<pb::GetCustomerKycStatusResponse>, Status> {
        let call = self.call(
            &req,
            concat!("atelio.gateway.v1.CustomerService/", "GetCustomerKycStatus"),
        );
        let r = req.into_inner();
        handle(&call, async {
            let mut v = Violations::new();
            let id = super::convert::id(&mut v, "customer_id", &r.customer_id);
            let program = super::convert::program(
                &mut v,
                "program_id",
                &r.program_id,
                self.default_program(),
            );
            let (Some(id), Some(program)) = (id, program) else {
                return Err(v.into());
            };
            let body = self.json(&call, route::kyc_status(&id, &program)).await?;
            let verification = decode::kyc_verification(&body, &["customer_id"])?;
            Ok(pb::GetCustomerKycStatusResponse {
                verification: Some(verification),
            })
        })
        .await
    }

    async fn submit_customer_kyc_documents(
        &self,
        req: Request<pb::SubmitCustomerKycDocumentsRequest>,
    ) -> Result<Response<pb::SubmitCustomerKycDocumentsResponse>, Status> {
        let call = self.call(
            &req,
            concat!(
                "atelio.gateway.v1.CustomerService/",
                "SubmitCustomerKycDocuments"
            ),
        );
        let r = req.into_inner();
        handle(&call, async {
            let (id, docs) = documents::submit_documents(&r)?;
            let body = self
                .json(
                    &call,
                    route::submit_documents(&id, &docs, call.key(&r.request_id)),
                )
                .await?;
            let o = decode::object(&body, "a document upload")?;
            Ok(pb::SubmitCustomerKycDocumentsResponse {
                customer_id: o
                    .str("customer_id")
                    .unwrap_or_else(|| id.as_str().to_string()),
                num_documents_submitted: o.i64("num_documents_submitted").unwrap_or_default()
                    as i32,
            })
        })
        .await
    }
}

/// A request whose only input is one id.
pub(crate) fn only_id(field: &str, raw: &str) -> Result<crate::domain::ResourceId, GatewayError> {
    let mut v = Violations::new();
    let id = super::convert::id(&mut v, field, raw);
    id.ok_or(GatewayError::Invalid(v))
}
