#![no_main]
//! The managed rule groups' family detectors on arbitrary bytes: the first byte picks one
//! detector (or all of them), the rest is the field value. They must never panic, and a
//! detection must quote bounded evidence.
use libfuzzer_sys::fuzz_target;
use waf::detect::Detector;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, value)) = data.split_first() else {
        return;
    };
    let run = |d: Detector| {
        if let Some(found) = d.detect(value) {
            assert!(!found.reason.is_empty());
            assert!(found.matched.iter().all(|m| m.len() <= 4 * 64));
        }
    };
    match Detector::ALL.get(usize::from(pick)) {
        Some(&d) => run(d),
        None => Detector::ALL.into_iter().for_each(run),
    }
});
