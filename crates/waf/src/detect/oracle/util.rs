//! Small helpers shared by the family detectors.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::Detection;

/// The most evidence bytes quoted in a [`Detection`].
const MAX_EVIDENCE: usize = 64;

/// An ASCII case-insensitive automaton over `patterns`, leftmost-longest.
///
/// The pattern lists are compile-time constants; a failure to build one is a bug that every
/// test run would show, so it degrades to an automaton that never matches rather than panic.
pub(crate) fn automaton(patterns: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        // a DFA: one table lookup per byte, whatever the number of patterns
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .unwrap_or_else(|_| never())
}

/// A case-sensitive, overlapping-capable automaton (standard semantics).
pub(crate) fn automaton_exact(patterns: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .unwrap_or_else(|_| never())
}

fn never() -> AhoCorasick {
    let empty: [&str; 0] = [];
    AhoCorasick::new(empty).unwrap_or_else(|_| never_fallback())
}

#[allow(clippy::unwrap_used)]
fn never_fallback() -> AhoCorasick {
    // An empty pattern list always builds.
    AhoCorasick::new(["\u{0}never\u{0}"]).unwrap()
}

/// A detection quoting `evidence` (lossy UTF-8, truncated).
pub(crate) fn found(reason: &'static str, evidence: &[u8]) -> Detection {
    let cut = &evidence[..evidence.len().min(MAX_EVIDENCE)];
    Detection {
        reason,
        matched: vec![String::from_utf8_lossy(cut).into_owned()],
    }
}

/// `[A-Za-z0-9_]`.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The byte at `i`, or 0 past the end (0 is never a meaningful byte for the checks here).
pub(crate) fn at(input: &[u8], i: usize) -> u8 {
    input.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or 0 at the start.
pub(crate) fn before(input: &[u8], i: usize) -> u8 {
    if i == 0 { 0 } else { input[i - 1] }
}

/// Skips ASCII whitespace from `i`.
pub(crate) fn skip_ws(input: &[u8], mut i: usize) -> usize {
    while i < input.len() && matches!(input[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    i
}

/// The value of one hex digit.
pub(crate) fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%HH` at `i`, following `%25` chains (`%252e` → `.`): the byte and its length.
pub(crate) fn pct_at(input: &[u8], i: usize) -> Option<(u8, usize)> {
    if at(input, i) != b'%' {
        return None;
    }
    let h = hex(at(input, i + 1))?;
    let l = hex(at(input, i + 2))?;
    let mut byte = h << 4 | l;
    let mut j = i + 3;
    // `%25` then `25`… then `HH`: each `25` is one more level of encoding
    while byte == b'%' {
        match (hex(at(input, j)), hex(at(input, j + 1))) {
            (Some(h), Some(l)) => {
                byte = h << 4 | l;
                j += 2;
            }
            _ => break,
        }
    }
    Some((byte, j - i))
}
