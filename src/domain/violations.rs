//! Field-violation collector.
//!
//! A conversion creates one [`Violations`], runs every field parser through it so that
//! *all* problems are reported at once, and ends with [`Violations::finish`]. The
//! gRPC layer maps the result to `google.rpc.BadRequest` field violations.
//! Descriptions never echo the offending value (it may be PII).

use std::fmt;

/// One invalid field: a dotted path (e.g. `customer.addresses[0].street`) and a
/// description that does not contain the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}

/// Ordered list of field violations collected during one conversion.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations(Vec<FieldViolation>);

/// Joins a prefix and a field name: `("customer", "dob")` → `customer.dob`; an empty
/// prefix yields the field alone.
pub fn field_path(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{field}"),
    }
}

/// Path of a list item: `("customer.addresses", 0)` → `customer.addresses[0]`.
pub fn index_path(prefix: &str, index: usize) -> String {
    format!("{prefix}[{index}]")
}

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Runs a parser; on Err(desc) records (field, desc) and returns None.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(description) => {
                self.add(field, description);
                None
            }
        }
    }

    /// For required string fields: empty (or only whitespace) -> records "is required"
    /// and returns None; else runs parse.
    pub fn required<T>(
        &mut self,
        field: &str,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if raw.trim().is_empty() {
            self.add(field, "is required");
            return None;
        }
        self.check(field, parse(raw))
    }

    /// For optional string fields: empty -> Some(None) (absent); else parse ->
    /// Some(Some(v)) or records and returns None.
    pub fn optional<T>(
        &mut self,
        field: &str,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        if raw.is_empty() {
            return Some(None);
        }
        self.check(field, parse(raw)).map(Some)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn into_vec(self) -> Vec<FieldViolation> {
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldViolation> {
        self.0.iter()
    }

    /// Moves every violation of `other` into `self`, keeping order.
    pub fn merge(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    /// Ok(value) when no violations were recorded, else Err(self).
    pub fn finish<T>(self, value: T) -> Result<T, Violations> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl IntoIterator for Violations {
    type Item = FieldViolation;
    type IntoIter = std::vec::IntoIter<FieldViolation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(raw: &str) -> Result<u32, String> {
        raw.parse::<u32>().map_err(|_| "must be digits".to_owned())
    }

    #[test]
    fn check_returns_value_and_records_nothing_on_success() {
        let mut v = Violations::new();
        assert_eq!(v.check("n", digits("42")), Some(42));
        assert!(v.is_empty());
    }

    #[test]
    fn check_records_field_and_description_on_error() {
        let mut v = Violations::new();
        assert_eq!(v.check("n", digits("x")), None);
        let expected = FieldViolation {
            field: "n".into(),
            description: "must be digits".into(),
        };
        assert_eq!(v.into_vec(), vec![expected]);
    }

    #[test]
    fn required_reports_is_required_for_empty_and_blank_input() {
        let mut v = Violations::new();
        assert_eq!(v.required("a", "", digits), None);
        assert_eq!(v.required("b", "  ", digits), None);
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|x| x.description == "is required"));
    }

    #[test]
    fn required_runs_parser_for_present_input() {
        let mut v = Violations::new();
        assert_eq!(v.required("a", "7", digits), Some(7));
        assert_eq!(v.required("b", "z", digits), None);
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn optional_treats_empty_as_absent() {
        let mut v = Violations::new();
        assert_eq!(v.optional("a", "", digits), Some(None));
        assert!(v.is_empty());
    }

    #[test]
    fn optional_parses_present_input_and_records_failures() {
        let mut v = Violations::new();
        assert_eq!(v.optional("a", "5", digits), Some(Some(5)));
        assert_eq!(v.optional("b", "q", digits), None);
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn finish_is_ok_without_violations_and_err_with_them() {
        assert_eq!(Violations::new().finish(1), Ok(1));
        let mut v = Violations::new();
        v.add("f", "is required");
        assert_eq!(v.clone().finish(1), Err(v));
    }

    #[test]
    fn field_path_joins_prefix_and_field() {
        assert_eq!(field_path("customer", "dob"), "customer.dob");
        assert_eq!(field_path("", "dob"), "dob");
        assert_eq!(index_path("customer.addresses", 2), "customer.addresses[2]");
    }

    #[test]
    fn display_lists_every_violation_in_order() {
        let mut v = Violations::new();
        v.add("a", "is required");
        let mut other = Violations::new();
        other.add("b", "must be digits");
        v.merge(other);
        assert_eq!(v.to_string(), "a: is required; b: must be digits");
    }
}
