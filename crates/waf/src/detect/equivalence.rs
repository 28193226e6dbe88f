//! The fast-reject paths change no verdict: every family detector answers exactly as its
//! original implementation (kept in `oracle/`) on the unit-test fixtures, on the benign and
//! attack corpora, and on values built from the detectors' own keyword lists (mutated,
//! case-flipped, joined with separators).

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::{Detector, oracle};

/// Every detector's source, for its string literals (keywords and test fixtures).
const SOURCES: &[&str] = &[
    include_str!("oracle/lfi.rs"),
    include_str!("oracle/rfi.rs"),
    include_str!("oracle/shell.rs"),
    include_str!("oracle/powershell.rs"),
    include_str!("oracle/php.rs"),
    include_str!("oracle/java.rs"),
    include_str!("oracle/log4j.rs"),
    include_str!("oracle/metadata_ssrf.rs"),
    include_str!("oracle/restricted_ext.rs"),
    include_str!("oracle/bad_bot.rs"),
    include_str!("oracle/admin_paths.rs"),
    include_str!("oracle/exploitable_paths.rs"),
    include_str!("oracle/protocol.rs"),
    include_str!("lfi.rs"),
    include_str!("rfi.rs"),
    include_str!("shell.rs"),
    include_str!("powershell.rs"),
    include_str!("php.rs"),
    include_str!("java.rs"),
    include_str!("log4j.rs"),
    include_str!("metadata_ssrf.rs"),
    include_str!("restricted_ext.rs"),
    include_str!("bad_bot.rs"),
    include_str!("admin_paths.rs"),
    include_str!("exploitable_paths.rs"),
    include_str!("protocol.rs"),
];

/// The string and byte-string literals of Rust source `src` (escapes decoded; raw strings and
/// character literals are skipped).
fn literals(src: &str) -> Vec<Vec<u8>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // skip comments
        if b[i..].starts_with(b"//") {
            i += b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .unwrap_or(b.len() - i);
            continue;
        }
        // skip character literals `'x'`, `'\''`, `b'"'`
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
            if b[j] == b'\\' {
                j += 1;
                match b.get(j).copied().unwrap_or(b'\\') {
                    b'n' => s.push(b'\n'),
                    b'r' => s.push(b'\r'),
                    b't' => s.push(b'\t'),
                    b'0' => s.push(0),
                    b'x' => {
                        let h = std::str::from_utf8(&b[j + 1..j + 3]).unwrap_or("00");
                        s.push(u8::from_str_radix(h, 16).unwrap_or(0));
                        j += 2;
                    }
                    b'u' => {
                        let close = b[j..].iter().position(|&c| c == b'}').unwrap_or(0);
                        let h = std::str::from_utf8(&b[j + 2..j + close]).unwrap_or("0");
                        let c = char::from_u32(u32::from_str_radix(h, 16).unwrap_or(0x3f))
                            .unwrap_or('?');
                        let mut tmp = [0u8; 4];
                        s.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
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
                continue;
            }
            s.push(b[j]);
            j += 1;
        }
        out.push(s);
        i = j + 1;
    }
    out.sort();
    out.dedup();
    out
}

fn all_literals() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = SOURCES.iter().flat_map(|s| literals(s)).collect();
    v.sort();
    v.dedup();
    v
}

#[track_caller]
fn same(input: &[u8]) {
    for d in Detector::ALL {
        let want = oracle::detect(d, input);
        let got = d.detect(input);
        assert_eq!(
            got,
            want,
            "{} on {:?}",
            d.name(),
            String::from_utf8_lossy(input)
        );
    }
}

const SEPARATORS: &[&[u8]] = &[
    b"", b" ", b";", b"|", b"&", b"&&", b"\n", b"\r\n", b"%0a", b"%0d%0a", b"$(", b")", b"`", b"(",
    b"'", b"\"", b"/", b"../", b"=", b"?", b"#", b"\\", b"${", b"}", b"{", b":", b".", b"-", b"<",
    b">", b"*", b"[", b"]", b"%", b"^", b"!", b"~", b",", b"\t", b"\0", b"x", b"1",
];

#[test]
fn literals_parse() {
    let l = literals("const A: &[&str] = &[\"a\\\"b\", \"c\\x41\", b\"\\xac\"]; // \"no\"\n'x'");
    assert_eq!(l, vec![b"a\"b".to_vec(), b"cA".to_vec(), vec![0xac]]);
}

