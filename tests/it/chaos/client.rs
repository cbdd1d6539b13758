//! The chaos clients: each journey is two mutating calls (create, then start the verification),
//! each retried with the same `request_id` until a definitive answer, as a careful caller would.
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use atelio_gateway::proto::v1 as pb;
use pb::business_service_client::BusinessServiceClient;
use pb::customer_service_client::CustomerServiceClient;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::helpers::{emulator, fixtures};

/// How long one call is retried before it counts as lost.
const GIVE_UP: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug)]
pub enum Journey {
    Customer(usize),
    Business(usize),
}

/// What a journey's create answered.
#[derive(Clone, Debug)]
pub struct Answered {
    pub is_business: bool,
    pub name: String,
    pub id: String,
}

#[derive(Default)]
pub struct Tally {
    lost: AtomicUsize,
    unknown: AtomicUsize,
    already_exists: AtomicUsize,
    retries: AtomicUsize,
    recovered: AtomicUsize,
}

impl Tally {
    pub fn lost(&self) -> usize {
        self.lost.load(Ordering::Relaxed)
    }
    pub fn unknown(&self) -> usize {
        self.unknown.load(Ordering::Relaxed)
    }
    pub fn already_exists(&self) -> usize {
        self.already_exists.load(Ordering::Relaxed)
    }
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }
    pub fn recovered(&self) -> usize {
        self.recovered.load(Ordering::Relaxed)
    }
}

/// A letters-only name unique to `i` (Atelio's name rules allow letters only).
fn letters(i: usize) -> String {
    let mut n = i;
    let mut s = String::new();
    for _ in 0..4 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

/// Runs every journey, `concurrency` at a time; the answers of those that completed.
pub async fn run_all(
    url: &str,
    journeys: Vec<Journey>,
    concurrency: usize,
    tally: &Arc<Tally>,
) -> Vec<Answered> {
    let channel = Channel::from_shared(url.to_string())
        .expect("uri")
        .connect_lazy();
    let queue = Arc::new(std::sync::Mutex::new(journeys));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (queue, tally, channel) = (queue.clone(), tally.clone(), channel.clone());
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some(j) = next else { return done };
                if let Some(a) = journey(&channel, j, &tally).await {
                    done.push(a);
                }
            }
        });
    }
    let mut answered = Vec::new();
    while let Some(w) = workers.join_next().await {
        answered.extend(w.expect("worker"));
    }
    answered
}

async fn journey(ch: &Channel, j: Journey, tally: &Tally) -> Option<Answered> {
    match j {
        Journey::Customer(i) => {
            let name = format!("Chaos{}", letters(i));
            let mut customer = fixtures::customer();
            customer.first_name = name.clone();
            let req = pb::CreateCustomerRequest {
                customer: Some(customer),
                request_id: format!("chaos-c-{i}"),
            };
            let c = CustomerServiceClient::new(ch.clone());
            let created = until_definitive(tally, || {
                let (mut c, r) = (c.clone(), req.clone());
                async move { c.create_customer(r).await }
            })
            .await?;
            let id = created.customer.map(|c| c.customer_id).unwrap_or_default();
            let kyc = pb::StartCustomerKycRequest {
                customer_id: id.clone(),
                program_id: emulator::PROGRAM.into(),
                request_id: format!("chaos-k-{i}"),
                ..Default::default()
            };
            until_definitive(tally, || {
                let (mut c, r) = (c.clone(), kyc.clone());
                async move { c.start_customer_kyc(r).await }
            })
            .await?;
            Some(Answered {
                is_business: false,
                name,
                id,
            })
        }
        Journey::Business(i) => {
            let name = format!("Chaos Works {}", letters(i));
            let mut business = fixtures::business();
            business.legal_business_name = name.clone();
            business.ein = "11-1111111".into();
            let req = pb::CreateBusinessRequest {
                business: Some(business),
                request_id: format!("chaos-b-{i}"),
            };
            let b = BusinessServiceClient::new(ch.clone());
            let created = until_definitive(tally, || {
                let (mut b, r) = (b.clone(), req.clone());
                async move { b.create_business(r).await }
            })
            .await?;
            let id = created.business.map(|b| b.business_id).unwrap_or_default();
            let kyb = pb::StartKybRequest {
                business_id: id.clone(),
                program_id: emulator::PROGRAM.into(),
                request_id: format!("chaos-kb-{i}"),
            };
            until_definitive(tally, || {
                let (mut b, r) = (b.clone(), kyb.clone());
                async move { b.start_kyb(r).await }
            })
            .await?;
            Some(Answered {
                is_business: true,
                name,
                id,
            })
        }
    }
}

/// Whether a careful caller retries this answer with the same `request_id`.
fn retryable(s: &Status) -> bool {
    matches!(
        s.code(),
        Code::Unavailable
            | Code::Aborted
            | Code::ResourceExhausted
            | Code::DeadlineExceeded
            | Code::Cancelled
            | Code::Unknown
    )
}

/// Calls until an OK (Some) or a definitive error or the give-up time (None, counted lost).
async fn until_definitive<T, F, Fut>(tally: &Tally, mut call: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, Status>>,
{
    let started = Instant::now();
    loop {
        match call().await {
            Ok(resp) => {
                if resp.metadata().get("idempotent-recovered").is_some() {
                    tally.recovered.fetch_add(1, Ordering::Relaxed);
                }
                return Some(resp.into_inner());
            }
            Err(s) if s.code() == Code::AlreadyExists => {
                tally.already_exists.fetch_add(1, Ordering::Relaxed);
                tally.lost.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            Err(s) if retryable(&s) && started.elapsed() < GIVE_UP => {
                let reason = s.get_error_details().error_info().map(|i| i.reason.clone());
                if reason.as_deref() == Some("UPSTREAM_OUTCOME_UNKNOWN") {
                    tally.unknown.fetch_add(1, Ordering::Relaxed);
                }
                tally.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(s) => {
                eprintln!("chaos: definitive failure {:?}: {}", s.code(), s.message());
                tally.lost.fetch_add(1, Ordering::Relaxed);
                return None;
            }
        }
    }
}
