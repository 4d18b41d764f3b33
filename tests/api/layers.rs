//! Imports point down: nothing below the HTTP layer names `crate::api` or `crate::app`
//! (see `docs/architecture.md`). A grep, not the compiler, but it catches the cycle early.

use std::path::{Path, PathBuf};

/// Top-level modules allowed to name the HTTP layer: the layer itself (MCP included: the
/// second wire protocol, `api/mcp/`, returns the REST bodies) and what assembles them.
const ABOVE_OR_AT_API: [&str; 5] = ["api", "app.rs", "main.rs", "lib.rs", "cli"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn names_the_http_layer(line: &str) -> bool {
    ["crate::api", "crate::app"].iter().any(|m| {
        line.match_indices(m).any(|(i, _)| {
            let next = line[i + m.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

#[test]
fn modules_below_api_never_import_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    rust_files(&src, &mut files);
    let mut offenders = vec![];
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        if ABOVE_OR_AT_API.contains(&top.as_ref()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if names_the_http_layer(line) {
                offenders.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "upward imports:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    assert!(names_the_http_layer("use crate::api::error::ApiError;"));
    assert!(names_the_http_layer("use crate::app;"));
    assert!(!names_the_http_layer("use crate::api_keys;"));
    assert!(!names_the_http_layer("use crate::state::AppState;"));
}