#[test]
fn fixtures_and_keywords() {
    let lits = all_literals();
    assert!(lits.len() > 2000, "{}", lits.len());
    for l in &lits {
        same(l);
        let upper = l.to_ascii_uppercase();
        same(&upper);
        for sep in SEPARATORS {
            let mut v = sep.to_vec();
            v.extend_from_slice(l);
            same(&v);
            let mut w = l.clone();
            w.extend_from_slice(sep);
            same(&w);
            let mut x = b"a".to_vec();
            x.extend_from_slice(sep);
            x.extend_from_slice(l);
            x.extend_from_slice(sep);
            x.extend_from_slice(b"/x -y");
            same(&x);
        }
    }
}

#[test]
fn corpora() {
    let benign = include_str!("../../tests/data/managed-benign.txt");
    for line in benign.lines() {
        same(line.as_bytes());
    }
    // the shared attack corpora, where present (developers' machines): OWASP CRS regression
    // tests (Apache-2.0, ©OWASP CRS project), each `uri:`/`data:`/header value as written and
    // percent-decoded
    let crs = std::path::Path::new("/work/shared/corpora/crs-regression/tests");
    let mut n = 0usize;
    for d in std::fs::read_dir(crs).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            let Ok(text) = std::fs::read_to_string(f.path()) else {
                continue;
            };
            for line in text.lines() {
                let Some((key, value)) = line.trim_start().split_once(": ") else {
                    continue;
                };
                if key.starts_with('-') || key.contains(' ') {
                    continue;
                }
                let value = value.trim().trim_matches('"').as_bytes();
                same(value);
                same(&percent_decoded(value));
                n += 1;
            }
        }
    }
    // PayloadsAllTheThings lists (MIT, © swisskyrepo and contributors)
    let root = std::path::Path::new("/work/shared/corpora/payloadsallthethings");
    let Ok(dirs) = std::fs::read_dir(root) else {
        return;
    };
    for d in dirs.flatten() {
        let Ok(files) = std::fs::read_dir(d.path()) else {
            continue;
        };
        for f in files.flatten() {
            let Ok(text) = std::fs::read(f.path()) else {
                continue;
            };
            for line in text.split(|&c| c == b'\n').take(3000) {
                same(line);
                same(&percent_decoded(line));
                n += 1;
            }
        }
    }
    assert!(n > 0);
}

/// `%HH` decoded and `+` made a space, as the managed rules' URL_DECODE does.
fn percent_decoded(v: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match (
            v[i],
            v.get(i + 1).and_then(|&c| hex(c)),
            v.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn keyword() -> impl Strategy<Value = Vec<u8>> {
    let lits = all_literals();
    let n = lits.len();
    (0..n).prop_map(move |i| lits[i].clone())
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => keyword(),
        2 => (0..SEPARATORS.len()).prop_map(|i| SEPARATORS[i].to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..4),
        1 => "[a-zA-Z0-9 ./_-]{0,8}".prop_map(String::into_bytes),
    ]
}

/// A value: pieces joined, then mutated (case flips, a byte replaced, a byte dropped).
fn value() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(piece(), 1..6),
        proptest::collection::vec((any::<usize>(), 0u8..4, any::<u8>()), 0..4),
    )
        .prop_map(|(pieces, edits)| {
            let mut v: Vec<u8> = pieces.concat();
            for (at, kind, byte) in edits {
                if v.is_empty() {
                    break;
                }
                let i = at % v.len();
                match kind {
                    0 => v[i] ^= 0x20 * u8::from(v[i].is_ascii_alphabetic()),
                    1 => v[i] = byte,
                    2 => {
                        v.remove(i);
                    }
                    _ => v.insert(i, byte),
                }
            }
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8000, ..ProptestConfig::default() })]

    #[test]
    fn built_values(v in value()) {
        same(&v);
    }
}

/// The inputs of the recorded verdicts (`tests/data/detector-verdicts.tsv`): the oracle and the
/// shipped detectors agree on every one, so the recorded verdicts are the oracle's.
#[test]
fn recorded_inputs() {
    let text = include_str!("../../tests/data/detector-verdicts.tsv");
    let mut n = 0;
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = line.split('\t').next().unwrap().as_bytes();
        let mut input = Vec::new();
        let mut i = 0;
        while i < field.len() {
            if field[i] != b'\\' {
                input.push(field[i]);
                i += 1;
                continue;
            }
            match field[i + 1] {
                b'\\' => input.push(b'\\'),
                b't' => input.push(b'\t'),
                b'n' => input.push(b'\n'),
                b'r' => input.push(b'\r'),
                b'x' => {
                    let h = std::str::from_utf8(&field[i + 2..i + 4]).unwrap();
                    input.push(u8::from_str_radix(h, 16).unwrap());
                    i += 2;
                }
                c => panic!("bad escape {c} in {line}"),
            }
            i += 2;
        }
        same(&input);
        n += 1;
    }
    assert!(n > 10_000, "{n}");
}
