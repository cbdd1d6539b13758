//! Syntax repairs behind `lenient::parse_body` and the error decoder: JSON5 fallback, removal
//! of markdown escapes left in the docs' JSON (§6 item 37) and Python-`repr` dicts (item 36).
//! Nothing here formats input text into errors: json5's messages quote the input.
use serde_json::Value;

/// Parses a response body: strict serde_json first; on failure json5 (tolerates trailing commas
/// and single-quoted strings); on failure, a repair pass that removes markdown escapes left in
/// JSON (`[\` , `",\` line endings, a backslash before a newline) and retries both.
/// Err(String) describes the failure without echoing the body (it may hold PII).
pub fn parse_body(bytes: &[u8]) -> Result<Value, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let strict = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err("body is empty".to_string());
    }
    if let Some(value) = parse_json5(text) {
        return Ok(value);
    }
    let repaired = strip_stray_backslashes(text);
    if repaired != text
        && let Some(value) = parse_text(&repaired)
    {
        return Ok(value);
    }
    Err(format!(
        "body ({} bytes) is not JSON, JSON5 or repairable JSON: {:?} error at line {} column {}",
        bytes.len(),
        strict.classify(),
        strict.line(),
        strict.column()
    ))
}

/// Parses a Python `repr` of a dict/list (`{'last_name': ['Missing data…'], 'x': None}`):
/// `None`/`True`/`False` become JSON literals and bare integer keys (`{0: …}`) are quoted.
pub(crate) fn parse_python_repr(text: &str) -> Option<Value> {
    let mut out = String::with_capacity(text.len() + 8);
    for (is_string, part) in segments(text) {
        if is_string {
            out.push_str(part);
        } else {
            convert_python_words(part, &mut out);
        }
    }
    parse_text(&out)
}

fn parse_text(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| parse_json5(text))
}

/// json5's own error text quotes the input, so it is dropped here.
fn parse_json5(text: &str) -> Option<Value> {
    json5::from_str::<Value>(text).ok()
}

/// Drops backslashes outside string literals (never valid there): the markdown escapes `[\`,
/// `{\`, `",\` left at line ends by the docs' first version.
fn strip_stray_backslashes(text: &str) -> String {
    segments(text)
        .into_iter()
        .flat_map(|(is_string, part)| part.chars().filter(move |c| is_string || *c != '\\'))
        .collect()
}

/// Splits text into (is_string_literal, slice) runs. Both quote kinds open a literal; a raw
/// newline ends an unterminated one so that a stray quote cannot swallow the rest.
fn segments(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let (mut start, mut quote, mut escaped) = (0, None::<char>, false);
    for (i, c) in text.char_indices() {
        match quote {
            None if c == '"' || c == '\'' => {
                out.push((false, &text[start..i]));
                (start, quote) = (i, Some(c));
            }
            None => {}
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q || c == '\n' => {
                let end = i + c.len_utf8();
                out.push((c == q, &text[start..end]));
                (start, quote) = (end, None);
            }
            Some(_) => {}
        }
    }
    out.push((quote.is_some(), &text[start..]));
    out
}

fn convert_python_words(run: &str, out: &mut String) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = run;
    while let Some(c) = rest.chars().next() {
        if !is_word(c) {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        let is_key = tail.trim_start().starts_with(':');
        match word {
            "None" => out.push_str("null"),
            "True" => out.push_str("true"),
            "False" => out.push_str("false"),
            w if is_key && w.bytes().all(|b| b.is_ascii_digit()) => {
                out.push('"');
                out.push_str(w);
                out.push('"');
            }
            w => out.push_str(w),
        }
        rest = tail;
    }
}

#[cfg(test)]
mod tests;
