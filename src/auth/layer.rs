//! The tower layer that puts `Authenticator::check` in front of every gRPC service: a refused
//! call is answered with `UNAUTHENTICATED` or `PERMISSION_DENIED` (and counted) without reaching
//! the service; an allowed one carries its `Caller` in the request extensions.
use std::{
    sync::Arc,
    task::{Context, Poll},
};

use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use super::{AuthError, Authenticator, to_status};

/// Wraps the gRPC router with caller authentication.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    auth: Option<Arc<Authenticator>>,
}

impl AuthLayer {
    /// The layer for one authenticator; `None` lets every call through as `anonymous`.
    pub fn new(auth: Option<Arc<Authenticator>>) -> Self {
        AuthLayer { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service the layer builds.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    auth: Option<Arc<Authenticator>>,
}

fn refuse(e: &AuthError) -> http::Response<tonic::body::Body> {
    let status = to_status(e);
    crate::metrics::get()
        .auth_rejections
        .with_label_values(&[crate::metrics::code_name(status.code())])
        .inc();
    tracing::info!(code = ?status.code(), reason = %e, "call refused by caller authentication");
    status.into_http()
}

impl<S, B> Service<http::Request<B>> for AuthService<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let Some(auth) = &self.auth else {
            return Box::pin(self.inner.call(req));
        };
        match auth.check(req.uri().path(), req.headers()) {
            Ok(caller) => {
                if let Some(caller) = caller {
                    req.extensions_mut().insert(caller);
                }
                Box::pin(self.inner.call(req))
            }
            Err(e) => {
                let refused = refuse(&e);
                Box::pin(async move { Ok(refused) })
            }
        }
    }
}
