//! Country and US state code tables.
//!
//! Both tables are sorted so that lookups are a binary search. Codes are matched in
//! upper case only, as the upstream expects them.

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted.
pub const ISO_3166_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// US state codes accepted for a US address: the 50 states, DC, the territories
/// (AS, GU, MP, PR, VI, UM) and the military codes (AA, AE, AP), sorted.
pub const US_STATE_CODES: [&str; 60] = [
    "AA", "AE", "AK", "AL", "AP", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU",
    "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MP", "MS",
    "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC",
    "SD", "TN", "TX", "UM", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
];

/// True for an assigned ISO 3166-1 alpha-2 code in upper case (e.g. `US`, `DE`).
pub fn is_iso_country_code(code: &str) -> bool {
    ISO_3166_ALPHA2.binary_search(&code).is_ok()
}

/// Parses an ISO 3166-1 alpha-2 country code (upper case), e.g. for a document's issuing country.
pub fn country_code(raw: &str) -> Result<String, String> {
    if is_iso_country_code(raw) {
        Ok(raw.to_string())
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code in upper case".into())
    }
}

/// True for a US state, territory or military code in upper case (e.g. `CA`, `PR`).
pub fn is_us_state_code(code: &str) -> bool {
    US_STATE_CODES.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strictly_sorted(codes: &[&str]) -> bool {
        codes.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn tables_are_strictly_sorted_two_letter_upper_case_codes() {
        for table in [&ISO_3166_ALPHA2[..], &US_STATE_CODES[..]] {
            assert!(strictly_sorted(table));
            assert!(
                table
                    .iter()
                    .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            );
        }
    }

    #[test]
    fn country_lookup_accepts_assigned_codes() {
        for code in ["AD", "DE", "GB", "SS", "US", "ZA", "ZW"] {
            assert!(is_iso_country_code(code), "{code}");
        }
    }

    #[test]
    fn country_lookup_rejects_unassigned_reserved_and_lower_case_codes() {
        for code in ["UK", "EU", "XK", "AN", "us", "Us", "USA", ""] {
            assert!(!is_iso_country_code(code), "{code}");
        }
    }

    #[test]
    fn us_state_lookup_accepts_states_dc_territories_and_military() {
        for code in ["AK", "CA", "WY", "DC", "PR", "UM", "AA", "AE", "AP"] {
            assert!(is_us_state_code(code), "{code}");
        }
        assert_eq!(US_STATE_CODES.len(), 60);
    }

    #[test]
    fn us_state_lookup_rejects_unknown_and_lower_case_codes() {
        for code in ["XX", "ca", "Ca", "CAL", "", "FM"] {
            assert!(!is_us_state_code(code), "{code}");
        }
    }
}
