//! Which ids are beneficial owners. Atelio's beneficial-owner KYC events may name the owner under
//! `customer_id` without a `business_id` (docs/reference/atelio-api.md §6 item 9), which reads like a customer's
//! event. Every id the gateway has seen as a beneficial owner (created, read, listed or verified
//! through it) is remembered here, and the webhook path files such an event as the owner's.
//! In memory, bounded (oldest forgotten first); after a restart the set refills as owners are
//! seen again.
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use super::model::Subject;

/// How many owner ids are remembered.
const CAPACITY: usize = 200_000;

/// The remembered owner ids.
#[derive(Default)]
pub struct KnownOwners {
    inner: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl KnownOwners {
    /// Remembers `id` as a beneficial owner's.
    pub fn remember(&self, id: &str) {
        if id.is_empty() {
            return;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if set.insert(id.to_string()) {
            order.push_back(id.to_string());
            if order.len() > CAPACITY
                && let Some(old) = order.pop_front()
            {
                set.remove(&old);
            }
        }
    }

    /// Whether `id` was seen as a beneficial owner's.
    pub fn contains(&self, id: &str) -> bool {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.contains(id)
    }

    /// The subject an event is about: a "customer" that is a known owner is the owner.
    pub fn file(&self, subject: Subject) -> Subject {
        match subject {
            Subject::Customer(id) if self.contains(&id) => Subject::BeneficialOwner(id),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_owner_named_as_customer_is_filed_as_the_owner() {
        let known = KnownOwners::default();
        known.remember("bo-1");
        assert_eq!(
            known.file(Subject::Customer("bo-1".into())),
            Subject::BeneficialOwner("bo-1".into())
        );
        assert_eq!(
            known.file(Subject::Customer("c-1".into())),
            Subject::Customer("c-1".into())
        );
    }
}
