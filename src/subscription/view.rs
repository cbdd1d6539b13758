//! A webhook subscription as Atelio describes it (W1–W3 answers; wrapped as
//! `{"webhook_subscription": …}` / `{"webhook_subscriptions": […]}`, or unwrapped, or a bare
//! list), its secret kept as a [`Secret`] so no log or `Debug` shows it.
use serde_json::Value;

use crate::config::Secret;

/// The enabled status value.
pub const ENABLED: &str = "STATUS_ENABLED";

/// One subscription.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// Its id (`id`, or `webhook_id` in the alternative shape).
    pub id: String,
    /// Where Atelio posts.
    pub url: String,
    /// Event names or wildcards.
    pub events: Vec<String>,
    /// `STATUS_ENABLED` or `STATUS_DISABLED` (absent: enabled, Atelio's default [I]).
    pub status: String,
    /// The signing secret.
    pub secret: Option<Secret>,
}

/// What `ensure` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new subscription.
    Created,
    /// An existing one re-enabled or given the missing events.
    Updated,
    /// An existing one as it was.
    Reused,
}

impl Action {
    /// For logs and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Reused => "reused",
        }
    }
}

impl View {
    /// Whether Atelio delivers to it.
    pub fn enabled(&self) -> bool {
        self.status == ENABLED
    }

    /// Whether its events include each of `wanted` (as written).
    pub fn covers(&self, wanted: &[&str]) -> bool {
        wanted.iter().all(|w| self.events.iter().any(|e| e == w))
    }

    /// Its events with `wanted` added (a PATCH replaces the list, so keep the rest).
    pub fn events_with(&self, wanted: &[&str]) -> Vec<String> {
        let mut out = self.events.clone();
        for w in wanted {
            if !out.iter().any(|e| e == w) {
                out.push((*w).to_string());
            }
        }
        out
    }

    fn parse(v: &Value) -> Option<View> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let events = v.get("events").and_then(Value::as_array);
        Some(View {
            id: text("id").or_else(|| text("webhook_id"))?,
            url: text("url").unwrap_or_default(),
            events: events
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect(),
            status: text("status").unwrap_or_else(|| ENABLED.to_string()),
            secret: text("secret").filter(|s| !s.is_empty()).map(Secret::new),
        })
    }
}

/// The subscription of a W1/W3 answer.
pub fn one(answer: &Value) -> Option<View> {
    View::parse(answer.get("webhook_subscription").unwrap_or(answer))
}

/// The subscriptions of a W2 answer.
pub fn list(answer: &Value) -> Vec<View> {
    let items = answer
        .get("webhook_subscriptions")
        .unwrap_or(answer)
        .as_array();
    items
        .into_iter()
        .flatten()
        .filter_map(View::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_documented_shape_reads_the_same() {
        let sub = json!({"id": "w-1", "url": "https://gw/h", "events": ["kyc.*"], "secret": "whsec_a", "status": "STATUS_DISABLED"});
        let wrapped = one(&json!({ "webhook_subscription": sub })).expect("wrapped");
        assert_eq!(one(&sub), Some(wrapped.clone()));
        assert_eq!(
            list(&json!({ "webhook_subscriptions": [sub] })),
            std::slice::from_ref(&wrapped)
        );
        assert_eq!(list(&json!([sub])), std::slice::from_ref(&wrapped));
        let alt = one(
            &json!({"webhook_id": "w-1", "url": "https://gw/h", "events": ["kyc.*"], "secret": "whsec_a", "status": "STATUS_DISABLED"}),
        );
        assert_eq!(alt, Some(wrapped.clone()));
        assert!(!wrapped.enabled());
        assert!(
            !format!("{wrapped:?}").contains("whsec_a"),
            "the secret is redacted"
        );
    }

    #[test]
    fn missing_events_are_added_and_the_rest_kept() {
        let v = one(&json!({"id": "w", "events": ["card*", "kyc.*"]})).expect("view");
        assert!(v.enabled(), "absent status: enabled");
        assert!(!v.covers(&["kyc.*", "kyb.*"]));
        assert_eq!(
            v.events_with(&["kyc.*", "kyb.*"]),
            ["card*", "kyc.*", "kyb.*"]
        );
    }
}
