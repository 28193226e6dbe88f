//! The family detectors answer as recorded in `tests/data/detector-verdicts.tsv`: for every
//! input there, which detectors fire and the reason each gives. The inputs are the detectors'
//! keywords and test fixtures with variants of them, the benign lists and values from public
//! attack corpora (see the file's header); `examples/record_verdicts.rs` writes the file.
//!
//! A detector that changes a verdict on purpose re-records the file and shows the change in
//! its diff; one that changes a verdict by accident (a fast reject that is not sound, a
//! reordered check that changes the reason) fails here with the inputs it gets wrong.

#![allow(clippy::unwrap_used)]

mod verdicts;

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use waf::detect::Detector;

use verdicts::{Record, escape, reason_of, verdicts_of};

/// How many mismatches are printed in full.
const SHOWN: usize = 30;

fn records() -> Vec<Record> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(verdicts::PATH);
    let text = std::fs::read_to_string(&path).unwrap();
    match verdicts::parse(&text) {
        Ok(r) => r,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

#[test]
fn detectors_give_the_recorded_verdicts() {
    let records = records();
    let mut wrong: BTreeMap<&str, usize> = BTreeMap::new();
    let mut shown = Vec::new();
    for r in &records {
        let got = verdicts_of(&r.input);
        if got == r.verdicts {
            continue;
        }
        for d in Detector::ALL {
            let (want, now) = (reason_of(&r.verdicts, d), reason_of(&got, d));
            if want == now {
                continue;
            }
            *wrong.entry(d.name()).or_default() += 1;
            if shown.len() < SHOWN {
                shown.push(format!(
                    "  line {:>5}  {:<22} expected {:<30} got {:<30} input {}",
                    r.line,
                    d.name(),
                    want.unwrap_or("-"),
                    now.unwrap_or("-"),
                    if r.input.is_empty() {
                        "(empty)".to_string()
                    } else {
                        escape(&r.input)
                    }
                ));
            }
        }
    }
    if !wrong.is_empty() {
        let per: Vec<String> = wrong.iter().map(|(d, n)| format!("{d}: {n}")).collect();
        panic!(
            "{} of {} recorded verdicts differ ({}); the first ones:\n{}\n\
             If the change is intended, re-record with \
             `cargo run -p rampart-waf --example record_verdicts` and review the diff.",
            wrong.values().sum::<usize>(),
            records.len() * Detector::ALL.len(),
            per.join(", "),
            shown.join("\n")
        );
    }
}

/// The file exercises every detector, both ways: an emptied or truncated file fails here
/// rather than passing without checking anything.
#[test]
fn recorded_inputs_cover_every_detector() {
    let records = records();
    assert!(records.len() > 10_000, "{} inputs", records.len());
    for d in Detector::ALL {
        let fired = records
            .iter()
            .filter(|r| reason_of(&r.verdicts, d).is_some())
            .count();
        assert!(fired >= 20, "{} fires on {fired} recorded inputs", d.name());
        assert!(
            records.len() - fired >= 5_000,
            "{} fires on {fired} of {} recorded inputs",
            d.name(),
            records.len()
        );
    }
}

/// Separators and fragments that the built values below join with the recorded inputs.
const SEPARATORS: &[&[u8]] = &[
    b"", b" ", b";", b"|", b"&", b"&&", b"\n", b"\r\n", b"%0a", b"$(", b")", b"`", b"'", b"\"",
    b"/", b"../", b"=", b"?", b"#", b"\\", b"${", b"}", b"<", b">", b"*", b"%", b"\0", b"x",
];

fn recorded_input() -> impl Strategy<Value = Vec<u8>> {
    let inputs: Vec<Vec<u8>> = records().into_iter().map(|r| r.input).collect();
    let n = inputs.len();
    (0..n).prop_map(move |i| inputs[i].clone())
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => recorded_input(),
        2 => (0..SEPARATORS.len()).prop_map(|i| SEPARATORS[i].to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..4),
        1 => "[a-zA-Z0-9 ./_-]{0,8}".prop_map(String::into_bytes),
    ]
}

/// A value: pieces joined, then mutated (case flips, a byte replaced, dropped or inserted).
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
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Values built from the recorded inputs never make a detector panic, and what a detector
    /// reports is well formed: a one-word reason and a little evidence, the same every time.
    #[test]
    fn built_values_give_well_formed_detections(v in value()) {
        for d in Detector::ALL {
            let Some(found) = d.detect(&v) else { continue };
            prop_assert!(!found.reason.is_empty() && !found.reason.contains([' ', '=', '\t']));
            prop_assert!(!found.matched.is_empty() && found.matched.len() <= 8);
            prop_assert!(found.matched.iter().all(|m| m.len() <= 256), "{:?}", found.matched);
            // the same input gives the same answer
            prop_assert_eq!(d.detect(&v), Some(found));
        }
    }
}
