//! `config.default.toml` (the repository root) is the documented reference of every key: it
//! must load to exactly the built-in defaults and name every key of the tree.
use std::path::Path;

use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};

use super::Config;

fn reference() -> (String, Config) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.default.toml");
    let text = std::fs::read_to_string(&path).expect("config.default.toml");
    let cfg = Figment::from(Serialized::defaults(serde_json::json!({})))
        .merge(Toml::string(&text))
        .extract()
        .expect("config.default.toml loads");
    (text, cfg)
}

#[test]
fn the_reference_file_is_the_built_in_defaults() {
    let (_, from_file) = reference();
    assert_eq!(
        format!("{from_file:#?}"),
        format!("{:#?}", Config::default())
    );
}

#[test]
fn the_reference_file_names_every_key() {
    let (text, _) = reference();
    let keys: Vec<String> = text
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
        .collect();
    let defaults = format!("{:#?}", Config::default());
    let missing: Vec<&str> = defaults
        .lines()
        .filter_map(|l| l.trim_start().split_once(": ").map(|(k, _)| k))
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .filter(|k| !keys.iter().any(|key| key == k) && !is_section(&text, k))
        .collect();
    assert!(
        missing.is_empty(),
        "keys not in config.default.toml: {missing:?}"
    );
}

fn is_section(text: &str, name: &str) -> bool {
    text.lines().any(|l| {
        let l = l.strip_prefix("# ").unwrap_or(l);
        l.starts_with('[') && l.trim_matches(|c| c == '[' || c == ']').ends_with(name)
    })
}
