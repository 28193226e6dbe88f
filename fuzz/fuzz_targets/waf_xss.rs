//! `waf::detect::xss::detect` on arbitrary bytes: never panics, and a detection is well
//! formed — an `xss:` reason and one to four short evidence tokens — and the same on a second
//! call (the detector keeps no state).
#![no_main]

use libfuzzer_sys::fuzz_target;
use waf::detect::xss;

fuzz_target!(|data: &[u8]| {
    let found = xss::detect(data);
    if let Some(d) = &found {
        assert!(d.reason.starts_with("xss:"), "{}", d.reason);
        assert!((1..=4).contains(&d.matched.len()), "{:?}", d.matched);
        // 40 bytes at most, each of which may become a 3-byte U+FFFD
        assert!(d.matched.iter().all(|t| t.len() <= 120), "{:?}", d.matched);
    }
    assert_eq!(xss::detect(data), found);
});
