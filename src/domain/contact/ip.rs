//! IPv4 addresses (K1/BOK1 `ip`).

use std::net::Ipv4Addr;

use crate::domain::redact::redacted_debug;

/// An IPv4 address in strict dotted-quad form (as `std::net::Ipv4Addr` parses it:
/// no leading zeros, no shorthand). Kept as given. PII.
#[derive(Clone, PartialEq, Eq)]
pub struct Ipv4 {
    raw: String,
    addr: Ipv4Addr,
}

redacted_debug!(Ipv4);

impl Ipv4 {
    pub fn parse(raw: &str) -> Result<Ipv4, String> {
        let addr = raw
            .parse::<Ipv4Addr>()
            .map_err(|_| "must be an IPv4 address in dotted-quad form".to_owned())?;
        Ok(Ipv4 {
            raw: raw.to_owned(),
            addr,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_accepts_a_dotted_quad() {
        let ip = Ipv4::parse("192.168.0.1").expect("valid");
        assert_eq!(
            (ip.as_str(), ip.addr()),
            ("192.168.0.1", Ipv4Addr::new(192, 168, 0, 1))
        );
    }

    #[test]
    fn ipv4_rejects_non_strict_forms_and_ipv6() {
        for raw in [
            "192.168.1",
            "256.1.1.1",
            "192.168.001.1",
            "1.2.3.4 ",
            "::1",
            "0x7f.0.0.1",
        ] {
            assert!(Ipv4::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn ipv4_debug_does_not_reveal_the_address() {
        let ip = Ipv4::parse("10.20.30.40").expect("valid");
        assert!(!format!("{ip:?}").contains("10.20"));
    }
}
