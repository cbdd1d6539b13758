//! Redacted `Debug` for PII newtypes.
//!
//! `redacted_debug!(Ssn)` makes `format!("{:?}", ssn)` print `Ssn(<redacted>)`, so a
//! stray `tracing::debug!(?request)` cannot leak personal data.

/// Implements `Debug` printing only `TypeName(<redacted>)` for each listed type.
macro_rules! redacted_debug {
    ($($ty:ident),+ $(,)?) => {
        $(
            impl ::std::fmt::Debug for $ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(concat!(stringify!($ty), "(<redacted>)"))
                }
            }
        )+
    };
}

pub(crate) use redacted_debug;

#[cfg(test)]
mod tests {
    #[allow(dead_code)]
    struct Secret(String);
    redacted_debug!(Secret);

    #[test]
    fn debug_prints_type_name_and_redaction_only() {
        let s = Secret("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }
}
