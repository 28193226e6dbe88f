//! The dependency policy: every crate is under a permissive licence, and no crate is built in
//! two versions (one version per dependency, pinned in `[workspace.dependencies]`).

#![allow(clippy::unwrap_used)]

use std::process::Command;

const ALLOWED: &[&str] = &[
    "Apache-2.0",
    "MIT",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Unlicense",
    "Unicode-3.0",
    "Zlib",
];

/// Evaluates an SPDX expression (`A OR B`, `(A OR B) AND C`, the old `A/B`): true when some
/// choice of licences uses only allowed ones.
fn acceptable(expr: &str) -> bool {
    let spaced = expr
        .replace('/', " OR ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let ok = or_expr(&tokens, &mut pos);
    ok && pos == tokens.len()
}

fn or_expr(t: &[&str], pos: &mut usize) -> bool {
    let mut v = and_expr(t, pos);
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        v |= and_expr(t, pos);
    }
    v
}

fn and_expr(t: &[&str], pos: &mut usize) -> bool {
    let mut v = atom(t, pos);
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        v &= atom(t, pos);
    }
    v
}

fn atom(t: &[&str], pos: &mut usize) -> bool {
    let Some(tok) = t.get(*pos) else { return false };
    *pos += 1;
    if *tok == "(" {
        let v = or_expr(t, pos);
        *pos += 1; // ")"
        return v;
    }
    // `X WITH exception` grants at least what X grants.
    if t.get(*pos) == Some(&"WITH") {
        *pos += 2;
    }
    ALLOWED.contains(tok)
}

fn cargo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap()
}

#[test]
fn spdx_expressions() {
    assert!(acceptable("MIT OR Apache-2.0"));
    assert!(acceptable("MIT/Apache-2.0"));
    assert!(acceptable("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(acceptable("MIT OR Apache-2.0 OR LGPL-2.1-or-later"));
    assert!(!acceptable("GPL-3.0"));
    assert!(!acceptable("MIT AND GPL-3.0"));
    assert!(acceptable("Apache-2.0 WITH LLVM-exception OR MIT"));
    assert!(!acceptable("GPL-2.0 WITH Classpath-exception-2.0"));
    assert!(!acceptable(""));
}

#[test]
fn every_dependency_is_permissively_licensed() {
    let out = cargo(&["metadata", "--format-version", "1", "--locked"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bad: Vec<String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["source"].is_string())
        .filter(|p| !acceptable(p["license"].as_str().unwrap_or("")))
        .map(|p| format!("{} {}: {}", p["name"], p["version"], p["license"]))
        .collect();
    assert!(bad.is_empty(), "not permissively licensed: {bad:#?}");
}

#[test]
fn no_dependency_is_built_in_two_versions() {
    let out = cargo(&[
        "tree",
        "--workspace",
        "--locked",
        "-d",
        "-e",
        "normal,build",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dups = String::from_utf8_lossy(&out.stdout);
    assert!(
        dups.trim().is_empty(),
        "crates in several versions:\n{dups}"
    );
}
