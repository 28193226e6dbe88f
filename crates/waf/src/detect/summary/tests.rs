//! The summary's tests are sound: whenever it says a detector cannot fire, the detector does
//! not. Values are built from the detectors' own keywords, commands, separators and evasion
//! bytes, then thinned to a random set of byte classes so that many of them are values the
//! summary rejects while still holding keywords.

use proptest::prelude::*;
use proptest::strategy::ValueTree;

use super::super::prefilter::{Anchors, MultiAnchors};
use super::super::sqli::{self, Sensitivity};
use super::super::{Detector, bad_bot, java, lfi, metadata_ssrf, powershell, xss};
use super::*;

/// Keywords of every family, and words that are attacks on their own.
fn keywords() -> Vec<Vec<u8>> {
    let mut k: Vec<Vec<u8>> = Vec::new();
    k.extend(lfi::sensitive_keys().iter().map(|s| s.as_bytes().to_vec()));
    k.extend(
        lfi::sensitive_entries()
            .iter()
            .map(|s| s.as_bytes().to_vec()),
    );
    k.extend(
        powershell::gate_patterns()
            .into_iter()
            .map(String::into_bytes),
    );
    k.extend(java::gate_patterns().iter().map(|s| s.to_vec()));
    k.extend(metadata_ssrf::NAMES.iter().map(|s| s.as_bytes().to_vec()));
    k.extend(bad_bot::TOOLS.iter().map(|s| s.as_bytes().to_vec()));
    for w in [
        "ls",
        "id",
        "cat",
        "whoami",
        "ifconfig",
        "ping",
        "nc",
        "dir",
        "net",
        "if",
        "for",
        "type",
        "iex",
        "pwsh",
        "powershell",
        "select",
        "union",
        "or",
        "and",
        "sleep",
        "benchmark",
        "waitfor",
        "delay",
        "xp_cmdshell",
        "localhost",
        "http",
        "https",
        "file",
        "jndi",
        "ldap",
        "script",
        "alert",
        "onerror",
        "javascript",
        "passwd",
        "etc",
        "proc",
        "self",
        "environ",
        "rO0AB",
        "2852039166",
        "0xa9fea9fe",
        "169",
        "254",
        "admin",
        "wp-admin",
        "phpinfo",
        "system",
        "exec",
        "eval",
        "GLOBALS",
        "version",
        "HTTP/1.1",
        "unix",
        "meta",
        "refresh",
        "../",
        "..\\",
        "%2e%2e%2f",
        "%c0%ae",
        "${",
        "$(",
        "`",
        ";",
        "|",
        "&&",
        "\r\n",
        "%0d%0a",
        "<",
        ">",
        "'",
        "\"",
        "=",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        "!",
        ":",
        "//",
        "\\\\",
        "?",
        "#",
        "*",
        "~",
        "^",
        "%",
        "+",
        "-",
        "_",
        ".",
        "/",
        "@",
        ",",
        " ",
        "\t",
        "\u{ff0e}",
        "\u{2460}",
        "\u{3002}",
    ] {
        k.push(w.as_bytes().to_vec());
    }
    k
}

/// A value: pieces of keywords, letters, digits and punctuation, thinned to the bytes whose
/// class is in `keep`.
fn value() -> impl Strategy<Value = Vec<u8>> {
    let words = keywords();
    let piece = prop_oneof![
        4 => (0..words.len()).prop_map(move |i| words[i].clone()),
        2 => "[a-zA-Z]{1,12}".prop_map(String::into_bytes),
        1 => "[0-9]{1,10}".prop_map(String::into_bytes),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ];
    (
        prop::collection::vec(piece, 1..8),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(pieces, keep, thin)| {
            let v = pieces.concat();
            if thin {
                v.into_iter()
                    .filter(|&b| CLASS[usize::from(b)] & keep != 0)
                    .collect()
            } else {
                v
            }
        })
}

