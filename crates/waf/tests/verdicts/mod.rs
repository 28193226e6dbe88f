//! The recorded verdicts of the family detectors (`tests/data/detector-verdicts.tsv`): the file
//! format and the extraction of string literals from the detectors' sources, shared by the test
//! that checks the verdicts (`tests/detector_verdicts.rs`) and the example that writes them
//! (`examples/record_verdicts.rs`).
//!
//! One input per line: the input, escaped, a tab, then the detectors that fire on it as
//! `NAME=reason` separated by spaces (in `Detector::ALL` order), or `-` when none does. Lines
//! that start with `#` are comments and blank lines are ignored. Escapes: `\\`, `\t`, `\n`,
//! `\r` and `\xHH`, used for every byte that is not printable (controls, invisible or
//! non-UTF-8 bytes), for a leading `#` and for trailing spaces.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt::Write as _;

use waf::detect::Detector;

/// Where the recorded verdicts live, from the crate's root.
pub(crate) const PATH: &str = "tests/data/detector-verdicts.tsv";

/// Longest recorded input, in bytes: longer lines in the file are refused.
pub(crate) const MAX_INPUT: usize = 4096;

/// What the detectors answer on one input: `(detector, reason)` for each one that fires.
pub(crate) type Verdicts = Vec<(Detector, String)>;

/// One data line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// The 1-based line number in the file.
    pub(crate) line: usize,
    /// The input, unescaped.
    pub(crate) input: Vec<u8>,
    /// The recorded verdicts.
    pub(crate) verdicts: Verdicts,
}

/// What the current detectors answer on `input`.
pub(crate) fn verdicts_of(input: &[u8]) -> Verdicts {
    Detector::ALL
        .into_iter()
        .filter_map(|d| d.detect(input).map(|found| (d, found.reason.to_string())))
        .collect()
}

/// The reason `d` gives in `v`, if it fires.
pub(crate) fn reason_of(v: &Verdicts, d: Detector) -> Option<&str> {
    v.iter().find(|(x, _)| *x == d).map(|(_, r)| r.as_str())
}

/// Whether the valid UTF-8 character `c` can be written as itself.
fn printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c,
            '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{e000}'..='\u{f8ff}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{ffff}'
            | '\u{e0000}'..))
}

/// `input` as one field of the file (see the module doc).
pub(crate) fn escape(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len());
    let trailing = input.len() - input.iter().rev().take_while(|&&b| b == b' ').count();
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'#' if i == 0 => out.push_str("\\x23"),
            b' ' if i >= trailing => out.push_str("\\x20"),
            _ => {
                let len = match b {
                    0xc2..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf4 => 4,
                    _ => 1,
                };
                let c = input
                    .get(i..i + len)
                    .and_then(|s| std::str::from_utf8(s).ok())
                    .and_then(|s| s.chars().next())
                    .filter(|&c| printable(c));
                match c {
                    Some(c) => {
                        out.push(c);
                        i += len;
                        continue;
                    }
                    None => {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
            }
        }
        i += 1;
    }
    out
}

/// The bytes of one escaped field.
pub(crate) fn unescape(field: &str) -> Result<Vec<u8>, String> {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'\\') => out.push(b'\\'),
            Some(b't') => out.push(b'\t'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b'x') => {
                let hex = field
                    .get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad \\x escape at byte {i}"))?;
                out.push(hex);
                i += 4;
                continue;
            }
            _ => return Err(format!("bad escape at byte {i}")),
        }
        i += 2;
    }
    Ok(out)
}

/// The verdicts column for `v`.
pub(crate) fn format_verdicts(v: &Verdicts) -> String {
    if v.is_empty() {
        return "-".to_string();
    }
    let parts: Vec<String> = v
        .iter()
        .map(|(d, reason)| format!("{}={reason}", d.name()))
        .collect();
    parts.join(" ")
}

/// One data line (without the newline).
pub(crate) fn format_line(input: &[u8], v: &Verdicts) -> String {
    format!("{}\t{}", escape(input), format_verdicts(v))
}

