//! The abuse benchmark's report lines: the well-behaved side per phase, how the abusive
//! connections ended, and the answers the abusers got.
use std::time::Duration;

use super::abusers;
use super::well_behaved::Tallies;

/// The well-behaved side, per phase (`secs`: the phases' lengths).
pub fn good(sent: &Tallies, calls: &Tallies, health: &Tallies, lost: u64, phases: [Duration; 2]) {
    let (s, c, h) = (
        sent.lock().expect("t"),
        calls.lock().expect("t"),
        health.lock().expect("t"),
    );
    let secs = phases.map(|d| d.as_secs_f64());
    let rate = |p: usize| s[p].ok as f64 / secs[p];
    println!(
        "well-behaved webhook sender ({:.0}/s offered over 4 keep-alive connections):",
        (s[0].ok + s[0].failed_total()) as f64 / secs[0]
    );
    for (p, name) in ["unloaded", "under abuse"].iter().enumerate() {
        println!(
            "  {name:>11}: accepted {:.1}/s, p50 {:.2} ms, p99 {:.2} ms, failed {} {:?}",
            rate(p),
            s[p].quantile(0.5),
            s[p].quantile(0.99),
            s[p].failed_total(),
            s[p].failed
        );
    }
    println!(
        "  accepted rate under abuse / unloaded: {:.3} (target >= 0.90); accepted but never delivered to the reading subscriber: {lost}",
        rate(1) / rate(0)
    );
    println!("well-behaved gRPC client (GetCustomer, 4 workers back to back):");
    for (p, name) in ["unloaded", "under abuse"].iter().enumerate() {
        let all = c[p].ok + c[p].failed_total();
        println!(
            "  {name:>11}: {} calls, {:.2} % ok, p99 {:.1} ms, failures {:?}",
            all,
            100.0 * c[p].ok as f64 / all.max(1) as f64,
            c[p].quantile(0.99),
            c[p].failed
        );
    }
    println!(
        "health (every 100 ms): SERVING {}/{} unloaded, {}/{} under abuse {:?}",
        h[0].ok,
        h[0].ok + h[0].failed_total(),
        h[1].ok,
        h[1].ok + h[1].failed_total(),
        h[1].failed
    );
}

/// How the abusive connections ended.
pub fn closes(what: &str, c: &abusers::Closes) {
    let q = |v: &[Duration], p: f64| {
        let mut v = v.to_vec();
        v.sort();
        v.get(((v.len().max(1) - 1) as f64 * p) as usize)
            .map_or(f64::NAN, Duration::as_secs_f64)
    };
    println!(
        "  {what}: {} connections closed by a timeout after p50 {:.1} s (max {:.1} s); {} connection attempts refused at accept within p50 {:.0} ms; {} open at the end",
        c.timed_out.len(),
        q(&c.timed_out, 0.5),
        q(&c.timed_out, 1.0),
        c.refused.len(),
        q(&c.refused, 0.5) * 1e3,
        c.still_open
    );
}

/// Answers by kind (calls made apart).
pub fn answers(what: &str, a: &std::collections::BTreeMap<String, u64>) {
    let mut a = a.clone();
    let offered = a.remove(abusers::OFFERED);
    let total: u64 = a.values().sum();
    let made = offered.map_or(String::new(), |n| format!("{n} made, "));
    println!("  {what}: {made}{total} answered: {a:?}");
}
