//! The layering rules of `src/`, checked on the source itself (the crate docs in `src/lib.rs`):
//! the layers under the gRPC edge import nothing from `grpc`, `app` or `cmd`; the webhook side
//! imports nothing from the outbound client; no two sibling files import each other; module
//! path = file path (no `#[path]`); `main.rs` stays parse-and-dispatch.
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// Layers below the gRPC edge, and what each must never import.
const RULES: &[(&str, &[&str])] = &[
    ("idempotency", &["grpc", "app", "cmd", "webhook", "events"]),
    ("auth", &["grpc", "app", "cmd"]),
    (
        "admission",
        &["grpc", "app", "cmd", "upstream", "webhook", "events"],
    ),
    ("events", &["grpc", "app", "cmd", "webhook"]),
    (
        "upstream",
        &["grpc", "app", "cmd", "webhook", "events", "idempotency"],
    ),
    ("webhook", &["grpc", "app", "cmd", "upstream"]),
    ("mirror", &["grpc", "app", "cmd", "webhook"]),
    ("subscription", &["grpc", "app", "cmd", "mirror", "events"]),
    ("storage", &["grpc", "app", "cmd", "idempotency", "events"]),
    ("domain", &["grpc", "app", "cmd", "upstream", "storage"]),
    ("config", &["grpc", "app", "cmd"]),
    (
        "atelio_json",
        &["grpc", "app", "cmd", "upstream", "webhook"],
    ),
    ("clock", &["grpc", "app", "cmd"]),
    (
        "reload",
        &[
            "grpc", "app", "cmd", "auth", "webhook", "upstream", "events",
        ],
    ),
    ("metrics", &["grpc", "app", "cmd"]),
    ("status_info", &["grpc", "app", "cmd"]),
    ("sandbox", &["grpc", "app", "cmd"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `grpc/status/mod.rs` → `["grpc", "status"]`; `lib.rs` → `[]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into()).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The source without comments (so docs may name any module).
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path a file names: `use` trees expanded, plus inline `crate::`/`super::` paths.
fn imports(file: &Path) -> BTreeSet<Vec<String>> {
    let here = module_of(file);
    let text = code(file);
    let mut out = BTreeSet::new();
    let mut paths = Vec::new();
    for stmt in text.split(';') {
        if let Some(i) = stmt.find("use ") {
            let tree = stmt[i + 4..].split(" as ").next().unwrap_or("");
            let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
            let tree_chars = |c: char| c.is_alphanumeric() || "_:{},*".contains(c);
            if (tree.starts_with("crate::") || tree.starts_with("super::"))
                && tree.chars().all(tree_chars)
            {
                expand("", &tree, &mut paths);
            }
        }
    }
    for (i, _) in text.match_indices("crate::") {
        paths.push(path_at(&text[i..]));
    }
    for (i, _) in text.match_indices("super::") {
        let before = &text[..i];
        if !before.ends_with("::") {
            paths.push(path_at(&text[i..]));
        }
    }
    for p in paths {
        let mut segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Vec<String> = match segs.first() {
            Some(&"crate") => Vec::new(),
            Some(&"super") => here[..here.len().saturating_sub(1)].to_vec(),
            _ => continue,
        };
        segs.remove(0);
        while segs.first() == Some(&"super") {
            base.pop();
            segs.remove(0);
        }
        base.extend(segs.iter().map(|s| s.to_string()));
        out.insert(base);
    }
    out
}

fn path_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect()
}

/// Expands a `use` tree (`a::{b, c::{d}}`) into full paths.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let Some(open) = tree.find('{') else {
        out.push(format!("{prefix}{tree}"));
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&head, &inner[start..i], out);
                start = i + 1;
            }
            _ => {}
        }
    }
    expand(&head, &inner[start..], out);
}

/// The module files, by module path.
fn files() -> BTreeMap<Vec<String>, PathBuf> {
    let mut all = Vec::new();
    rust_files(&src(), &mut all);
    all.into_iter().map(|f| (module_of(&f), f)).collect()
}

/// The deepest module file a path lands in.
fn owner(path: &[String], files: &BTreeMap<Vec<String>, PathBuf>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| files.contains_key(p))
}

#[test]
fn no_layer_imports_from_a_layer_above_it() {
    let mut broken = Vec::new();
    for (module, file) in files() {
        let Some(top) = module.first() else { continue };
        let Some((_, banned)) = RULES.iter().find(|(layer, _)| layer == top) else {
            continue;
        };
        for import in imports(&file) {
            if let Some(first) = import.first().filter(|f| banned.contains(&f.as_str())) {
                broken.push(format!("{} imports {first}::", module.join("::")));
            }
        }
    }
    broken.dedup();
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn no_two_sibling_files_import_each_other() {
    let files = files();
    let edges: BTreeSet<(Vec<String>, Vec<String>)> = files
        .iter()
        .flat_map(|(m, f)| {
            imports(f)
                .into_iter()
                .filter_map(|i| owner(&i, &files))
                .filter(|o| o != m && !o.is_empty())
                .map(|o| (m.clone(), o))
                .collect::<Vec<_>>()
        })
        .collect();
    let nested = |a: &[String], b: &[String]| a.starts_with(b) || b.starts_with(a);
    let circles: Vec<String> = edges
        .iter()
        .filter(|(a, b)| a < b && !nested(a, b) && edges.contains(&(b.clone(), a.clone())))
        .map(|(a, b)| format!("{} <-> {}", a.join("::"), b.join("::")))
        .collect();
    assert!(
        circles.is_empty(),
        "files importing each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn module_paths_are_file_paths() {
    let mut all = Vec::new();
    rust_files(&src(), &mut all);
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut all,
    );
    let with_path: Vec<_> = all
        .iter()
        .filter(|f| {
            code(f)
                .lines()
                .any(|l| l.trim_start().starts_with("#[path"))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(with_path.is_empty(), "#[path] modules: {with_path:?}");
}

#[test]
fn main_is_parse_and_dispatch() {
    let lines = std::fs::read_to_string(src().join("main.rs"))
        .unwrap()
        .lines()
        .count();
    assert!(lines <= 40, "src/main.rs has {lines} lines (at most 40)");
}

#[test]
fn the_readme_starts_with_run_first_call_and_test() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
    let first: Vec<String> = readme.unwrap().lines().take(60).map(String::from).collect();
    let first = first.join("\n");
    for command in ["serve --sandbox", "grpcurl", "scripts/test"] {
        assert!(
            first.contains(command),
            "README's first 60 lines lack `{command}`"
        );
    }
}
