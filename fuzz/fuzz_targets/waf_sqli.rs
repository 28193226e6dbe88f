//! `waf::detect::sqli::detect` on arbitrary bytes at both sensitivities: never panics, reports
//! a known reason with a few tokens of evidence taken from the input, and whatever LOW reports
//! HIGH reports too (HIGH only adds findings).
#![no_main]

use libfuzzer_sys::fuzz_target;
use waf::detect::sqli::{Sensitivity, detect};

fuzz_target!(|data: &[u8]| {
    let low = detect(data, Sensitivity::Low);
    let high = detect(data, Sensitivity::High);
    for d in low.iter().chain(high.iter()) {
        assert!(d.reason.starts_with("sqli:"), "{}", d.reason);
        assert!(!d.matched.is_empty() && d.matched.len() <= 5, "{:?}", d.matched);
    }
    if low.is_some() {
        assert!(high.is_some(), "LOW found what HIGH did not");
    }
});
