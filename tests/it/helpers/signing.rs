//! Signs webhook bodies the way Atelio documents it — `Bond-Signature: t=…,v1=…,v2=…` with v2 =
//! HMAC-SHA256 hex over `"{t}." + body` — using the `hmac` crate directly, independent of the
//! gateway's verifier, and posts them.
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The subscription secret the test gateway accepts.
pub const SECRET: &str = "whsec_0cT9yQn3VdK7aLmP2sXw8RfHu5JbE4Zg";

/// `t=…,v1=…,v2=…` for `body` signed with `secret` at Unix time `t`.
pub fn header(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let v2 = hex::encode(mac.finalize().into_bytes());
    format!("t={t},v1={},v2={v2}", "0".repeat(64))
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Posts raw bytes with an optional signature header; returns the status and the JSON answer.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    signature: Option<String>,
) -> (u16, Value) {
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(sig) = signature {
        req = req.header("Bond-Signature", sig);
    }
    let resp = req.send().await.expect("webhook listener answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Posts `event` correctly signed now.
pub async fn post_signed(client: &reqwest::Client, url: &str, event: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(event).expect("json");
    let sig = header(SECRET, now(), &body);
    post(client, url, body, Some(sig)).await
}
