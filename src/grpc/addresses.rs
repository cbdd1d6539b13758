//! Address operations shared by businesses and beneficial owners: both use the business
//! address profile and the same REST shapes under their own path (BA1–BA5, BOA1–BOA5).
use reqwest::Method;

use super::RequestId;
use super::{Call, Gateway, GatewayError, convert::address as convert, decode, paging, recover};
use crate::atelio_json as lenient;
use crate::domain::Violations;
use crate::proto::v1 as pb;
use crate::upstream::routes::business as route;

/// Whose addresses: the REST path of the owner and route names for logs.
pub struct Owner {
    /// `/businesses/{id}` or `/businesses/{id}/beneficial_owners/{id}`.
    pub path: String,
    /// Route-name prefix, `business` or `owner`.
    pub kind: &'static str,
}

impl Owner {
    fn route(&self, op: &'static str) -> &'static str {
        match (self.kind, op) {
            ("business", "create") => "businesses.addresses.create",
            ("business", "get") => "businesses.addresses.get",
            ("business", "list") => "businesses.addresses.list",
            ("business", "update") => "businesses.addresses.update",
            ("business", _) => "businesses.addresses.delete",
            (_, "create") => "owners.addresses.create",
            (_, "get") => "owners.addresses.get",
            (_, "list") => "owners.addresses.list",
            (_, "update") => "owners.addresses.update",
            _ => "owners.addresses.delete",
        }
    }
}

/// Create an address (idempotent per `request_id`).
pub async fn create<M>(
    gw: &Gateway,
    call: &Call,
    owner: Owner,
    mut v: Violations,
    req: &M,
    a: Option<&pb::Address>,
) -> Result<pb::Address, GatewayError>
where
    M: prost::Message + RequestId,
{
    let address = convert::address(&mut v, a, "address");
    let address = v.finish(address)?.ok_or_else(Violations::new)?;
    gw.once(call, req, async {
        let send = async {
            let key = call.key(req.request_id());
            let route = owner.route("create");
            let body = gw
                .json(
                    call,
                    route::address_create(route, &owner.path, &address, key),
                )
                .await?;
            Ok(decode::address(&body))
        };
        let want = a.cloned().unwrap_or_default();
        recover::or_find(call, send, || {
            let listing = recover::Listing {
                page: |p| route::address_list(owner.route("list"), &owner.path, p),
                size: paging::DEFAULT.max,
            };
            recover::scan(
                gw,
                call,
                listing,
                |v| Ok(decode::address(v)),
                move |found| recover::matching::address(&want, found),
                |found| found.create_time.as_ref(),
            )
        })
        .await
    })
    .await
}

/// Get one address.
pub async fn get(
    gw: &Gateway,
    call: &Call,
    owner: Owner,
    mut v: Violations,
    address_id: &str,
) -> Result<pb::Address, GatewayError> {
    let id = super::convert::id(&mut v, "address_id", address_id);
    let id = v.finish(id)?.ok_or_else(Violations::new)?;
    let req = route::address_at(owner.route("get"), Method::GET, &owner.path, &id);
    Ok(decode::address(&gw.json(call, req).await?))
}

/// Delete one address (idempotent per `request_id`).
pub async fn delete<M>(
    gw: &Gateway,
    call: &Call,
    owner: Owner,
    mut v: Violations,
    req: &M,
    address_id: &str,
) -> Result<pb::Address, GatewayError>
where
    M: prost::Message + RequestId,
{
    let id = super::convert::id(&mut v, "address_id", address_id);
    let id = v.finish(id)?.ok_or_else(Violations::new)?;
    let done = || pb::Address {
        address_id: id.as_str().to_string(),
        ..Default::default()
    };
    gw.once(call, req, async {
        let up = route::address_at(owner.route("delete"), Method::DELETE, &owner.path, &id);
        let send = async { Ok(decode::address(&gw.json(call, up).await?)) };
        recover::delete_or_done(call, send, done).await
    })
    .await
}

/// List addresses page by page.
pub async fn list(
    gw: &Gateway,
    call: &Call,
    owner: Owner,
    mut v: Violations,
    size: i32,
    token: &str,
) -> Result<(Vec<pb::Address>, String), GatewayError> {
    let page = paging::page_request(size, token, paging::DEFAULT, "", &mut v);
    let page = v.finish(page)?.ok_or_else(Violations::new)?;
    let body = gw
        .json(
            call,
            route::address_list(owner.route("list"), &owner.path, page),
        )
        .await?;
    let (items, info) = lenient::list_items(&body);
    let addresses: Vec<_> = items.into_iter().map(decode::address).collect();
    let next = paging::next_token(page, addresses.len(), info, "");
    Ok((addresses, next))
}

/// Update an address (idempotent per `request_id`).
pub async fn update<M>(
    gw: &Gateway,
    call: &Call,
    owner: Owner,
    mut v: Violations,
    req: &M,
    a: Option<&pb::Address>,
    mask: Option<&prost_types::FieldMask>,
) -> Result<pb::Address, GatewayError>
where
    M: prost::Message + RequestId,
{
    let patch = convert::address_patch(&mut v, a, mask);
    let (id, patch) = v.finish(patch)?.ok_or_else(Violations::new)?;
    gw.once(call, req, async {
        // Atelio wants the whole address: read it, then send it with the masked fields changed.
        let read = route::address_at(owner.route("get"), Method::GET, &owner.path, &id);
        let current = gw.json(call, read).await?;
        let current = decode::unwrap(&current, "address");
        let up = route::address_update(owner.route("update"), &owner.path, &id, &patch, current);
        Ok(decode::address(&gw.json(call, up).await?))
    })
    .await
}
