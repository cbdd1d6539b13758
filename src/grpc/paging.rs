//! `page_size`/`page_token` (AIP-158) translated to Atelio's page numbers. A token is opaque to
//! callers: it carries the next page number, the page size and the filter it was issued for, so
//! a token cannot be replayed against a different filter or page size (which would skip or repeat
//! items).
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};

use crate::atelio_json::PageInfo;
use crate::domain::{Violations, commands::PageRequest};

/// How one Atelio list pages.
#[derive(Clone, Copy, Debug)]
pub struct PageSpec {
    /// Size used when the caller sends 0.
    pub default: u32,
    /// Largest size.
    pub max: u32,
    /// Sizes Atelio accepts, if it restricts them (customers: 1, 2, 5, 10, 20, 50).
    pub allowed: Option<&'static [u32]>,
}

/// Customers: `per_page` ∈ {1,2,5,10,20,50}.
pub const CUSTOMERS: PageSpec = PageSpec {
    default: 20,
    max: 50,
    allowed: Some(&[1, 2, 5, 10, 20, 50]),
};
/// `page_info` lists (owners, addresses) and businesses.
pub const DEFAULT: PageSpec = PageSpec {
    default: 20,
    max: 100,
    allowed: None,
};
/// KYB history (`count`, default 100).
pub const KYB_HISTORY: PageSpec = PageSpec {
    default: 100,
    max: 100,
    allowed: None,
};

/// Validates `page_size` and `page_token` into an Atelio page request.
pub fn page_request(
    size: i32,
    token: &str,
    spec: PageSpec,
    filter: &str,
    v: &mut Violations,
) -> Option<PageRequest> {
    if size < 0 {
        v.add("page_size", "must not be negative");
        return None;
    }
    let size = effective_size(size as u32, spec);
    let page = if token.is_empty() {
        1
    } else {
        v.check("page_token", decode(token, size, filter))?
    };
    Some(PageRequest { page, size })
}

fn effective_size(asked: u32, spec: PageSpec) -> u32 {
    let wanted = if asked == 0 {
        spec.default
    } else {
        asked.min(spec.max)
    };
    match spec.allowed {
        Some(sizes) => sizes
            .iter()
            .copied()
            .filter(|s| *s <= wanted)
            .max()
            .unwrap_or(sizes[0]),
        None => wanted,
    }
}

/// The token of the page after `current`, or "" when there is none. With `page_info` the total
/// page count decides; without it a full page means there may be more, while a page longer than
/// asked for means Atelio ignored the paging and sent everything.
pub fn next_token(
    current: PageRequest,
    returned: usize,
    info: Option<PageInfo>,
    filter: &str,
) -> String {
    let more = match info {
        Some(i) if i.pages > 0 => i64::from(current.page) < i.pages,
        _ => returned > 0 && returned as u64 == u64::from(current.size),
    };
    if more {
        encode(current.page + 1, current.size, filter)
    } else {
        String::new()
    }
}

fn encode(page: u32, size: u32, filter: &str) -> String {
    B64.encode(format!("v2:{page}:{size}:{filter}"))
}

fn decode(token: &str, size: u32, filter: &str) -> Result<u32, String> {
    let bad = || "is not a token returned by this list".to_string();
    let raw = B64.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = text.splitn(4, ':');
    let (Some("v2"), Some(page), Some(issued_size), Some(f)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if f != filter {
        return Err("was issued for a different filter".into());
    }
    if issued_size != size.to_string() {
        return Err("was issued for a different page_size".into());
    }
    page.parse::<u32>().ok().filter(|p| *p >= 1).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_page_sizes_round_down_to_an_allowed_size() {
        assert_eq!(effective_size(7, CUSTOMERS), 5);
        assert_eq!(effective_size(0, CUSTOMERS), 20);
        assert_eq!(effective_size(500, CUSTOMERS), 50);
        assert_eq!(effective_size(1, CUSTOMERS), 1);
    }

    #[test]
    fn a_token_round_trips_and_is_bound_to_its_filter() {
        let t = encode(3, 20, "approved");
        assert_eq!(decode(&t, 20, "approved"), Ok(3));
        assert!(decode(&t, 20, "").is_err());
        assert!(decode("garbage!", 20, "").is_err());
    }

    #[test]
    fn a_token_is_bound_to_its_page_size() {
        let t = encode(2, 20, "");
        let mut v = Violations::new();
        assert!(page_request(5, &t, DEFAULT, "", &mut v).is_none());
        assert_eq!(v.len(), 1, "another page_size would skip or repeat items");
        let mut v = Violations::new();
        let same = page_request(20, &t, DEFAULT, "", &mut v).expect("same size");
        assert_eq!((same.page, same.size), (2, 20));
    }

    #[test]
    fn a_page_longer_than_asked_means_the_paging_was_ignored() {
        let p = PageRequest { page: 1, size: 20 };
        assert!(next_token(p, 25, None, "").is_empty());
    }

    #[test]
    fn next_token_follows_page_info_or_a_full_page() {
        let p = PageRequest { page: 1, size: 2 };
        let info = PageInfo {
            page: 1,
            page_size: 2,
            pages: 2,
        };
        assert!(!next_token(p, 2, Some(info), "").is_empty());
        let last = PageRequest { page: 2, size: 2 };
        assert!(next_token(last, 1, Some(info), "").is_empty());
        assert!(!next_token(p, 2, None, "").is_empty());
        assert!(next_token(p, 1, None, "").is_empty());
    }

    #[test]
    fn negative_page_size_is_a_violation() {
        let mut v = Violations::new();
        assert!(page_request(-1, "", DEFAULT, "", &mut v).is_none());
        assert_eq!(v.len(), 1);
    }
}