fn parse_verdicts(column: &str) -> Result<Verdicts, String> {
    if column == "-" {
        return Ok(Vec::new());
    }
    let mut v: Verdicts = Vec::new();
    for part in column.split(' ') {
        let (name, reason) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}`: expected NAME=reason"))?;
        let d = Detector::from_name(name).ok_or_else(|| format!("unknown detector `{name}`"))?;
        if reason.is_empty() {
            return Err(format!("`{part}`: empty reason"));
        }
        if reason_of(&v, d).is_some() {
            return Err(format!("{name} given twice"));
        }
        v.push((d, reason.to_string()));
    }
    // the same order as `verdicts_of`, so that records compare equal
    v.sort_by_key(|(d, _)| Detector::ALL.iter().position(|x| x == d));
    Ok(v)
}

/// Whether `line` of the file holds data (neither a comment nor blank).
pub(crate) fn is_data(line: &str) -> bool {
    !(line.is_empty() || line.starts_with('#'))
}

/// One data line of the file; `n` is its line number.
pub(crate) fn parse_line(n: usize, line: &str) -> Result<Record, String> {
    let (input, column) = line
        .split_once('\t')
        .ok_or_else(|| format!("line {n}: expected INPUT<TAB>VERDICTS"))?;
    let input = unescape(input).map_err(|e| format!("line {n}: {e}"))?;
    if input.len() > MAX_INPUT {
        return Err(format!("line {n}: input longer than {MAX_INPUT} bytes"));
    }
    let verdicts = parse_verdicts(column).map_err(|e| format!("line {n}: {e}"))?;
    Ok(Record {
        line: n,
        input,
        verdicts,
    })
}

/// Every data line of `text`, or the first malformed or repeated one.
pub(crate) fn parse(text: &str) -> Result<Vec<Record>, String> {
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !is_data(line) {
            continue;
        }
        let r = parse_line(i + 1, line)?;
        if let Some(first) = seen.insert(r.input.clone(), r.line) {
            return Err(format!("line {}: same input as line {first}", r.line));
        }
        out.push(r);
    }
    Ok(out)
}

/// The string and byte-string literals of Rust source `src` (escapes decoded; raw strings and
/// character literals are skipped).
pub(crate) fn literals(src: &str) -> BTreeSet<Vec<u8>> {
    let b = src.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i += b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .unwrap_or(b.len() - i);
            continue;
        }
        // character literals `'x'`, `'\''`, `b'"'`; a lone `'` is a lifetime
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\\') {
                if let Some(p) = b[i + 2..].iter().position(|&c| c == b'\'') {
                    i += p + 3;
                    continue;
                }
            } else if b.get(i + 2) == Some(&b'\'') {
                i += 3;
                continue;
            }
            i += 1;
            continue;
        }
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let mut s = Vec::new();
        let mut j = i + 1;
        while j < b.len() && b[j] != b'"' {
            if b[j] != b'\\' {
                s.push(b[j]);
                j += 1;
                continue;
            }
            j += 1;
            match b.get(j).copied().unwrap_or(b'\\') {
                b'n' => s.push(b'\n'),
                b'r' => s.push(b'\r'),
                b't' => s.push(b'\t'),
                b'0' => s.push(0),
                b'x' => {
                    let h = src.get(j + 1..j + 3).unwrap_or("00");
                    s.push(u8::from_str_radix(h, 16).unwrap_or(0));
                    j += 2;
                }
                b'u' => {
                    let close = b[j..].iter().position(|&c| c == b'}').unwrap_or(0);
                    let h = src.get(j + 2..j + close).unwrap_or("0");
                    let c = u32::from_str_radix(h, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('?');
                    s.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes());
                    j += close;
                }
                b'\n' => {
                    // a continued line: skip the next line's indentation
                    while j + 1 < b.len() && b[j + 1].is_ascii_whitespace() {
                        j += 1;
                    }
                }
                c => s.push(c),
            }
            j += 1;
        }
        out.insert(s);
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let cases: [&[u8]; 12] = [
            b"",
            b"plain ../etc/passwd",
            b"#not a comment",
            b"tab\there\r\nand\\back",
            b"trailing  ",
            b" leading",
            b"\x00\x1f\x7f\xff\xc0\xae",
            "caf\u{e9} \u{200b}\u{feff}".as_bytes(),
            b"%c0%ae\\x41",
            "\u{ff0e}\u{ff0f}".as_bytes(),
            b"\xe2\x80",
            b"a # b",
        ];
        for c in cases {
            let e = escape(c);
            assert!(!e.contains(['\t', '\n', '\r']), "{e}");
            assert!(!e.ends_with(' ') && !e.starts_with('#'), "{e}");
            assert_eq!(unescape(&e).as_deref(), Ok(c), "{e}");
        }
        assert_eq!(
            escape("caf\u{e9}\u{200b}".as_bytes()),
            "caf\u{e9}\\xe2\\x80\\x8b"
        );
        assert_eq!(escape(b"a b "), "a b\\x20");
    }

    #[test]
    fn lines_round_trip() {
        let v = vec![
            (Detector::Lfi, "lfi:traversal".to_string()),
            (Detector::ProtocolAttack, "protocol:x".to_string()),
        ];
        let line = format_line(b"../\t", &v);
        assert_eq!(line, "../\\t\tLFI=lfi:traversal PROTOCOL_ATTACK=protocol:x");
        let r = parse_line(7, &line);
        assert_eq!(
            r,
            Ok(Record {
                line: 7,
                input: b"../\t".to_vec(),
                verdicts: v
            })
        );
        assert_eq!(parse_line(1, "x\t-").map(|r| r.verdicts), Ok(Vec::new()));
        assert!(parse_line(1, "x").is_err());
        assert!(parse_line(1, "x\tNOPE=a").is_err());
        assert!(parse_line(1, "x\tLFI=").is_err());
        assert!(parse_line(1, "x\tLFI=a LFI=b").is_err());
        assert!(parse_line(1, "\\q\t-").is_err());
        assert!(parse("# c\n\na\t-\na\t-\n").is_err());
    }

    #[test]
    fn literals_of_rust_source() {
        let l = literals(
            "const A: &[&str] = &[\"a\\\"b\", \"c\\x41\", b\"\\xac\"]; // \"no\"\n'x' '\"' \"\\u{e9}\\\n   d\"",
        );
        let want: BTreeSet<Vec<u8>> = [
            b"a\"b".to_vec(),
            b"cA".to_vec(),
            vec![0xac],
            "\u{e9}d".as_bytes().to_vec(),
        ]
        .into_iter()
        .collect();
        assert_eq!(l, want);
    }
}
