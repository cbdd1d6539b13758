//! Counted places: a global count and per-caller counts, each under its own bound. Taking a
//! place either succeeds (the [`Place`] gives it back when dropped) or names the bound that
//! refused it; nothing ever waits.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// One kind of place (unary calls, subscriptions, health watches) and its bounds.
#[derive(Debug)]
pub struct Counts {
    global_max: usize,
    per_caller_max: usize,
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    total: usize,
    by_caller: HashMap<Arc<str>, usize>,
}

/// Which bound refused a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The global bound.
    Global,
    /// The caller's own bound.
    PerCaller,
}

/// A taken place; dropping it gives it back.
#[derive(Debug)]
pub struct Place {
    counts: Arc<Counts>,
    caller: Arc<str>,
}

impl Counts {
    /// At most `global_max` places in all and `per_caller_max` per caller.
    pub fn new(global_max: usize, per_caller_max: usize) -> Arc<Counts> {
        Arc::new(Counts {
            global_max,
            per_caller_max,
            held: Mutex::default(),
        })
    }

    /// A place for `caller`, or the bound that refuses it.
    pub fn take(self: &Arc<Self>, caller: &str) -> Result<Place, Refused> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.total >= self.global_max {
            return Err(Refused::Global);
        }
        let caller: Arc<str> = match held.by_caller.get_key_value(caller) {
            Some((_, n)) if *n >= self.per_caller_max => return Err(Refused::PerCaller),
            Some((k, _)) => k.clone(),
            None => Arc::from(caller),
        };
        held.total += 1;
        *held.by_caller.entry(caller.clone()).or_default() += 1;
        Ok(Place {
            counts: self.clone(),
            caller,
        })
    }

    /// Places held now (all callers).
    pub fn held(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut held = self.counts.held.lock().unwrap_or_else(|p| p.into_inner());
        held.total -= 1;
        if let Some(n) = held.by_caller.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                held.by_caller.remove(&self.caller);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bound_refuses_and_a_dropped_place_is_given_back() {
        let counts = Counts::new(3, 2);
        let a1 = counts.take("a").unwrap();
        let _a2 = counts.take("a").unwrap();
        assert_eq!(counts.take("a").unwrap_err(), Refused::PerCaller);
        let _b1 = counts.take("b").unwrap();
        assert_eq!(counts.take("b").unwrap_err(), Refused::Global);
        drop(a1);
        assert_eq!(counts.held(), 2);
        let _b2 = counts.take("b").unwrap();
        assert_eq!(counts.take("c").unwrap_err(), Refused::Global);
    }

    #[test]
    fn a_caller_with_nothing_held_is_forgotten() {
        let counts = Counts::new(10, 1);
        drop(counts.take("gone").unwrap());
        assert!(counts.held.lock().unwrap().by_caller.is_empty());
    }
}
