//! The matching rules of lost-outcome recovery: which listed resource is the one an earlier
//! attempt created from this request. A field the request leaves empty is not compared; text is
//! compared trimmed and case-insensitively; SSN and EIN by their last four digits (Atelio masks
//! them); phones by their digits. Deleted resources never match. Per resource:
//! - customer: `dob`, `first_name`, `last_name`, and when given `middle_name`, `email`, `phone`,
//!   `brand_person_id`, the SSN's last four;
//! - business: `legal_business_name`, the EIN's last four, and when given `dba_business_name`,
//!   `email`, `phone`, `website`;
//! - beneficial owner: `dob`, `first_name`, `last_name`, and when given `middle_name`;
//! - address: `street`, `city`, `state`, `zip_code`, `country`, `address_type`, and when given
//!   `street2`.
//!
//! Two requests with different `request_id`s and equal fields are indistinguishable here; the
//! search then answers the earliest one created since the first attempt (`scan`).
use crate::proto::v1 as pb;

fn text(want: &str, got: &str) -> bool {
    want.trim().is_empty() || want.trim().eq_ignore_ascii_case(got.trim())
}

fn digits(v: &str) -> String {
    v.chars().filter(char::is_ascii_digit).collect()
}

/// The last four digits agree (a masked value keeps them), or the request has none.
fn last_four(want: &str, got: &str) -> bool {
    let (w, g) = (digits(want), digits(got));
    w.is_empty() || (g.len() >= 4 && w.len() >= 4 && w[w.len() - 4..] == g[g.len() - 4..])
}

/// The digits agree, one possibly carrying a country prefix the other lacks.
fn phone(want: &str, got: &str) -> bool {
    let (w, g) = (digits(want), digits(got));
    w.is_empty() || (!g.is_empty() && (g.ends_with(&w) || w.ends_with(&g)))
}

/// The customer `want` describes.
pub fn customer(want: &pb::Customer, got: &pb::Customer) -> bool {
    !got.customer_id.is_empty()
        && text(&want.dob, &got.dob)
        && text(&want.first_name, &got.first_name)
        && text(&want.last_name, &got.last_name)
        && text(&want.middle_name, &got.middle_name)
        && text(&want.email, &got.email)
        && phone(&want.phone, &got.phone)
        && text(&want.brand_person_id, &got.brand_person_id)
        && last_four(&want.ssn, &got.ssn)
}

/// The business `want` describes.
pub fn business(want: &pb::Business, got: &pb::Business) -> bool {
    !got.business_id.is_empty()
        && text(&want.legal_business_name, &got.legal_business_name)
        && last_four(&want.ein, &got.ein)
        && text(&want.dba_business_name, &got.dba_business_name)
        && text(&want.email, &got.email)
        && phone(&want.phone, &got.phone)
        && text(&want.website, &got.website)
}

/// The beneficial owner `want` describes.
pub fn owner(want: &pb::BeneficialOwner, got: &pb::BeneficialOwner) -> bool {
    !got.beneficial_owner_id.is_empty()
        && got.delete_time.is_none()
        && text(&want.dob, &got.dob)
        && text(&want.first_name, &got.first_name)
        && text(&want.last_name, &got.last_name)
        && text(&want.middle_name, &got.middle_name)
}

/// The address `want` describes.
pub fn address(want: &pb::Address, got: &pb::Address) -> bool {
    got.delete_time.is_none()
        && text(&want.street, &got.street)
        && text(&want.street2, &got.street2)
        && text(&want.city, &got.city)
        && text(&want.state, &got.state)
        && text(&want.zip_code, &got.zip_code)
        && text(&want.country, &got.country)
        && (want.address_type == 0 || want.address_type == got.address_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> pb::Customer {
        pb::Customer {
            customer_id: "c-1".into(),
            dob: "1990-01-02".into(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            ssn: "XXX-XX-6789".into(),
            email: "ada@example.com".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_customer_matches_its_request_through_masking_and_case() {
        let want = pb::Customer {
            customer_id: String::new(),
            first_name: "ada ".into(),
            ssn: "123-45-6789".into(),
            email: "ADA@example.com".into(),
            ..person()
        };
        assert!(customer(&want, &person()));
    }

    #[test]
    fn any_differing_field_or_ssn_rejects_the_candidate() {
        let want = pb::Customer {
            ssn: "123-45-0000".into(),
            ..person()
        };
        assert!(!customer(&want, &person()));
        let want = pb::Customer {
            last_name: "Byron".into(),
            ..person()
        };
        assert!(!customer(&want, &person()));
        assert!(
            !customer(&person(), &pb::Customer::default()),
            "no id, no match"
        );
    }

    #[test]
    fn a_deleted_address_never_matches() {
        let a = pb::Address {
            street: "1 Main St".into(),
            city: "Town".into(),
            ..Default::default()
        };
        assert!(address(&a, &a));
        let gone = pb::Address {
            delete_time: Some(prost_types::Timestamp::default()),
            ..a.clone()
        };
        assert!(!address(&a, &gone));
    }
}