/// Checks every statement kind on `v`; answers how many rejects were checked.
fn check(v: &[u8]) -> usize {
    let s = Summary::of(v);
    let mut rejects = 0;
    for d in Detector::ALL {
        if !s.may_detect(d, v) {
            rejects += 1;
            assert_eq!(d.detect(v), None, "{} on {v:?}", d.name());
        }
    }
    if !s.may_sqli(v) {
        rejects += 1;
        assert_eq!(sqli::detect(v, Sensitivity::Low), None, "{v:?}");
        assert_eq!(sqli::detect(v, Sensitivity::High), None, "{v:?}");
    }
    if !s.may_xss() {
        rejects += 1;
        assert_eq!(xss::detect(v), None, "{v:?}");
    }
    rejects
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn summary_rejects_are_sound(v in value()) {
        check(&v);
    }

    #[test]
    fn summary_rejects_are_sound_on_any_bytes(v in prop::collection::vec(any::<u8>(), 0..64)) {
        check(&v);
    }

    /// A byte match's needle is found only in a value holding each of its classes.
    #[test]
    fn needle_classes_are_necessary(v in value(), start in 0usize..64, len in 0usize..8) {
        let s = Summary::of(&v);
        let start = start.min(v.len());
        let needle = &v[start..(start + len).min(v.len())];
        prop_assert!(s.may_hold(classes_of(needle)));
    }

    /// The summary's windows answer for each family exactly what its own gate answers.
    #[test]
    fn multi_anchors_answer_as_each_gate(v in value()) {
        let bits = ANCHORS.may_contain(&v);
        prop_assert_eq!(bits & LFI != 0, Anchors::new(&lfi::sensitive_keys()).may_contain(&v));
        prop_assert_eq!(bits & JAVA != 0, Anchors::new(&java::gate_patterns()).may_contain(&v));
        prop_assert_eq!(
            bits & POWERSHELL != 0,
            Anchors::new(&powershell::gate_patterns()).may_contain(&v)
        );
        prop_assert_eq!(bits & METADATA != 0, Anchors::new(metadata_ssrf::NAMES).may_contain(&v));
        prop_assert_eq!(bits & BAD_BOT != 0, Anchors::new(bad_bot::TOOLS).may_contain(&v));
        prop_assert_eq!(Summary::of(&v).anchors, bits);
    }
}

/// The property tests are not vacuous: the generated values include many the summary rejects.
#[test]
fn generated_values_exercise_the_rejects() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = value();
    let mut rejects = 0;
    for _ in 0..2000 {
        let v = strategy.new_tree(&mut runner).unwrap().current();
        rejects += check(&v);
    }
    assert!(rejects > 2000 * 4, "{rejects}");
}

/// Keywords spelled as whole values: each is rejected only if its detector stays silent.
#[test]
fn keywords_alone_and_in_prose() {
    for k in keywords() {
        for v in [
            k.clone(),
            [b"x ".as_slice(), &k, b" y"].concat(),
            [b"/".as_slice(), &k].concat(),
            k.to_ascii_uppercase(),
        ] {
            check(&v);
        }
    }
}

/// The sensitive-file reject: every entry holds one of `/._-` once canonical.
#[test]
fn sensitive_entries_hold_a_path_byte() {
    for e in lfi::sensitive_entries() {
        let e = e.trim_start_matches('/');
        assert!(e.bytes().any(|b| b"/._-".contains(&b)), "{e}");
    }
}

#[test]
fn long_words_are_no_keyword() {
    let v = [b'a'; 59];
    let s = Summary::of(&v);
    assert!(!s.may_sqli(&v));
    assert!(!s.may_xss());
    for d in Detector::ALL {
        assert!(!s.may_detect(d, &v), "{}", d.name());
    }
}

#[test]
fn classes() {
    assert_eq!(classes_of(b""), 0);
    assert!(Summary::of(b"a<b").may_xss());
    assert!(!Summary::of(b"hello world").may_xss());
    assert!(Summary::of(b"abc").may_hold(classes_of(b"cab")));
    assert!(!Summary::of(b"abc").may_hold(classes_of(b"a/")));
    let _ = MultiAnchors::new::<&[u8]>(&[]);
}
